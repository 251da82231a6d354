/**
 * Velero's backups as its bucket holds them, for `restore`: the driver reads the target site's own
 * bucket (where S3 replication put the active site's backups) to choose the backup whose objects
 * it restores. One port per service (cloud/port.ts): a real adapter on S3 (real.ts) and a simulated
 * one (sim.ts).
 *
 * Velero's object layout: each backup is a prefix `backups/<name>/` holding `velero-backup.json`,
 * the Backup object itself (its `status.phase`, `status.startTimestamp`,
 * `status.completionTimestamp`), beside the tarball and logs (velero source,
 * pkg/persistence/object_store_layout.go: `getBackupMetadataKey` = backups/<name>/velero-backup.json;
 * object_store.go `ListBackups` lists the common prefixes under `backups/`).
 */
import type { CallOptions } from "../call-options";

/** Velero's Backup phases (velero.io/v1 BackupPhase); only `Completed` backups are restored here. */
export type VeleroBackupPhase =
  "New" | "Queued" | "ReadyToStart" | "InProgress" | "WaitingForPluginOperations" | "Finalizing" | "Completed" | "PartiallyFailed" | "Failed" | string;

export interface VeleroBackup {
  name: string;
  phase: VeleroBackupPhase;
  /** status.startTimestamp, ms since the epoch. */
  startedAt?: number;
  /** status.completionTimestamp, ms: the objects it holds are not newer than this. */
  completedAt?: number;
}

export interface VeleroPort {
  /** The backups in `bucket` (in `region`), read from each `backups/<name>/velero-backup.json`. */
  listVeleroBackups(region: string, bucket: string, opts?: CallOptions): Promise<VeleroBackup[]>;
}
