/**
 * The shared seeded PRNG (automation/util/random.ts): pinned outputs, so a change to it cannot
 * silently shift the driver's jitter or the simulation's draws (drills are replayed by seed).
 */
import { expect } from "chai";
import { seededRandom } from "../../automation/util/random";
import { createRng } from "../../automation/sim/rng";

describe("seeded PRNG", () => {
  it("gives the same mulberry32 sequence for a seed as before it was shared", () => {
    const a = seededRandom(7);
    expect([a(), a(), a()]).to.deep.equal([0.011704753153026104, 0.06195825757458806, 0.97690763277933]);
    const b = seededRandom(0);
    expect([b(), b()]).to.deep.equal([0.26642920868471265, 0.0003297457005828619]);
  });

  it("drives the simulation's streams, forks included", () => {
    const r = createRng(42);
    expect([r.next(), r.next()]).to.deep.equal([0.1682699858210981, 0.2886446751654148]);
    const f = createRng(42).fork("efs");
    expect([f.next(), f.next()]).to.deep.equal([0.6005445474293083, 0.5834570685401559]);
  });
});
