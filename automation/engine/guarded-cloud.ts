/**
 * The CloudPort a step sees: every call is retried on throttling (backoff + jitter on the Clock),
 * bounded by a timeout even if the adapter ignores it (an impaired Region may never answer), and
 * aborted with the step.
 */
import type {
  AuroraLagDatapoint,
  CallOptions,
  Clock,
  CloudPort,
  DbCluster,
  EfsReplication,
  FailoverRecord,
  FileSystemProtection,
  GlobalCluster,
  NodeGroupScaling,
  NodeGroupState,
} from "../ports";
import { anySignal, withTimeout } from "../util/time";
import { retryThrottled, type RetryPolicy } from "./retry";

/** How long after a call's own bound the backstop fires. */
export const BACKSTOP_GRACE_MS = 1000;

export interface GuardOptions {
  clock: Clock;
  policy: RetryPolicy;
  random: () => number;
  /** Bound used when a call passes none. */
  defaultTimeoutMs: number;
  signal: AbortSignal;
  onRetry?: (what: string, attempt: number, delayMs: number) => void;
}

export class GuardedCloud implements CloudPort {
  constructor(
    private readonly inner: CloudPort,
    private readonly opts: GuardOptions,
  ) {}

  private call<T>(what: string, callOpts: CallOptions | undefined, fn: (o: CallOptions) => Promise<T>): Promise<T> {
    const { clock, policy, random, signal } = this.opts;
    const timeoutMs = callOpts?.timeoutMs ?? this.opts.defaultTimeoutMs;
    const outer = anySignal(signal, callOpts?.signal);
    return retryThrottled(
      clock,
      policy,
      random,
      // The adapter gets the bound; ours is a backstop a little later, for an adapter that ignores it.
      () => withTimeout(clock, timeoutMs + BACKSTOP_GRACE_MS, what, (s) => fn({ timeoutMs, signal: s }), outer),
      { signal: outer, onRetry: ({ attempt, delayMs }) => this.opts.onRetry?.(what, attempt, delayMs) },
    );
  }

  probeRegion(region: string, opts?: CallOptions): Promise<boolean> {
    return this.call(`probe of ${region}`, opts, (o) => this.inner.probeRegion(region, o));
  }
  describeCluster(region: string, clusterName: string, opts?: CallOptions): Promise<{ status: string }> {
    return this.call(`DescribeCluster ${clusterName} in ${region}`, opts, (o) => this.inner.describeCluster(region, clusterName, o));
  }
  describeNodeGroup(region: string, clusterName: string, nodeGroupName: string, opts?: CallOptions): Promise<NodeGroupState> {
    return this.call(`DescribeNodegroup ${nodeGroupName} in ${region}`, opts, (o) => this.inner.describeNodeGroup(region, clusterName, nodeGroupName, o));
  }
  scaleNodeGroup(region: string, clusterName: string, nodeGroupName: string, scaling: NodeGroupScaling, opts?: CallOptions): Promise<void> {
    return this.call(`UpdateNodegroupConfig ${nodeGroupName} in ${region}`, opts, (o) =>
      this.inner.scaleNodeGroup(region, clusterName, nodeGroupName, scaling, o),
    );
  }
  describeGlobalCluster(region: string, globalClusterIdentifier: string, opts?: CallOptions): Promise<GlobalCluster> {
    return this.call(`DescribeGlobalClusters ${globalClusterIdentifier} in ${region}`, opts, (o) =>
      this.inner.describeGlobalCluster(region, globalClusterIdentifier, o),
    );
  }
  describeDbCluster(region: string, clusterIdentifier: string, opts?: CallOptions): Promise<DbCluster> {
    return this.call(`DescribeDBClusters ${clusterIdentifier} in ${region}`, opts, (o) => this.inner.describeDbCluster(region, clusterIdentifier, o));
  }
  switchoverGlobalCluster(region: string, globalClusterIdentifier: string, targetClusterArn: string, opts?: CallOptions): Promise<void> {
    return this.call(`SwitchoverGlobalCluster in ${region}`, opts, (o) =>
      this.inner.switchoverGlobalCluster(region, globalClusterIdentifier, targetClusterArn, o),
    );
  }
  failoverGlobalCluster(region: string, globalClusterIdentifier: string, targetClusterArn: string, opts?: CallOptions): Promise<void> {
    return this.call(`FailoverGlobalCluster in ${region}`, opts, (o) =>
      this.inner.failoverGlobalCluster(region, globalClusterIdentifier, targetClusterArn, o),
    );
  }
  auroraLag(region: string, clusterIdentifier: string, opts?: CallOptions): Promise<AuroraLagDatapoint | undefined> {
    return this.call(`Aurora lag metric of ${clusterIdentifier} in ${region}`, opts, (o) => this.inner.auroraLag(region, clusterIdentifier, o));
  }
  describeReplication(region: string, fileSystemId: string, opts?: CallOptions): Promise<EfsReplication | undefined> {
    return this.call(`DescribeReplicationConfigurations ${fileSystemId} in ${region}`, opts, (o) => this.inner.describeReplication(region, fileSystemId, o));
  }
  deleteReplication(region: string, sourceFileSystemId: string, mode: "ALL_CONFIGURATIONS" | "LOCAL_CONFIGURATION_ONLY", opts?: CallOptions): Promise<void> {
    return this.call(`DeleteReplicationConfiguration ${sourceFileSystemId} in ${region}`, opts, (o) =>
      this.inner.deleteReplication(region, sourceFileSystemId, mode, o),
    );
  }
  fileSystemProtection(region: string, fileSystemId: string, opts?: CallOptions): Promise<FileSystemProtection> {
    return this.call(`DescribeFileSystems ${fileSystemId} in ${region}`, opts, (o) => this.inner.fileSystemProtection(region, fileSystemId, o));
  }
  getFailoverRecords(hostedZoneId: string, hostname: string, opts?: CallOptions): Promise<FailoverRecord[]> {
    return this.call(`ListResourceRecordSets ${hostname}`, opts, (o) => this.inner.getFailoverRecords(hostedZoneId, hostname, o));
  }
  setPrimaryRecord(hostedZoneId: string, hostname: string, primarySetIdentifier: string, opts?: CallOptions, primaryHealthCheckId?: string): Promise<void> {
    return this.call(`ChangeResourceRecordSets ${hostname}`, opts, (o) => this.inner.setPrimaryRecord(hostedZoneId, hostname, primarySetIdentifier, o, primaryHealthCheckId));
  }
  healthCheckStatus(healthCheckId: string, opts?: CallOptions): Promise<"healthy" | "unhealthy"> {
    return this.call(`GetHealthCheckStatus ${healthCheckId}`, opts, (o) => this.inner.healthCheckStatus(healthCheckId, o));
  }
  checkEndpoint(url: string, opts?: CallOptions, hostname?: string): Promise<boolean> {
    return this.call(`GET ${url}`, opts, (o) => this.inner.checkEndpoint(url, o, hostname));
  }
}
