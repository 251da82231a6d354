/**
 * The cloud the driver acts on: one small port per service, each in its own folder with its real
 * (AWS SDK v3 / HTTP) and simulated adapters. Every call names the Region it goes to, because
 * during an unplanned failover the source Region is impaired and calls into it must be bounded by
 * `CallOptions.timeoutMs`; the last parameter of every method is its `CallOptions` (the generic
 * guard in guard.ts relies on that).
 */
import type { CloudWatchPort } from "./cloudwatch/port";
import type { EfsPort } from "./efs/port";
import type { EksPort } from "./eks/port";
import type { KubernetesPort } from "./kubernetes/port";
import type { RdsPort } from "./rds/port";
import type { Route53Port } from "./route53/port";
import type { ServingPort } from "./serving/port";
import type { VeleroPort } from "./velero/port";

export type { CallOptions } from "./call-options";
export type { AuroraLagDatapoint, CloudWatchPort } from "./cloudwatch/port";
export type { EfsPort, EfsReplication, EfsReplicationStatus, FileSystemProtection, ReplicationDeletionMode } from "./efs/port";
export type { EksPort, NodeGroupScaling, NodeGroupState } from "./eks/port";
export type { DbCluster, GlobalCluster, GlobalClusterMember, GlobalFailoverStatus, RdsPort } from "./rds/port";
export type { FailoverDesignation, FailoverRecord, FailoverRecordType, HealthCheckVerdict, Route53Port } from "./route53/port";
export type { ServingPort } from "./serving/port";
export type { VeleroBackup, VeleroPort } from "./velero/port";
export type { KubernetesPort, VeleroRestoreReadiness, VeleroRestoreState } from "./kubernetes/port";

export interface CloudPort {
  eks: EksPort;
  rds: RdsPort;
  cloudWatch: CloudWatchPort;
  efs: EfsPort;
  route53: Route53Port;
  serving: ServingPort;
  velero: VeleroPort;
  /** The Kubernetes API of a site's EKS cluster (Velero's objects, nodes). */
  kubernetes: KubernetesPort;
}

/** A service of the cloud, e.g. "eks". */
export type CloudService = keyof CloudPort;
/** A method of any service, e.g. "scaleNodeGroup" (names are unique across services). */
export type CloudMethod = { [S in CloudService]: keyof CloudPort[S] & string }[CloudService];
