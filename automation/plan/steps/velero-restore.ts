/**
 * The Kubernetes objects of a restore: the Velero backup that goes with the chosen recovery points
 * (journaled, so a resumed run restores the same one), then its restore into the target's cluster
 * through the program (config `veleroRestore.backupName`, a Velero Restore its `up` waits for).
 *
 *   select-velero-backup <- select-recovery-points   newest Completed backup in the target's own
 *                                                    bucket not newer than the points (select.ts)
 *   restore-objects <- converge-up-target, select-velero-backup
 *
 * `restore-objects` runs beside `wait-serving`, not before it: the application's own objects come
 * from the program (the target's up made them), Velero restores the other namespaces the user
 * listed, which the application does not need to serve; so the RTO does not wait for them, and the
 * report shows their restore as its own step. Data before objects: with no usable backup the
 * restore goes on without objects and says so, unless `--require-velero` was given.
 */
import type { VeleroBackup } from "../../cloud/velero/port";
import { selectVeleroBackup, type VeleroChoice } from "../../cloud/velero/select";
import { formatDuration, isoTime } from "../../util/duration";
import type { Step, StepContext } from "../types";
import { chosenPoints, type RestoreTarget } from "./restore";
import { MARK, opts } from "./shared";

export const VELERO_MARK = {
  /** `{ backupName, completedAt }`, or `{ none: problem }`. */
  choice: "velero-backup",
  /** When `restore-objects` first started: Velero's sync is counted from it. */
  waitFrom: "velero-sync-wait-from",
  restored: "velero-restored",
} as const;

/**
 * How long after a backup is in the bucket, and Velero runs, its Backup object is sure to exist and
 * its storage location Available (a Restore needs both: restore_controller.go `validateAndComplete`):
 * one backup sync period and one store validation, 1 minute each by default (velero
 * pkg/cmd/server/config/config.go `defaultBackupSyncPeriod`, `defaultStoreValidationFrequency`; the
 * chart leaves `configuration.backupSyncPeriod` and `storeValidationFrequency` unset). A Restore
 * created earlier fails validation for good.
 */
export const VELERO_SYNC_WAIT_MS = 2 * 60_000;

export type VeleroChoiceMark = { backupName: string; completedAt: number } | { none: string };

export function veleroChoice(ctx: Pick<StepContext, "marks">): VeleroChoiceMark | undefined {
  return ctx.marks.get(VELERO_MARK.choice)?.data as VeleroChoiceMark | undefined;
}

/** The data's point in time: the oldest of the chosen recovery points. */
export function pointsTime(ctx: Pick<StepContext, "marks">): number | undefined {
  const points = chosenPoints(ctx);
  return points ? Math.min(...Object.values(points).map((p) => p.createdAt)) : undefined;
}

/** Lists the target's bucket and chooses; `where` names it in problems. */
export async function chooseVeleroBackup(list: () => Promise<VeleroBackup[]>, notAfter: number, where: string): Promise<VeleroChoice> {
  return selectVeleroBackup(await list(), { notAfter, where });
}

export interface VeleroStepsArgs {
  target: RestoreTarget;
  /** The step that journals the recovery points (select-recovery-points). */
  afterSelect: string;
  /** The target's up as active (converge-up-target). */
  afterUp: string;
  /** `--require-velero`: no usable backup fails the run instead of a warning. */
  required: boolean;
}

export function veleroRestoreSteps(a: VeleroStepsArgs): Step[] {
  const site = a.target.site;
  const bucket = site.outputs.veleroBucketName;
  const where = `${bucket ?? "(no Velero bucket)"} (${site.region})`;
  const select: Step = {
    id: "select-velero-backup",
    title: `Choose the Velero backup that goes with the recovery points, in ${site.stack}'s bucket`,
    dependsOn: [a.afterSelect],
    effect: `S3 ListObjectsV2/GetObject backups/*/velero-backup.json in ${where}: newest Completed backup not newer than the recovery points`,
    check: async (ctx) => veleroChoice(ctx) !== undefined,
    run: async (ctx) => {
      const notAfter = pointsTime(ctx);
      if (notAfter === undefined) throw new Error("no recovery points were chosen (select-recovery-points)");
      const chosen = bucket
        ? await chooseVeleroBackup(() => ctx.cloud.velero.listVeleroBackups(site.region, bucket, opts(ctx)), notAfter, where)
        : { ok: false as const, problem: `stack "${site.stack}" exports no veleroBucketName` };
      if (!chosen.ok) {
        if (a.required) throw new Error(`--require-velero: ${chosen.problem}`);
        await ctx.mark(VELERO_MARK.choice, { none: chosen.problem });
        return { detail: `none: ${chosen.problem}; the restore goes on without the objects` };
      }
      const b = chosen.backup;
      await ctx.mark(VELERO_MARK.choice, { backupName: b.name, completedAt: b.completedAt });
      return { detail: `${b.name} (completed ${isoTime(b.completedAt)}, ${formatDuration(notAfter - b.completedAt)} before the data's point)` };
    },
  };
  const restore: Step = {
    id: "restore-objects",
    title: `Restore the Kubernetes objects of the Velero backup into ${site.stack}`,
    dependsOn: [a.afterUp, select.id],
    bound: { what: `the Velero restore into ${site.stack}`, key: "upMs", ms: (t) => t.upMs + VELERO_SYNC_WAIT_MS + t.callMs },
    effect: `once ${site.stack}'s Velero synced the backup: config veleroRestore.backupName, then pulumi up ${site.stack} (a Velero Restore it waits for, Secrets excluded, existing objects kept)`,
    check: async (ctx) => ctx.marks.has(VELERO_MARK.restored),
    run: async (ctx) => {
      const choice = veleroChoice(ctx);
      if (!choice) throw new Error("no Velero backup was chosen (select-velero-backup)");
      if ("none" in choice) return { detail: `no objects restored: ${choice.none}` };
      // Velero knows the backup only after a sync that ran once it was in the bucket (it was when
      // select-velero-backup listed it, before this step) and Velero was up (the target's up, just
      // before this step, may have installed or restarted it): so a sync wait from this step's first
      // start (journaled, a resume does not wait again). A replica's LastModified cannot say when it
      // arrived (S3 keeps the source's creation time).
      if (!ctx.marks.has(VELERO_MARK.waitFrom)) await ctx.mark(VELERO_MARK.waitFrom, { at: ctx.clock.now() });
      const syncedBy = (ctx.marks.get(VELERO_MARK.waitFrom)!.data.at as number) + VELERO_SYNC_WAIT_MS;
      if (ctx.clock.now() < syncedBy) {
        ctx.log(`waiting ${formatDuration(syncedBy - ctx.clock.now())} for Velero's backup sync`);
        await ctx.clock.sleep(syncedBy - ctx.clock.now(), ctx.signal);
      }
      const cfg = await ctx.stacks.readConfig(site.stack);
      if (cfg.veleroRestore?.backupName !== choice.backupName) {
        await ctx.stacks.setConfig(site.stack, [{ key: "veleroRestore.backupName", value: choice.backupName }]);
      }
      // As the target's converge: leave the DNS record out when its swap failed (Route 53 down).
      const exclude = ctx.marks.has(MARK.dnsSwapFailed) && site.outputs.dnsRecordUrn ? [site.outputs.dnsRecordUrn] : undefined;
      const started = ctx.clock.now();
      await ctx.stacks.up(site.stack, { refreshTargets: site.outputs.outOfBandUrns, ...(exclude ? { exclude } : {}), signal: ctx.signal, onOutput: ctx.log });
      await ctx.mark(VELERO_MARK.restored, { backupName: choice.backupName, restoreMs: ctx.clock.now() - started });
      return { detail: `Velero restore of ${choice.backupName} Completed in ${formatDuration(ctx.clock.now() - started)}` };
    },
  };
  return [select, restore];
}
