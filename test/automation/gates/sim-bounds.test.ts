/**
 * The driver never spins or waits without bound on the simulated Regions: a latency file whose
 * durations cannot make progress is refused naming the key, and every step, `up` included, has a
 * bound.
 */
import { expect } from "chai";
import { deploy } from "../../../automation/driver";
import { MemoryJournal } from "../../../automation/journal/memory-journal";
import { createSimulation } from "../../../automation/sim";
import { driverDeps, simWiring } from "../../../automation/wiring";
import { variantConfigs } from "../helpers";
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
        expect(r.err)
          .to.match(/--latency-file/)
          .and.match(/efs-sync\.minSeconds/);
      });
    }
  }
});

describe("gates: every step has a bound", () => {
  const s = scratch();
  after(() => s.cleanup());
  const slowUp = () => s.file("slow-up.yaml", "pulumi-up: { minSeconds: 1000000000, typicalSeconds: 1000000000, maxSeconds: 1000000000 }\n");

  it("deploy with an `up` that never ends fails at the up bound (default 1h), exit 1, instead of SUCCEEDED after 277777 h", async () => {
    const r = await cli(["deploy", "--sim", "--yes", "--json", "--latency-file", slowUp()]);
    expect(r.code).to.equal(1);
    const report = JSON.parse(r.out);
    expect(report.outcome).to.equal("failed");
    expect(report.failedStep).to.equal("up-primary");
    expect(report.error)
      .to.match(/pulumi up primary did not finish within 1h/)
      .and.match(/driverTimeouts\.upMinutes/);
    expect(report.durationMs).to.be.at.most(61 * 60_000 + 5_000);
  });

  it("an unplanned failover's converge up is bounded the same way", async () => {
    const r = await cli(["failover", "--to", "dr", "--mode", "unplanned", "--sim", "--yes", "--json", "--latency-file", slowUp()]);
    expect(r.code).to.equal(1);
    const report = JSON.parse(r.out);
    expect(report.failedStep).to.equal("converge-up-target");
    expect(report.error).to.match(/pulumi up dr did not finish within 1h/);
    expect(report.durationMs).to.be.below(2 * 3600_000);
    // The data was promoted and the site serves: only the converge is left, and resumable.
    expect(report.rto.ms).to.be.a("number");
  });
});

describe("gates: step bounds come from config", () => {
  it("eks-dr:driverTimeouts.upMinutes bounds every up of the driver (the larger of the two sites' values)", async () => {
    const configs = variantConfigs({});
    configs.primary.driverTimeouts = { upMinutes: 2 };
    configs.dr.driverTimeouts = { upMinutes: 3 };
    const sim = await createSimulation({ seed: 3, configs, latencyOverrides: { "pulumi-up": { minSeconds: 600, typicalSeconds: 600, maxSeconds: 600 } } });
    const deps = driverDeps(simWiring(sim, { journal: new MemoryJournal(), stackNames: ["primary", "dr"] }));
    const r = await deploy(deps, {});
    if (r.kind !== "run") throw new Error("dry run");
    expect(r.report.outcome).to.equal("failed");
    expect(r.report.error).to.match(/pulumi up primary did not finish within 3m/);
    expect(r.report.durationMs).to.be.at.most(3 * 60_000 + 5_000);
  });
});
