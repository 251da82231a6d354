/**
 * Seeded pseudo-random numbers for the simulation.
 *
 * Every random draw of the simulated Regions goes through an `Rng`, so a drill run with the same
 * seed replays the same durations. `fork(label)` gives an independent stream per purpose (one per
 * latency step, one for EFS sync cycles...), so that an extra poll by the driver does not shift the
 * durations every later step draws.
 */
import { seededRandom } from "../util/random";

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** An independent stream derived from this one's seed and `label` (same label, same stream). */
  fork(label: string): Rng;
  /** The seed this stream was derived from, for reports ("rerun with --seed ..."). */
  readonly seed: string;
}

/** xmur3 string hash: spreads any seed text over 32 bits. */
function hash32(text: string): number {
  let h = 1779033703 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  h = Math.imul(h ^ (h >>> 16), 2246822507);
  h = Math.imul(h ^ (h >>> 13), 3266489909);
  return (h ^= h >>> 16) >>> 0;
}

/** A seeded stream; the same seed always gives the same sequence. */
export function createRng(seed: number | string): Rng {
  const seedText = String(seed);
  const next = seededRandom(hash32(seedText));
  return {
    seed: seedText,
    next,
    fork: (label: string) => createRng(`${seedText}/${label}`),
  };
}
