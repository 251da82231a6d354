/**
 * `CloudPort` over the simulated world.
 *
 * Each call takes an API round trip of virtual time (`api-call` latency). A call into an impaired
 * Region (Route 53 calls: its control plane, us-east-1) gets no answer: it hangs until its
 * `timeoutMs` (or `defaultTimeoutMs`) and then rejects with a TimeoutError; never forever.
 * Long actions return once AWS accepted them and converge later, as on AWS: the status fields
 * (GlobalCluster.failoverState, replication DELETING, node group UPDATING) show them in progress.
 * Every call is recorded in `world.calls()`; side-effecting ones also in `world.sideEffects()`.
 */
import type {
  AuroraLagDatapoint,
  CallOptions,
  CloudPort,
  DbCluster,
  EfsReplication,
  FailoverRecord,
  FileSystemProtection,
  GlobalCluster,
  NodeGroupScaling,
  NodeGroupState,
} from "../ports";
import { AwsError, SimTimeoutError } from "./errors";
import type { Faults } from "./faults";
import type { LatencyModel } from "./latency";
import { DriverProcess } from "./process";
import { type AwsService, LAG_METRIC_PERIOD_MS, ROUTE53, type World } from "./world";
import type { Clock } from "../ports";

export type CloudMethod = keyof CloudPort;

export interface SimCloudOptions {
  world: World;
  /** The root (virtual) clock. */
  clock: Clock;
  latency: LatencyModel;
  faults?: Faults;
  process?: DriverProcess;
  /** Bound for calls made without `timeoutMs` (the SDK's own timeouts and retries). @default 120000 */
  defaultTimeoutMs?: number;
  /** How far back `auroraLag` looks, as the real adapter's `lagLookbackMs`. @default 3600000 */
  lagLookbackMs?: number;
  /** The lag metric's name, as the real adapter's `lagMetricName` (the sim models its semantics, see LagMetric.sampleLagThrough in world/aurora-lag.ts). @default AuroraGlobalDBRPOLag */
  lagMetricName?: string;
}

interface CallSpec {
  method: CloudMethod;
  api: string;
  /** The control plane the call goes to ("route53" with the ROUTE53 pseudo-Region; "http" for the data plane). */
  service: AwsService | "route53" | "http";
  region: string;
  args: Record<string, unknown>;
  sideEffect: boolean;
}

export class SimCloud implements CloudPort {
  private readonly world: World;
  private readonly clock: Clock;
  private readonly latency: LatencyModel;
  private readonly faults?: Faults;
  private readonly process: DriverProcess;
  private readonly defaultTimeoutMs: number;
  private readonly lagLookbackMs: number;
  private readonly lagMetricName: string;

  constructor(opts: SimCloudOptions) {
    this.world = opts.world;
    this.clock = opts.clock;
    this.latency = opts.latency;
    this.faults = opts.faults;
    this.process = opts.process ?? new DriverProcess();
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? 120_000;
    this.lagLookbackMs = opts.lagLookbackMs ?? 3_600_000;
    this.lagMetricName = opts.lagMetricName ?? "AuroraGlobalDBRPOLag";
  }

  private unreachable(spec: CallSpec): boolean {
    if (spec.region === ROUTE53) return this.world.isRoute53Impaired();
    if (spec.service === "route53" || spec.service === "http") return this.world.isImpaired(spec.region);
    return !this.world.serviceAnswers(spec.region, spec.service);
  }

  /**
   * One API call: fault injection, the unreachable-Region hang, the round trip, then `fn` against
   * the world at the moment the request lands. `onTimeout` turns a timeout into a value (probes).
   */
  private async call<T>(spec: CallSpec, opts: CallOptions | undefined, fn: () => T, onTimeout?: () => T): Promise<T> {
    this.process.assertAlive();
    const signal = this.process.bind(opts?.signal);
    if (signal.aborted) throw signal.reason;
    const timeoutMs = opts?.timeoutMs ?? this.defaultTimeoutMs;
    const started = this.clock.now();
    const record = (outcome: string) => this.world.recordCall({ origin: "cloud", api: spec.api, method: spec.method, region: spec.region, args: spec.args, sideEffect: spec.sideEffect, outcome });
    const timeOut = async (): Promise<T> => {
      await this.clock.sleep(Math.max(0, started + timeoutMs - this.clock.now()), signal);
      record("TimeoutError");
      if (onTimeout) return onTimeout();
      throw new SimTimeoutError(spec.api, spec.region, timeoutMs);
    };
    // Credentials are checked by the SDK before anything is sent: "missing" fails at once, Region or not.
    const auth = spec.service === "http" ? undefined : this.faults?.authFault(spec.method, spec.api, spec.service, spec.region);
    if (auth?.local) {
      record(auth.error.name);
      throw auth.error;
    }
    const fault = this.faults?.takeCallFault(spec.method, spec.region);
    if (fault === "timeout" || this.unreachable(spec)) return timeOut();
    const roundTrip = this.latency.sample("api-call");
    if (roundTrip > timeoutMs) return timeOut();
    await this.clock.sleep(roundTrip, signal);
    if (this.unreachable(spec)) return timeOut();
    if (auth) {
      record(auth.error.name);
      throw auth.error;
    }
    if (fault === "throttle") {
      record("ThrottlingException");
      throw new AwsError("ThrottlingException", `Rate exceeded (${spec.api})`, { throttling: true });
    }
    try {
      const result = fn();
      record("ok");
      this.faults?.callSucceeded(spec.method, spec.region);
      return result;
    } catch (err) {
      record(err instanceof Error ? err.name : "Error");
      throw err;
    }
  }

  probeRegion(region: string, opts?: CallOptions): Promise<boolean> {
    return this.call({ method: "probeRegion", service: "eks", api: "ListClusters", region, args: {}, sideEffect: false }, opts, () => true, () => false);
  }

  // EKS

  describeCluster(region: string, clusterName: string, opts?: CallOptions): Promise<{ status: string }> {
    return this.call({ method: "describeCluster", service: "eks", api: "DescribeCluster", region, args: { clusterName }, sideEffect: false }, opts, () =>
      this.world.describeCluster(region, clusterName),
    );
  }

  describeNodeGroup(region: string, clusterName: string, nodeGroupName: string, opts?: CallOptions): Promise<NodeGroupState> {
    return this.call({ method: "describeNodeGroup", service: "eks", api: "DescribeNodegroup", region, args: { clusterName, nodeGroupName }, sideEffect: false }, opts, () =>
      this.world.describeNodeGroup(region, clusterName, nodeGroupName),
    );
  }

  async scaleNodeGroup(region: string, clusterName: string, nodeGroupName: string, scaling: NodeGroupScaling, opts?: CallOptions): Promise<void> {
    await this.call(
      { method: "scaleNodeGroup", service: "eks", api: "UpdateNodegroupConfig", region, args: { clusterName, nodeGroupName, ...scaling }, sideEffect: true },
      opts,
      () => this.world.scaleNodeGroup(region, clusterName, nodeGroupName, scaling),
    );
  }

  // Aurora

  describeGlobalCluster(region: string, globalClusterIdentifier: string, opts?: CallOptions): Promise<GlobalCluster> {
    return this.call({ method: "describeGlobalCluster", service: "rds", api: "DescribeGlobalClusters", region, args: { globalClusterIdentifier }, sideEffect: false }, opts, () =>
      this.world.describeGlobalCluster(region, globalClusterIdentifier),
    );
  }

  describeDbCluster(region: string, clusterIdentifier: string, opts?: CallOptions): Promise<DbCluster> {
    return this.call({ method: "describeDbCluster", service: "rds", api: "DescribeDBClusters", region, args: { clusterIdentifier }, sideEffect: false }, opts, () =>
      this.world.describeDbCluster(region, clusterIdentifier),
    );
  }

  async switchoverGlobalCluster(region: string, globalClusterIdentifier: string, targetClusterArn: string, opts?: CallOptions): Promise<void> {
    await this.call(
      { method: "switchoverGlobalCluster", service: "rds", api: "SwitchoverGlobalCluster", region, args: { globalClusterIdentifier, targetClusterArn }, sideEffect: true },
      opts,
      () => this.world.switchoverGlobalCluster(region, globalClusterIdentifier, targetClusterArn),
    );
  }

  async failoverGlobalCluster(region: string, globalClusterIdentifier: string, targetClusterArn: string, opts?: CallOptions): Promise<void> {
    await this.call(
      { method: "failoverGlobalCluster", service: "rds", api: "FailoverGlobalCluster", region, args: { globalClusterIdentifier, targetClusterArn, allowDataLoss: true }, sideEffect: true },
      opts,
      () => this.world.failoverGlobalCluster(region, globalClusterIdentifier, targetClusterArn),
    );
  }

  /** GetMetricData of the lag metric, as the real adapter queries it (newest one-minute Maximum within the lookback). */
  auroraLag(region: string, clusterIdentifier: string, opts?: CallOptions): Promise<AuroraLagDatapoint | undefined> {
    return this.call(
      { method: "auroraLag", service: "cloudwatch", api: `GetMetricData:${this.lagMetricName}`, region, args: { clusterIdentifier }, sideEffect: false },
      opts,
      () => {
        const d = this.world.auroraLag(region, clusterIdentifier, this.lagLookbackMs);
        return d && { metric: this.lagMetricName, maxMs: d.maxMs, periodStart: d.periodStart, periodMs: LAG_METRIC_PERIOD_MS };
      },
    );
  }

  // EFS

  describeReplication(region: string, fileSystemId: string, opts?: CallOptions): Promise<EfsReplication | undefined> {
    return this.call({ method: "describeReplication", service: "efs", api: "DescribeReplicationConfigurations", region, args: { fileSystemId }, sideEffect: false }, opts, () =>
      this.world.describeReplication(region, fileSystemId),
    );
  }

  async deleteReplication(region: string, sourceFileSystemId: string, mode: "ALL_CONFIGURATIONS" | "LOCAL_CONFIGURATION_ONLY", opts?: CallOptions): Promise<void> {
    await this.call(
      { method: "deleteReplication", service: "efs", api: "DeleteReplicationConfiguration", region, args: { sourceFileSystemId, deletionMode: mode }, sideEffect: true },
      opts,
      () => this.world.deleteReplication(region, sourceFileSystemId, mode),
    );
  }

  fileSystemProtection(region: string, fileSystemId: string, opts?: CallOptions): Promise<FileSystemProtection> {
    return this.call({ method: "fileSystemProtection", service: "efs", api: "DescribeFileSystems", region, args: { fileSystemId }, sideEffect: false }, opts, () =>
      this.world.fileSystemProtection(region, fileSystemId),
    );
  }

  // Route 53 (control plane in us-east-1)

  getFailoverRecords(hostedZoneId: string, hostname: string, opts?: CallOptions): Promise<FailoverRecord[]> {
    return this.call({ method: "getFailoverRecords", service: "route53", api: "ListResourceRecordSets", region: ROUTE53, args: { hostedZoneId, hostname }, sideEffect: false }, opts, () =>
      this.world.getFailoverRecords(hostedZoneId, hostname),
    );
  }

  async setPrimaryRecord(hostedZoneId: string, hostname: string, primarySetIdentifier: string, opts?: CallOptions, primaryHealthCheckId?: string): Promise<void> {
    await this.call(
      {
        method: "setPrimaryRecord",
        service: "route53",
        api: "ChangeResourceRecordSets",
        region: ROUTE53,
        args: { hostedZoneId, hostname, primarySetIdentifier, ...(primaryHealthCheckId ? { primaryHealthCheckId } : {}) },
        sideEffect: true,
      },
      opts,
      () => this.world.setPrimaryRecord(hostedZoneId, hostname, primarySetIdentifier, primaryHealthCheckId),
    );
  }

  healthCheckStatus(healthCheckId: string, opts?: CallOptions): Promise<"healthy" | "unhealthy"> {
    return this.call({ method: "healthCheckStatus", service: "route53", api: "GetHealthCheckStatus", region: ROUTE53, args: { healthCheckId }, sideEffect: false }, opts, () =>
      this.world.healthCheckStatus(healthCheckId),
    );
  }

  /** Data plane: a site in an impaired Region does not answer, which reads as "does not serve" at the timeout. */
  checkEndpoint(url: string, opts?: CallOptions): Promise<boolean> {
    const region = this.world.endpointRegion(url) ?? "internet";
    return this.call(
      { method: "checkEndpoint", service: "http", api: "HTTP GET", region, args: { url }, sideEffect: false },
      opts,
      () => this.world.endpointServes(url),
      () => false,
    );
  }
}
