/**
 * `restore`: rebuild a site from the AWS Backup recovery points in its Region, as a plan of
 * idempotent, journaled steps run by the driver's `runPlan` (the same lock, journal, resume,
 * `--dry-run` and confirmation as a failover), and the Kubernetes objects from Velero.
 *
 *   restore --to dr --point latest|<ISO time>   the peer Region takes over from backups (its
 *                                               active site or its data is lost)
 *   restore --to <active> --in-place --yes      point-in-time restore of the active site (corruption)
 *
 * Refused before anything changes (exit 2): recovery points missing or not consistent with each
 * other (named, with the `--point` that would work), a target Region that does not answer, outputs
 * a restore needs, and `--in-place` without `--yes`. The report adds, per data store, the point
 * used and the RPO: the incident (or the run's start) minus the point's time.
 */
import type { BackupResourceType } from "./cloud/backup/port";
import { BACKUP_RESOURCE_TYPES } from "./cloud/backup/port";
import { selectRecoveryPoints } from "./cloud/backup/select";
import { runPlan, type CommandResult, type DriverDeps, type RunOptions } from "./driver";
import { RefusedError, rethrowAuth } from "./errors";
import { checkPairConfig } from "./gates/config";
import { readOnlyContext } from "./engine/inspect";
import { marksOf } from "./journal/events";
import { restoreInPlacePlan, restoreToPeerPlan, type RestoreInput, type RestorePorts } from "./plan/restore-plan";
import { loadRestorePair, loadRestoreSite, loadSite, type SiteView } from "./plan/sites";
import { cutoffOf, RESTORE_MARK, type PointSpec, type RestoreTarget } from "./plan/steps/restore";
import { DEFAULT_TIMEOUTS, type Timeouts } from "./plan/types";
import { chooseVeleroBackup, VELERO_MARK, type VeleroChoiceMark, type VeleroFailedMark } from "./plan/steps/velero-restore";
import { guardPort } from "./cloud/guard";
import { DEFAULT_RETRY } from "./engine/retry";
import { formatDuration, isoTime } from "./util/duration";

export interface RestoreDeps extends DriverDeps {
  /** AWS Backup, and RDS for the restored cluster's instances. */
  backup: RestorePorts;
}

export interface RestoreRequest {
  to?: string;
  point: PointSpec;
  maxSkewMs: number;
  inPlace?: boolean;
  /** `--yes` was given: required for `--in-place`, whatever the terminal. */
  confirmed?: boolean;
  /** `--require-velero`: refuse (and fail) rather than restore without the Kubernetes objects. */
  requireVelero?: boolean;
}

/** Per data store: the point restored, and the data lost (incident minus the point's time). */
export interface RestoreFigures {
  incidentAt: string;
  points: Partial<Record<BackupResourceType, { arn: string; createdAt: string; rpoMs: number; restoredResourceArn?: string }>>;
  /** The larger of the stores' RPOs. */
  rpoMs: number | null;
  /** The Kubernetes objects: the Velero backup restored (and how long its restore took), or why none was. */
  velero?: { backupName: string; completedAt: string; restoreName?: string; restoreMs?: number; failed?: VeleroFailedMark } | { none: string };
}

export type RestoreResult = CommandResult & { restore?: RestoreFigures };

/** `--point latest` or an ISO time in the past (refused otherwise, naming the flag). */
export function parsePoint(value: string, now: number): PointSpec {
  if (value === "latest") return { latest: true };
  const at = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(at))
    throw new RefusedError(`--point: "${value}" is neither "latest" nor an ISO time such as 2025-01-01T04:00:00Z`);
  if (at > now) throw new RefusedError(`--point: ${value} is in the future; give a time at or before now, or "latest"`);
  return { at };
}

/** What a restore reads from the target site's outputs; refused (naming the outputs) when the stack lacks them. */
export function restoreTarget(site: SiteView): RestoreTarget {
  const o = site.outputs;
  const missing = (["backupVaultName", "backupRoleArn", "kmsKeyArn", "dbSubnetGroupName", "dbSecurityGroupId"] as const).filter((k) => !o[k]);
  if (missing.length) {
    throw new RefusedError(
      `Stack "${site.stack}" does not export ${missing.join(", ")}: a restore reads them. Run \`pulumi up -s ${site.stack}\` with this version of the program first.`,
    );
  }
  return {
    site,
    vaultName: o.backupVaultName!,
    roleArn: o.backupRoleArn!,
    kmsKeyArn: o.kmsKeyArn!,
    ...(o.dbSubnetGroupName ? { dbSubnetGroupName: o.dbSubnetGroupName } : {}),
    dbSecurityGroupIds: o.dbSecurityGroupId ? [o.dbSecurityGroupId] : [],
  };
}

/**
 * IAM's control plane (one for all commercial Regions) and Route 53's are in us-east-1 (IAM User
 * Guide, "Resilience in IAM"; AWS Fault Isolation Boundaries whitepaper, "Global services": "do not
 * rely on the control plane of partitional services in your recovery path"). A backup-only standby's
 * up creates the cluster's and add-ons' IAM roles and its failover record: with us-east-1 lost it
 * would fail after the data restores, so the restore is refused before anything changes.
 */
async function refuseControlPlanesInLostRegion(deps: RestoreDeps, source: string, target: string): Promise<void> {
  const site = await loadRestoreSite(deps.stacks, target);
  const lost = (await deps.stacks.readConfig(source)).region;
  if (!site.backupOnly || lost !== "us-east-1") return;
  throw new RefusedError(
    `${target} is a backup-only standby: its up as a full site creates IAM roles (cluster, nodes, add-ons) and its Route 53 record, and the IAM and Route 53 ` +
      `control planes are in us-east-1, the Region ${source} lost. Nothing was changed. Restore once us-east-1's control planes answer, ` +
      `or run this pair as pilot light or warm standby (eks-dr:drTier), whose standby has them already.`,
  );
}

/**
 * The backup port behind the guard every cloud call of the driver goes through (cloud/guard.ts):
 * the same classification of retryable errors, attempts, backoff on the driver's Clock and default
 * bound as the CloudPort's calls; its SDK clients make one attempt each. Each call still carries
 * its step's bound and signal.
 */
function guardedBackup(deps: RestoreDeps, timeouts: Timeouts): RestorePorts {
  return guardPort("backup", deps.backup, {
    clock: deps.clock,
    policy: DEFAULT_RETRY,
    random: deps.random ?? Math.random,
    defaultTimeoutMs: timeouts.callMs,
    signal: new AbortController().signal,
  });
}

export async function restore(deps: RestoreDeps, req: RestoreRequest, opts: RunOptions = {}): Promise<RestoreResult> {
  if (!req.to) throw new RefusedError("--to: name the stack to restore (the peer of the lost site, or the active site with --in-place)");
  if (req.inPlace && !req.confirmed) {
    throw new RefusedError(
      `--in-place replaces what ${req.to} holds now with the data of its recovery points (everything written since is no longer served). ` +
        `Nothing is overwritten (AWS Backup restores into a new DB cluster and a new file system), but the site switches to them: confirm with --yes.`,
    );
  }
  if (req.inPlace && req.requireVelero) {
    throw new RefusedError(`--require-velero applies to a restore into the peer; --in-place restores the data only (the cluster's objects are current).`);
  }
  const input: RestoreInput = { point: req.point, maxSkewMs: req.maxSkewMs, ...(req.requireVelero ? { requireVelero: true } : {}) };
  const timeouts = deps.timeouts ?? DEFAULT_TIMEOUTS;
  const backup = guardedBackup(deps, timeouts);
  const result = await runPlan(
    deps,
    {
      command: "restore",
      args: {
        to: req.to,
        point: "latest" in req.point ? "latest" : isoTime(req.point.at),
        "max-skew": `${Math.round(req.maxSkewMs / 1000)}s`,
        ...(req.inPlace ? { "in-place": "" } : {}),
        ...(req.requireVelero ? { "require-velero": "" } : {}),
      },
      build: async (args) => {
        if (args["in-place"] !== undefined) {
          const site = await loadSite(deps.stacks, args.to);
          // Its standby receives EFS replication, which follows the restored file system.
          const standby = site.config.drTier === "backup-restore" ? undefined : await loadSite(deps.stacks, site.config.peerStack);
          return restoreInPlacePlan(backup, site, restoreTarget(site), input, standby);
        }
        const pair = await loadRestorePair(deps.stacks, args.to);
        return restoreToPeerPlan(backup, pair, restoreTarget(pair.target), input);
      },
      validate: async (plan, resuming) => {
        if (req.inPlace) {
          if (!resuming && (await deps.stacks.readConfig(plan.target!)).role !== "active") {
            throw new RefusedError(`--in-place restores the active site; ${plan.target} is not active (restore a standby with --to ${plan.target} instead).`);
          }
          return;
        }
        await checkPairConfig(deps.stacks, [plan.source!, plan.target!], { duringRun: resuming });
        if (!resuming) await refuseControlPlanesInLostRegion(deps, plan.source!, plan.target!);
        if (!resuming && (await deps.stacks.readConfig(plan.target!)).role === "active") {
          throw new RefusedError(`${plan.target} is the active site; to restore its data in place use --in-place --yes.`);
        }
      },
      gate: async (plan) => {
        const target = restoreTarget(await loadRestoreSite(deps.stacks, plan.target!));
        const ctx = readOnlyContext(deps);
        const points = await backup
          .listRecoveryPoints(target.site.region, target.vaultName, { timeoutMs: timeouts.probeMs * 4, signal: ctx.signal })
          .catch((err: unknown) => {
            rethrowAuth(err, `listing the recovery points in ${target.vaultName}`);
            throw new RefusedError(
              `${target.site.region} (${target.site.stack}) does not answer (${err instanceof Error ? err.message : String(err)}): nothing can be restored there now.`,
            );
          });
        const chosen = selectRecoveryPoints(points, {
          at: cutoffOf(req.point, deps.clock.now()),
          maxSkewMs: req.maxSkewMs,
          vault: `${target.vaultName} (${target.site.region})`,
        });
        if (!chosen.ok) throw new RefusedError(`Refusing to restore: ${chosen.problem}`);
        const incident = opts.incidentAt ?? deps.clock.now();
        const lines = BACKUP_RESOURCE_TYPES.map(
          (t) => `${t}: recovery point of ${isoTime(chosen.points[t].createdAt)} (data loss about ${formatDuration(incident - chosen.points[t].createdAt)})`,
        );
        if (!req.inPlace) {
          // Which objects come with the data, before confirming; with --require-velero, refused here
          // (nothing has changed) when no backup qualifies. The run chooses again and journals it.
          const bucket = target.site.outputs.veleroBucketName;
          const where = `${bucket ?? "(no Velero bucket)"} (${target.site.region})`;
          const notAfter = Math.min(...BACKUP_RESOURCE_TYPES.map((t) => chosen.points[t].createdAt));
          const v = bucket
            ? await chooseVeleroBackup(
                () => ctx.cloud.velero.listVeleroBackups(target.site.region, bucket, { timeoutMs: timeouts.probeMs * 4, signal: ctx.signal }),
                notAfter,
                where,
              ).catch((err: unknown) => {
                rethrowAuth(err, `listing the Velero backups in ${where}`);
                return { ok: false as const, problem: `the Velero bucket ${where} does not answer (${err instanceof Error ? err.message : String(err)})` };
              })
            : { ok: false as const, problem: `stack "${target.site.stack}" exports no veleroBucketName` };
          if (!v.ok && req.requireVelero)
            throw new RefusedError(`--require-velero: ${v.problem}. Leave the flag out to restore the data without these objects.`);
          lines.push(
            v.ok
              ? `Kubernetes objects: Velero backup ${v.backup.name} (completed ${isoTime(v.backup.completedAt)})`
              : `Kubernetes objects: none will be restored (${v.problem}); the data will be`,
          );
        }
        return lines;
      },
    },
    opts,
  );
  if (result.kind !== "run") return result;
  const events = await deps.journal.lastRun();
  const marks = marksOf(events);
  const chosen = marks.get(RESTORE_MARK.points)?.data.points as Record<BackupResourceType, { arn: string; createdAt: number }> | undefined;
  if (!chosen) return result;
  const incidentAt =
    opts.incidentAt ?? (typeof marks.get("incident")?.data.at === "number" ? (marks.get("incident")!.data.at as number) : Date.parse(result.report.startedAt));
  const points: RestoreFigures["points"] = {};
  for (const t of BACKUP_RESOURCE_TYPES) {
    const p = chosen[t];
    const restored = marks.get(RESTORE_MARK.restored(t))?.data.createdResourceArn;
    points[t] = {
      arn: p.arn,
      createdAt: isoTime(p.createdAt),
      rpoMs: incidentAt - p.createdAt,
      ...(typeof restored === "string" ? { restoredResourceArn: restored } : {}),
    };
  }
  const rpos = Object.values(points).map((p) => p.rpoMs);
  const choice = marks.get(VELERO_MARK.choice)?.data as VeleroChoiceMark | undefined;
  const restoredObjects = marks.get(VELERO_MARK.restored)?.data;
  const failedObjects = marks.get(VELERO_MARK.failed)?.data as VeleroFailedMark | undefined;
  const velero: RestoreFigures["velero"] = !choice
    ? undefined
    : "none" in choice
      ? { none: choice.none }
      : {
          backupName: choice.backupName,
          completedAt: isoTime(choice.completedAt),
          ...(typeof restoredObjects?.restoreName === "string" ? { restoreName: restoredObjects.restoreName } : {}),
          ...(typeof restoredObjects?.restoreMs === "number" ? { restoreMs: restoredObjects.restoreMs } : {}),
          // The last Restore that did not complete, unless a later attempt did.
          ...(failedObjects && !restoredObjects ? { failed: failedObjects } : {}),
        };
  return {
    ...result,
    restore: { incidentAt: isoTime(incidentAt), points, rpoMs: rpos.length ? Math.max(...rpos) : null, ...(velero ? { velero } : {}) },
  };
}

/** The restore's lines under the run report: each point used and its RPO. */
export function formatRestoreFigures(f: RestoreFigures): string[] {
  const lines = BACKUP_RESOURCE_TYPES.filter((t) => f.points[t]).map((t) => {
    const p = f.points[t]!;
    return `  RPO ${t}: ${formatDuration(p.rpoMs)} (recovery point of ${p.createdAt}, incident ${f.incidentAt}${p.restoredResourceArn ? `; restored as ${p.restoredResourceArn}` : ""})`;
  });
  const v = f.velero;
  if (v && "none" in v)
    lines.push(`  WARNING Kubernetes objects not restored: ${v.none} (the data is; apply the objects yourself, or rerun with --require-velero)`);
  else if (v?.failed)
    lines.push(
      `  WARNING Kubernetes objects: Velero backup ${v.backupName} (completed ${v.completedAt}): Restore ${v.failed.restoreName} ended ${v.failed.phase}: ${v.failed.reason}`,
    );
  else if (v)
    lines.push(
      `  Kubernetes objects: Velero backup ${v.backupName} (completed ${v.completedAt})${v.restoreMs !== undefined ? `, restored in ${formatDuration(v.restoreMs)}${v.restoreName ? ` (${v.restoreName})` : ""}` : ", not restored yet"}`,
    );
  return lines;
}
