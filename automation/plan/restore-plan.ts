/**
 * The restore plans, as DAGs of idempotent steps (see plans.ts for the failover's):
 *
 * Restore into the peer Region (`restore --to dr`: the active site's Region or its data is lost):
 *   select-recovery-points                  newest consistent points in the target's vault (journaled)
 *   restore-db, restore-files <- select     one AWS Backup restore job each, at once
 *   add-db-instances <- restore-db          the restored cluster's instances (AWS Backup creates none)
 *   create-global-cluster <- add-db-instances   the restored cluster becomes the writer of a new
 *                                           global database (CreateGlobalCluster)
 *   converge-config <- create-global-cluster, restore-files   target active without replication, avoiding the
 *                                           source's Region; source standby in config only
 *   adopt-restored-data <- create-global-cluster, restore-files   target's restoredData names the
 *                                           restored stores and the new global database
 *   converge-up-target <- converge-config, adopt   the site as active on the restored stores
 *   swap-dns <- converge-up-target          target PRIMARY (bounded; health-check failover otherwise)
 *   wait-serving <- converge-up-target, swap-dns   end of the RTO
 *   select-velero-backup, restore-objects   the Kubernetes objects from Velero (steps/velero-restore.ts)
 *
 * Point-in-time restore into the active site (`restore --in-place`, corruption): the same points from
 * its own vault, restored into a new DB cluster and a new file system (AWS Backup never overwrites),
 * adopted through config (restoredData), then its up and the wait until it serves again from them.
 * No role changes, no DNS change. EFS replication follows the served file system (steps/reseed.ts):
 *   stop-stale-replication <- select    replicateToPeer=false, the old replication deleted, the
 *                                       standby's file system DISABLED again (beside the jobs)
 *   converge-up-target <- adopt, stop-stale-replication
 *   reseed-standby <- wait-serving      replicateToPeer=true, up: replication from the restored
 *                                       file system, up to its first sync (after the RTO)
 */
import type { BackupPort, RestoredClusterPort } from "../cloud/backup/port";
import type { SiteOutputs } from "../../stacks/outputs";
import type { Pair, PairView, Site } from "./sites";
import { convergeChanges, convergeConfigStep, reseedStandbyStep, stopStaleReplicationStep, swapDnsStep, upStep, waitServingStep } from "./steps";
import { veleroRestoreSteps } from "./steps/velero-restore";
import {
  adoptRestoredDataStep,
  restoredData,
  restoredDbInstancesStep,
  restoredGlobalClusterStep,
  restoreJobStep,
  selectPointsStep,
  type PointSpec,
  type RestoreTarget,
} from "./steps/restore";
import type { Plan, Step, StepContext } from "./types";
import type { ConfigChange } from "../ports";
import { isoTime } from "../util/duration";

export interface RestoreInput {
  point: PointSpec;
  maxSkewMs: number;
  /** `--require-velero`: fail rather than go on without the Kubernetes objects. */
  requireVelero?: boolean;
}

export type RestorePorts = BackupPort & RestoredClusterPort;

const pointText = (p: PointSpec) => ("latest" in p ? "latest" : isoTime(p.at));

/** What the plan shows for `restoredData`: its value comes from the restore jobs. */
const RESTORED_DATA_CHANGE: ConfigChange = {
  key: "restoredData",
  value: { fileSystemId: "<restored>", dbClusterIdentifier: "<restored>", globalClusterIdentifier: "<restored>-global" },
};
const replicateToPeer = (value: boolean): ConfigChange => ({ key: "replicateToPeer", value });

/** The site's last up serves from the stores the restore jobs created (its outputs name them). */
function servesRestored(o: SiteOutputs | undefined, ctx: StepContext): boolean {
  const data = restoredData(ctx);
  return data !== undefined && o?.fileSystemId === data.fileSystemId && o.dbClusterIdentifier === data.dbClusterIdentifier;
}

/**
 * Select, restore both stores at once, then the restored cluster's instances (the site's active
 * count), then the new global database it writes.
 */
function dataSteps(ports: RestorePorts, target: RestoreTarget, input: RestoreInput): Step[] {
  const select = selectPointsStep(ports, target, input.point, input.maxSkewMs);
  const db = restoreJobStep(ports, target, "Aurora", [select.id]);
  const files = restoreJobStep(ports, target, "EFS", [select.id]);
  const cfg = target.site.config.database;
  const instances = restoredDbInstancesStep(ports, target, cfg.readers.active + 1, cfg.instanceClass, [db.id]);
  const global = restoredGlobalClusterStep(target, [instances.id]);
  return [select, db, files, instances, global];
}

/** The note on the restored database, the same in both plans. */
const restoredDatabaseNote = (target: RestoreTarget) =>
  `The restored DB cluster is a new cluster, made the writer of a new global database (<restored cluster>-global, in ${target.site.region}); ` +
  `the pair's global database is left as it was, and no secondary joins the new one yet (see README, Known limits). The restored file system is a new one. No recovery point is deleted.`;

export function restoreToPeerPlan(ports: RestorePorts, pair: PairView, target: RestoreTarget, input: RestoreInput): Plan {
  const avoid = [pair.source.region];
  const [select, db, files, instances, global] = dataSteps(ports, target, input);
  const dataDone = [global.id, files.id];
  const config = convergeConfigStep(pair, false, "", dataDone, avoid);
  const adopt = adoptRestoredDataStep(pair.target, dataDone);
  // Once the data is there; bounded, and health-check failover moves traffic if Route 53's API is
  // down with the source's Region (the up then leaves the record out, as an unplanned failover).
  // A backup-only standby has no record to swap before its up (it has no load balancer yet).
  const backupOnly = pair.target.backupOnly === true;
  const swapBefore = backupOnly ? undefined : swapDnsStep(pair, "unplanned", "", dataDone);
  const up = upStep({
    id: "converge-up-target",
    title: `Bring ${pair.target.stack} up as active on the restored data`,
    site: pair.target,
    dependsOn: [config.id, adopt.id, ...(swapBefore ? [swapBefore.id] : [])],
    converged: (o: SiteOutputs | undefined, ctx) => o?.role === "active" && servesRestored(o, ctx),
    excludeDnsOnSwapFailure: true,
  });
  // The backup-only standby's up created its record SECONDARY beside the lost site's PRIMARY: the swap follows it.
  const dns = swapBefore ?? (backupOnly ? swapDnsStep(pair, "unplanned", "", [up.id]) : undefined);
  const serving = waitServingStep(pair, "unplanned", "", [up.id, ...(dns ? [dns.id] : [])]);
  const objects = veleroRestoreSteps({ target, afterSelect: select.id, afterUp: up.id, required: input.requireVelero ?? false });
  return {
    command: "restore",
    args: {
      to: pair.target.stack,
      point: pointText(input.point),
      "max-skew": `${Math.round(input.maxSkewMs / 1000)}s`,
      ...(input.requireVelero ? { "require-velero": "" } : {}),
    },
    title: `Restore ${pair.target.stack} (${pair.target.region}) from the recovery points in ${target.vaultName}`,
    source: pair.source.stack,
    target: pair.target.stack,
    mode: "unplanned",
    steps: [
      select,
      db,
      files,
      instances,
      global,
      config,
      adopt,
      ...(swapBefore ? [swapBefore] : []),
      up,
      ...(dns && !swapBefore ? [dns] : []),
      serving,
      ...objects,
    ],
    configChanges: [
      ...convergeChanges(pair, false, avoid).map(({ stack, changes }) => ({
        stack,
        changes,
        when: "once both stores are restored (no up of the source)",
      })),
      { stack: pair.target.stack, changes: [RESTORED_DATA_CHANGE], when: "once both stores are restored" },
      {
        stack: pair.target.stack,
        changes: [
          { key: "veleroRestore.backupName", value: "<the Velero backup chosen>" },
          { key: "veleroRestore.attempt", value: "<1, one more after each Restore that did not complete>" },
        ],
        when: "after its up as active, once Velero synced that backup (none chosen: no change)",
      },
    ],
    notes: [
      `Data written after the chosen recovery points is not restored: the RPO is the incident time minus the points' time.`,
      restoredDatabaseNote(target),
      `${pair.source.stack} is set to standby in config only; ${pair.target.stack}'s ups avoid ${pair.source.region} until the failback.`,
      ...(backupOnly
        ? [
            `${pair.target.stack} is a backup-only standby: its up creates its EKS cluster and node groups (their creation is in the RTO); it has no failover record to swap before it.`,
          ]
        : []),
      `Kubernetes objects: the newest Completed Velero backup in ${pair.target.stack}'s bucket not newer than the recovery points, restored beside the wait until it serves (existing objects are kept, Secrets are not in it)${input.requireVelero ? "; without one the run fails (--require-velero)" : "; without one the restore goes on and says so"}.`,
    ],
  };
}

/** `standby`: the peer receiving the site's EFS replication, re-seeded from the restored file system; none in the backup-restore tier. */
export function restoreInPlacePlan(ports: RestorePorts, site: Site, target: RestoreTarget, input: RestoreInput, standby?: Site): Plan {
  const [select, db, files, instances, global] = dataSteps(ports, target, input);
  const self: Pair = { source: site, target: site, globalClusterIdentifier: site.outputs.globalClusterIdentifier ?? "" };
  // Beside the restore jobs, so that neither the deletion nor a first sync is in the up's time.
  const stop = standby ? stopStaleReplicationStep(site, standby, [select.id]) : undefined;
  const adopt = adoptRestoredDataStep(site, [global.id, files.id]);
  const up = upStep({
    id: "converge-up-target",
    title: `Bring ${site.stack} up on the restored data`,
    site,
    dependsOn: [adopt.id, ...(stop ? [stop.id] : [])],
    converged: (o: SiteOutputs | undefined, ctx) => servesRestored(o, ctx),
  });
  const serving = waitServingStep(self, "unplanned", "", [up.id]);
  const reseed = standby ? reseedStandbyStep(site, standby, [serving.id]) : undefined;
  return {
    command: "restore",
    args: { to: site.stack, point: pointText(input.point), "max-skew": `${Math.round(input.maxSkewMs / 1000)}s`, "in-place": "" },
    title: `Point-in-time restore of ${site.stack} (${site.region}, active) from ${target.vaultName}`,
    source: site.stack,
    target: site.stack,
    mode: "unplanned",
    steps: [select, db, files, instances, global, ...(stop ? [stop] : []), adopt, up, serving, ...(reseed ? [reseed] : [])],
    configChanges: [
      ...(standby ? [{ stack: site.stack, changes: [replicateToPeer(false)], when: "beside the restore jobs (the old replication is deleted)" }] : []),
      { stack: site.stack, changes: [RESTORED_DATA_CHANGE], when: "once both stores are restored" },
      ...(standby ? [{ stack: site.stack, changes: [replicateToPeer(true)], when: "once it serves (the standby is re-seeded)" }] : []),
    ],
    notes: [
      `Everything ${site.stack} wrote after the chosen recovery points is no longer served: the site switches to a new DB cluster and a new file system restored from them. The current ones are left as they are; nothing is overwritten.`,
      restoredDatabaseNote(target),
      ...(standby
        ? [
            `${standby.stack} stops receiving ${site.stack}'s old file system beside the restore jobs and is re-seeded from the restored one once ${site.stack} serves (its first sync is after the RTO; \`status\` shows it re-seeding). A failover before then finds the files as of the stop.`,
          ]
        : []),
    ],
  };
}
