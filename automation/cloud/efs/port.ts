/** EFS: replication configurations and replication overwrite protection. */
import type { CallOptions } from "../call-options";

export type EfsReplicationStatus = "ENABLED" | "ENABLING" | "DELETING" | "ERROR" | "PAUSED" | "PAUSING";
export type FileSystemProtection = "ENABLED" | "DISABLED" | "REPLICATING";
/** DeleteReplicationConfiguration's DeletionMode: both sides, or only the side the request is sent to. */
export type ReplicationDeletionMode = "ALL_CONFIGURATIONS" | "LOCAL_CONFIGURATION_ONLY";

export interface EfsReplication {
  sourceFileSystemId: string;
  sourceRegion: string;
  destinationFileSystemId: string;
  destinationRegion: string;
  status: EfsReplicationStatus;
  /** Last time the destination was fully in sync (ms since epoch); undefined before the first sync. */
  lastReplicatedAt?: number;
}

export interface EfsPort {
  /** The replication the file system takes part in (as source or destination), if any. */
  describeReplication(region: string, fileSystemId: string, opts?: CallOptions): Promise<EfsReplication | undefined>;
  /** DeleteReplicationConfiguration; LOCAL_CONFIGURATION_ONLY when the other Region is unreachable. */
  deleteReplication(region: string, sourceFileSystemId: string, mode: ReplicationDeletionMode, opts?: CallOptions): Promise<void>;
  fileSystemProtection(region: string, fileSystemId: string, opts?: CallOptions): Promise<FileSystemProtection>;
  /**
   * UpdateFileSystemProtection: DISABLED lets the file system become a replication destination
   * (read-only); EFS refuses any change while it is one.
   */
  updateFileSystemProtection(region: string, fileSystemId: string, protection: "ENABLED" | "DISABLED", opts?: CallOptions): Promise<void>;
}
