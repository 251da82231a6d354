/**
 * The driver never spins or waits without bound on the simulated Regions: a latency file whose
 * durations cannot make progress is refused naming the key, and every step, `up` included, has a
 * bound.
 */
import { expect } from "chai";
import { cli, scratch } from "./harness";

describe("gates: bounded simulation and steps", () => {
  const s = scratch();
  after(() => s.cleanup());

  for (const seconds of ["0", "0.0004"]) {
    for (const argv of [["status", "--sim"], ["drill"]]) {
      it(`${argv[0]} with efs-sync at ${seconds} s is refused naming the key (exit 2), not a hang`, async () => {
        const file = s.file(`efs-${seconds}.yaml`, `efs-sync: { minSeconds: ${seconds}, typicalSeconds: ${seconds}, maxSeconds: ${seconds} }\n`);
        const r = await cli([...argv, "--latency-file", file]);
        expect(r.code).to.equal(2);
        expect(r.err).to.match(/--latency-file/).and.match(/efs-sync\.minSeconds/);
      });
    }
  }
});
