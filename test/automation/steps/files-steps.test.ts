/**
 * The file-system steps: the planned sync gate (a sync newer than the quiesce, never an older one),
 * the replication's deletion from the source (marked for the RPO, not repeated while it is under
 * way), the unplanned detach from the destination's Region, and failback's cleanup and restored
 * replication.
 */
import { expect } from "chai";
import { readOnlyContext } from "../../../automation/engine/inspect";
import {
  cleanStaleReplicationStep,
  deleteReplicationStep,
  detachReplicationStep,
  efsSyncAfterStep,
  MARK,
  replicateToPeerStep,
} from "../../../automation/plan/steps";
import { loadPair, type Pair } from "../../../automation/plan/sites";
import { DEFAULT_TIMEOUTS } from "../../../automation/plan/types";
import { formatDuration } from "../../../automation/util/duration";
import { createSimulation, type Simulation } from "../../../automation/sim";
import { variantConfigs } from "../helpers";
import { runSteps } from "./run-steps";

async function setup(seed = 9): Promise<{ sim: Simulation; pair: Pair }> {
  const sim = await createSimulation({ seed, configs: variantConfigs({}) });
  return { sim, pair: await loadPair(sim.stacks, "dr") };
}

const deletions = (sim: Simulation) => sim.world.sideEffects("DeleteReplicationConfiguration");

/** After a detach: dr active without replication, primary a destination-ready standby. */
async function drActiveWithoutReplication(sim: Simulation, pair: Pair): Promise<void> {
  await runSteps(sim, [deleteReplicationStep(pair, "", [])]);
  await sim.stacks.setConfig("primary", [{ key: "role", value: "standby" }]);
  await sim.stacks.setConfig("dr", [
    { key: "role", value: "active" },
    { key: "replicateToPeer", value: false },
  ]);
  await sim.stacks.up("primary");
  await sim.stacks.up("dr");
}

describe("steps: files", () => {
  describe("wait-efs-sync", () => {
    it("ends at the first sync newer than the quiesce mark, not at one that started before it", async () => {
      const { sim, pair } = await setup();
      await sim.clock.sleep(30_000);
      const before = sim.world.replicationsNow()[0].lastReplicatedAt!;
      const r = await runSteps(sim, [efsSyncAfterStep(pair, "", [], { mark: MARK.quiesced, label: "the quiesce" })], { marks: { [MARK.quiesced]: {} } });
      const quiescedAt = (r.events.find((e) => e.kind === "mark") as unknown as { at: number }).at;
      expect(r.steps[0].outcome).to.equal("done");
      const after = sim.world.replicationsNow()[0].lastReplicatedAt!;
      expect(after).to.be.greaterThan(quiescedAt);
      expect(before).to.be.at.most(quiescedAt);
      expect(r.steps[0].detail).to.match(/^synced .* after the quiesce$/);
    });

    it("without the mark, counts from the run's start", async () => {
      const { sim, pair } = await setup();
      const r = await runSteps(sim, [efsSyncAfterStep(pair, "", [], { label: "the start" })]);
      expect(r.steps[0].outcome).to.equal("done");
      expect(sim.world.replicationsNow()[0].lastReplicatedAt!).to.be.greaterThan(r.steps[0].startedAt! - 1);
    });

    it("a replication into another file system does not count", async () => {
      const { sim, pair } = await setup();
      const elsewhere = { ...pair, target: { ...pair.target, outputs: { ...pair.target.outputs, fileSystemId: "fs-0123456789abcdef0" } } };
      const ctx = readOnlyContext({ cloud: sim.cloud, stacks: sim.stacks, clock: sim.clock }, new Map(), sim.clock.now() - 3600_000);
      expect(await efsSyncAfterStep(pair, "", [], { label: "an hour ago" }).check(ctx)).to.equal(true);
      expect(await efsSyncAfterStep(elsewhere, "", [], { label: "an hour ago" }).check(ctx)).to.equal(false);
    });
  });

  describe("delete-efs-replication (planned)", () => {
    it("deletes it from the source Region with ALL_CONFIGURATIONS, marks the last sync, and waits until the target is writable", async () => {
      const { sim, pair } = await setup();
      const r = await runSteps(sim, [deleteReplicationStep(pair, "", [])]);
      expect(r.steps[0]).to.include({ outcome: "done", detail: "writable" });
      expect(deletions(sim).map((c) => `${c.region} ${String(c.args.deletionMode ?? c.args.mode)}`)).to.deep.equal(["us-east-1 ALL_CONFIGURATIONS"]);
      expect(sim.world.site("dr").fs.writable).to.equal(true);
      const mark = r.events.find((e) => e.kind === "mark" && e.name === MARK.efsPromoted) as unknown as {
        at: number;
        data: { lastReplicatedAt: number; lagMs: number };
      };
      expect(mark.data.lastReplicatedAt).to.be.a("number");
      expect(mark.data.lagMs).to.equal(mark.at - mark.data.lastReplicatedAt);
    });

    it("a resume while the deletion is under way waits for it and deletes nothing more", async () => {
      const { sim, pair } = await setup();
      await sim.cloud.efs.deleteReplication("us-east-1", pair.source.outputs.fileSystemId, "ALL_CONFIGURATIONS", { timeoutMs: 60_000 });
      const r = await runSteps(sim, [deleteReplicationStep(pair, "", [])]);
      expect(r.steps[0].outcome).to.equal("done");
      expect(deletions(sim)).to.have.length(1);
      expect(r.events.some((e) => e.kind === "mark")).to.equal(false);
      expect(sim.world.site("dr").fs.writable).to.equal(true);
    });

    it("is skipped once the target is writable", async () => {
      const { sim, pair } = await setup();
      await runSteps(sim, [deleteReplicationStep(pair, "", [])]);
      expect((await runSteps(sim, [deleteReplicationStep(pair, "", [])])).steps[0].outcome).to.equal("skipped");
    });
  });

  describe("detach-efs (unplanned)", () => {
    it("with the source Region down: LOCAL_CONFIGURATION_ONLY from the target's Region, journaled with the mode", async () => {
      const { sim, pair } = await setup();
      sim.faults.impairRegion("primary");
      const r = await runSteps(sim, [detachReplicationStep(pair, "", [])]);
      expect(r.steps[0].outcome).to.equal("done");
      expect(deletions(sim).map((c) => c.region)).to.deep.equal(["us-west-2"]);
      const mark = r.events.find((e) => e.kind === "mark" && e.name === MARK.efsPromoted) as unknown as { data: Record<string, unknown> };
      expect(mark.data.deletionMode).to.equal("LOCAL_CONFIGURATION_ONLY");
      const end = r.events.find((e) => e.kind === "step-end") as unknown as { data?: Record<string, unknown> };
      expect(end.data).to.deep.include({ deletionMode: "LOCAL_CONFIGURATION_ONLY" });
      expect(sim.world.site("dr").fs.writable).to.equal(true);
    });

    it("is skipped once the target is writable", async () => {
      const { sim, pair } = await setup();
      sim.faults.impairRegion("primary");
      await runSteps(sim, [detachReplicationStep(pair, "", [])]);
      expect((await runSteps(sim, [detachReplicationStep(pair, "", [])])).steps[0].outcome).to.equal("skipped");
      expect(deletions(sim)).to.have.length(1);
    });
  });

  describe("failback: stale replication and replication back", () => {
    it("removes the old site's stale source-side config locally, once", async () => {
      const { sim, pair } = await setup();
      sim.faults.impairRegion("primary");
      await runSteps(sim, [detachReplicationStep(pair, "", [])]);
      sim.faults.recoverRegion("primary");
      expect(sim.world.replicationsNow().map((r) => r.sides)).to.deep.equal([["source"]]);
      const clean = () => cleanStaleReplicationStep(pair.source, "", []);
      const r = await runSteps(sim, [clean()]);
      expect(r.steps[0]).to.include({ outcome: "done", detail: "removed" });
      expect(
        deletions(sim)
          .slice(1)
          .map((c) => `${c.region} ${String(c.args.deletionMode ?? c.args.mode)}`),
      ).to.deep.equal(["us-east-1 LOCAL_CONFIGURATION_ONLY"]);
      expect(sim.world.replicationsNow()).to.deep.equal([]);
      expect((await runSteps(sim, [clean()])).steps[0].outcome).to.equal("skipped");
    });

    it("does not touch a healthy replication where the site is the destination", async () => {
      const { sim, pair } = await setup();
      // dr receives primary's replication: not a stale source-side half of dr's.
      expect((await runSteps(sim, [cleanStaleReplicationStep(pair.target, "", [])])).steps[0].outcome).to.equal("skipped");
      expect(deletions(sim)).to.deep.equal([]);
    });

    it("replicates the active site to the peer again (replicateToPeer=true, up) and waits until ENABLED", async () => {
      const { sim, pair } = await setup();
      await drActiveWithoutReplication(sim, pair);
      const back = await loadPair(sim.stacks, "primary");
      const r = await runSteps(sim, [replicateToPeerStep(back.source, back.target, "replicate-to-old-site", [])]);
      expect(r.steps[0]).to.include({ outcome: "done", detail: "replication enabled" });
      expect((await sim.stacks.readConfig("dr")).replicateToPeer).to.equal(true);
      const now = sim.world.replicationsNow();
      expect(now.map((x) => `${x.sourceStack}->${x.destStack} ${x.status}`)).to.deep.equal(["dr->primary ENABLED"]);
      expect((await runSteps(sim, [replicateToPeerStep(back.source, back.target, "replicate-to-old-site", [])])).steps[0].outcome).to.equal("skipped");
    });
  });
});

describe("steps: detach-efs, both Regions' configurations", () => {
  const slowDelete = { "efs-replication-delete": { minSeconds: 1500, typicalSeconds: 1500, maxSeconds: 1500 } };
  const sourceEfsReads = (sim: Simulation, outcome: string) =>
    sim.world.calls({ method: "describeReplication" }).filter((c) => c.region === "us-east-1" && c.outcome === outcome);

  it("with the source's EFS answering: ALL_CONFIGURATIONS from the target's Region, no fallback", async () => {
    const { sim, pair } = await setup(11);
    const r = await runSteps(sim, [detachReplicationStep(pair, "", [])]);
    expect(r.steps[0]).to.include({ outcome: "done", detail: "writable (ALL_CONFIGURATIONS)" });
    expect(deletions(sim).map((c) => `${c.region} ${String(c.args.deletionMode ?? c.args.mode)}`)).to.deep.equal(["us-west-2 ALL_CONFIGURATIONS"]);
    expect(r.events.some((e) => e.kind === "mark" && e.name === MARK.efsLocalFallback)).to.equal(false);
  });

  it("falls back to LOCAL_CONFIGURATION_ONLY exactly when ALL_CONFIGURATIONS has not finished within its bound", async () => {
    const sim = await createSimulation({ seed: 12, configs: variantConfigs({}), latencyOverrides: slowDelete });
    const pair = await loadPair(sim.stacks, "dr");
    const r = await runSteps(sim, [detachReplicationStep(pair, "", [])]);
    expect(r.steps[0].detail).to.equal("writable (LOCAL_CONFIGURATION_ONLY after ALL_CONFIGURATIONS had not finished after 10m 00s)");
    const [all, local] = deletions(sim);
    expect(String(local.args.deletionMode ?? local.args.mode)).to.equal("LOCAL_CONFIGURATION_ONLY");
    expect(local.at - all.at).to.be.within(10 * 60_000, 10 * 60_000 + 2_000);
    const fallbacks = r.events
      .filter((e) => e.kind === "mark" && e.name === MARK.efsLocalFallback)
      .map((e) => (e as unknown as { data: { sent: boolean; reason: string } }).data);
    expect(fallbacks.map((d) => d.sent)).to.deep.equal([false, true]);
    expect(fallbacks[0].reason).to.equal("ALL_CONFIGURATIONS had not finished after 10m 00s");
    const end = r.events.find((e) => e.kind === "step-end") as unknown as { data: Record<string, unknown> };
    expect(end.data).to.deep.equal({ deletionMode: "LOCAL_CONFIGURATION_ONLY", fallback: "ALL_CONFIGURATIONS had not finished after 10m 00s" });
  });

  it("falls back after three reads in a row without an answer from the source's EFS, not before", async () => {
    const sim = await createSimulation({ seed: 13, configs: variantConfigs({}), latencyOverrides: slowDelete });
    const pair = await loadPair(sim.stacks, "dr");
    sim.faults.impairService("primary", "efs", { afterMs: 60_000 });
    const r = await runSteps(sim, [detachReplicationStep(pair, "", [])]);
    expect(r.steps[0].detail).to.match(/after ALL_CONFIGURATIONS cannot finish: us-east-1's EFS stopped answering\)$/);
    const local = deletions(sim)[1];
    // Exactly three unanswered reads of the source's EFS before the local deletion.
    expect(sourceEfsReads(sim, "TimeoutError").filter((c) => c.at <= local.at)).to.have.length(3);
    expect(local.at - deletions(sim)[0].at).to.be.below(10 * 60_000);
  });

  it("resumed after a fallback whose local deletion may not have been sent, sends it", async () => {
    const sim = await createSimulation({ seed: 14, configs: variantConfigs({}), latencyOverrides: slowDelete });
    const pair = await loadPair(sim.stacks, "dr");
    // The crashed attempt sent ALL_CONFIGURATIONS and marked the fallback, then died before the local call.
    await sim.cloud.efs.deleteReplication("us-west-2", pair.source.outputs.fileSystemId, "ALL_CONFIGURATIONS", { timeoutMs: 60_000 });
    const r = await runSteps(sim, [detachReplicationStep(pair, "", [])], {
      marks: {
        [MARK.efsPromoted]: { deletionMode: "ALL_CONFIGURATIONS", lastReplicatedAt: null, lagMs: null },
        [MARK.efsLocalFallback]: { reason: "earlier", sent: false },
      },
    });
    expect(r.steps[0].outcome).to.equal("done");
    expect(deletions(sim).map((c) => String(c.args.deletionMode ?? c.args.mode))).to.deep.equal(["ALL_CONFIGURATIONS", "LOCAL_CONFIGURATION_ONLY"]);
    expect(r.steps[0].detail).to.equal("writable (LOCAL_CONFIGURATION_ONLY after earlier)");
  });

  it("resumed after a fallback that was sent, sends nothing more", async () => {
    const sim = await createSimulation({ seed: 15, configs: variantConfigs({}), latencyOverrides: slowDelete });
    const pair = await loadPair(sim.stacks, "dr");
    await sim.cloud.efs.deleteReplication("us-west-2", pair.source.outputs.fileSystemId, "LOCAL_CONFIGURATION_ONLY", { timeoutMs: 60_000 });
    const r = await runSteps(sim, [detachReplicationStep(pair, "", [])], {
      marks: { [MARK.efsPromoted]: { deletionMode: "ALL_CONFIGURATIONS" }, [MARK.efsLocalFallback]: { reason: "earlier", sent: true } },
    });
    expect(r.steps[0].outcome).to.equal("done");
    expect(deletions(sim)).to.have.length(1);
  });
});

describe("steps: files, what the report and the bounds rely on", () => {
  it("wait-efs-sync says how long after the quiesce the sync came", async () => {
    const { sim, pair } = await setup();
    await sim.clock.sleep(30_000);
    const r = await runSteps(sim, [efsSyncAfterStep(pair, "", [], { mark: MARK.quiesced, label: "the quiesce" })], { marks: { [MARK.quiesced]: {} } });
    const quiescedAt = (r.events.find((e) => e.kind === "mark") as unknown as { at: number }).at;
    expect(r.steps[0].detail).to.equal(`synced ${formatDuration(r.steps[0].endedAt! - quiescedAt)} after the quiesce`);
  });

  it("detach-efs marks the last sync and its age at the promotion (the EFS RPO evidence)", async () => {
    const { sim, pair } = await setup();
    await sim.clock.sleep(30_000);
    sim.faults.impairRegion("primary");
    const r = await runSteps(sim, [detachReplicationStep(pair, "", [])]);
    const mark = r.events.find((e) => e.kind === "mark" && e.name === MARK.efsPromoted) as unknown as {
      at: number;
      data: { lastReplicatedAt: number; lagMs: number };
    };
    expect(mark.data.lastReplicatedAt).to.be.a("number").and.be.at.most(mark.at);
    expect(mark.data.lagMs).to.equal(mark.at - mark.data.lastReplicatedAt);
  });

  it("replicate-to-old-site leaves replicateToPeer alone when it is already true, and still runs the up", async () => {
    const { sim, pair } = await setup();
    await drActiveWithoutReplication(sim, pair);
    // An earlier attempt set the flag, then died before its up.
    await sim.stacks.setConfig("dr", [{ key: "replicateToPeer", value: true }]);
    const sets = sim.world.sideEffects("pulumi:config-set").length;
    const back = await loadPair(sim.stacks, "primary");
    const r = await runSteps(sim, [replicateToPeerStep(back.source, back.target, "replicate-to-old-site", [])]);
    expect(r.steps[0]).to.include({ outcome: "done", detail: "replication enabled" });
    expect(sim.world.sideEffects("pulumi:config-set")).to.have.length(sets);
    expect(sim.world.replicationsNow().map((x) => `${x.sourceStack}->${x.destStack} ${x.status}`)).to.deep.equal(["dr->primary ENABLED"]);
  });

  it("bounds: detach-efs covers the ALL_CONFIGURATIONS wait, the local deletion's wait and four calls; replicate-to-old-site an up and the wait", async () => {
    const { pair } = await setup();
    const t = { ...DEFAULT_TIMEOUTS, efsAllConfigurationsMs: 600_000, efsMs: 1_000_000, callMs: 5_000, upMs: 3_000_000 };
    expect(detachReplicationStep(pair, "", []).bound!.ms(t)).to.equal(1_620_000);
    expect(replicateToPeerStep(pair.source, pair.target, "replicate", []).bound!.ms(t)).to.equal(4_000_000);
  });

  it("wait-efs-sync with its mark not journaled yet counts from the run's start", async () => {
    const { sim, pair } = await setup();
    const r = await runSteps(sim, [efsSyncAfterStep(pair, "", [], { mark: MARK.quiesced, label: "the quiesce" })]);
    expect(r.steps[0].outcome, r.steps[0].detail).to.equal("done");
    expect(sim.world.replicationsNow()[0].lastReplicatedAt!).to.be.greaterThan(r.steps[0].startedAt! - 1);
  });

  it("replicate-to-old-site is not done while the replication is being deleted, nor when it goes to another file system", async () => {
    const { sim, pair } = await setup();
    const ctx = readOnlyContext({ cloud: sim.cloud, stacks: sim.stacks, clock: sim.clock });
    const elsewhere = { ...pair.target, outputs: { ...pair.target.outputs, fileSystemId: "fs-0123456789abcdef0" } };
    expect(await replicateToPeerStep(pair.source, pair.target, "replicate", []).check(ctx)).to.equal(true);
    expect(await replicateToPeerStep(pair.source, elsewhere, "replicate", []).check(ctx)).to.equal(false);
    await sim.cloud.efs.deleteReplication("us-east-1", pair.source.outputs.fileSystemId, "ALL_CONFIGURATIONS", { timeoutMs: 60_000 });
    expect(sim.world.replicationsNow().map((x) => x.status)).to.deep.equal(["DELETING"]);
    expect(await replicateToPeerStep(pair.source, pair.target, "replicate", []).check(ctx)).to.equal(false);
  });
});
