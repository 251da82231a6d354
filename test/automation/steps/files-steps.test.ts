/**
 * The file-system steps: the planned sync gate (a sync newer than the quiesce, never an older one),
 * the replication's deletion from the source (marked for the RPO, not repeated while it is under
 * way), the unplanned detach from the destination's Region, and failback's cleanup and restored
 * replication.
 */
import { expect } from "chai";
import { readOnlyContext } from "../../../automation/engine/inspect";
import { cleanStaleReplicationStep, deleteReplicationStep, detachReplicationStep, efsSyncAfterStep, MARK, replicateToPeerStep } from "../../../automation/plan/steps";
import { loadPair, type Pair } from "../../../automation/plan/sites";
import { createSimulation, type Simulation } from "../../../automation/sim";
import { variantConfigs } from "../helpers";
import { runSteps } from "./run-steps";

async function setup(seed = 9): Promise<{ sim: Simulation; pair: Pair }> {
  const sim = await createSimulation({ seed, configs: variantConfigs({}) });
  return { sim, pair: await loadPair(sim.stacks, "dr") };
}

const deletions = (sim: Simulation) => sim.world.sideEffects("DeleteReplicationConfiguration");

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
      const mark = r.events.find((e) => e.kind === "mark" && e.name === MARK.efsPromoted) as unknown as { at: number; data: { lastReplicatedAt: number; lagMs: number } };
      expect(mark.data.lastReplicatedAt).to.be.a("number");
      expect(mark.data.lagMs).to.equal(mark.at - mark.data.lastReplicatedAt);
    });

    it("a resume while the deletion is under way waits for it and deletes nothing more", async () => {
      const { sim, pair } = await setup();
      await sim.cloud.deleteReplication("us-east-1", pair.source.outputs.fileSystemId, "ALL_CONFIGURATIONS", { timeoutMs: 60_000 });
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
      expect(deletions(sim).slice(1).map((c) => `${c.region} ${String(c.args.deletionMode ?? c.args.mode)}`)).to.deep.equal(["us-east-1 LOCAL_CONFIGURATION_ONLY"]);
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
      await runSteps(sim, [deleteReplicationStep(pair, "", [])]);
      // dr active without replication, primary a destination-ready standby.
      await sim.stacks.setConfig("primary", [{ key: "role", value: "standby" }]);
      await sim.stacks.setConfig("dr", [{ key: "role", value: "active" }, { key: "replicateToPeer", value: false }]);
      await sim.stacks.up("primary");
      await sim.stacks.up("dr");
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
