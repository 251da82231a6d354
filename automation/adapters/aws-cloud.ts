/**
 * The real `CloudPort`: AWS SDK v3 clients, one per service and Region, created on first use.
 *
 * Facts this adapter relies on (each checked against the AWS API reference or user guide):
 *
 * - EKS: `ListClusters` (maxResults 1) is the cheapest authenticated read, used to probe a Region.
 *   `UpdateNodegroupConfig` returns as soon as the update is accepted; the sizes land minutes later.
 * - Aurora: `SwitchoverGlobalCluster` is sent to the Region of the current primary (user guide:
 *   "--region: the AWS Region where the primary DB cluster ... is running"); `FailoverGlobalCluster`
 *   with `AllowDataLoss=true` is sent to the Region of the secondary being promoted (user guide:
 *   `--region region_of_selected_secondary`), since the primary's Region is the one that is down.
 *   Both name the target by ARN "so that Aurora can locate the cluster in its Region" (API ref).
 *   A member's Region is read from its `DBClusterArn` (arn:partition:rds:REGION:account:cluster:id).
 * - Replication lag: `AuroraGlobalDBRPOLag` and `AuroraGlobalDBReplicationLag` (AWS/RDS,
 *   milliseconds, dimension `DBClusterIdentifier`) are "available only in secondary AWS Regions"
 *   (cluster-level metrics table): the secondary cluster's own Region publishes them. The user
 *   guide's switchover/failover page says to read `AuroraGlobalDBRPOLag` for Aurora MySQL 3.04+
 *   ("how far the secondary cluster is behind the primary cluster for user transactions"), and
 *   `AuroraGlobalDBReplicationLag` on older versions; the project pins 3.08, so RPOLag is the
 *   default (`lagMetricName` picks the other). RDS publishes one datapoint a minute; the adapter
 *   returns the newest one-minute Maximum with its period, since a lag value is only evidence
 *   about that minute (automation/report/aurora-rpo.ts says what it proves).
 * - EFS: `DescribeReplicationConfigurations` takes any file system id (source or destination) but
 *   only answers for file systems in the Region it is sent to. `DeleteReplicationConfiguration`
 *   always names the *source* id and may be sent from the source or the destination Region;
 *   `LOCAL_CONFIGURATION_ONLY` deletes only the side the request is sent to. `DescribeFileSystems`
 *   returns `FileSystemProtection.ReplicationOverwriteProtection` (ENABLED | DISABLED | REPLICATING).
 * - Route 53: a change batch is transactional ("either makes all or none of the changes"). A record
 *   whose designation changes is replaced by a DELETE of the record exactly as listed plus a CREATE of
 *   it with the new `Failover` value, both in the one batch: DELETE needs every value as it is, so a
 *   record changed by someone else since the read fails the whole batch instead of being overwritten,
 *   and no UPSERT that flips PRIMARY/SECONDARY in place is relied on (boto3#1347 reports that being
 *   rejected). Route 53 considers a health check healthy when more than 18% of its checkers report
 *   the endpoint healthy (Developer Guide, "How Route 53 determines whether a health check is
 *   healthy"); `healthCheckStatus` applies the same rule, so it predicts what Route 53 will answer.
 */
import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import {
  DeleteReplicationConfigurationCommand,
  DescribeFileSystemsCommand,
  DescribeReplicationConfigurationsCommand,
  EFSClient,
  type ReplicationConfigurationDescription,
} from "@aws-sdk/client-efs";
import {
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  EKSClient,
  type EKSClientConfig,
  ListClustersCommand,
  UpdateNodegroupConfigCommand,
} from "@aws-sdk/client-eks";
import {
  DescribeDBClustersCommand,
  DescribeGlobalClustersCommand,
  FailoverGlobalClusterCommand,
  RDSClient,
  SwitchoverGlobalClusterCommand,
} from "@aws-sdk/client-rds";
import {
  type Change,
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  GetHealthCheckStatusCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
  Route53Client,
  type RRType,
} from "@aws-sdk/client-route-53";
import type {
  AuroraLagDatapoint,
  CallOptions,
  Clock,
  CloudPort,
  DbCluster,
  EfsReplication,
  EfsReplicationStatus,
  FailoverRecord,
  FileSystemProtection,
  GlobalCluster,
  NodeGroupScaling,
  NodeGroupState,
} from "../ports";
import { AwsCallError, AwsCallTimeoutError, awsErrorCode, boundedCall, type CallSite } from "./aws-call";
import { SystemClock } from "./system-clock";

/** Period of the lag query: RDS publishes its metrics to CloudWatch once a minute. */
const LAG_PERIOD_MS = 60_000;

// ---------------------------------------------------------------------------------------------
// Clients

/** Creates the SDK clients; tests inject one that hands out clients they mock. */
export interface AwsClientFactory {
  eks(region: string): EKSClient;
  rds(region: string): RDSClient;
  efs(region: string): EFSClient;
  cloudWatch(region: string): CloudWatchClient;
  /** Route 53's control plane is global and signs in us-east-1. */
  route53(): Route53Client;
}

export interface AwsClientOptions {
  /**
   * Attempts per call including the first. Retries use the SDK's `standard` mode (exponential
   * backoff with jitter, throttling-aware); `adaptive` is avoided because its client-side rate
   * limiter can hold a request back for an unbounded time. Whatever the retries, the adapter's
   * per-call deadline cuts the call off. @default 3
   */
  maxAttempts?: number;
  /**
   * TCP connect timeout per attempt, in ms. Without it a black-holed Region would consume a whole
   * call budget in one connect; with it the remaining budget goes to retries. @default 3000
   */
  connectionTimeoutMs?: number;
  /** Region the Route 53 client signs for. @default us-east-1 */
  route53Region?: string;
  /** Credentials; by default the SDK's provider chain (env, profile, SSO, IMDS...). */
  credentials?: EKSClientConfig["credentials"];
}

/** The factory used outside tests: real clients with the retry and connection settings above. */
export function defaultAwsClientFactory(opts: AwsClientOptions = {}): AwsClientFactory {
  const common = {
    maxAttempts: opts.maxAttempts ?? 3,
    retryMode: "standard",
    requestHandler: { connectionTimeout: opts.connectionTimeoutMs ?? 3000 },
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
  };
  return {
    eks: (region) => new EKSClient({ ...common, region }),
    rds: (region) => new RDSClient({ ...common, region }),
    efs: (region) => new EFSClient({ ...common, region }),
    cloudWatch: (region) => new CloudWatchClient({ ...common, region }),
    route53: () => new Route53Client({ ...common, region: opts.route53Region ?? "us-east-1" }),
  };
}

// ---------------------------------------------------------------------------------------------
// Adapter

export interface AwsCloudOptions {
  /** @default defaultAwsClientFactory() */
  clients?: AwsClientFactory;
  /** Bound for calls made without `timeoutMs`, in ms, so that no call is unbounded. @default 30000 */
  defaultTimeoutMs?: number;
  /** Bound for `probeRegion` without `timeoutMs`, in ms. @default 5000 */
  probeTimeoutMs?: number;
  /**
   * How far back `auroraLag` looks for a datapoint, in ms. Long enough that, an incident ago, the
   * last datapoint published before the primary's Region went away is still found. @default 3600000 (1 h)
   */
  lagLookbackMs?: number;
  /** @default "AuroraGlobalDBRPOLag" (Aurora MySQL 3.04+; "AuroraGlobalDBReplicationLag" before, see the header) */
  lagMetricName?: string;
  /** Record type of the failover records. @default "CNAME" */
  recordType?: "CNAME" | "A" | "AAAA";
  /**
   * After the swap, poll GetChange until Route 53 reports INSYNC (all authoritative servers
   * answer with it), within what is left of the call's bound. @default true
   */
  waitForDnsSync?: boolean;
  /** Interval between GetChange polls, in ms. @default 5000 */
  dnsSyncPollMs?: number;
  /** Fraction of Route 53 checkers that must report Success for "healthy" (Route 53's own rule: > 18%). @default 0.18 */
  healthyCheckerFraction?: number;
  /** @default SystemClock */
  clock?: Clock;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Progress notes (e.g. a DNS change still PENDING when the bound ran out). */
  log?: (message: string) => void;
}

type Service = "eks" | "rds" | "efs" | "cloudWatch";
type ServiceClient<S extends Service> = ReturnType<AwsClientFactory[S]>;

export class AwsCloud implements CloudPort {
  private readonly factory: AwsClientFactory;
  private readonly clients = new Map<string, unknown>();
  private route53Client?: Route53Client;
  private readonly defaultTimeoutMs: number;
  private readonly probeTimeoutMs: number;
  private readonly lagLookbackMs: number;
  private readonly lagMetricName: string;
  private readonly recordType: "CNAME" | "A" | "AAAA";
  private readonly waitForDnsSync: boolean;
  private readonly dnsSyncPollMs: number;
  private readonly healthyCheckerFraction: number;
  private readonly clock: Clock;
  private readonly fetchImpl: typeof fetch;
  private readonly log: (message: string) => void;

  constructor(opts: AwsCloudOptions = {}) {
    this.factory = opts.clients ?? defaultAwsClientFactory();
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? 30_000;
    this.probeTimeoutMs = opts.probeTimeoutMs ?? 5_000;
    this.lagLookbackMs = opts.lagLookbackMs ?? 60 * 60_000;
    this.lagMetricName = opts.lagMetricName ?? "AuroraGlobalDBRPOLag";
    this.recordType = opts.recordType ?? "CNAME";
    this.waitForDnsSync = opts.waitForDnsSync ?? true;
    this.dnsSyncPollMs = opts.dnsSyncPollMs ?? 5_000;
    this.healthyCheckerFraction = opts.healthyCheckerFraction ?? 0.18;
    this.clock = opts.clock ?? new SystemClock();
    this.fetchImpl = opts.fetch ?? ((...args) => globalThis.fetch(...args));
    this.log = opts.log ?? (() => undefined);
  }

  /** One client per service and Region, created on first use. */
  private client<S extends Service>(service: S, region: string): ServiceClient<S> {
    const key = `${service}:${region}`;
    let client = this.clients.get(key);
    if (!client) {
      client = this.factory[service](region);
      this.clients.set(key, client);
    }
    return client as ServiceClient<S>;
  }

  private route53(): Route53Client {
    this.route53Client ??= this.factory.route53();
    return this.route53Client;
  }

  private bound(opts: CallOptions | undefined, fallbackMs = this.defaultTimeoutMs): { timeoutMs: number; signal?: AbortSignal } {
    return { timeoutMs: opts?.timeoutMs ?? fallbackMs, signal: opts?.signal };
  }

  // ----------------------------------------------------------------------------------------- probe

  async probeRegion(region: string, opts?: CallOptions): Promise<boolean> {
    const site: CallSite = { service: "EKS", api: "ListClusters", region };
    try {
      await boundedCall(site, this.bound(opts, this.probeTimeoutMs), (abortSignal) =>
        this.client("eks", region).send(new ListClustersCommand({ maxResults: 1 }), { abortSignal }),
      );
      return true;
    } catch (err) {
      if (opts?.signal?.aborted) throw err;
      if (err instanceof AwsCallTimeoutError) return false;
      if (err instanceof AwsCallError) {
        if (isLocalCredentialsProblem(err)) throw err;
        // No HTTP answer (DNS, connect, reset) or a server-side fault: the control plane is not serving.
        if (err.httpStatus === undefined || err.httpStatus >= 500) return false;
        // Throttled: it answered. Anything else (access denied, bad credentials) is ours to fix, not the Region's.
        if (err.throttling) return true;
      }
      throw err;
    }
  }

  // ----------------------------------------------------------------------------------------- EKS

  async describeCluster(region: string, clusterName: string, opts?: CallOptions): Promise<{ status: string }> {
    const site: CallSite = { service: "EKS", api: "DescribeCluster", region, resource: `cluster "${clusterName}"` };
    const out = await boundedCall(site, this.bound(opts), (abortSignal) =>
      this.client("eks", region).send(new DescribeClusterCommand({ name: clusterName }), { abortSignal }),
    );
    return { status: required(site, out.cluster?.status, "cluster.status") };
  }

  async describeNodeGroup(region: string, clusterName: string, nodeGroupName: string, opts?: CallOptions): Promise<NodeGroupState> {
    const site: CallSite = { service: "EKS", api: "DescribeNodegroup", region, resource: nodeGroupResource(clusterName, nodeGroupName) };
    const out = await boundedCall(site, this.bound(opts), (abortSignal) =>
      this.client("eks", region).send(new DescribeNodegroupCommand({ clusterName, nodegroupName: nodeGroupName }), { abortSignal }),
    );
    const ng = out.nodegroup;
    const scaling = ng?.scalingConfig;
    return {
      status: required(site, ng?.status, "nodegroup.status"),
      minSize: required(site, scaling?.minSize, "nodegroup.scalingConfig.minSize"),
      desiredSize: required(site, scaling?.desiredSize, "nodegroup.scalingConfig.desiredSize"),
      maxSize: required(site, scaling?.maxSize, "nodegroup.scalingConfig.maxSize"),
      // Ready nodes need the Kubernetes API (node conditions); the EKS API does not report them.
      readyNodes: undefined,
    };
  }

  async scaleNodeGroup(region: string, clusterName: string, nodeGroupName: string, scaling: NodeGroupScaling, opts?: CallOptions): Promise<void> {
    const site: CallSite = {
      service: "EKS",
      api: "UpdateNodegroupConfig",
      region,
      resource: nodeGroupResource(clusterName, nodeGroupName),
      mutating: true,
    };
    await boundedCall(site, this.bound(opts), (abortSignal) =>
      this.client("eks", region).send(
        new UpdateNodegroupConfigCommand({
          clusterName,
          nodegroupName: nodeGroupName,
          scalingConfig: { minSize: scaling.minSize, desiredSize: scaling.desiredSize, maxSize: scaling.maxSize },
        }),
        { abortSignal },
      ),
    );
  }

  // ----------------------------------------------------------------------------------------- Aurora

  async describeGlobalCluster(region: string, globalClusterIdentifier: string, opts?: CallOptions): Promise<GlobalCluster> {
    const site: CallSite = { service: "RDS", api: "DescribeGlobalClusters", region, resource: `global cluster "${globalClusterIdentifier}"` };
    const out = await boundedCall(site, this.bound(opts), (abortSignal) =>
      this.client("rds", region).send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: globalClusterIdentifier }), { abortSignal }),
    );
    const gc = out.GlobalClusters?.find((g) => g.GlobalClusterIdentifier === globalClusterIdentifier) ?? out.GlobalClusters?.[0];
    if (!gc) throw new AwsCallError(site, new Error("the response lists no global cluster"));
    const failover = gc.FailoverState;
    return {
      identifier: gc.GlobalClusterIdentifier ?? globalClusterIdentifier,
      status: gc.Status ?? "unknown",
      members: (gc.GlobalClusterMembers ?? []).map((m) => {
        const clusterArn = required(site, m.DBClusterArn, "GlobalClusterMembers[].DBClusterArn");
        return { clusterArn, region: rdsClusterArnRegion(clusterArn) ?? "unknown", isWriter: m.IsWriter === true };
      }),
      failoverState: failover?.Status
        ? {
            status: failover.Status,
            fromClusterArn: failover.FromDbClusterArn ?? "",
            toClusterArn: failover.ToDbClusterArn ?? "",
            isDataLossAllowed: failover.IsDataLossAllowed === true,
          }
        : undefined,
    };
  }

  async describeDbCluster(region: string, clusterIdentifier: string, opts?: CallOptions): Promise<DbCluster> {
    const site: CallSite = { service: "RDS", api: "DescribeDBClusters", region, resource: `DB cluster "${clusterIdentifier}"` };
    const out = await boundedCall(site, this.bound(opts), (abortSignal) =>
      this.client("rds", region).send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterIdentifier }), { abortSignal }),
    );
    const c = out.DBClusters?.[0];
    if (!c) throw new AwsCallError(site, new Error("the response lists no DB cluster"));
    return {
      identifier: c.DBClusterIdentifier ?? clusterIdentifier,
      arn: required(site, c.DBClusterArn, "DBClusters[].DBClusterArn"),
      status: c.Status ?? "unknown",
      instanceCount: c.DBClusterMembers?.length ?? 0,
    };
  }

  async switchoverGlobalCluster(region: string, globalClusterIdentifier: string, targetClusterArn: string, opts?: CallOptions): Promise<void> {
    const site: CallSite = {
      service: "RDS",
      api: "SwitchoverGlobalCluster",
      region,
      resource: `global cluster "${globalClusterIdentifier}" to ${targetClusterArn}`,
      mutating: true,
    };
    const targetRegion = requireClusterArn(site, targetClusterArn);
    if (targetRegion === region) {
      throw new Error(
        `${site.service} ${site.api}: send it to the Region of the current primary, not to ${region} where the target ` +
          `${targetClusterArn} is (Aurora user guide, "Performing switchovers")`,
      );
    }
    await boundedCall(site, this.bound(opts), (abortSignal) =>
      this.client("rds", region).send(
        new SwitchoverGlobalClusterCommand({ GlobalClusterIdentifier: globalClusterIdentifier, TargetDbClusterIdentifier: targetClusterArn }),
        { abortSignal },
      ),
    );
  }

  async failoverGlobalCluster(region: string, globalClusterIdentifier: string, targetClusterArn: string, opts?: CallOptions): Promise<void> {
    const site: CallSite = {
      service: "RDS",
      api: "FailoverGlobalCluster",
      region,
      resource: `global cluster "${globalClusterIdentifier}" to ${targetClusterArn}`,
      mutating: true,
    };
    const targetRegion = requireClusterArn(site, targetClusterArn);
    if (targetRegion !== region) {
      throw new Error(
        `${site.service} ${site.api}: send it to ${targetRegion}, the Region of the secondary being promoted, not to ${region} ` +
          `(Aurora user guide, "Performing managed failovers"; the primary's Region may be down)`,
      );
    }
    await boundedCall(site, this.bound(opts), (abortSignal) =>
      this.client("rds", region).send(
        new FailoverGlobalClusterCommand({
          GlobalClusterIdentifier: globalClusterIdentifier,
          TargetDbClusterIdentifier: targetClusterArn,
          AllowDataLoss: true,
        }),
        { abortSignal },
      ),
    );
  }

  async auroraLag(region: string, clusterIdentifier: string, opts?: CallOptions): Promise<AuroraLagDatapoint | undefined> {
    const site: CallSite = { service: "CloudWatch", api: "GetMetricData", region, resource: `${this.lagMetricName} of DB cluster "${clusterIdentifier}"` };
    const end = this.clock.now();
    const out = await boundedCall(site, this.bound(opts), (abortSignal) =>
      this.client("cloudWatch", region).send(
        new GetMetricDataCommand({
          MetricDataQueries: [
            {
              Id: "lag",
              MetricStat: {
                Metric: {
                  Namespace: "AWS/RDS",
                  MetricName: this.lagMetricName,
                  Dimensions: [{ Name: "DBClusterIdentifier", Value: clusterIdentifier }],
                },
                // One-minute buckets, worst value in each: RPO evidence should not average a spike away.
                Period: LAG_PERIOD_MS / 1000,
                Stat: "Maximum",
              },
              ReturnData: true,
            },
          ],
          StartTime: new Date(end - this.lagLookbackMs),
          EndTime: new Date(end),
          ScanBy: "TimestampDescending",
        }),
        { abortSignal },
      ),
    );
    const result = out.MetricDataResults?.find((r) => r.Id === "lag");
    const timestamps = result?.Timestamps ?? [];
    const values = result?.Values ?? [];
    let latest: { at: number; value: number } | undefined;
    for (let i = 0; i < Math.min(timestamps.length, values.length); i++) {
      const at = new Date(timestamps[i]).getTime();
      if (!latest || at > latest.at) latest = { at, value: values[i] };
    }
    return latest && { metric: this.lagMetricName, maxMs: latest.value, periodStart: latest.at, periodMs: LAG_PERIOD_MS };
  }

  // ----------------------------------------------------------------------------------------- EFS

  async describeReplication(region: string, fileSystemId: string, opts?: CallOptions): Promise<EfsReplication | undefined> {
    const site: CallSite = { service: "EFS", api: "DescribeReplicationConfigurations", region, resource: `file system ${fileSystemId}` };
    let replications: ReplicationConfigurationDescription[];
    try {
      const out = await boundedCall(site, this.bound(opts), (abortSignal) =>
        this.client("efs", region).send(new DescribeReplicationConfigurationsCommand({ FileSystemId: fileSystemId }), { abortSignal }),
      );
      replications = out.Replications ?? [];
    } catch (err) {
      if (awsErrorCode(err) === "ReplicationNotFound") return undefined;
      throw err;
    }
    const id = bareFileSystemId(fileSystemId);
    const r =
      replications.find((x) => bareFileSystemId(x.SourceFileSystemId) === id || x.Destinations?.some((d) => bareFileSystemId(d.FileSystemId) === id)) ??
      replications[0];
    if (!r) return undefined;
    const dest = r.Destinations?.[0];
    if (!dest) throw new AwsCallError(site, new Error("the replication configuration lists no destination"));
    return {
      sourceFileSystemId: required(site, r.SourceFileSystemId, "SourceFileSystemId"),
      sourceRegion: required(site, r.SourceFileSystemRegion, "SourceFileSystemRegion"),
      destinationFileSystemId: required(site, dest.FileSystemId, "Destinations[0].FileSystemId"),
      destinationRegion: required(site, dest.Region, "Destinations[0].Region"),
      status: required(site, dest.Status, "Destinations[0].Status") as EfsReplicationStatus,
      lastReplicatedAt: dest.LastReplicatedTimestamp ? new Date(dest.LastReplicatedTimestamp).getTime() : undefined,
    };
  }

  async deleteReplication(
    region: string,
    sourceFileSystemId: string,
    mode: "ALL_CONFIGURATIONS" | "LOCAL_CONFIGURATION_ONLY",
    opts?: CallOptions,
  ): Promise<void> {
    const site: CallSite = {
      service: "EFS",
      api: "DeleteReplicationConfiguration",
      region,
      resource: `replication from ${sourceFileSystemId} (${mode})`,
      mutating: true,
    };
    try {
      await boundedCall(site, this.bound(opts), (abortSignal) =>
        this.client("efs", region).send(new DeleteReplicationConfigurationCommand({ SourceFileSystemId: sourceFileSystemId, DeletionMode: mode }), {
          abortSignal,
        }),
      );
    } catch (err) {
      // Already gone (e.g. a resumed run deleting again): the outcome the caller wants.
      if (awsErrorCode(err) === "ReplicationNotFound") return;
      throw err;
    }
  }

  async fileSystemProtection(region: string, fileSystemId: string, opts?: CallOptions): Promise<FileSystemProtection> {
    const site: CallSite = { service: "EFS", api: "DescribeFileSystems", region, resource: `file system ${fileSystemId}` };
    const out = await boundedCall(site, this.bound(opts), (abortSignal) =>
      this.client("efs", region).send(new DescribeFileSystemsCommand({ FileSystemId: fileSystemId }), { abortSignal }),
    );
    const fs = out.FileSystems?.[0];
    if (!fs) throw new AwsCallError(site, new Error("the response lists no file system"));
    return required(site, fs.FileSystemProtection?.ReplicationOverwriteProtection, "FileSystemProtection.ReplicationOverwriteProtection");
  }

  // ----------------------------------------------------------------------------------------- Route 53

  async getFailoverRecords(hostedZoneId: string, hostname: string, opts?: CallOptions): Promise<FailoverRecord[]> {
    const deadline = this.deadline(opts);
    const records = await this.listFailoverRecordSets(hostedZoneId, hostname, deadline);
    return records.map(toFailoverRecord);
  }

  async setPrimaryRecord(hostedZoneId: string, hostname: string, primarySetIdentifier: string, opts?: CallOptions): Promise<void> {
    const deadline = this.deadline(opts);
    const records = await this.listFailoverRecordSets(hostedZoneId, hostname, deadline);
    const resource = `failover records ${hostname} ${this.recordType} in zone ${hostedZoneId}`;
    const target = records.find((r) => r.SetIdentifier === primarySetIdentifier);
    if (!target) {
      throw new Error(
        `Route 53: no failover record with set identifier "${primarySetIdentifier}" among ${resource} ` +
          `(found: ${records.map((r) => `"${r.SetIdentifier}"`).join(", ") || "none"}); run \`pulumi up\` on that site first`,
      );
    }
    const others = records.filter((r) => r !== target);
    if (others.length > 1) {
      throw new Error(`Route 53: ${resource} hold ${records.length} records; a failover pair holds one PRIMARY and one SECONDARY`);
    }
    const wanted = new Map<ResourceRecordSet, "PRIMARY" | "SECONDARY">([[target, "PRIMARY"], ...others.map((o) => [o, "SECONDARY"] as const)]);
    const toChange = records.filter((r) => r.Failover !== wanted.get(r));
    if (toChange.length === 0) return; // already as asked

    const changes: Change[] = [
      ...toChange.map((r): Change => ({ Action: "DELETE", ResourceRecordSet: r })),
      ...toChange.map((r): Change => ({ Action: "CREATE", ResourceRecordSet: { ...r, Failover: wanted.get(r) } })),
    ];
    const site: CallSite = { service: "Route 53", api: "ChangeResourceRecordSets", region: this.route53Region, resource, mutating: true };
    const out = await boundedCall(site, deadline.bound(), (abortSignal) =>
      this.route53().send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: hostedZoneId,
          ChangeBatch: { Comment: `eks-dr: make "${primarySetIdentifier}" PRIMARY`, Changes: changes },
        }),
        { abortSignal },
      ),
    );
    // The batch is committed from here on: whatever happens while waiting, the swap is done.
    const changeId = out.ChangeInfo?.Id;
    if (this.waitForDnsSync && changeId && out.ChangeInfo?.Status !== "INSYNC") {
      await this.waitInsync(changeId, deadline, opts?.signal);
    }
  }

  async healthCheckStatus(healthCheckId: string, opts?: CallOptions): Promise<"healthy" | "unhealthy"> {
    const site: CallSite = { service: "Route 53", api: "GetHealthCheckStatus", region: this.route53Region, resource: `health check ${healthCheckId}` };
    const out = await boundedCall(site, this.bound(opts), (abortSignal) =>
      this.route53().send(new GetHealthCheckStatusCommand({ HealthCheckId: healthCheckId }), { abortSignal }),
    );
    const observations = out.HealthCheckObservations ?? [];
    if (observations.length === 0) return "unhealthy"; // no checker has reported: nothing proves it healthy
    // Each checker's report starts with "Success" or "Failure" (e.g. "Success: HTTP Status Code 200, OK").
    const healthy = observations.filter((o) => /^success/i.test(o.StatusReport?.Status ?? "")).length;
    return healthy / observations.length > this.healthyCheckerFraction ? "healthy" : "unhealthy";
  }

  // ----------------------------------------------------------------------------------------- HTTP

  async checkEndpoint(url: string, opts?: CallOptions): Promise<boolean> {
    const { timeoutMs, signal: callerSignal } = this.bound(opts, 10_000);
    if (callerSignal?.aborted) throw callerSignal.reason;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
    try {
      const res = await this.fetchImpl(url, { signal, headers: { "user-agent": "eks-dr-driver", "cache-control": "no-cache" } });
      await res.body?.cancel().catch(() => undefined);
      return res.status >= 200 && res.status < 300;
    } catch {
      if (callerSignal?.aborted) throw callerSignal.reason;
      return false; // timeout, DNS, connection refused, TLS: the site does not serve
    }
  }

  // ----------------------------------------------------------------------------------------- helpers

  /** Route 53's control plane is in us-east-1 (named in error messages). */
  private readonly route53Region = "us-east-1";

  /** One deadline shared by the calls a port method makes. */
  private deadline(opts: CallOptions | undefined): Deadline {
    const timeoutMs = opts?.timeoutMs ?? this.defaultTimeoutMs;
    const endsAt = this.clock.now() + timeoutMs;
    return {
      endsAt,
      remainingMs: () => Math.max(0, endsAt - this.clock.now()),
      bound: () => ({ timeoutMs: Math.max(1, endsAt - this.clock.now()), signal: opts?.signal }),
    };
  }

  /** The failover records of one name and type (Route 53 lists in name/type order, paginated). */
  private async listFailoverRecordSets(hostedZoneId: string, hostname: string, deadline: Deadline): Promise<ResourceRecordSet[]> {
    const name = normalizeName(hostname);
    const site: CallSite = {
      service: "Route 53",
      api: "ListResourceRecordSets",
      region: this.route53Region,
      resource: `${hostname} ${this.recordType} in zone ${hostedZoneId}`,
    };
    const found: ResourceRecordSet[] = [];
    let start: { name: string; type: string; identifier?: string } | undefined = { name: `${name}.`, type: this.recordType };
    for (let page = 0; start && page < 20; page++) {
      const from: { name: string; type: string; identifier?: string } = start;
      const out = await boundedCall(site, deadline.bound(), (abortSignal) =>
        this.route53().send(
          new ListResourceRecordSetsCommand({
            HostedZoneId: hostedZoneId,
            StartRecordName: from.name,
            StartRecordType: from.type as RRType,
            StartRecordIdentifier: from.identifier,
            MaxItems: 100,
          }),
          { abortSignal },
        ),
      );
      let pastTheName = false;
      for (const r of out.ResourceRecordSets ?? []) {
        if (normalizeName(r.Name ?? "") !== name || r.Type !== this.recordType) {
          pastTheName = true;
          break;
        }
        if (r.Failover) found.push(r);
      }
      start =
        !pastTheName && out.IsTruncated && out.NextRecordName && out.NextRecordType
          ? { name: out.NextRecordName, type: out.NextRecordType, identifier: out.NextRecordIdentifier }
          : undefined;
    }
    return found;
  }

  private async waitInsync(changeId: string, deadline: Deadline, signal?: AbortSignal): Promise<void> {
    const site: CallSite = { service: "Route 53", api: "GetChange", region: this.route53Region, resource: `change ${changeId}` };
    for (;;) {
      if (deadline.remainingMs() <= this.dnsSyncPollMs || signal?.aborted) {
        this.log(`Route 53 change ${changeId} is committed but still PENDING (not yet on every Route 53 name server); not waiting longer`);
        return;
      }
      try {
        await this.clock.sleep(this.dnsSyncPollMs, signal);
        const out = await boundedCall(site, deadline.bound(), (abortSignal) => this.route53().send(new GetChangeCommand({ Id: changeId }), { abortSignal }));
        if (out.ChangeInfo?.Status === "INSYNC") return;
      } catch (err) {
        // The swap itself succeeded; a failed or cut-short status poll does not undo it.
        this.log(`Route 53 change ${changeId}: could not confirm INSYNC (${err instanceof Error ? err.message : String(err)}); the change is committed`);
        return;
      }
    }
  }
}

interface Deadline {
  endsAt: number;
  remainingMs(): number;
  bound(): { timeoutMs: number; signal?: AbortSignal };
}

// ---------------------------------------------------------------------------------------------
// Pure helpers (exported for tests)

/** Region of an RDS cluster ARN: arn:partition:rds:REGION:account:cluster:id. */
export function rdsClusterArnRegion(arn: string): string | undefined {
  const m = /^arn:aws[a-z-]*:rds:([a-z0-9-]+):\d{12}:cluster:[^:]+$/.exec(arn);
  return m?.[1];
}

function requireClusterArn(site: CallSite, arn: string): string {
  const region = rdsClusterArnRegion(arn);
  if (!region) {
    throw new Error(
      `${site.service} ${site.api}: the target must be a DB cluster ARN (arn:aws:rds:<region>:<account>:cluster:<id>) so that ` +
        `Aurora can locate the cluster in its Region; got "${arn}"`,
    );
  }
  return region;
}

function nodeGroupResource(clusterName: string, nodeGroupName: string): string {
  return `node group "${nodeGroupName}" of cluster "${clusterName}"`;
}

function required<T>(site: CallSite, value: T | undefined | null, field: string): T {
  if (value === undefined || value === null) throw new AwsCallError(site, new Error(`the response has no ${field}`));
  return value;
}

/** fs-0123 from fs-0123 or arn:...:file-system/fs-0123. */
function bareFileSystemId(id: string | undefined): string | undefined {
  return id?.split("/").pop();
}

/** Route 53 names are absolute (trailing dot) and case-insensitive. */
function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}

function toFailoverRecord(r: ResourceRecordSet): FailoverRecord {
  return {
    setIdentifier: r.SetIdentifier ?? "",
    failover: r.Failover as "PRIMARY" | "SECONDARY",
    value: r.ResourceRecords?.[0]?.Value ?? r.AliasTarget?.DNSName ?? "",
    healthCheckId: r.HealthCheckId,
  };
}

const LOCAL_CREDENTIAL_ERRORS = new Set(["CredentialsProviderError", "TokenProviderError"]);

/** Missing or unloadable credentials look like "no answer" but are a local problem, not a Region outage. */
function isLocalCredentialsProblem(err: AwsCallError): boolean {
  const cause = err.cause as { name?: string } | undefined;
  return LOCAL_CREDENTIAL_ERRORS.has(cause?.name ?? "");
}
