/**
 * The driver's ports: the narrow interfaces the failover plans are written against.
 *
 * Each port has two adapters:
 *   - real: Pulumi Automation API (LocalWorkspace) and AWS SDK v3 clients;
 *   - simulated: an in-memory two-Region model with a virtual clock and fault injection.
 * Plans, the executor, the journal and the CLI only ever see these interfaces.
 *
 * Every cloud call names the Region it goes to, because during an unplanned failover the
 * source Region is impaired and calls into it must be bounded by `CallOptions.timeoutMs`.
 */
import type { SiteConfig } from "../stacks/config";
import type { SiteOutputs } from "../stacks/outputs";

// ---------------------------------------------------------------------------------------------
// Clock

export interface Clock {
  /** Milliseconds since the epoch (virtual in simulations). */
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Stacks (Pulumi)

/** A config change on one stack; `key` is a schema key without namespace, dotted for nested ones. */
export interface ConfigChange {
  key: "role" | "replicateToPeer" | "quiesced" | "database.readers.standby" | "database.readers.active" | "impairedRegions";
  /** JSON value as the schema expects it (string, boolean, number, list of strings). */
  value: string | boolean | number | string[];
}

export interface UpOptions {
  /** Only these URNs (may name resources not created yet). */
  target?: string[];
  /** Leave these URNs out (e.g. a DNS record whose control plane is unreachable). */
  exclude?: string[];
  /** Refresh exactly these URNs first (resources the driver changed directly). Never the whole stack: see README, pulumi-aws#6041. */
  refreshTargets?: string[];
  /** One line of engine output at a time, for progress display. */
  onOutput?: (line: string) => void;
  signal?: AbortSignal;
}

export interface UpResult {
  /** Operation counts from the update summary, e.g. { update: 3, same: 120 }. */
  changes: Record<string, number>;
}

export interface StackPort {
  /** The stack's config, parsed with the shared schema. */
  readConfig(stack: string): Promise<SiteConfig>;
  /** Applies changes to the stack's config (its Pulumi.<stack>.yaml), all or nothing. */
  setConfig(stack: string, changes: ConfigChange[]): Promise<void>;
  /** `pulumi up` (never with a full refresh). */
  up(stack: string, opts?: UpOptions): Promise<UpResult>;
  /** The stack's outputs, validated against the contract; undefined when the stack has none yet. */
  outputs(stack: string): Promise<SiteOutputs | undefined>;
}

// ---------------------------------------------------------------------------------------------
// Cloud actions and reads that IaC cannot express

export interface CallOptions {
  /** Bound on the call, including SDK retries. Calls into an impaired Region must always pass one. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export type EfsReplicationStatus = "ENABLED" | "ENABLING" | "DELETING" | "ERROR" | "PAUSED" | "PAUSING";
export type FileSystemProtection = "ENABLED" | "DISABLED" | "REPLICATING";

export interface EfsReplication {
  sourceFileSystemId: string;
  sourceRegion: string;
  destinationFileSystemId: string;
  destinationRegion: string;
  status: EfsReplicationStatus;
  /** Last time the destination was fully in sync (ms since epoch); undefined before the first sync. */
  lastReplicatedAt?: number;
}

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
  failoverState?: { status: "pending" | "failing-over" | "cancelling"; fromClusterArn: string; toClusterArn: string; isDataLossAllowed: boolean };
}

export interface DbCluster {
  identifier: string;
  arn: string;
  status: string;
  /** Instances in the cluster (0 = headless). */
  instanceCount: number;
}

/**
 * The newest CloudWatch datapoint of a secondary cluster's cross-Region lag metric (AWS/RDS,
 * milliseconds, one-minute periods, statistic Maximum). It is evidence about the past, not a
 * reading of now: everything committed on the primary before `periodStart - maxMs` had reached the
 * secondary (see `auroraEvidencedUpTo`); nothing is known about later writes.
 */
export interface AuroraLagDatapoint {
  /** The metric read: AuroraGlobalDBRPOLag (the default) or AuroraGlobalDBReplicationLag. */
  metric: string;
  /** Worst value in the period, ms. */
  maxMs: number;
  /** Start of the period (the datapoint's timestamp), ms since the epoch. */
  periodStart: number;
  periodMs: number;
}

export interface NodeGroupScaling {
  minSize: number;
  desiredSize: number;
  maxSize: number;
}

export interface NodeGroupState extends NodeGroupScaling {
  status: string;
  /** Nodes registered and Ready; undefined where the adapter cannot tell. */
  readyNodes?: number;
}

export interface FailoverRecord {
  setIdentifier: string;
  failover: "PRIMARY" | "SECONDARY";
  /** CNAME target (the site's ALB hostname). */
  value: string;
  healthCheckId?: string;
}

export interface CloudPort {
  /** Cheap call that proves the Region's control plane answers within the timeout. */
  probeRegion(region: string, opts?: CallOptions): Promise<boolean>;

  // EKS
  describeCluster(region: string, clusterName: string, opts?: CallOptions): Promise<{ status: string }>;
  describeNodeGroup(region: string, clusterName: string, nodeGroupName: string, opts?: CallOptions): Promise<NodeGroupState>;
  /** Starts a scaling update (UpdateNodegroupConfig); resolves when the update is accepted. */
  scaleNodeGroup(region: string, clusterName: string, nodeGroupName: string, scaling: NodeGroupScaling, opts?: CallOptions): Promise<void>;

  // Aurora global database
  describeGlobalCluster(region: string, globalClusterIdentifier: string, opts?: CallOptions): Promise<GlobalCluster>;
  describeDbCluster(region: string, clusterIdentifier: string, opts?: CallOptions): Promise<DbCluster>;
  /** Planned, no data loss; every Region must be healthy. */
  switchoverGlobalCluster(region: string, globalClusterIdentifier: string, targetClusterArn: string, opts?: CallOptions): Promise<void>;
  /** Unplanned: AllowDataLoss=true; writes not yet replicated are lost. */
  failoverGlobalCluster(region: string, globalClusterIdentifier: string, targetClusterArn: string, opts?: CallOptions): Promise<void>;
  /**
   * The newest datapoint of the cluster's lag metric within the lookback (an hour by default), read
   * in the cluster's own Region, the only one that publishes it (secondaries only). Undefined when
   * there is none, e.g. the link to the primary's Region has been down longer than the lookback.
   */
  auroraLag(region: string, clusterIdentifier: string, opts?: CallOptions): Promise<AuroraLagDatapoint | undefined>;

  // EFS
  /** The replication the file system takes part in (as source or destination), if any. */
  describeReplication(region: string, fileSystemId: string, opts?: CallOptions): Promise<EfsReplication | undefined>;
  /** DeleteReplicationConfiguration; LOCAL_CONFIGURATION_ONLY when the other Region is unreachable. */
  deleteReplication(region: string, sourceFileSystemId: string, mode: "ALL_CONFIGURATIONS" | "LOCAL_CONFIGURATION_ONLY", opts?: CallOptions): Promise<void>;
  fileSystemProtection(region: string, fileSystemId: string, opts?: CallOptions): Promise<FileSystemProtection>;

  // Route 53 (global control plane; may be impaired with us-east-1)
  getFailoverRecords(hostedZoneId: string, hostname: string, opts?: CallOptions): Promise<FailoverRecord[]>;
  /**
   * One atomic change batch making `primarySetIdentifier` PRIMARY and the other record SECONDARY.
   * The new PRIMARY carries `primaryHealthCheckId` (else the check it has); the new SECONDARY keeps its own.
   */
  setPrimaryRecord(hostedZoneId: string, hostname: string, primarySetIdentifier: string, opts?: CallOptions, primaryHealthCheckId?: string): Promise<void>;
  healthCheckStatus(healthCheckId: string, opts?: CallOptions): Promise<"healthy" | "unhealthy">;

  /**
   * HTTP GET of a site's endpoint (its ALB + health path): does it serve? `hostname` (output
   * `endpointHostname`) is the application hostname an HTTPS endpoint's certificate names: sent as
   * TLS server name and Host, and the certificate verified for it.
   */
  checkEndpoint(url: string, opts?: CallOptions, hostname?: string): Promise<boolean>;
}

// ---------------------------------------------------------------------------------------------
// Journal

export type JournalEvent =
  | { kind: "run-start"; runId: string; at: number; command: string; args: Record<string, unknown>; pid: number; host: string }
  | { kind: "step-start"; runId: string; at: number; step: string }
  | { kind: "step-end"; runId: string; at: number; step: string; outcome: "done" | "skipped" | "failed"; detail?: string; data?: Record<string, unknown> }
  | { kind: "mark"; runId: string; at: number; name: string; data?: Record<string, unknown> }
  | { kind: "run-end"; runId: string; at: number; outcome: "succeeded" | "failed" | "aborted" | "rolled-back"; report?: Record<string, unknown> };

export interface JournalPort {
  /** Events of the most recent run, oldest first; empty when there is none. */
  lastRun(): Promise<JournalEvent[]>;
  /** Every event of every run, oldest first (validated like `lastRun`). */
  history(): Promise<JournalEvent[]>;
  append(event: JournalEvent): Promise<void>;
  /**
   * Takes the run lock and keeps its lease renewed; throws LockHeldError if another run holds it
   * and is alive, or holds it and `takeOver` is false.
   */
  lock(runId: string, opts: { takeOver: boolean }): Promise<void>;
  unlock(runId: string): Promise<void>;
  /** Stops renewing the lease and leaves the lock in place (a simulated crash: as a killed process would). */
  abandon(runId: string): Promise<void>;
}
