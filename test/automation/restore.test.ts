import { expect } from "chai";
import { driverDeps, simWiring } from "../../automation/wiring";
import { restore, type RestoreDeps, type RestoreResult } from "../../automation/restore";
import { status } from "../../automation/driver/status";
import { failback, failover } from "../../automation/driver";
import type { DryRunResult, RunResult } from "../../automation/driver";
import { RefusedError } from "../../automation/errors";
import type { RdsPort } from "../../automation/ports";
import { finalState, sideEffectCounts, simulate, type TestSim } from "./helpers";
import * as pulumi from "@pulumi/pulumi";
import { runSite, type SiteProgram } from "../../stacks/program";

const MIN = 60_000;
const HOUR = 60 * MIN;

/** The restore's deps on a simulation: the driver's, plus the simulated AWS Backup of the current process. */
function restoreDeps(t: TestSim): RestoreDeps {
  const base = driverDeps(simWiring(t.sim, { journal: t.journal, stackNames: ["primary", "dr"], seed: 1 }));
  return Object.defineProperty(base, "backup", { get: () => t.sim.backup, enumerable: true }) as RestoreDeps;
}

const LATEST = { latest: true } as const;

/**
 * The program without the Job that moves restored files to the root: its registration reaches the
 * simulated cloud as a ConfigMap, a type whose effect the world does not model (the engine's
 * monitor is this evaluation's own, so nothing else sees the change).
 */
const withoutRestoredFilesMove: SiteProgram = (opts) => {
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: { getType(): string; setType(t: string): void }, cb: unknown): unknown };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    if (req.getType() === "kubernetes:batch/v1:Job") req.setType("kubernetes:core/v1:ConfigMap");
    return register(req, cb);
  };
  return runSite(opts);
};

/** A resource's inputs, read loosely (a different shape per type). */
const inputsOf = (r: { inputs: Record<string, unknown> }): Record<string, any> => r.inputs;

describe("restore --to dr from the recovery points (simulated Regions)", function () {
  this.timeout(120_000);

  it("restores Aurora and EFS from the newest copies, brings dr up as active, swaps DNS; its RPO agrees with the data the simulation lost", async () => {
    const t = await simulate({ seed: 3, faults: { impairRegions: [{ region: "primary", afterMs: 0 }] } });
    const incidentAt = t.sim.clock.now();
    const r = (await restore(restoreDeps(t), { to: "dr", point: LATEST, maxSkewMs: HOUR }, { incidentAt })) as RunResult & RestoreResult;
    expect(r.report.outcome, r.report.error).to.equal("succeeded");
    expect(r.report.steps.map((s) => s.id).sort()).to.deep.equal(
      [
        "select-recovery-points",
        "restore-db",
        "restore-files",
        "add-db-instances",
        "create-global-cluster",
        "converge-config",
        "adopt-restored-data",
        "converge-up-target",
        "swap-dns",
        "wait-serving",
        "select-velero-backup",
        "restore-objects",
      ].sort(),
    );
    expect(r.report.steps.every((s) => s.outcome === "done")).to.equal(true);
    const state = await finalState(t);
    expect(state.writer).to.equal("dr");
    expect(state.dr).to.include({ role: "active", db: "writer", serving: true });
    expect(state.primary.role).to.equal("standby");
    // The points are the newest copies in dr's vault at the incident.
    const copies = t.sim.world.recoveryPoints().filter((p) => p.region === "us-west-2" && p.createdAt <= incidentAt);
    for (const type of ["EFS", "Aurora"] as const) {
      const newest = Math.max(...copies.filter((p) => p.resourceType === type).map((p) => p.createdAt));
      expect(Date.parse(r.restore!.points[type]!.createdAt)).to.equal(newest);
      // RPO = incident - point; the simulation's own count of lost writes spans the same window.
      const loss = t.sim.world.dataLoss().find((l) => l.reason === "restore" && l.kind === (type === "EFS" ? "efs" : "aurora"))!;
      expect(loss.replicatedUpTo).to.equal(newest);
      expect(Math.abs(r.restore!.points[type]!.rpoMs - loss.lostWindowMs)).to.be.at.most(1000);
    }
    // RTO ends when the simulation saw dr serving.
    const servedAt = t.sim.world.servingLog("dr").find((e) => e.serving && e.at >= incidentAt)!.at;
    expect(Date.parse(r.report.rto!.servingAt) - servedAt).to.be.within(0, 15_000);
    // The restored cluster writes a new global database; the pair's own is left as it was (primary's cluster its writer).
    const restoredArn = r.restore!.points.Aurora!.restoredResourceArn!;
    const gid = `${restoredArn.split(":cluster:").at(-1)}-global`;
    expect(t.sim.world.findGlobalCluster("us-west-2", gid)!.members.map((m) => [m.clusterArn, m.isWriter])).to.deep.equal([[restoredArn, true]]);
    expect(t.sim.world.sideEffects("CreateGlobalCluster").map((c) => c.args)).to.deep.equal([{ globalClusterIdentifier: gid, sourceClusterArn: restoredArn }]);
    const pairs = t.sim.world.findGlobalCluster("us-west-2", "eks-dr-global")!;
    expect(pairs.members.find((m) => m.isWriter)!.region).to.equal("us-east-1");
    expect(pairs.members.map((m) => m.clusterArn)).not.to.include(restoredArn);
    // Each restore job once; no recovery point deleted.
    expect(t.sim.world.restoreJobs()).to.have.length(2);
    expect(t.sim.world.calls({ api: "DeleteRecoveryPoint" })).to.have.length(0);
  });

  it("dr adopts the restored file system and DB cluster: restoredData set once, mount targets in its subnets, the volume and DB endpoints on them; its own stay protected", async () => {
    const t = await simulate({ seed: 3, faults: { impairRegions: [{ region: "primary", afterMs: 0 }] } });
    const before = t.sim.stacks.stateOf("dr");
    const r = (await restore(restoreDeps(t), { to: "dr", point: LATEST, maxSkewMs: HOUR })) as RunResult & RestoreResult;
    expect(r.report.outcome, r.report.error).to.equal("succeeded");
    const fsId = r.restore!.points.EFS!.restoredResourceArn!.split("/").at(-1)!;
    const clusterId = r.restore!.points.Aurora!.restoredResourceArn!.split(":cluster:").at(-1)!;
    const globalClusterIdentifier = `${clusterId}-global`;
    expect((await t.sim.stacks.readConfig("dr")).restoredData).to.deep.equal({ fileSystemId: fsId, dbClusterIdentifier: clusterId, globalClusterIdentifier });
    const sets = t.sim.world.sideEffects("pulumi:config-set").filter((c) => JSON.stringify(c.args).includes("restoredData"));
    expect(sets, "restoredData set once").to.have.length(1);
    const state = t.sim.stacks.stateOf("dr");
    const subnets = state.filter((x) => x.type === "aws:ec2/subnet:Subnet" && x.name.includes("private")).map((x) => x.id);
    const efsSg = state.find((x) => x.type === "aws:ec2/securityGroup:SecurityGroup" && x.urn.includes("SharedFileSystem"))!.id;
    const mounts = state.filter((x) => x.type === "aws:efs/mountTarget:MountTarget" && x.inputs.fileSystemId === fsId);
    expect(mounts.map((m) => m.inputs.subnetId).sort()).to.deep.equal(subnets.sort());
    for (const m of mounts) expect(m.inputs.securityGroups).to.deep.equal([efsSg]);
    const pv = state.find((x) => x.type === "kubernetes:core/v1:PersistentVolume")!;
    expect(inputsOf(pv).spec.csi.volumeHandle).to.equal(fsId);
    const app = state.find((x) => x.type === "kubernetes:apps/v1:Deployment" && inputsOf(x).metadata.name === "app")!;
    const env = Object.fromEntries(inputsOf(app).spec.template.spec.containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(env.DB_WRITER_HOST.split(".")[0]).to.equal(clusterId);
    expect(env.DB_READER_HOST.split(".")[0]).to.equal(clusterId);
    // The site's own file system and cluster: the same resources, still protected, nothing deleted.
    for (const type of ["aws:efs/fileSystem:FileSystem", "aws:rds/cluster:Cluster"]) {
      const own = before.filter((x) => x.type === type);
      expect(own.length, type).to.be.greaterThan(0);
      for (const o of own) {
        const now = state.find((x) => x.urn === o.urn);
        expect(now, o.urn).not.to.equal(undefined);
        expect(now!.id).to.equal(o.id);
        expect(now!.options.protect, o.urn).to.equal(true);
      }
    }
    expect(t.sim.world.site("dr").serving).to.equal(true);
    // The new global database is read by identifier, never managed; the outputs say the served cluster writes it.
    const globals = state.filter((x) => x.type === "aws:rds/globalCluster:GlobalCluster");
    expect(globals.map((g) => [g.id, g.read === true])).to.deep.equal([[globalClusterIdentifier, true]]);
    const outputs = await t.sim.stacks.outputs("dr");
    expect(outputs).to.include({ dbClusterIdentifier: clusterId, dbGlobalClusterIdentifier: globalClusterIdentifier });
    // The owner keeps its own protected global cluster, and its output still names the pair's.
    const owner = t.sim.stacks.stateOf("primary").filter((x) => x.type === "aws:rds/globalCluster:GlobalCluster");
    expect(owner.map((g) => [g.inputs.globalClusterIdentifier, g.options.protect, g.read === true])).to.deep.equal([["eks-dr-global", true, false]]);
  });

  it("dr's app starts on the restored files at the root: a Job on its volume moved them out of AWS Backup's recovery directory before the app's pods, once", async () => {
    const t = await simulate({ seed: 3, faults: { impairRegions: [{ region: "primary", afterMs: 0 }] } });
    const r = (await restore(restoreDeps(t), { to: "dr", point: LATEST, maxSkewMs: HOUR })) as RunResult & RestoreResult;
    expect(r.report.outcome, r.report.error).to.equal("succeeded");
    const fsId = r.restore!.points.EFS!.restoredResourceArn!.split("/").at(-1)!;
    expect(t.sim.world.restoreDirectories(fsId), "nothing left in aws-backup-restore_*").to.deep.equal([]);
    expect(t.sim.world.restoredFilesMoves(fsId)).to.equal(1);
    // What the app sees lacks only what primary wrote after the point: it started after the move.
    const loss = t.sim.world.dataLoss().find((l) => l.reason === "restore" && l.kind === "efs")!;
    expect(loss.replicatedUpTo).to.equal(Date.parse(r.restore!.points.EFS!.createdAt));
    const state = t.sim.stacks.stateOf("dr");
    const jobs = state.filter((x) => x.type === "kubernetes:batch/v1:Job");
    expect(jobs).to.have.length(1);
    expect(inputsOf(jobs[0]).metadata).to.include({ namespace: "app" });
    expect(inputsOf(jobs[0]).metadata.name).to.include(fsId);
    const app = state.find((x) => x.type === "kubernetes:apps/v1:Deployment" && inputsOf(x).metadata.name === "app")!;
    expect(app.dependencies, "the app's Deployment waits for the Job").to.include(jobs[0].urn);
    expect(t.sim.world.site("dr").serving).to.equal(true);
  });

  it("a program without the move Job leaves the restored files in AWS Backup's directory: the app starts on an empty volume and the restore counts as losing every file", async () => {
    const t = await simulate({ seed: 3, program: withoutRestoredFilesMove, faults: { impairRegions: [{ region: "primary", afterMs: 0 }] } });
    const r = (await restore(restoreDeps(t), { to: "dr", point: LATEST, maxSkewMs: HOUR })) as RunResult & RestoreResult;
    expect(r.report.outcome, r.report.error).to.equal("succeeded");
    const fsId = r.restore!.points.EFS!.restoredResourceArn!.split("/").at(-1)!;
    expect(t.sim.world.restoreDirectories(fsId)).to.have.length(1);
    expect(t.sim.world.restoredFilesMoves(fsId)).to.equal(0);
    const loss = t.sim.world.dataLoss().find((l) => l.reason === "restore" && l.kind === "efs")!;
    expect(loss.lostWindowMs).to.equal(Infinity);
    expect(Math.abs(r.restore!.points.EFS!.rpoMs - loss.lostWindowMs), "the driver's RPO no longer matches what the app sees").to.be.greaterThan(1000);
  });

  it("resumes after a crash after every step: the same end state, each restore job and side effect once", async () => {
    const reference = await simulate({ seed: 5, faults: { impairRegions: [{ region: "primary", afterMs: 0 }] } });
    const ref = (await restore(restoreDeps(reference), { to: "dr", point: LATEST, maxSkewMs: HOUR })) as RunResult;
    expect(ref.report.outcome).to.equal("succeeded");
    const expected = await finalState(reference);
    const steps = ref.report.steps.map((s) => s.id);
    for (const step of steps) {
      const t = await simulate({ seed: 5, faults: { impairRegions: [{ region: "primary", afterMs: 0 }] } });
      t.sim.faults.crashAfterStep(step);
      const crash = await restore(restoreDeps(t), { to: "dr", point: LATEST, maxSkewMs: HOUR }).catch((e: Error) => e);
      expect((crash as Error).name, step).to.equal("SimulatedCrash");
      t.sim.restart();
      const pointsBefore = t.sim.world.recoveryPoints().length;
      const resumed = (await restore(restoreDeps(t), { to: "dr", point: LATEST, maxSkewMs: HOUR }, { takeOver: true })) as RunResult;
      expect(resumed.report.outcome, `${step}: ${resumed.report.error}`).to.equal("succeeded");
      expect(await finalState(t), step).to.deep.equal(expected);
      expect(t.sim.world.restoreJobs(), step).to.have.length(2);
      expect(t.sim.world.recoveryPoints().length, step).to.be.at.least(pointsBefore);
      const counts = sideEffectCounts(t.sim);
      for (const [k, n] of Object.entries(counts)) if (!k.startsWith("pulumi")) expect(n, `${step}: ${k}`).to.equal(sideEffectCounts(reference.sim)[k]);
      // The resumed run set restoredData once, to the stores the (single) restore jobs created.
      const adoptions = t.sim.world.sideEffects("pulumi:config-set").filter((c) => JSON.stringify(c.args).includes("restoredData"));
      expect(adoptions, `${step}: restoredData set`).to.have.length(1);
    }
  });

  it("refuses inconsistent recovery points (exit 2), naming each store's newest and the --point that works; nothing changes", async () => {
    const t = await simulate({ seed: 9 });
    t.sim.world.dropNewestBackupCopy("us-west-2", "EFS");
    const err = await restore(restoreDeps(t), { to: "dr", point: LATEST, maxSkewMs: HOUR }).catch((e: Error) => e);
    expect(err).to.be.instanceOf(RefusedError);
    expect((err as Error).message).to.match(/not consistent with each other: EFS .* Aurora .* apart, more than --max-skew 1h 00m/);
    expect((err as Error).message).to.match(/rerun with --point \d{4}-\d{2}-\d{2}T05:00:00\.000Z/);
    expect(t.sim.world.restoreJobs()).to.have.length(0);
    expect((await t.sim.stacks.readConfig("dr")).role).to.equal("standby");
    // With the point it names, both stores have a point: the dry run says what it would do.
    const at = Date.parse(/--point (\S+),/.exec((err as Error).message)![1]);
    const dry = (await restore(restoreDeps(t), { to: "dr", point: { at }, maxSkewMs: HOUR }, { dryRun: true })) as DryRunResult;
    expect(dry.refusal).to.equal(undefined);
    expect(dry.steps.map((s) => s.id)).to.include.members(["select-recovery-points", "restore-db", "restore-files", "converge-up-target", "wait-serving"]);
  });

  it("a failed copy job makes the newest set inconsistent; a dry run reports the refusal and changes nothing", async () => {
    const t = await simulate({ seed: 11 });
    t.sim.world.failBackupCopies(1); // the next copy (Aurora or EFS, whichever completes first) fails
    await t.sim.clock.sleep(30 * HOUR);
    const dry = (await restore(restoreDeps(t), { to: "dr", point: LATEST, maxSkewMs: HOUR }, { dryRun: true })) as DryRunResult;
    expect(dry.refusal).to.match(/not consistent with each other/);
    expect(t.sim.world.restoreJobs()).to.have.length(0);
  });

  describe("after it, with primary's Region back (one restore, read-only checks)", () => {
    let t: TestSim;
    let gid: string;
    before(async () => {
      t = await simulate({ seed: 3, faults: { impairRegions: [{ region: "primary", afterMs: 0 }] } });
      const r = (await restore(restoreDeps(t), { to: "dr", point: LATEST, maxSkewMs: HOUR })) as RunResult & RestoreResult;
      expect(r.report.outcome, r.report.error).to.equal("succeeded");
      t.sim.faults.recoverRegion("primary");
      gid = `${r.restore!.points.Aurora!.restoredResourceArn!.split(":cluster:").at(-1)}-global`;
    });

    it("status checks the global database the restored cluster writes: dr its writer, and no secondary yet (not ready, naming it)", async () => {
      const checks = Object.fromEntries((await status(t.deps)).readiness.checks.map((c) => [c.name, c]));
      expect(checks["global database"]).to.include({ ok: true, detail: gid });
      expect(checks["aurora writer"]).to.include({ ok: true, detail: "dr writes" });
      expect(checks["aurora secondary"].ok).to.equal(false);
      expect(checks["aurora secondary"].detail)
        .to.match(new RegExp(`is not a secondary of ${gid}`))
        .and.match(/Known limits/);
    });

    it("failback acts on the restored cluster's global database; with no secondary of primary in it, it is refused before anything changes", async () => {
      const configBefore = await t.sim.stacks.readConfig("dr");
      const effectsBefore = t.sim.world.sideEffects().length;
      const back = await failback(t.deps).catch((e: Error) => e);
      expect(back).to.be.instanceOf(RefusedError);
      expect((back as Error).message)
        .to.match(new RegExp(`writer of the global database ${gid}, and primary's cluster \\(eks-dr-primary\\) is not in it`))
        .and.match(/Nothing was changed/)
        .and.match(/Known limits/);
      expect(await t.sim.stacks.readConfig("dr")).to.deep.equal(configBefore);
      expect(t.sim.world.sideEffects().length).to.equal(effectsBefore);
    });
  });

  it("a global cluster of that name written by another cluster fails the run, naming it; nothing is created and dr does not adopt", async () => {
    const t = await simulate({ seed: 13, faults: { impairRegions: [{ region: "primary", afterMs: 0 }] } });
    const deps = restoreDeps(t);
    const inner = deps.cloud.rds;
    const other = "arn:aws:rds:us-west-2:123456789012:cluster:someone-else";
    const rds: RdsPort = {
      describeGlobalCluster: (...a) => inner.describeGlobalCluster(...a),
      describeDbCluster: (...a) => inner.describeDbCluster(...a),
      switchoverGlobalCluster: (...a) => inner.switchoverGlobalCluster(...a),
      failoverGlobalCluster: (...a) => inner.failoverGlobalCluster(...a),
      createGlobalCluster: (...a) => inner.createGlobalCluster(...a),
      findGlobalCluster: async (region, id, o) =>
        /-restored-.*-global$/.test(id)
          ? { identifier: id, status: "available", members: [{ clusterArn: other, region, isWriter: true }] }
          : inner.findGlobalCluster(region, id, o),
    };
    const r = (await restore({ ...deps, cloud: { ...deps.cloud, rds } }, { to: "dr", point: LATEST, maxSkewMs: HOUR })) as RunResult;
    expect(r.report.outcome).to.equal("failed");
    expect(r.report.error).to.match(/exists and its writer is arn:aws:rds:us-west-2:123456789012:cluster:someone-else.*not the restored cluster/);
    expect(t.sim.world.sideEffects("CreateGlobalCluster")).to.have.length(0);
    expect((await t.sim.stacks.readConfig("dr")).restoredData).to.equal(undefined);
  });

  it("never deletes a recovery point, even in a locked vault", async () => {
    const t = await simulate({ seed: 13, faults: { impairRegions: [{ region: "primary", afterMs: 0 }] } });
    t.sim.world.lockBackupVault("dr", 7 * 24 * HOUR);
    const before = t.sim.world
      .recoveryPoints()
      .filter((p) => p.region === "us-west-2")
      .map((p) => p.arn);
    const r = (await restore(restoreDeps(t), { to: "dr", point: LATEST, maxSkewMs: HOUR })) as RunResult;
    expect(r.report.outcome).to.equal("succeeded");
    const after = new Set(t.sim.world.recoveryPoints().map((p) => p.arn));
    for (const arn of before) expect(after.has(arn), arn).to.equal(true);
  });
});

describe("restore --in-place (point-in-time restore of the active site)", function () {
  this.timeout(120_000);

  it("refuses without --yes and changes nothing", async () => {
    const t = await simulate({ seed: 17 });
    const err = await restore(restoreDeps(t), { to: "primary", point: LATEST, maxSkewMs: HOUR, inPlace: true }).catch((e: Error) => e);
    expect(err).to.be.instanceOf(RefusedError);
    expect((err as Error).message).to.match(/confirm with --yes/);
    expect(t.sim.world.restoreJobs()).to.have.length(0);
  });

  it("with --yes restores the active site's own points into new resources and it serves again; it refuses a standby", async () => {
    const t = await simulate({ seed: 19 });
    const refused = await restore(restoreDeps(t), { to: "dr", point: LATEST, maxSkewMs: HOUR, inPlace: true, confirmed: true }).catch((e: Error) => e);
    expect((refused as Error).message).to.match(/dr is not active/);
    const r = (await restore(restoreDeps(t), { to: "primary", point: LATEST, maxSkewMs: HOUR, inPlace: true, confirmed: true })) as RunResult & RestoreResult;
    expect(r.report.outcome, r.report.error).to.equal("succeeded");
    const jobs = t.sim.world.restoreJobs();
    expect(jobs.map((j) => j.region)).to.deep.equal(["us-east-1", "us-east-1"]);
    expect(t.sim.world.site("primary").serving).to.equal(true);
    expect((await t.sim.stacks.readConfig("primary")).role).to.equal("active");
    // It serves from the restored stores: adopted through config, with the volume on the restored file system.
    const fsId = r.restore!.points.EFS!.restoredResourceArn!.split("/").at(-1)!;
    expect((await t.sim.stacks.readConfig("primary")).restoredData?.fileSystemId).to.equal(fsId);
    const pv = t.sim.stacks.stateOf("primary").find((x) => x.type === "kubernetes:core/v1:PersistentVolume")!;
    expect(inputsOf(pv).spec.csi.volumeHandle).to.equal(fsId);
    expect(r.report.steps.map((s) => s.id)).to.include("converge-up-target");
    // Its nodes were Ready: the app's pods restarted on the restored volume only once the Job had
    // moved the files to its root (the Deployment depends on the Job), so they saw the point's data.
    expect(t.sim.world.restoreDirectories(fsId)).to.deep.equal([]);
    const loss = t.sim.world.dataLoss().find((l) => l.reason === "restore" && l.kind === "efs")!;
    expect(loss.replicatedUpTo).to.equal(Date.parse(r.restore!.points.EFS!.createdAt));

    // A later restore adopts another file system: the Job named for it replaces the first and moves its files.
    await t.sim.clock.sleep(HOUR);
    const again = (await restore(restoreDeps(t), { to: "primary", point: LATEST, maxSkewMs: HOUR, inPlace: true, confirmed: true })) as RunResult &
      RestoreResult;
    expect(again.report.outcome, again.report.error).to.equal("succeeded");
    const secondFs = again.restore!.points.EFS!.restoredResourceArn!.split("/").at(-1)!;
    expect(secondFs).to.not.equal(fsId);
    expect(t.sim.world.restoreDirectories(secondFs)).to.deep.equal([]);
    expect(t.sim.world.restoredFilesMoves(secondFs)).to.equal(1);
    const moveJobs = t.sim.stacks.stateOf("primary").filter((x) => x.type === "kubernetes:batch/v1:Job");
    expect(moveJobs.map((j) => inputsOf(j).metadata.name)).to.deep.equal([`restored-files-move-${secondFs}`]);
  });

  it("the owner's restored cluster writes a new global database; the pair's is left as it was, its output unchanged, the peer's up asks nothing of its secondary, and a failover to the peer is refused", async () => {
    const t = await simulate({ seed: 19 });
    const drClusterBefore = t.sim.stacks.stateOf("dr").find((x) => x.type === "aws:rds/cluster:Cluster" && !x.read)!;
    const pairBefore = t.sim.world.globalCluster();
    const r = (await restore(restoreDeps(t), { to: "primary", point: LATEST, maxSkewMs: HOUR, inPlace: true, confirmed: true })) as RunResult & RestoreResult;
    expect(r.report.outcome, r.report.error).to.equal("succeeded");
    expect(r.report.steps.map((s) => s.id)).to.include("create-global-cluster");
    const restoredArn = r.restore!.points.Aurora!.restoredResourceArn!;
    const gid = `${restoredArn.split(":cluster:").at(-1)}-global`;
    expect((await t.sim.stacks.readConfig("primary")).restoredData?.globalClusterIdentifier).to.equal(gid);
    expect(t.sim.world.findGlobalCluster("us-east-1", gid)!.members.map((m) => [m.clusterArn, m.isWriter])).to.deep.equal([[restoredArn, true]]);
    expect(t.sim.world.findGlobalCluster("us-west-2", "eks-dr-global")!.members).to.deep.equal(pairBefore.members);
    const owner = await t.sim.stacks.outputs("primary");
    expect(owner).to.include({ globalClusterIdentifier: "eks-dr-global", dbGlobalClusterIdentifier: gid });
    // The peer still reads the pair's identifier: its up leaves its secondary cluster as it is (the
    // provider would refuse moving it: "cannot be migrated between existing RDS Global Clusters").
    const up = await t.sim.stacks.up("dr");
    expect(up.changes.failed ?? 0).to.equal(0);
    const drCluster = t.sim.stacks.stateOf("dr").find((x) => x.urn === drClusterBefore.urn)!;
    expect(drCluster.inputs.globalClusterIdentifier).to.equal("eks-dr-global");
    expect(drCluster.inputs).to.deep.equal(drClusterBefore.inputs);
    // A failover to the peer is refused before anything changes (nothing to promote), naming restore --to.
    const effectsBefore = t.sim.world.sideEffects().length;
    for (const mode of ["planned", "unplanned"] as const) {
      const err = await failover(t.deps, { to: "dr", mode }).catch((e: Error) => e);
      expect(err, mode).to.be.instanceOf(RefusedError);
      expect((err as Error).message, mode).to.match(/eks-dr-dr is not a secondary of primary-restored-.*-global/);
      if (mode === "unplanned") expect((err as Error).message).to.match(/npm run restore -- --to dr/);
    }
    expect(t.sim.world.sideEffects().length).to.equal(effectsBefore);
  });
});
