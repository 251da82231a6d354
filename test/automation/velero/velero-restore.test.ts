import { expect } from "chai";
import { driverDeps, simWiring } from "../../../automation/wiring";
import { formatRestoreFigures, restore, restoreTarget, type RestoreDeps, type RestoreResult } from "../../../automation/restore";
import type { DryRunResult, RunResult } from "../../../automation/driver";
import { RefusedError } from "../../../automation/errors";
import { loadSite } from "../../../automation/plan/sites";
import { VELERO_MARK, veleroRestoreSteps } from "../../../automation/plan/steps/velero-restore";
import { runSteps } from "../steps/run-steps";
import { simulate, type TestSim } from "../helpers";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const LATEST = { latest: true } as const;

function restoreDeps(t: TestSim): RestoreDeps {
  const base = driverDeps(simWiring(t.sim, { journal: t.journal, stackNames: ["primary", "dr"], seed: 1 }));
  return Object.defineProperty(base, "backup", { get: () => t.sim.backup, enumerable: true }) as RestoreDeps;
}

/** Noon of the first day: the night's 04:50 Velero backup and its 05:00 recovery points are in dr's bucket and vault. */
async function nextNight(t: TestSim): Promise<void> {
  await t.sim.clock.sleep(12 * HOUR);
  t.sim.faults.impairRegion("primary");
}

const steps0 = (r: RunResult) => new Map(r.report.steps.map((s) => [s.id, s]));

const run = async (t: TestSim, req: Partial<Parameters<typeof restore>[1]> = {}) =>
  (await restore(restoreDeps(t), { to: "dr", point: LATEST, maxSkewMs: HOUR, ...req })) as RunResult & RestoreResult;

describe("restore: the Kubernetes objects from Velero (simulated Regions)", function () {
  this.timeout(120_000);

  it("restores the newest Completed backup not newer than the recovery points, from dr's own bucket, beside the wait until dr serves", async () => {
    const t = await simulate({ seed: 3 });
    await nextNight(t);
    const dry = (await restore(restoreDeps(t), { to: "dr", point: LATEST, maxSkewMs: HOUR }, { dryRun: true })) as DryRunResult;
    const planned = new Map(dry.steps.map((s) => [s.id, s]));
    expect(planned.get("select-velero-backup")!.dependsOn).to.deep.equal(["select-recovery-points"]);
    expect(planned.get("restore-objects")!.dependsOn).to.have.members(["converge-up-target", "select-velero-backup"]);
    expect(planned.get("wait-serving")!.dependsOn).to.not.include("restore-objects");

    const r = await run(t);
    expect(r.report.outcome, r.report.error).to.equal("succeeded");
    // The night's 04:50 backup goes with its 05:00 points.
    expect(r.restore!.points.Aurora!.createdAt).to.equal("2025-01-01T05:00:00.000Z");
    expect(r.restore!.velero).to.deep.include({ backupName: "velero-objects-20250101045000" });
    const v = r.restore!.velero as { completedAt: string; restoreMs: number };
    expect(Date.parse(v.completedAt)).to.be.at.most(Date.parse("2025-01-01T05:00:00.000Z"));
    expect(v.restoreMs).to.be.greaterThan(0);
    // Velero in dr restored it (a Restore of that backup, Completed), through dr's config and up.
    const restores = t.sim.world.veleroRestores();
    expect(restores.map((x) => [x.stack, x.backupName, x.phase])).to.deep.equal([["dr", "velero-objects-20250101045000", "Completed"]]);
    expect((await t.sim.stacks.readConfig("dr")).veleroRestore).to.deep.equal({ backupName: "velero-objects-20250101045000" });
    // Created once dr's Velero knew the backup (its Backup object, read through the Kubernetes API),
    // its outcome read from the cluster until Completed.
    const backupReads = t.sim.world.calls({ api: "GET backups.velero.io" });
    expect(backupReads.length).to.be.greaterThan(0);
    expect(backupReads.every((c) => c.region === "us-west-2" && c.args.backupName === "velero-objects-20250101045000")).to.equal(true);
    expect(restores[0].startedAt).to.be.at.least(t.sim.world.veleroSyncedAt("dr", "velero-objects-20250101045000")!);
    expect(t.sim.world.calls({ api: "GET restores.velero.io" }).at(-1)!.outcome).to.equal("ok");
    expect(steps0(r).get("restore-objects")!.detail).to.match(
      /^Velero restore restore-velero-objects-20250101045000 of velero-objects-20250101045000 Completed in/,
    );
    // Read from dr's bucket (the replicas), in dr's Region.
    const lists = t.sim.world.calls({ api: "ListObjectsV2" });
    expect(lists.length).to.be.greaterThan(0);
    expect(lists.every((c) => c.region === "us-west-2")).to.equal(true);
    const steps = new Map(r.report.steps.map((s) => [s.id, s]));
    expect(steps.get("restore-objects")!.startOffsetMs!).to.be.at.least(steps.get("converge-up-target")!.endOffsetMs!);
    expect(formatRestoreFigures(r.restore!).join("\n")).to.match(
      /Kubernetes objects: Velero backup velero-objects-20250101045000 \(completed .*\), restored in/,
    );
  });

  it("never takes a backup newer than the recovery points: --point before last night restores the night before's objects", async () => {
    const t = await simulate({ seed: 4 });
    await nextNight(t);
    const r = await run(t, { point: { at: Date.parse("2025-01-01T04:55:00Z") } });
    expect(r.report.outcome, r.report.error).to.equal("succeeded");
    expect(r.restore!.points.EFS!.createdAt).to.equal("2024-12-31T05:00:00.000Z");
    expect(r.restore!.velero).to.deep.include({ backupName: "velero-objects-20241231045000" });
  });

  it("passes over a newest backup that ended PartiallyFailed, and one whose replica has not reached dr's bucket", async () => {
    const partial = await simulate({ seed: 5 });
    partial.sim.world.failVeleroBackupsPartially(1);
    await nextNight(partial);
    expect(
      partial.sim.world
        .veleroBackups()
        .filter((b) => b.phase === "PartiallyFailed")
        .map((b) => b.name),
    ).to.include("velero-objects-20250101045000");
    const a = await run(partial);
    expect(a.report.outcome, a.report.error).to.equal("succeeded");
    expect(a.restore!.velero).to.deep.include({ backupName: "velero-objects-20241231045000" });

    const behind = await simulate({ seed: 5 });
    behind.sim.world.delayVeleroReplication(2 * DAY);
    await nextNight(behind);
    expect(
      behind.sim.world
        .veleroBackups()
        .filter((b) => b.stack === "dr")
        .map((b) => b.name),
    ).to.not.include("velero-objects-20250101045000");
    const b = await run(behind);
    expect(b.report.outcome, b.report.error).to.equal("succeeded");
    expect(b.restore!.velero).to.deep.include({ backupName: "velero-objects-20241231045000" });
  });

  it("with no backup old enough, restores the data, says so, and creates no Restore; --require-velero refuses before anything changes", async () => {
    // Velero keeps 30 days, AWS Backup 35: points of 32 days ago have no Velero backup as old.
    const at = Date.parse("2024-11-30T06:00:00Z");
    const t = await simulate({ seed: 6, faults: { impairRegions: [{ region: "primary", afterMs: 0 }] } });
    const r = await run(t, { point: { at } });
    expect(r.report.outcome, r.report.error).to.equal("succeeded");
    expect(r.restore!.velero)
      .to.have.property("none")
      .that.match(
        /no Completed Velero backup in .* finished at or before the recovery points \(2024-11-30T05:00:00.000Z\): 30 finished later \(the oldest: velero-objects-20241202045000/,
      );
    expect(r.report.steps.find((s) => s.id === "restore-objects")!.detail).to.match(/^no objects restored/);
    expect(t.sim.world.veleroRestores()).to.have.length(0);
    expect((await t.sim.stacks.readConfig("dr")).veleroRestore).to.equal(undefined);
    expect(formatRestoreFigures(r.restore!).join("\n")).to.include("WARNING Kubernetes objects not restored");

    const strict = await simulate({ seed: 6, faults: { impairRegions: [{ region: "primary", afterMs: 0 }] } });
    const err = await run(strict, { point: { at }, requireVelero: true }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(RefusedError);
    expect((err as Error).message).to.match(/^--require-velero: no Completed Velero backup/);
    expect(strict.sim.world.restoreJobs()).to.have.length(0);
    expect((await strict.sim.stacks.readConfig("dr")).role).to.equal("standby");
  });

  it("resumed after a crash, restores the backup it chose (journaled), listing the bucket once", async () => {
    const t = await simulate({ seed: 7 });
    await nextNight(t);
    t.sim.faults.crashAfterStep("select-velero-backup");
    const crash = await run(t).catch((e: Error) => e);
    expect((crash as Error).name).to.equal("SimulatedCrash");
    t.sim.restart();
    const lists = t.sim.world.calls({ api: "ListObjectsV2" }).length;
    const r = (await restore(restoreDeps(t), { to: "dr", point: LATEST, maxSkewMs: HOUR }, { takeOver: true })) as RunResult & RestoreResult;
    expect(r.report.outcome, r.report.error).to.equal("succeeded");
    expect(r.restore!.velero).to.deep.include({ backupName: "velero-objects-20250101045000" });
    expect(t.sim.world.calls({ api: "ListObjectsV2" }).length).to.equal(lists);
    expect(t.sim.world.veleroRestores()).to.have.length(1);
  });

  it("lists the bucket through the driver's guard: the step's throttled listings are retried, the step succeeds", async () => {
    const t = await simulate({ seed: 11 });
    await nextNight(t);
    // Throttled from the step's start (the gate's listing before it answered).
    const observer = () => ({
      stepStarted: (step: { id: string }) => void (step.id === "select-velero-backup" && t.sim.faults.throttle("listVeleroBackups", 2)),
    });
    const r = (await restore(restoreDeps(t), { to: "dr", point: LATEST, maxSkewMs: HOUR }, { observer })) as RunResult & RestoreResult;
    expect(r.report.outcome, r.report.error).to.equal("succeeded");
    expect(r.report.steps.find((s) => s.id === "select-velero-backup")!.retries).to.equal(2);
    expect(r.restore!.velero).to.deep.include({ backupName: "velero-objects-20250101045000" });
    expect(t.sim.world.calls({ api: "ListObjectsV2" }).map((c) => c.outcome)).to.deep.equal(["ok", "ThrottlingException", "ThrottlingException", "ok"]);
  });

  it("--in-place restores data only: no Velero step, and --require-velero is refused with it", async () => {
    const t = await simulate({ seed: 8 });
    const dry = (await restore(
      restoreDeps(t),
      { to: "primary", point: LATEST, maxSkewMs: HOUR, inPlace: true, confirmed: true },
      { dryRun: true },
    )) as DryRunResult;
    expect(dry.steps.map((s) => s.id)).to.not.include.members(["select-velero-backup"]);
    const err = await restore(restoreDeps(t), { to: "primary", point: LATEST, maxSkewMs: HOUR, inPlace: true, confirmed: true, requireVelero: true }).catch(
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(RefusedError);
    expect((err as Error).message).to.include("--require-velero");
  });
});

describe("simulated Velero: sync before restore", function () {
  this.timeout(60_000);

  it("a Restore of a backup the site's Velero has not synced yet fails validation for good; after a sync it completes", async () => {
    const t = await simulate({ seed: 9 });
    const { world } = t.sim;
    // Just after the 04:50 backup's replica lands in dr's bucket, before the next sync.
    let replica;
    for (let i = 0; i < 12 * 60 * 12 && !replica; i++) {
      await t.sim.clock.sleep(5_000);
      replica = world.veleroBackups().find((b) => b.stack === "dr" && b.name === "velero-objects-20250101045000");
    }
    expect(replica, "the replica landed").to.not.equal(undefined);
    const synced = Math.ceil(replica!.landedAt / world.veleroSyncPeriodMs) * world.veleroSyncPeriodMs;
    expect(t.sim.clock.now(), "before the next sync (this seed)").to.be.below(synced);
    expect(world.veleroSyncedAt("dr", replica!.name)).to.equal(undefined);
    const early = world.createVeleroRestore("dr", "early", replica!.name);
    expect(early.phase).to.equal("FailedValidation");
    expect(early.validationErrors![0]).to.match(/Error retrieving backup/);
    await t.sim.clock.sleep(world.veleroSyncPeriodMs);
    expect(world.veleroSyncedAt("dr", replica!.name)).to.not.equal(undefined);
    const ok = world.createVeleroRestore("dr", "later", replica!.name);
    expect(ok.phase).to.equal("InProgress");
    await t.sim.clock.sleep(11 * MIN);
    expect(world.veleroRestores().find((x) => x.name === "later")!.phase).to.equal("Completed");
  });

  it("the up creates the Restore without waiting (pulumi.com/skipAwait); one of a backup Velero does not know reads back FailedValidation through the Kubernetes API", async () => {
    const t = await simulate({ seed: 10 });
    await t.sim.stacks.setConfig("dr", [{ key: "veleroRestore.backupName", value: "velero-objects-29990101000000" }]);
    await t.sim.stacks.up("dr");
    const outputs = (await t.sim.stacks.outputs("dr"))!;
    const read = await t.sim.cloud.kubernetes.readVeleroRestore("us-west-2", outputs.clusterName!, "velero", "restore-velero-objects-29990101000000");
    expect(read).to.deep.include({ phase: "FailedValidation" });
    expect(read!.validationErrors[0]).to.match(/Error retrieving backup: can't find backup/);
    expect(await t.sim.cloud.kubernetes.readVeleroRestore("us-west-2", outputs.clusterName!, "velero", "restore-nothing")).to.equal(undefined);
  });
});

describe("restore-objects waits for Velero's sync", function () {
  this.timeout(60_000);

  it("a backup that has just reached dr's bucket is restored only after a sync: the Restore completes, no FailedValidation", async () => {
    // A quick up (a few seconds), so that only the step's own wait stands between the replica's arrival and the Restore.
    const t = await simulate({ seed: 9, latencyOverrides: { "pulumi-up": { minSeconds: 2, typicalSeconds: 3, maxSeconds: 4, source: "test" } } });
    const { world } = t.sim;
    let replica;
    while (!replica) {
      await t.sim.clock.sleep(5_000);
      replica = world.veleroBackups().find((b) => b.stack === "dr" && b.name === "velero-objects-20250101045000");
    }
    // Velero has not synced it yet: creating the Restore now would fail validation for good.
    expect(world.veleroSyncedAt("dr", replica.name)).to.equal(undefined);
    const site = await loadSite(t.sim.stacks, "dr");
    const target = restoreTarget(site);
    const step = veleroRestoreSteps({ target, afterSelect: "select-recovery-points", afterUp: "converge-up-target", required: false }).find(
      (s) => s.id === "restore-objects",
    )!;
    const r = await runSteps(t.sim, [{ ...step, dependsOn: [] }], {
      marks: { [VELERO_MARK.choice]: { backupName: replica.name, completedAt: replica.completedAt } },
    });
    expect(r.outcome, r.error ? String(r.error) : "").to.equal("succeeded");
    const made = world.veleroRestores();
    expect(made.map((x) => [x.backupName, x.phase])).to.deep.equal([[replica.name, "Completed"]]);
    expect(made[0].startedAt).to.be.at.least(world.veleroSyncedAt("dr", replica.name)!);
  });
});

describe("restore-objects in a later run", function () {
  this.timeout(60_000);

  it("when the site's config already names the backup (an earlier run restored it, or failed to), restores it as the next attempt, never reusing a finished Restore", async () => {
    const t = await simulate({ seed: 12, latencyOverrides: { "pulumi-up": { minSeconds: 2, typicalSeconds: 3, maxSeconds: 4, source: "test" } } });
    await t.sim.clock.sleep(12 * HOUR);
    const { world } = t.sim;
    const backup = world.veleroBackups().find((b) => b.stack === "dr" && b.name === "velero-objects-20250101045000")!;
    // An earlier run: its Restore ended PartiallyFailed, and config still names the backup.
    t.sim.faults.veleroRestoreOutcomes({ phase: "PartiallyFailed", errors: 1 });
    await t.sim.stacks.setConfig("dr", [{ key: "veleroRestore.backupName", value: backup.name }]);
    await t.sim.stacks.up("dr");
    await t.sim.clock.sleep(30 * MIN);
    expect(world.veleroRestores().map((x) => [x.name, x.phase])).to.deep.equal([[`restore-${backup.name}`, "PartiallyFailed"]]);

    const target = restoreTarget(await loadSite(t.sim.stacks, "dr"));
    const step = veleroRestoreSteps({ target, afterSelect: "select-recovery-points", afterUp: "converge-up-target", required: false }).find(
      (s) => s.id === "restore-objects",
    )!;
    const r = await runSteps(t.sim, [{ ...step, dependsOn: [] }], {
      marks: { [VELERO_MARK.choice]: { backupName: backup.name, completedAt: backup.completedAt } },
    });
    expect(r.outcome, r.error ? String(r.error) : "").to.equal("succeeded");
    expect(world.veleroRestores().map((x) => [x.name, x.phase])).to.deep.equal([
      [`restore-${backup.name}`, "PartiallyFailed"],
      [`restore-${backup.name}-2`, "Completed"],
    ]);
  });
});
