/**
 * A planned failover checks every control plane it needs (EKS and CloudWatch in the target's
 * Region, RDS and EFS in both, Route 53) before its first side effect, and again right before its
 * point of no return. With one down it is refused (exit 2) and nothing moves; a resume is refused
 * the same way instead of failing at the same step again.
 */
import { expect } from "chai";
import { failover, type RunResult } from "../../../automation/driver";
import { refusal, sideEffectCounts, simulate } from "../helpers";
import { cli } from "./harness";

describe("gates: control planes a planned run needs", () => {
  it("with Route 53's control plane down, the CLI refuses before any side effect (exit 2)", async () => {
    const r = await cli(["failover", "--to", "dr", "--mode", "planned", "--sim", "--yes"], { beforeRun: (w) => w.sim!.faults.impairRoute53() });
    expect(r.code).to.equal(2);
    expect(r.err)
      .to.match(/Route 53/)
      .and.match(/control plane/);
    expect(r.wired[0].sim!.world.sideEffects()).to.deep.equal([]);
  });

  it("the same refusal for each service the run needs, naming it", async () => {
    const t = await simulate({ seed: 51 });
    // Only the switchover's RDS API in the source Region stops answering.
    t.sim.faults.timeout("describeGlobalCluster", 50, { region: "us-east-1" });
    const err = await refusal(failover(t.deps, { to: "dr", mode: "planned" }));
    expect(err.message).to.match(/RDS in us-east-1/);
    expect(sideEffectCounts(t.sim)).to.deep.equal({});
  });

  it("Route 53 going down during the run stops it before the point of no return, and it rolls back", async () => {
    const t = await simulate({ seed: 52 });
    t.sim.faults.impairRoute53({ afterMs: 60_000 });
    const r = (await failover(t.deps, { to: "dr", mode: "planned" })) as RunResult;
    expect(r.report.outcome).to.equal("rolled-back");
    expect(r.report.failedStep).to.equal("point-of-no-return");
    expect(r.report.error).to.match(/Route 53/);
    expect(t.sim.world.sideEffects("SwitchoverGlobalCluster")).to.have.length(0);
    expect(t.sim.world.sideEffects("DeleteReplicationConfiguration")).to.have.length(0);
    expect(t.sim.world.writer()).to.equal("primary");
  });

  it("a resume after the point of no return is refused while Route 53 is down, instead of failing at the swap again", async () => {
    const t = await simulate({ seed: 53 });
    t.sim.faults.crashAfterStep("switchover-db");
    await failover(t.deps, { to: "dr", mode: "planned" }).catch((e: Error) => expect(e.name).to.equal("SimulatedCrash"));
    t.sim.restart();
    t.sim.faults.impairRoute53();
    const before = sideEffectCounts(t.sim);
    const err = await refusal(failover(t.deps, { to: "dr", mode: "planned" }, { takeOver: true }));
    expect(err.message)
      .to.match(/Route 53/)
      .and.match(/point of no return/);
    expect(sideEffectCounts(t.sim)).to.deep.equal(before);
    // Once it answers again, the same command finishes the run.
    t.sim.faults.recoverRegion("route53");
    const again = (await failover(t.deps, { to: "dr", mode: "planned" })) as RunResult;
    expect(again.report.outcome, again.report.error).to.equal("succeeded");
    expect(t.sim.world.sideEffects("SwitchoverGlobalCluster")).to.have.length(1);
  });
});
