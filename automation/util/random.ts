/**
 * The one seeded PRNG of the driver and the simulation: the driver's retry jitter (real and
 * simulated runs) and every random draw of the simulated Regions. Pure, no imports, so the
 * engine can use it without depending on the simulation.
 */

/**
 * mulberry32: a small, fast 32-bit PRNG, uniform in [0, 1); the same seed always gives the same
 * sequence (drills and tests rely on exact seeds). Good enough for jitter and durations, not for
 * cryptography.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
