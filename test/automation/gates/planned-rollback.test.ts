/**
 * A planned failover never leaves no site serving. The switch (Aurora switchover, EFS replication
 * deleted) comes only after every data store has caught up, behind an explicit point of no return.
 * A run that fails before it puts the source back into service by itself (unquiesced, DNS as it
 * was, the target's capacity back to standby) and says so; one that fails after it stops with both
 * sites' state and the exact command that finishes it.
 */
import { expect } from "chai";
import { failover, type RunResult } from "../../../automation/driver";
import { plannedFailoverPlan } from "../../../automation/plan/plans";
import { loadPair } from "../../../automation/plan/sites";
import { MemoryJournal } from "../../../automation/journal/memory-journal";
import { createSimulation, type LatencyOverrides } from "../../../automation/sim";
import { driverDeps, simWiring } from "../../../automation/wiring";
import { formatReport } from "../../../automation/report/report";
import { finalState, variantConfigs } from "../helpers";
import { cli, scratch } from "./harness";

async function slow(latencyOverrides: LatencyOverrides, seed = 61) {
  const sim = await createSimulation({ seed, configs: variantConfigs({}), latencyOverrides });
  const journal = new MemoryJournal();
  const deps = driverDeps(simWiring(sim, { journal, stackNames: ["primary", "dr"] }));
  return { sim, journal, deps };
}

const fixed = (seconds: number) => ({ minSeconds: seconds, typicalSeconds: seconds, maxSeconds: seconds });

describe("gates: a planned failover never leaves no site serving", () => {
  it("the plan makes its point of no return explicit: the switch waits for every data store", async () => {
    const { sim } = await slow({});
    const plan = plannedFailoverPlan(await loadPair(sim.stacks, "dr"));
    const byId = new Map(plan.steps.map((s) => [s.id, s]));
    expect(plan.pointOfNoReturn).to.equal("point-of-no-return");
    expect(byId.get("point-of-no-return")!.dependsOn).to.include.members(["wait-aurora-lag", "wait-efs-sync"]);
    for (const irreversible of ["switchover-db", "delete-efs-replication"]) expect(byId.get(irreversible)!.dependsOn).to.include("point-of-no-return");
    expect(plan.rollback!.map((s) => s.id)).to.include("rollback:unquiesce-source");
  });

  it("a slow EFS sync fails the run before the switch, and the source serves again by itself", async () => {
    const t = await slow({ "efs-sync": fixed(3000) });
    const r = (await failover(t.deps, { to: "dr", mode: "planned" })) as RunResult;
    expect(r.report.outcome).to.equal("rolled-back");
    expect(r.report.failedStep).to.equal("wait-efs-sync");
    // Nothing irreversible happened.
    expect(t.sim.world.sideEffects("SwitchoverGlobalCluster")).to.have.length(0);
    expect(t.sim.world.sideEffects("DeleteReplicationConfiguration")).to.have.length(0);
    const s = await finalState({ sim: t.sim } as never);
    expect(s.writer).to.equal("primary");
    expect(s.primary).to.include({ role: "active", quiesced: false, serving: true, record: "PRIMARY" });
    expect(s.dr).to.include({ role: "standby", serving: false, record: "SECONDARY" });
    expect(s.dr.nodes).to.deep.equal({ system: "2/2/4", web: "0/0/6", app: "0/0/6" });
    // Users are served in full again: the source's check stayed healthy while it served reads in
    // read-only mode, so clients never left it (the wait covers a check's (3 + 1) x 10 s + 60 s TTL).
    await t.sim.clock.sleep(100_000);
    expect(t.sim.world.userView().up).to.equal(true);
    const text = formatReport(r.report).join("\n");
    expect(text)
      .to.match(/ROLLED BACK/)
      .and.match(/primary serves again/);
    // The run is over: a new command starts afresh rather than resuming past the old quiesce.
    const end = (await t.journal.lastRun()).find((e) => e.kind === "run-end");
    expect(end).to.include({ outcome: "rolled-back" });
  });

  it("through the CLI: exit 1 and the rollback is said", async () => {
    const s = scratch();
    try {
      const lat = s.file("slow-efs.yaml", "efs-sync: { minSeconds: 3000, typicalSeconds: 3000, maxSeconds: 3000 }\n");
      const r = await cli(["failover", "--to", "dr", "--mode", "planned", "--sim", "--yes", "--latency-file", lat]);
      expect(r.code).to.equal(1);
      expect(r.out)
        .to.match(/ROLLED BACK/)
        .and.match(/primary serves again/);
      expect(r.wired[0].sim!.world.site("primary").serving).to.equal(true);
    } finally {
      s.cleanup();
    }
  });

  it("a slow Aurora switchover (past the point of no return) stops with both sites' state and the exact resume command", async () => {
    const t = await slow({ "aurora-switchover": fixed(3000) }, 62);
    t.deps.resumeFlags = ["--journal /tmp/j.jsonl"];
    const r = (await failover(t.deps, { to: "dr", mode: "planned" })) as RunResult;
    expect(r.report.outcome).to.equal("failed");
    expect(r.report.failedStep).to.equal("switchover-db");
    expect(r.report.pointOfNoReturn).to.include({ crossed: true });
    expect(r.report.resumeCommand).to.equal("npm run failover -- --to dr --mode planned --journal /tmp/j.jsonl");
    const state = r.report.sites!.join("\n");
    expect(state)
      .to.match(/primary \(us-east-1\): .*quiesced/)
      .and.match(/dr \(us-west-2\): /)
      .and.match(/Aurora/)
      .and.match(/EFS/)
      .and.match(/DNS/);
    const text = formatReport(r.report).join("\n");
    expect(text)
      .to.match(/past its point of no return/)
      .and.include("npm run failover -- --to dr --mode planned --journal /tmp/j.jsonl");
    // The source was not unquiesced under a switching database; resuming finishes forward.
    expect((await t.sim.stacks.readConfig("primary")).quiesced).to.equal(true);
    expect(t.sim.world.site("primary").serving).to.equal(false);
    const again = (await failover(t.deps, { to: "dr", mode: "planned" })) as RunResult;
    expect(again.report.outcome, again.report.error).to.equal("succeeded");
    expect(t.sim.world.writer()).to.equal("dr");
    expect(t.sim.world.site("dr").serving).to.equal(true);
  });

  it("a crash during the rollback resumes the rollback, not the failover", async () => {
    const t = await slow({ "efs-sync": fixed(3000) }, 63);
    t.sim.faults.crashAfterStep("rollback:unquiesce-source");
    const crashed = await failover(t.deps, { to: "dr", mode: "planned" }).then(
      () => false,
      (e: Error) => e.name === "SimulatedCrash",
    );
    expect(crashed).to.equal(true);
    t.sim.restart();
    const r = (await failover(t.deps, { to: "dr", mode: "planned" }, { takeOver: true })) as RunResult;
    expect(r.report.outcome).to.equal("rolled-back");
    expect(r.report.attempts).to.equal(2);
    expect(r.report.failedStep).to.equal("wait-efs-sync");
    expect(t.sim.world.sideEffects("SwitchoverGlobalCluster")).to.have.length(0);
    expect(t.sim.world.site("primary").serving).to.equal(true);
  });
});
