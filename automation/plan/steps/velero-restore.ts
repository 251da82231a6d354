/**
 * The Kubernetes objects of a restore: the Velero backup that goes with the chosen recovery points
 * (journaled, so a resumed run restores the same one), then its restore into the target's cluster
 * through the program (config `veleroRestore`, a Velero Restore its `up` creates), its outcome read
 * from the cluster's Kubernetes API.
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
 *
 * A Restore that ends PartiallyFailed, Failed or FailedValidation fails the step at once with
 * Velero's reason. Velero never runs a finished Restore again, so the resume makes a new one: the
 * attempt (journaled) is part of the Restore's name (config `veleroRestore.attempt`), and the failed
 * one stays in the cluster with its logs (the component keeps it on replacement).
 */
import { VELERO_NAMESPACE, VELERO_STORAGE_LOCATION, veleroRestoreName } from "../../../components/velero";
import { isFinalRestorePhase, restoreFailureReason, type VeleroRestoreState } from "../../cloud/kubernetes/port";
import type { VeleroBackup } from "../../cloud/velero/port";
import { selectVeleroBackup, type VeleroChoice } from "../../cloud/velero/select";
import { formatDuration, isoTime } from "../../util/duration";
import type { ConfigChange } from "../../ports";
import type { Step, StepContext } from "../types";
import { chosenPoints, type RestoreTarget } from "./restore";
import { MARK, opts, waitFor } from "./shared";

export const VELERO_MARK = {
  /** `{ backupName, completedAt }`, or `{ none: problem }`. */
  choice: "velero-backup",
  /** The last Restore that did not complete: `{ attempt, restoreName, phase, reason }`; the next attempt is one more. */
  failed: "velero-restore-failed",
  /** `{ attempt }`: the attempt this run is on, journaled before its config is set (a crash resumes it). */
  attempt: "velero-restore-attempt",
  /** `{ backupName, restoreName, attempt, restoreMs, warnings }`. */
  restored: "velero-restored",
} as const;

/**
 * How long the step waits for the target's Velero to know the backup (its Backup object, synced
 * from the bucket every `backupSyncPeriod`) and its storage location to be Available (validated
 * every `storeValidationFrequency`): a Restore needs both, else it fails validation for good
 * (velero pkg/controller/restore_controller.go `validateAndComplete`). Both periods are 1 minute by
 * default (pkg/cmd/server/config/config.go; the chart sets neither); the bound leaves room for the
 * Velero pod of a cluster the target's up just created to start.
 */
export const VELERO_SYNC_MAX_WAIT_MS = 10 * 60_000;

export interface VeleroFailedMark {
  attempt: number;
  restoreName: string;
  phase: string;
  reason: string;
}

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
    bound: { what: `the Velero restore into ${site.stack}`, key: "upMs", ms: (t) => 2 * t.upMs + VELERO_SYNC_MAX_WAIT_MS + t.callMs },
    effect:
      `once ${site.stack}'s Velero knows the backup (Kubernetes API: its Backup object, the storage location Available): ` +
      `config veleroRestore, pulumi up ${site.stack} (a Velero Restore, Secrets excluded, existing objects kept), then its phase read until it ends`,
    check: async (ctx) => ctx.marks.has(VELERO_MARK.restored),
    run: async (ctx) => {
      const choice = veleroChoice(ctx);
      if (!choice) throw new Error("no Velero backup was chosen (select-velero-backup)");
      if ("none" in choice) return { detail: `no objects restored: ${choice.none}` };
      const cfg = await ctx.stacks.readConfig(site.stack);
      const attempt = veleroAttempt(ctx, choice.backupName, cfg.veleroRestore);
      if (ctx.marks.get(VELERO_MARK.attempt)?.data.attempt !== attempt) await ctx.mark(VELERO_MARK.attempt, { attempt });
      const failed = ctx.marks.get(VELERO_MARK.failed)?.data as VeleroFailedMark | undefined;
      const restoreName = veleroRestoreName(choice.backupName, attempt);
      // The cluster as the target's up left it (a backup-only standby has one only since that up).
      const outputs = await ctx.stacks.outputs(site.stack);
      const clusterName = outputs?.clusterName;
      if (!clusterName) throw new Error(`stack "${site.stack}" exports no clusterName after its up: no cluster to restore the objects into`);

      if (failed && failed.attempt === attempt - 1)
        ctx.log(`attempt ${attempt}: ${failed.restoreName} ended ${failed.phase}; restoring again as ${restoreName}`);
      await waitVeleroKnowsBackup(ctx, site.region, clusterName, choice.backupName, site.stack);

      const changes: ConfigChange[] = [];
      if (cfg.veleroRestore?.backupName !== choice.backupName) changes.push({ key: "veleroRestore.backupName", value: choice.backupName });
      if ((cfg.veleroRestore?.attempt ?? 1) !== attempt) changes.push({ key: "veleroRestore.attempt", value: attempt });
      if (changes.length) await ctx.stacks.setConfig(site.stack, changes);
      // As the target's converge: leave the DNS record out when its swap failed (Route 53 down).
      const exclude = ctx.marks.has(MARK.dnsSwapFailed) && site.outputs.dnsRecordUrn ? [site.outputs.dnsRecordUrn] : undefined;
      const started = ctx.clock.now();
      await ctx.stacks.up(site.stack, { refreshTargets: site.outputs.outOfBandUrns, ...(exclude ? { exclude } : {}), signal: ctx.signal, onOutput: ctx.log });

      // The up creates the Restore without waiting (components/velero.ts): its outcome is read here.
      let last: VeleroRestoreState | undefined;
      await waitFor(
        ctx,
        `Velero Restore ${VELERO_NAMESPACE}/${restoreName} in ${site.stack} to end`,
        async () => {
          last = await ctx.cloud.kubernetes.readVeleroRestore(site.region, clusterName, VELERO_NAMESPACE, restoreName, opts(ctx));
          return last !== undefined && isFinalRestorePhase(last.phase);
        },
        ctx.timeouts.upMs,
      );
      const r = last!;
      if (r.phase !== "Completed") {
        const reason = restoreFailureReason(r);
        await ctx.mark(VELERO_MARK.failed, { attempt, restoreName, phase: r.phase, reason } satisfies VeleroFailedMark);
        throw new VeleroRestoreFailedError(site.stack, choice.backupName, r, reason, veleroRestoreName(choice.backupName, attempt + 1));
      }
      const restoreMs = ctx.clock.now() - started;
      await ctx.mark(VELERO_MARK.restored, { backupName: choice.backupName, restoreName, attempt, restoreMs, warnings: r.warnings });
      return {
        detail: `Velero restore ${restoreName} of ${choice.backupName} Completed in ${formatDuration(restoreMs)}${r.warnings ? ` (${r.warnings} warning(s): velero restore describe ${restoreName})` : ""}`,
      };
    },
  };
  return [select, restore];
}

/**
 * Which attempt of the backup's restore this is: the one journaled by this run, one more than its
 * last failed attempt; in a run's first try, 1, unless the site's config already names this backup
 * (an earlier run restored it, or tried to): then one more than that run's attempt, since its
 * Restore is finished and Velero would never run it again.
 */
function veleroAttempt(ctx: Pick<StepContext, "marks">, backupName: string, cfg: { backupName: string; attempt?: number } | undefined): number {
  const failed = ctx.marks.get(VELERO_MARK.failed)?.data as VeleroFailedMark | undefined;
  const journaled = ctx.marks.get(VELERO_MARK.attempt)?.data.attempt as number | undefined;
  if (failed && (journaled === undefined || failed.attempt >= journaled)) return failed.attempt + 1;
  if (journaled !== undefined) return journaled;
  return cfg?.backupName === backupName ? (cfg.attempt ?? 1) + 1 : 1;
}

/** Polls the target's Velero until it knows the backup and its storage location is Available. */
async function waitVeleroKnowsBackup(ctx: StepContext, region: string, clusterName: string, backupName: string, stack: string): Promise<void> {
  let seen = "";
  try {
    await waitFor(
      ctx,
      `${stack}'s Velero to sync backup ${backupName}`,
      async () => {
        const r = await ctx.cloud.kubernetes.veleroRestoreReadiness(region, clusterName, VELERO_NAMESPACE, backupName, VELERO_STORAGE_LOCATION, opts(ctx));
        seen = `Backup ${VELERO_NAMESPACE}/${backupName} ${r.backupSynced ? "synced" : "not synced yet"}, location ${VELERO_STORAGE_LOCATION} ${r.locationPhase ?? "not validated yet"}`;
        return r.backupSynced && r.locationPhase === "Available";
      },
      VELERO_SYNC_MAX_WAIT_MS,
    );
  } catch (err) {
    if (!seen) throw err;
    throw new Error(
      `${stack}'s Velero does not know backup ${backupName} after ${formatDuration(VELERO_SYNC_MAX_WAIT_MS)} (${seen}); no Restore was created. ` +
        `Check Velero's pod and its storage location (kubectl -n ${VELERO_NAMESPACE} get backupstoragelocations, velero backup get), then run the same command again.`,
      { cause: err },
    );
  }
}

/** A Velero Restore ended without completing: Velero's reason, where to read more, what the resume does. */
export class VeleroRestoreFailedError extends Error {
  override name = "VeleroRestoreFailedError";
  constructor(stack: string, backupName: string, r: VeleroRestoreState, reason: string, nextRestoreName: string) {
    super(
      `Velero Restore ${VELERO_NAMESPACE}/${r.name} of backup ${backupName} in ${stack} ended ${r.phase}: ${reason}. ` +
        `The restored data does not depend on it; only the objects Velero restores are incomplete. ` +
        `Read Velero's details with \`velero restore describe ${r.name} --details\` and \`velero restore logs ${r.name}\`. ` +
        `Running the same command again restores the backup as a new Restore (${nextRestoreName}): objects already restored are kept, the others are tried again; ${r.name} stays in the cluster.`,
    );
  }
}
