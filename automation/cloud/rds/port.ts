/** RDS: the Aurora global database, its members, switchover and failover. */
import type { CallOptions } from "../call-options";

/** GlobalCluster.FailoverState.Status while a switchover or failover is under way. */
export type GlobalFailoverStatus = "pending" | "failing-over" | "cancelling";

export interface GlobalClusterMember {
  clusterArn: string;
  region: string;
  isWriter: boolean;
  /** RDS GlobalClusterMember.SynchronizationStatus: "pending-resync" while Aurora rebuilds it; absent when not reported. */
  synchronizationStatus?: string;
}

export interface GlobalCluster {
  identifier: string;
  status: string;
  members: GlobalClusterMember[];
  /** Present while a switchover or failover is under way. */
  failoverState?: { status: GlobalFailoverStatus; fromClusterArn: string; toClusterArn: string; isDataLossAllowed: boolean };
}

export interface DbCluster {
  identifier: string;
  arn: string;
  status: string;
  /** Instances in the cluster (0 = headless). */
  instanceCount: number;
}

export interface RdsPort {
  describeGlobalCluster(region: string, globalClusterIdentifier: string, opts?: CallOptions): Promise<GlobalCluster>;
  describeDbCluster(region: string, clusterIdentifier: string, opts?: CallOptions): Promise<DbCluster>;
  /** Planned, no data loss; every Region must be healthy. */
  switchoverGlobalCluster(region: string, globalClusterIdentifier: string, targetClusterArn: string, opts?: CallOptions): Promise<void>;
  /** Unplanned: AllowDataLoss=true; writes not yet replicated are lost. */
  failoverGlobalCluster(region: string, globalClusterIdentifier: string, targetClusterArn: string, opts?: CallOptions): Promise<void>;
  /** DescribeGlobalClusters for one identifier; undefined when there is none (GlobalClusterNotFoundFault). */
  findGlobalCluster(region: string, globalClusterIdentifier: string, opts?: CallOptions): Promise<GlobalCluster | undefined>;
  /**
   * CreateGlobalCluster with `SourceDBClusterIdentifier` (the cluster's ARN): a new global database
   * whose primary is that existing cluster, sent to the cluster's Region.
   */
  createGlobalCluster(region: string, globalClusterIdentifier: string, sourceClusterArn: string, opts?: CallOptions): Promise<void>;
}
