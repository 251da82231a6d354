/**
 * The driver's plans end to end on the simulated Regions: planned and unplanned failover and
 * failback, warm/cold/headless standbys; final state and report consistent with the virtual clock.
 */
import { expect } from "chai";
import { failback, failover, type RunResult } from "../../automation/driver";
import { DEFAULT_TIMEOUTS } from "../../automation/plan/types";
import type { RunReport } from "../../automation/report/report";
import { finalState, simulate, type TestSim } from "./helpers";

async function run(p: Promise<unknown>): Promise<RunReport> {
  const r = (await p) as RunResult;
  expect(r.kind).to.equal("run");
  return r.report;
}

/** Report fields present and consistent with the journal and the virtual clock. */
async function expectConsistentReport(t: TestSim, report: RunReport) {
  expect(report.outcome, report.error).to.equal("succeeded");
  const start = Date.parse(report.startedAt);
  const end = Date.parse(report.endedAt);
  expect(end).to.equal(t.deps.clock.now());
  expect(report.durationMs).to.equal(end - start);
  expect(report.rto).to.be.an("object");
  const from = Date.parse(report.rto!.fromAt);
  expect(report.rto!.ms).to.equal(Date.parse(report.rto!.servingAt) - from);
  expect(report.rto!.ms).to.be.greaterThan(0);
  expect(Date.parse(report.rto!.servingAt)).to.be.at.most(end);
  for (const s of report.steps) {
    expect(s.outcome, s.id).to.match(/^(done|skipped)/);
    expect(s.startOffsetMs!, s.id).to.be.at.least(0);
    expect(s.endOffsetMs!, s.id).to.be.at.most(report.durationMs);
    expect(s.elapsedMs, s.id).to.equal(s.endOffsetMs! - s.startOffsetMs!);
    // Each step started after all its dependencies ended.
    for (const d of s.dependsOn) {
      const dep = report.steps.find((x) => x.id === d)!;
      expect(s.startOffsetMs!, `${s.id} after ${d}`).to.be.at.least(dep.endOffsetMs!);
    }
  }
  expect(report.rpo?.aurora?.lagMs).to.be.a("number");
  expect(report.rpo?.efs?.lastReplicatedAt).to.be.a("string");
  // The end of the RTO is the journal's "serving" mark.
  const events = await t.journal.lastRun();
  const serving = events.find((e) => e.kind === "mark" && e.name === "serving")!;
  expect(new Date(serving.at).toISOString()).to.equal(report.rto!.servingAt);
}

describe("driver on the simulated Regions", () => {
  describe("unplanned failover (source Region impaired)", () => {
    it("stops asking Route 53 for health-check status once its control plane timed out", async () => {
      const t = await simulate({ seed: 12 });
      t.sim.faults.impairRegion("primary"); // us-east-1: Route 53's control plane goes with it
      const report = await run(failover(t.deps, { to: "dr", mode: "unplanned" }));
      expect(report.outcome).to.equal("succeeded");
      const reads = t.sim.world.calls({ method: "healthCheckStatus" });
      expect(reads.every((c) => c.outcome === "TimeoutError")).to.equal(true);
      // A read is bounded by the probe timeout (not the DNS change timeout), and it is not repeated:
      // the RTO ends within one poll plus one probe of dr actually serving.
      const servedAt = t.sim.world.servingLog("dr").find((e) => e.serving)!.at;
      const { pollMs, probeMs } = DEFAULT_TIMEOUTS;
      expect(Date.parse(report.rto!.servingAt) - servedAt).to.be.at.most(pollMs + probeMs + 2_000);
      expect(reads.length).to.be.at.most(1);
    });

    it("promotes dr, detaches EFS locally, falls back to health-check failover, sets roles without an up of the source", async () => {
      const t = await simulate({ seed: 11 });
      const incidentAt = t.deps.clock.now();
      t.sim.faults.impairRegion("primary");
      const report = await run(failover(t.deps, { to: "dr", mode: "unplanned" }, { incidentAt }));
      await expectConsistentReport(t, report);
      expect(report.rto!.from).to.equal("incident");
      expect(report.rpo!.efs!.deletionMode).to.equal("LOCAL_CONFIGURATION_ONLY");
      expect(report.dns).to.deep.equal({ swapped: false, fallback: "health-check failover" });

      const s = await finalState(t);
      expect(s.writer).to.equal("dr");
      expect(s.dr).to.include({ role: "active", replicateToPeer: false, outputsRole: "active", db: "writer", fsProtection: "ENABLED", serving: true });
      expect(s.dr.nodes).to.deep.equal({ system: "2/2/4", web: "2/3/6", app: "2/3/6" });
      // The source is standby in config only: no up reached its impaired Region.
      expect(s.primary).to.include({ role: "standby", outputsRole: "active" });
      expect(t.sim.world.calls({ origin: "pulumi:primary" }).filter((c) => c.api === "pulumi:up")).to.have.length(0);
      // Its half of the replication stays until failback cleans it.
      expect(s.replications).to.deep.equal(["primary->dr [source]"]);
      // Node scale-up started first.
      const firstStarts = (await t.journal.lastRun()).filter((e) => e.kind === "step-start").slice(0, 3);
      expect(firstStarts.map((e) => (e as { step: string }).step)).to.have.members(["scale-nodes-system", "scale-nodes-web", "scale-nodes-app"]);
      // The driver's RPO figures match what the simulation counted as lost (EFS: same window).
      const efsLoss = t.sim.world.dataLoss().find((d) => d.kind === "efs")!;
      expect(report.rpo!.efs!.dataLossWindowMs).to.be.at.least(efsLoss.lostWindowMs);
    });

    it("reports Aurora's RPO as an upper bound from the newest lag datapoint, never below what the simulation lost", async () => {
      // The incident half a minute into a minute: the newest datapoint is from before it.
      const t = await simulate({ seed: 14 });
      await t.deps.clock.sleep(90_000);
      const incidentAt = t.deps.clock.now();
      t.sim.faults.impairRegion("primary");
      const report = await run(failover(t.deps, { to: "dr", mode: "unplanned" }, { incidentAt }));
      const lost = t.sim.world.dataLoss().find((d) => d.kind === "aurora")!;
      const a = report.rpo!.aurora!;
      expect(a).to.include({ lagMetric: "AuroraGlobalDBRPOLag", lagMs: 300 });
      expect(Date.parse(a.lagPeriodStart!)).to.be.at.most(incidentAt);
      expect(a.dataLossWindowMs!).to.be.at.least(lost.lostWindowMs);
      // From what the datapoint proves to when the new writer was seen: the incident the operator
      // declares is not evidence that the old primary stopped taking writes.
      const writer = (await t.journal.lastRun()).find((e) => e.kind === "mark" && e.name === "aurora-writer")!;
      expect(a.dataLossWindowMs!).to.equal(writer.at - (Date.parse(a.lagPeriodStart!) - 300));
      expect(a.basis)
        .to.match(/^upper bound: AuroraGlobalDBRPOLag max 300ms/)
        .and.match(/writes counted until the target took over/);
    });

    it("counts the old primary's writes until the new writer took over when its Region still answers", async () => {
      // Unplanned mode with the source healthy: it takes writes until Aurora demotes it, far more than the lag.
      const t = await simulate({ seed: 15 });
      await t.deps.clock.sleep(30_000);
      const report = await run(failover(t.deps, { to: "dr", mode: "unplanned" }));
      const lost = t.sim.world.dataLoss().find((d) => d.kind === "aurora")!;
      expect(lost.lostWindowMs).to.be.greaterThan(10_000);
      expect(report.rpo!.aurora!.dataLossWindowMs!).to.be.at.least(lost.lostWindowMs);
      expect(report.rpo!.worstMs!).to.be.at.least(lost.lostWindowMs);
    });

    it("serves before any up (standby pods wait for nodes) and converges afterwards", async () => {
      const t = await simulate({ seed: 12 });
      t.sim.faults.impairRegion("primary");
      const report = await run(failover(t.deps, { to: "dr", mode: "unplanned" }));
      await expectConsistentReport(t, report);
      const serving = report.steps.find((s) => s.id === "wait-serving")!;
      const up = report.steps.find((s) => s.id === "converge-up-target")!;
      expect(up.startOffsetMs!).to.be.at.least(serving.endOffsetMs!);
      expect((await finalState(t)).dr).to.include({ role: "active", outputsRole: "active", serving: true });
    });

    it("with a cold standby (no standby pods), converges the target as soon as the data is promoted", async () => {
      const t = await simulate({ seed: 14, cold: true });
      t.sim.faults.impairRegion("primary");
      const report = await run(failover(t.deps, { to: "dr", mode: "unplanned" }));
      await expectConsistentReport(t, report);
      const config = report.steps.find((s) => s.id === "converge-config")!;
      expect(config.dependsOn).to.have.members(["failover-db", "detach-efs"]);
      const up = report.steps.find((s) => s.id === "converge-up-target")!;
      const serving = report.steps.find((s) => s.id === "wait-serving")!;
      expect(serving.startOffsetMs!).to.be.at.most(up.endOffsetMs!);
      const s = await finalState(t);
      expect(s.dr).to.include({ role: "active", outputsRole: "active", serving: true });
      expect(s.primary).to.include({ role: "standby", outputsRole: "active" });
    });

    it("gives a headless secondary its instance by a targeted up, then restores database.readers.standby", async () => {
      const t = await simulate({ seed: 13, headless: true });
      t.sim.faults.impairRegion("primary");
      const report = await run(failover(t.deps, { to: "dr", mode: "unplanned" }));
      await expectConsistentReport(t, report);
      expect(report.steps.find((s) => s.id === "add-db-instance")!.outcome).to.equal("done");
      const promote = report.steps.find((s) => s.id === "failover-db")!;
      expect(promote.startOffsetMs!).to.be.at.least(report.steps.find((s) => s.id === "add-db-instance")!.endOffsetMs!);
      const s = await finalState(t);
      expect(s.writer).to.equal("dr");
      expect(s.dr.readersStandby).to.equal(0);
    });
  });

  describe("planned failover (both Regions healthy)", () => {
    for (const cold of [false, true]) {
      it(`switches over with no data loss and reverses replication (${cold ? "cold" : "warm"} standby)`, async () => {
        const t = await simulate({ seed: 21, cold });
        const report = await run(failover(t.deps, { to: "dr", mode: "planned" }));
        await expectConsistentReport(t, report);
        expect(report.rpo!.worstMs).to.equal(0);
        expect(report.writeDowntime!.ms).to.be.greaterThan(0).and.at.most(report.rto!.ms);
        // The quiesce waited for the target's capacity.
        const quiesce = report.steps.find((s) => s.id === "quiesce-source")!;
        for (const g of ["system", "web", "app"])
          expect(quiesce.startOffsetMs!).to.be.at.least(report.steps.find((s) => s.id === `scale-nodes-${g}`)!.endOffsetMs!);

        const s = await finalState(t);
        expect(s.writer).to.equal("dr");
        expect(s.replications).to.deep.equal(["dr->primary [source,dest]"]);
        expect(s.dr).to.include({
          role: "active",
          replicateToPeer: true,
          quiesced: false,
          outputsRole: "active",
          replicatesTo: (await t.sim.stacks.outputs("primary"))!.fileSystemId,
          record: "PRIMARY",
          serving: true,
        });
        expect(s.primary).to.include({
          role: "standby",
          quiesced: false,
          outputsRole: "standby",
          record: "SECONDARY",
          fsProtection: "REPLICATING",
          serving: false,
        });
        expect(s.primary.nodes).to.deep.equal({ system: "2/2/4", web: "0/0/6", app: "0/0/6" });
        expect(s.dr.nodes).to.deep.equal({ system: "2/2/4", web: "2/3/6", app: "2/3/6" });
        expect(t.sim.world.dataLoss().every((d) => d.lostWrites === 0)).to.equal(true);
        expect(t.sim.world.sideEffects("SwitchoverGlobalCluster")).to.have.length(1);
        expect(t.sim.world.sideEffects("DeleteReplicationConfiguration").map((c) => c.args.deletionMode)).to.include("ALL_CONFIGURATIONS");
      });
    }
  });

  describe("failback", () => {
    it("after an unplanned failover: cleans the stale replication, replicates back, then fails over back without loss", async () => {
      const t = await simulate({ seed: 31, cold: true });
      t.sim.faults.impairRegion("primary");
      await run(failover(t.deps, { to: "dr", mode: "unplanned" }));
      t.sim.faults.recoverRegion("primary");
      const lossesBefore = t.sim.world.dataLoss().length;
      const report = await run(failback(t.deps));
      await expectConsistentReport(t, report);
      expect(report.args).to.deep.equal({ to: "primary" });
      expect(report.steps.find((s) => s.id === "clean-stale-replication")!.outcome).to.equal("done");
      expect(report.steps.find((s) => s.id === "reconcile-dns")!.outcome).to.equal("done");
      const resync = report.steps.find((s) => s.id === "wait-resync")!;
      expect(report.steps.find((s) => s.id === "back:quiesce-source")!.startOffsetMs!).to.be.at.least(resync.endOffsetMs!);

      const s = await finalState(t);
      expect(s.writer).to.equal("primary");
      expect(s.replications).to.deep.equal(["primary->dr [source,dest]"]);
      expect(s.primary).to.include({ role: "active", replicateToPeer: true, outputsRole: "active", record: "PRIMARY", serving: true });
      expect(s.dr).to.include({ role: "standby", outputsRole: "standby", record: "SECONDARY", serving: false });
      expect(s.dr.nodes).to.deep.equal({ system: "2/2/4", web: "0/0/6", app: "0/0/6" });
      // The way back loses nothing.
      expect(
        t.sim.world
          .dataLoss()
          .slice(lossesBefore)
          .every((d) => d.lostWrites === 0),
      ).to.equal(true);
      // The stale source-side config was removed locally in the old Region.
      const cleanup = t.sim.world
        .sideEffects("DeleteReplicationConfiguration")
        .find((c) => c.region === "us-east-1" && c.args.deletionMode === "LOCAL_CONFIGURATION_ONLY");
      expect(cleanup).to.be.an("object");
    });

    it("after a planned failover: returns to the original layout", async () => {
      const t = await simulate({ seed: 32 });
      const before = await finalState(t);
      await run(failover(t.deps, { to: "dr", mode: "planned" }));
      const report = await run(failback(t.deps));
      expect(report.outcome).to.equal("succeeded");
      const after = await finalState(t);
      expect(after.writer).to.equal(before.writer);
      expect(after.replications).to.deep.equal(before.replications);
      for (const stack of ["primary", "dr"] as const) {
        expect(after[stack]).to.include({
          role: before[stack].role,
          outputsRole: before[stack].outputsRole,
          record: before[stack].record,
          replicatesTo: before[stack].replicatesTo,
        });
        expect(after[stack].nodes).to.deep.equal(before[stack].nodes);
      }
    });
  });
});
