/**
 * The database steps: a headless secondary's first instance (by a targeted up, its original setting
 * kept for the converge), the drain that gates a switchover on evidence newer than the quiesce, and
 * the promotion, sent to the right Region, never sent twice, and not done until the new writer is
 * available.
 */
import { expect } from "chai";
import { readOnlyContext } from "../../../automation/engine/inspect";
import { auroraDrainStep, auroraRebuiltStep, dbInstanceStep, MARK, promoteDbStep } from "../../../automation/plan/steps";
import { loadPair, type Pair } from "../../../automation/plan/sites";
import { DEFAULT_TIMEOUTS } from "../../../automation/plan/types";
import { formatDuration } from "../../../automation/util/duration";
import { createSimulation, type Simulation } from "../../../automation/sim";
import { variantConfigs, type Variant } from "../helpers";
import { runSteps } from "./run-steps";

async function setup(v: Variant = {}, seed = 8): Promise<{ sim: Simulation; pair: Pair }> {
  const sim = await createSimulation({ seed, configs: variantConfigs(v) });
  return { sim, pair: await loadPair(sim.stacks, "dr") };
}

const calls = (sim: Simulation, api: string) => sim.world.sideEffects(api);

describe("steps: database", () => {
  describe("add-db-instance", () => {
    it("a headless secondary gets one instance by an up targeted at the promotion instance; the original setting is marked", async () => {
      const { sim, pair } = await setup({ headless: true });
      const r = await runSteps(sim, [dbInstanceStep(pair.target)]);
      expect(r.steps[0]).to.include({ outcome: "done", detail: "instance created by a targeted up" });
      expect((await sim.stacks.readConfig("dr")).database.readers.standby).to.equal(1);
      const ups = sim.world.calls({ api: "pulumi:up", origin: "pulumi:dr" });
      expect(ups).to.have.length(1);
      expect(sim.world.site("dr").db).to.include({ instanceCount: 1, status: "available" });
      const mark = r.events.find((e) => e.kind === "mark" && e.name === MARK.readersOriginal("dr"));
      expect(mark).to.deep.include({ data: { value: 0 } });
    });

    it("a resumed run keeps the original setting marked by the first attempt", async () => {
      const { sim, pair } = await setup({ headless: true });
      // The first attempt marked 0 and raised the setting, then died before the instance existed.
      await sim.stacks.setConfig("dr", [{ key: "database.readers.standby", value: 1 }]);
      const r = await runSteps(sim, [dbInstanceStep(pair.target)], { marks: { [MARK.readersOriginal("dr")]: { value: 0 } } });
      expect(r.steps[0].outcome).to.equal("done");
      expect(r.events.filter((e) => e.kind === "mark" && e.name === MARK.readersOriginal("dr"))).to.have.length(1);
      expect(calls(sim, "pulumi:config-set")).to.have.length(1); // only the first attempt's
    });

    it("a secondary with an available instance is skipped: no config change, no up", async () => {
      const { sim, pair } = await setup();
      const r = await runSteps(sim, [dbInstanceStep(pair.target)]);
      expect(r.steps[0].outcome).to.equal("skipped");
      expect(sim.world.sideEffects()).to.deep.equal([]);
    });
  });

  describe("wait-aurora-lag", () => {
    it("waits for a datapoint that proves the secondary current past the quiesce, not an older one", async () => {
      const { sim, pair } = await setup();
      await sim.clock.sleep(150_000);
      const quiescedAt = sim.clock.now();
      const r = await runSteps(sim, [auroraDrainStep(pair, "", [])], { marks: { [MARK.quiesced]: {} } });
      expect(r.steps[0].outcome).to.equal("done");
      // It ended at the first datapoint whose evidence reaches the quiesce: the minute after it.
      expect(r.steps[0].endedAt! - quiescedAt).to.be.within(1, 3 * 60_000);
      expect(r.steps[0].detail).to.match(/^AuroraGlobalDBRPOLag max \d+ms in the minute from /);
    });

    it("is skipped once the target is the writer (a resume after the switchover)", async () => {
      const { sim, pair } = await setup();
      await runSteps(sim, [promoteDbStep(pair, "planned", "", [])]);
      const r = await runSteps(sim, [auroraDrainStep(pair, "", [])], { marks: { [MARK.quiesced]: {} } });
      expect(r.steps[0].outcome).to.equal("skipped");
    });
  });

  describe("switchover-db / failover-db", () => {
    it("planned: SwitchoverGlobalCluster in the current primary's Region; done once the target writes and is available", async () => {
      const { sim, pair } = await setup();
      const r = await runSteps(sim, [promoteDbStep(pair, "planned", "", [])]);
      expect(r.steps[0]).to.include({ id: "switchover-db", outcome: "done" });
      const call = calls(sim, "SwitchoverGlobalCluster");
      expect(call.map((c) => c.region)).to.deep.equal(["us-east-1"]);
      expect(sim.world.writer()).to.equal("dr");
      expect(sim.world.globalCluster().failoverState).to.equal(undefined);
      const promoted = r.events.find((e) => e.kind === "mark" && e.name === MARK.auroraPromoted) as unknown as { data: Record<string, unknown> };
      expect(promoted.data).to.include({ mode: "planned", lagMetric: "AuroraGlobalDBRPOLag", cluster: pair.target.outputs.dbClusterArn });
      expect(promoted.data.lagMs).to.be.a("number");
      expect(r.events.filter((e) => e.kind === "mark" && e.name === MARK.auroraWriter)).to.have.length(1);
      expect(r.steps[0].detail).to.match(/^newest lag datapoint before the promotion: AuroraGlobalDBRPOLag/);
    });

    it("unplanned: FailoverGlobalCluster in the target's own Region", async () => {
      const { sim, pair } = await setup();
      sim.faults.impairRegion("primary");
      const r = await runSteps(sim, [promoteDbStep(pair, "unplanned", "", [])]);
      expect(r.steps[0]).to.include({ id: "failover-db", outcome: "done" });
      expect(calls(sim, "FailoverGlobalCluster").map((c) => c.region)).to.deep.equal(["us-west-2"]);
      expect(calls(sim, "SwitchoverGlobalCluster")).to.deep.equal([]);
      const promoted = r.events.find((e) => e.kind === "mark" && e.name === MARK.auroraPromoted) as unknown as { data: Record<string, unknown> };
      expect(promoted.data.mode).to.equal("unplanned");
    });

    it("a resume while the switchover is under way waits for it and does not send another", async () => {
      const { sim, pair } = await setup();
      await sim.cloud.rds.switchoverGlobalCluster("us-east-1", pair.globalClusterIdentifier, pair.target.outputs.dbClusterArn, { timeoutMs: 60_000 });
      expect(sim.world.globalCluster().failoverState).to.not.equal(undefined);
      const r = await runSteps(sim, [promoteDbStep(pair, "planned", "", [])], {
        marks: { [MARK.auroraPromoted]: { mode: "planned", lagMs: 0, lagMetric: "AuroraGlobalDBRPOLag", lagPeriodStart: 0 } },
      });
      expect(r.steps[0].outcome).to.equal("done");
      expect(calls(sim, "SwitchoverGlobalCluster")).to.have.length(1);
      // Only the first attempt's mark (seeded here): the resume did not record a second promotion.
      expect(r.events.filter((e) => e.kind === "mark" && e.name === MARK.auroraPromoted)).to.have.length(1);
      expect(sim.world.writer()).to.equal("dr");
    });

    it("is skipped when the target already writes and no operation is under way", async () => {
      const { sim, pair } = await setup();
      await runSteps(sim, [promoteDbStep(pair, "planned", "", [])]);
      const again = await runSteps(sim, [promoteDbStep(pair, "planned", "", [])]);
      expect(again.steps[0].outcome).to.equal("skipped");
      expect(calls(sim, "SwitchoverGlobalCluster")).to.have.length(1);
    });

    it("is not skipped while the switchover to the target is still under way (the writer may already be it)", async () => {
      const { sim, pair } = await setup();
      await sim.cloud.rds.switchoverGlobalCluster("us-east-1", pair.globalClusterIdentifier, pair.target.outputs.dbClusterArn, { timeoutMs: 60_000 });
      const step = promoteDbStep(pair, "planned", "", []);
      const ctx = readOnlyContext({ cloud: sim.cloud, stacks: sim.stacks, clock: sim.clock });
      for (let i = 0; i < 60 && sim.world.globalCluster().failoverState; i++) {
        expect(await step.check(ctx), `check while ${JSON.stringify(sim.world.globalCluster().failoverState)}`).to.equal(false);
        await sim.clock.sleep(10_000);
      }
      expect(await step.check(ctx)).to.equal(true);
    });
  });
});

describe("steps: wait-aurora-rebuild", () => {
  it("after an unplanned failover, waits until Aurora has rebuilt the old primary as an available secondary, saying each state once", async () => {
    const { sim, pair } = await setup({}, 16);
    sim.faults.impairRegion("primary");
    await runSteps(sim, [promoteDbStep(pair, "unplanned", "", [])]);
    const step = () => auroraRebuiltStep(pair.source, pair.globalClusterIdentifier, "", []);
    const ctx = () => readOnlyContext({ cloud: sim.cloud, stacks: sim.stacks, clock: sim.clock });
    // Its Region down, it still counts itself the writer: not rebuilt.
    const whileDown = await runSteps(sim, [{ ...step(), bound: { what: "x", key: "auroraRebuildMs", ms: () => 30 * 60_000 } }]);
    expect(whileDown.outcome).to.equal("failed");
    sim.faults.recoverRegion("primary");
    expect(await step().check(ctx())).to.equal(false);
    const logs: string[] = [];
    const r = await runSteps(sim, [step()], { logs });
    expect(r.steps[0].outcome).to.equal("done");
    expect(r.steps[0].detail).to.match(/^rebuilt after \d+m \d+s of waiting$|^rebuilt after \d+h \d+m of waiting$/);
    const waited = r.steps[0].endedAt! - r.steps[0].startedAt!;
    expect(waited).to.be.at.least(5 * 60_000);
    expect(logs).to.deep.equal(["eks-dr-primary: being rebuilt (pending-resync)"]);
    expect(await step().check(ctx())).to.equal(true);
    expect(sim.world.globalCluster().members.find((m) => m.clusterArn === pair.source.outputs.dbClusterArn)).to.include({ isWriter: false });
  });

  it("after a planned switchover it holds at once (skipped)", async () => {
    const { sim, pair } = await setup({}, 17);
    await runSteps(sim, [promoteDbStep(pair, "planned", "", [])]);
    const r = await runSteps(sim, [auroraRebuiltStep(pair.source, pair.globalClusterIdentifier, "", [])]);
    expect(r.steps[0].outcome).to.equal("skipped");
  });

  it("is not done while the site is still the writer", async () => {
    const { sim, pair } = await setup({}, 18);
    const ctx = readOnlyContext({ cloud: sim.cloud, stacks: sim.stacks, clock: sim.clock });
    expect(await auroraRebuiltStep(pair.source, pair.globalClusterIdentifier, "", []).check(ctx)).to.equal(false);
    expect(await auroraRebuiltStep(pair.target, pair.globalClusterIdentifier, "", []).check(ctx)).to.equal(true);
  });
});

describe("steps: database, what a resume and the report rely on", () => {
  const promotedMark = (r: { events: { kind: string; name?: string; data?: unknown }[] }) =>
    r.events.filter((e) => e.kind === "mark" && e.name === MARK.auroraPromoted).map((e) => e.data as Record<string, unknown>);
  const writerMarks = (r: { events: { kind: string; name?: string; data?: unknown }[] }) =>
    r.events.filter((e) => e.kind === "mark" && e.name === MARK.auroraWriter).map((e) => e.data);

  it("an unplanned failover adds the source's Region to impairedRegions in the same config change as the instance, once", async () => {
    const { sim, pair } = await setup({ headless: true });
    const r = await runSteps(sim, [dbInstanceStep(pair.target, "", [], ["us-east-1"])]);
    expect(r.steps[0].outcome).to.equal("done");
    const sets = calls(sim, "pulumi:config-set").map((c) => c.args.changes);
    expect(sets).to.deep.equal([
      [
        { key: "database.readers.standby", value: 1 },
        { key: "impairedRegions", value: ["us-east-1"] },
      ],
    ]);
    expect((await sim.stacks.readConfig("dr")).impairedRegions).to.deep.equal(["us-east-1"]);
  });

  it("a Region already in impairedRegions is not set again; only the missing reader is", async () => {
    const { sim, pair } = await setup({ headless: true });
    await sim.stacks.setConfig("dr", [{ key: "impairedRegions", value: ["us-east-1"] }]);
    const before = calls(sim, "pulumi:config-set").length;
    await runSteps(sim, [dbInstanceStep(pair.target, "", [], ["us-east-1"])]);
    expect(
      calls(sim, "pulumi:config-set")
        .slice(before)
        .map((c) => c.args.changes),
    ).to.deep.equal([[{ key: "database.readers.standby", value: 1 }]]);
  });

  it("the effect names the API and the Region each mode calls", async () => {
    const { pair } = await setup();
    const arn = pair.target.outputs.dbClusterArn;
    expect(promoteDbStep(pair, "planned", "", []).effect).to.equal(`RDS SwitchoverGlobalCluster ${pair.globalClusterIdentifier} in us-east-1 -> ${arn}`);
    expect(promoteDbStep(pair, "unplanned", "", []).effect).to.equal(
      `RDS FailoverGlobalCluster (AllowDataLoss) ${pair.globalClusterIdentifier} in us-west-2 -> ${arn}`,
    );
  });

  it("without a lag datapoint the promotion still happens, the mark says the evidence is missing, and the detail claims none", async () => {
    const { sim, pair } = await setup();
    sim.faults.timeout("auroraLag", 1);
    const r = await runSteps(sim, [promoteDbStep(pair, "planned", "", [])]);
    expect(r.steps[0]).to.include({ outcome: "done", detail: "writer" });
    expect(promotedMark(r)).to.deep.equal([{ mode: "planned", lagMs: null, lagMetric: null, lagPeriodStart: null, cluster: pair.target.outputs.dbClusterArn }]);
    expect(writerMarks(r)).to.deep.equal([{ cluster: pair.target.outputs.dbClusterArn }]);
  });

  for (const [what, data] of [
    ["no metric", { lagMs: 5, lagPeriodStart: 0 }],
    ["no period", { lagMs: 5, lagMetric: "AuroraGlobalDBRPOLag" }],
    ["no lag", { lagPeriodStart: 0, lagMetric: "AuroraGlobalDBRPOLag" }],
  ] as const) {
    it(`a resume whose promotion mark has ${what} reports no lag evidence`, async () => {
      const { sim, pair } = await setup();
      await sim.cloud.rds.switchoverGlobalCluster("us-east-1", pair.globalClusterIdentifier, pair.target.outputs.dbClusterArn, { timeoutMs: 60_000 });
      const r = await runSteps(sim, [promoteDbStep(pair, "planned", "", [])], { marks: { [MARK.auroraPromoted]: { mode: "planned", ...data } } });
      expect(r.steps[0]).to.include({ outcome: "done", detail: "writer" });
    });
  }

  it("a switchover started outside the run (no promotion mark) is waited for, marked as the writer once, and claims no lag evidence", async () => {
    const { sim, pair } = await setup();
    await sim.cloud.rds.switchoverGlobalCluster("us-east-1", pair.globalClusterIdentifier, pair.target.outputs.dbClusterArn, { timeoutMs: 60_000 });
    const r = await runSteps(sim, [promoteDbStep(pair, "planned", "", [])]);
    expect(r.steps[0]).to.include({ outcome: "done", detail: "writer" });
    expect(calls(sim, "SwitchoverGlobalCluster")).to.have.length(1);
    expect(promotedMark(r)).to.deep.equal([]);
    expect(writerMarks(r)).to.deep.equal([{ cluster: pair.target.outputs.dbClusterArn }]);
  });

  it("a resume that already marked the writer does not mark it again", async () => {
    const { sim, pair } = await setup();
    await sim.cloud.rds.switchoverGlobalCluster("us-east-1", pair.globalClusterIdentifier, pair.target.outputs.dbClusterArn, { timeoutMs: 60_000 });
    const r = await runSteps(sim, [promoteDbStep(pair, "planned", "", [])], { marks: { [MARK.auroraWriter]: { cluster: "earlier" } } });
    expect(r.steps[0].outcome).to.equal("done");
    expect(writerMarks(r)).to.deep.equal([{ cluster: "earlier" }]);
  });

  it("bounds: the instance step covers a targeted up and the wait for the instance; the rebuild wait its bound and two calls", async () => {
    const { pair } = await setup();
    const t = { ...DEFAULT_TIMEOUTS, upMs: 1_000_000, databaseMs: 30_000, auroraRebuildMs: 500_000, callMs: 7_000 };
    expect(dbInstanceStep(pair.target).bound!.ms(t)).to.equal(1_030_000);
    expect(auroraRebuiltStep(pair.source, pair.globalClusterIdentifier, "", []).bound!.ms(t)).to.equal(514_000);
  });

  it("the rebuild wait of a cluster that is not (yet) a member of the global cluster says so instead of failing", async () => {
    const { sim, pair } = await setup();
    const stranger = { ...pair.source, outputs: { ...pair.source.outputs, dbClusterArn: `${pair.source.outputs.dbClusterArn}-other` } };
    const ctx = readOnlyContext({ cloud: sim.cloud, stacks: sim.stacks, clock: sim.clock });
    expect(await auroraRebuiltStep(stranger, pair.globalClusterIdentifier, "", []).check(ctx)).to.equal(false);
  });

  it("the rebuild wait reports how long it waited", async () => {
    const { sim, pair } = await setup({}, 16);
    sim.faults.impairRegion("primary");
    await runSteps(sim, [promoteDbStep(pair, "unplanned", "", [])]);
    sim.faults.recoverRegion("primary");
    const r = await runSteps(sim, [auroraRebuiltStep(pair.source, pair.globalClusterIdentifier, "", [])]);
    expect(r.steps[0].detail).to.equal(`rebuilt after ${formatDuration(r.steps[0].endedAt! - r.steps[0].startedAt!)} of waiting`);
  });
});
