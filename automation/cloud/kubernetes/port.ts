/**
 * The Kubernetes API of a site's EKS cluster, as far as the driver reads it: Velero's objects (a
 * Restore's outcome, whether a backup is synced and the storage location Available) and the nodes
 * of a node group. One port per service (cloud/port.ts): a real adapter on `@kubernetes/client-node`
 * with an IAM token (real.ts) and a simulated one (sim.ts). Every method names the Region and
 * the EKS cluster: the adapter finds the API server from them.
 */
import type { CallOptions } from "../call-options";

/**
 * A velero.io/v1 Restore's status (velero pkg/apis/velero/v1/restore_types.go, `RestoreStatus`).
 * Phases: New, FailedValidation, InProgress, WaitingForPluginOperations(PartiallyFailed),
 * Finalizing(PartiallyFailed), Completed, PartiallyFailed, Failed.
 */
export interface VeleroRestoreState {
  name: string;
  /** status.phase; "New" while the controller has not picked it up (no status yet). */
  phase: string;
  /** status.errors: items that failed; the messages are in object storage (`velero restore describe --details`). */
  errors: number;
  /** status.warnings, e.g. objects that already existed and were kept. */
  warnings: number;
  /** status.failureReason: why the whole restore failed (phase Failed). */
  failureReason?: string;
  /** status.validationErrors (phase FailedValidation). */
  validationErrors: string[];
}

/** Whether Velero can restore a backup now: its Backup object synced, its storage location's phase. */
export interface VeleroRestoreReadiness {
  /** The Backup object exists in Velero's namespace (its backup sync read it from the bucket). */
  backupSynced: boolean;
  /** status.phase of the BackupStorageLocation ("Available" or "Unavailable"); undefined while unvalidated or absent. */
  locationPhase?: string;
}

export interface KubernetesPort {
  /** The Restore `name` in `namespace`, or undefined when there is none. */
  readVeleroRestore(region: string, clusterName: string, namespace: string, name: string, opts?: CallOptions): Promise<VeleroRestoreState | undefined>;
  /** The Backup `backupName` and the BackupStorageLocation `location` in `namespace`. */
  veleroRestoreReadiness(
    region: string,
    clusterName: string,
    namespace: string,
    backupName: string,
    location: string,
    opts?: CallOptions,
  ): Promise<VeleroRestoreReadiness>;
  /**
   * Nodes of the managed node group whose condition `Ready` is `True`: the nodes carrying `labels`
   * (the Kubernetes labels the group applies to its nodes, DescribeNodegroup `labels`) when it has
   * any, else the label `eks.amazonaws.com/nodegroup=<nodeGroupName>`.
   */
  countReadyNodes(region: string, clusterName: string, nodeGroupName: string, labels: Record<string, string>, opts?: CallOptions): Promise<number>;
}

/** The phases after which a Restore never changes again. */
const VELERO_RESTORE_FINAL_PHASES = ["Completed", "PartiallyFailed", "Failed", "FailedValidation"] as const;

export function isFinalRestorePhase(phase: string): boolean {
  return (VELERO_RESTORE_FINAL_PHASES as readonly string[]).includes(phase);
}

/** Velero's reason for a Restore that did not complete, in one line. */
export function restoreFailureReason(r: VeleroRestoreState): string {
  switch (r.phase) {
    case "FailedValidation":
      return `validation failed: ${r.validationErrors.join("; ") || "(no validation errors given)"}`;
    case "Failed":
      return `failed: ${r.failureReason || "(no failure reason given)"}`;
    case "PartiallyFailed":
      return `${r.errors} error(s), ${r.warnings} warning(s) restoring individual objects`;
    default:
      return `phase ${r.phase}`;
  }
}
