/**
 * The AWS Backup port of the `restore` command: the recovery points in a vault, their restore
 * metadata, and restore jobs. One port per service, beside the failover's CloudPort; a real adapter
 * (real.ts, AWS SDK v3 @aws-sdk/client-backup) and a simulated one (sim.ts).
 *
 * The port never deletes a recovery point: a restore only reads them.
 */
import type { CallOptions } from "../../ports";

/** The resource types a restore reads (AWS Backup's ResourceType values). */
export type BackupResourceType = "EFS" | "Aurora";
export const BACKUP_RESOURCE_TYPES: readonly BackupResourceType[] = ["EFS", "Aurora"];

export interface RecoveryPoint {
  arn: string;
  resourceType: BackupResourceType;
  /** The protected resource (file system or DB cluster) the point was taken of. */
  resourceArn: string;
  /** The data's point in time: CreationDate of the recovery point, ms since the epoch. */
  createdAt: number;
  /** COMPLETED, PARTIAL, DELETING, EXPIRED... only COMPLETED points are restorable. */
  status: string;
  sizeBytes?: number;
  /** For a copy: the recovery point it was copied from (SourceBackupVaultArn side). */
  copiedFrom?: string;
}

export type RestoreJobStatus = "PENDING" | "RUNNING" | "COMPLETED" | "ABORTED" | "FAILED";

export interface RestoreJob {
  id: string;
  status: RestoreJobStatus;
  statusMessage?: string;
  /** The file system or DB cluster the job created (or restored into). */
  createdResourceArn?: string;
}

export interface StartRestore {
  recoveryPointArn: string;
  resourceType: BackupResourceType;
  /** The role AWS Backup restores with (output `backupRoleArn`). */
  iamRoleArn: string;
  /** StartRestoreJob Metadata: keys per resource type (AWS Backup API reference, StartRestoreJob). */
  metadata: Record<string, string>;
  /** The same token for the same restore on every attempt: a retried call starts nothing new. */
  idempotencyToken: string;
}

export interface BackupPort {
  /** ListRecoveryPointsByBackupVault, every page. */
  listRecoveryPoints(region: string, vaultName: string, opts?: CallOptions): Promise<RecoveryPoint[]>;
  /** GetRecoveryPointRestoreMetadata: the resource's configuration when it was backed up. */
  restoreMetadata(region: string, vaultName: string, recoveryPointArn: string, opts?: CallOptions): Promise<Record<string, string>>;
  /** StartRestoreJob: the job's id. */
  startRestoreJob(region: string, req: StartRestore, opts?: CallOptions): Promise<string>;
  describeRestoreJob(region: string, jobId: string, opts?: CallOptions): Promise<RestoreJob>;
}

/**
 * The DB instances of a restored Aurora cluster: AWS Backup restores the cluster only ("it does not
 * create or attach an Amazon RDS instance to your cluster", AWS Backup Developer Guide, "Restoring
 * an Amazon Aurora cluster"), so the driver creates them (RDS CreateDBInstance with the cluster's
 * identifier). Idempotent: instances are named `<cluster>-<n>` and an existing one is not created again.
 */
export interface RestoredClusterPort {
  /** Creates instances until the cluster has `count` (existing or being created). */
  ensureDbInstances(region: string, clusterIdentifier: string, count: number, instanceClass: string, opts?: CallOptions): Promise<void>;
  /** Instances of the cluster that are available. */
  availableDbInstances(region: string, clusterIdentifier: string, opts?: CallOptions): Promise<number>;
}
