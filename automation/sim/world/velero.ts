/**
 * Velero in the simulated Regions: the active site's schedule writes a backup of the Kubernetes
 * objects into its bucket, S3 replication copies it into the peer's bucket, each site's Velero
 * syncs the backups of its bucket into Backup objects, and a Restore of a synced backup takes a
 * while and completes.
 *
 * The rules the model enforces, as Velero and S3 do:
 *   - a backup is in the bucket (and listed) only once its velero-backup.json is written, at the
 *     backup's completion; its replica only once S3 replication copied it (Amazon S3 User Guide,
 *     "Replicating objects": asynchronous, most objects within 15 minutes), and not while either
 *     Region is impaired;
 *   - a Velero server knows a backup only after its backup sync (every `backupSyncPeriod`, 1 minute
 *     by default: velero pkg/cmd/server/config/config.go `defaultBackupSyncPeriod`) ran after the
 *     backup landed in its bucket; a Restore naming a backup the server does not know fails
 *     validation for good ("Error retrieving backup", phase FailedValidation: velero
 *     pkg/controller/restore_controller.go `validateAndComplete`), it is never retried;
 *   - the restore reads the site's own BackupStorageLocation, ReadOnly on a standby: Velero only
 *     requires it to be Available (the same `validateAndComplete`), and its docs recommend ReadOnly
 *     for restores (site/content/docs/main/disaster-case.md, migration-case.md).
 */
import { AwsError } from "../errors";
import type { LatencyModel } from "../latency";
import { type Core, Part, type SiteRec } from "./core";

export interface SimVeleroBackup {
  name: string;
  /** The site whose schedule made it. */
  sourceStack: string;
  phase: "Completed" | "PartiallyFailed";
  startedAt: number;
  completedAt: number;
}

/** A backup as one bucket holds it. */
export interface SimVeleroObject extends SimVeleroBackup {
  stack: string;
  bucket: string;
  /** When its velero-backup.json landed in this bucket (for a replica: when S3 copied it; its LastModified stays the source's). */
  landedAt: number;
}

export interface SimVeleroRestore {
  name: string;
  stack: string;
  backupName: string;
  phase: "InProgress" | SimVeleroRestoreOutcome["phase"];
  startedAt: number;
  completedAt?: number;
  validationErrors?: string[];
  /** status.errors, status.warnings, status.failureReason once it ended (velero.io/v1 RestoreStatus). */
  errors?: number;
  warnings?: number;
  failureReason?: string;
}

/**
 * How a restore that passed validation ends: Completed, PartiallyFailed (1+ items failed: `errors`
 * counts them, the messages stay in object storage) or Failed (it could not run: `failureReason`),
 * as velero pkg/apis/velero/v1/restore_types.go describes the phases.
 */
export interface SimVeleroRestoreOutcome {
  phase: "Completed" | "PartiallyFailed" | "Failed" | "FailedValidation";
  errors?: number;
  warnings?: number;
  failureReason?: string;
  /** FailedValidation: set at once, the restore never runs (e.g. "The BSL default is unavailable, cannot retrieve the backup"). */
  validationErrors?: string[];
}

export interface VeleroSpec {
  /** Each site's bucket (output `veleroBucketName`). */
  buckets: Record<string, string>;
  /** Interval of the schedule, ms (daily by default). */
  intervalMs: number;
  /** Offset of the schedule within a day, ms (04:50 UTC for the default `50 4 * * *`). */
  offsetMs: number;
  /** Backups kept, ms (config `velero.retentionDays`). */
  retentionMs: number;
  /** Velero's backup sync period, ms. */
  syncPeriodMs: number;
}

export const DEFAULT_VELERO_SPEC: Omit<VeleroSpec, "buckets"> = {
  intervalMs: 24 * 3_600_000,
  offsetMs: (4 * 60 + 50) * 60_000,
  retentionMs: 30 * 24 * 3_600_000,
  syncPeriodMs: 60_000,
};

/** Velero names a scheduled backup `<schedule>-<yyyyMMddHHmmss>`; the chart's schedule is `velero-objects`. */
export function scheduledBackupName(at: number): string {
  return `velero-objects-${new Date(at).toISOString().replace(/[-:T]/g, "").slice(0, 14)}`;
}

export class VeleroBackups extends Part {
  private readonly objects: SimVeleroObject[] = [];
  private readonly restores: SimVeleroRestore[] = [];
  private partialFailuresArmed = 0;
  private readonly restoreOutcomesArmed: SimVeleroRestoreOutcome[] = [];
  private replicationDelayMs = 0;
  private readonly spec: VeleroSpec;

  constructor(
    core: Core,
    spec: Pick<VeleroSpec, "buckets"> & Partial<VeleroSpec>,
    private readonly activeStack: () => string,
    private readonly draws: LatencyModel,
  ) {
    super(core);
    this.spec = { ...DEFAULT_VELERO_SPEC, ...spec };
    // History: the schedule has run for the retention period; its replicas landed long ago.
    this.runPeriodically(this.spec, "Velero schedule runs", (at, history) => this.run(at, history));
  }

  private bucketOf(site: SiteRec): string {
    const name = this.spec.buckets[site.stack];
    if (!name) throw new Error(`no Velero bucket for ${site.stack}`);
    return name;
  }

  /** One scheduled backup on the active site, written at its completion, then replicated to the peer. */
  private run(at: number, history: boolean): void {
    const source = this.siteOf(this.activeStack());
    if (!history && this.impaired.has(source.region)) return; // its Region is down: no backup
    const phase = !history && this.partialFailuresArmed > 0 ? "PartiallyFailed" : "Completed";
    if (phase === "PartiallyFailed") this.partialFailuresArmed--;
    const backup: SimVeleroBackup = {
      name: scheduledBackupName(at),
      sourceStack: source.stack,
      phase,
      startedAt: at,
      completedAt: at + Math.round(this.draws.sample("velero-backup")),
    };
    const peer = this.sites.find((s) => s !== source);
    const replicaAt = backup.completedAt + Math.round(this.draws.sample("s3-replication")) + (history ? 0 : this.replicationDelayMs);
    const store = () => {
      if (this.impaired.has(source.region)) return; // never written: the Region went down during the backup
      this.objects.push({ ...backup, stack: source.stack, bucket: this.bucketOf(source), landedAt: backup.completedAt });
      if (!peer) return;
      const replicate = () => {
        // S3 replication stops with either Region; objects not copied by then stay behind.
        if (this.impaired.has(source.region) || this.impaired.has(peer.region)) return;
        this.objects.push({ ...backup, stack: peer.stack, bucket: this.bucketOf(peer), landedAt: replicaAt });
      };
      if (history && replicaAt <= this.t) replicate();
      else this.schedule(replicaAt, `Velero backup ${backup.name} replicated to ${peer.region}`, replicate);
    };
    if (history && backup.completedAt <= this.t) store();
    else this.schedule(backup.completedAt, `Velero backup ${backup.name} written`, store);
  }

  private live(o: SimVeleroObject): boolean {
    return o.landedAt <= this.t && o.startedAt >= this.t - this.spec.retentionMs;
  }

  /** S3 ListObjectsV2 + GetObject of each velero-backup.json in `bucket`. */
  listBackups(region: string, bucket: string): SimVeleroObject[] {
    if (this.impaired.has(region)) throw new AwsError("RequestTimeout", `S3 ListObjectsV2 in ${region}: no response (Region impaired)`, { status: 0 });
    const site = this.siteInRegion(region);
    if (!site || this.bucketOf(site) !== bucket) throw new AwsError("NoSuchBucket", `The specified bucket does not exist: ${bucket}`, { status: 404 });
    return this.objects.filter((o) => o.stack === site.stack && this.live(o)).map((o) => ({ ...o }));
  }

  /** When `stack`'s Velero first knew `backupName` as a Backup object (its first sync after the object landed), if it does by now. */
  syncedAt(stack: string, backupName: string): number | undefined {
    const o = this.objects.find((x) => x.stack === stack && x.name === backupName && this.live(x));
    if (!o) return undefined;
    // Velero runs in the site's cluster: a backup-only standby has none, and a cluster its restore's
    // up created syncs from when its control plane is ACTIVE (its first sync after that).
    const cluster = this.siteOf(stack).cluster;
    if (cluster.status === "NONE" || cluster.activeAt === undefined) return undefined;
    const from = Math.max(o.landedAt, cluster.activeAt);
    const at = Math.ceil(from / this.spec.syncPeriodMs) * this.spec.syncPeriodMs;
    return at <= this.t ? at : undefined;
  }

  /** A Restore created in `stack`'s cluster: validated at once, then restoring for a while. */
  createRestore(stack: string, name: string, backupName: string): SimVeleroRestore {
    const same = this.restores.find((r) => r.stack === stack && r.name === name);
    if (same) return { ...same };
    const restore: SimVeleroRestore = { name, stack, backupName, phase: "InProgress", startedAt: this.t };
    this.restores.push(restore);
    if (this.syncedAt(stack, backupName) === undefined) {
      restore.phase = "FailedValidation";
      restore.validationErrors = [`Error retrieving backup: can't find backup velero/${backupName}`];
      return { ...restore };
    }
    const outcome = this.restoreOutcomesArmed.shift() ?? { phase: "Completed" };
    if (outcome.phase === "FailedValidation") {
      Object.assign(restore, { phase: "FailedValidation", validationErrors: outcome.validationErrors ?? ["(armed fault)"] });
      return { ...restore };
    }
    const doneAt = this.t + Math.round(this.draws.sample("velero-restore"));
    this.schedule(doneAt, `Velero restore ${name} ends ${outcome.phase}`, () => {
      Object.assign(restore, { errors: 0, warnings: 0, ...outcome, completedAt: doneAt });
    });
    return { ...restore };
  }

  /** A Restore deleted from `stack`'s cluster: Velero deletes its logs and results with it (restore_controller.go `deleteExternalResources`). */
  deleteRestore(stack: string, name: string): void {
    const i = this.restores.findIndex((r) => r.stack === stack && r.name === name);
    if (i >= 0) this.restores.splice(i, 1);
  }

  /** The Restore `name` in `stack`'s cluster as the API server returns it; undefined when there is none. */
  readRestore(stack: string, name: string): SimVeleroRestore | undefined {
    const r = this.restores.find((x) => x.stack === stack && x.name === name);
    return r && { ...r };
  }

  /**
   * What a Restore of `backupName` needs in `stack`'s cluster: the Backup object (after a sync) and
   * the storage location validated Available (Velero validates it every `storeValidationFrequency`,
   * 1 minute by default: pkg/cmd/server/config/config.go; its backup sync skips a location not
   * Available, so a synced backup implies one: modelled as validated at the first sync period).
   */
  restoreReadiness(stack: string, backupName: string): { backupSynced: boolean; locationPhase?: string } {
    const cluster = this.siteOf(stack).cluster;
    const validated = cluster.activeAt !== undefined && this.t >= Math.ceil(cluster.activeAt / this.spec.syncPeriodMs) * this.spec.syncPeriodMs;
    return { backupSynced: this.syncedAt(stack, backupName) !== undefined, ...(validated ? { locationPhase: "Available" } : {}) };
  }

  // Faults -----------------------------------------------------------------------------------

  /** The next `times` scheduled backups end PartiallyFailed (some objects missing). */
  failNextBackupsPartially(times: number): void {
    this.partialFailuresArmed += times;
  }

  /** The next `outcomes.length` Restores of a synced backup end as given, in order (then Completed). */
  armRestoreOutcomes(outcomes: SimVeleroRestoreOutcome[]): void {
    this.restoreOutcomesArmed.push(...outcomes.map((o) => ({ ...o })));
  }

  /** S3 replication of the next backups lags by `delayMs` more than usual. */
  delayReplication(delayMs: number): void {
    this.replicationDelayMs = delayMs;
  }

  // Inspection -------------------------------------------------------------------------------

  backups(): SimVeleroObject[] {
    return this.objects.map((o) => ({ ...o }));
  }

  restoresMade(): SimVeleroRestore[] {
    return this.restores.map((r) => ({ ...r }));
  }

  get syncPeriodMs(): number {
    return this.spec.syncPeriodMs;
  }
}
