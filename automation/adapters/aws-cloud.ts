/**
 * The real `CloudPort`: AWS SDK v3 clients, one per service and Region, created on first use.
 *
 * `AwsCloud` composes one module per AWS service; each module's header lists the facts about the
 * service it relies on (each checked against the AWS API reference or user guide):
 *
 * - aws/eks.ts         EKS: the Region probe (ListClusters) and node group sizes
 * - aws/rds.ts         RDS: Aurora global clusters, switchover and failover
 * - aws/cloudwatch.ts  CloudWatch: the Aurora replication lag of a secondary
 * - aws/efs.ts         EFS: replication configurations and overwrite protection
 * - aws/route53.ts     Route 53: the failover record pair and health checks
 * - aws/endpoint.ts    HTTP: does a site's endpoint serve
 * - aws/clients.ts     the client factory and the per-Region client pool
 * - aws/context.ts     what the modules share: the pool, the default call bound
 *
 * Every AWS call goes through `boundedCall` (aws-call.ts).
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
import { type AwsClientFactory, AwsClients, defaultAwsClientFactory } from "./aws/clients";
import { CloudWatchApi } from "./aws/cloudwatch";
import { AwsContext } from "./aws/context";
import { EfsApi } from "./aws/efs";
import { EksApi } from "./aws/eks";
import { EndpointProbe } from "./aws/endpoint";
import { RdsApi } from "./aws/rds";
import { Route53Api } from "./aws/route53";
import { SystemClock } from "./system-clock";

export { type AwsClientFactory, type AwsClientOptions, defaultAwsClientFactory } from "./aws/clients";
export { rdsClusterArnRegion } from "./aws/rds";

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
  /** Extra CAs (PEM) the endpoint probe trusts besides Node's bundled roots (a private CA in front of the ALB). */
  endpointCa?: string[];
  /** Progress notes (e.g. a DNS change still PENDING when the bound ran out). */
  log?: (message: string) => void;
}

export class AwsCloud implements CloudPort {
  private readonly eks: EksApi;
  private readonly rds: RdsApi;
  private readonly cloudWatch: CloudWatchApi;
  private readonly efs: EfsApi;
  private readonly route53: Route53Api;
  private readonly endpoint: EndpointProbe;

  constructor(opts: AwsCloudOptions = {}) {
    const ctx = new AwsContext(new AwsClients(opts.clients ?? defaultAwsClientFactory()), opts.defaultTimeoutMs ?? 30_000);
    const clock = opts.clock ?? new SystemClock();
    this.eks = new EksApi(ctx, opts.probeTimeoutMs ?? 5_000);
    this.rds = new RdsApi(ctx);
    this.cloudWatch = new CloudWatchApi(ctx, clock, opts.lagLookbackMs ?? 60 * 60_000, opts.lagMetricName ?? "AuroraGlobalDBRPOLag");
    this.efs = new EfsApi(ctx);
    this.route53 = new Route53Api(ctx, {
      recordType: opts.recordType ?? "CNAME",
      waitForDnsSync: opts.waitForDnsSync ?? true,
      dnsSyncPollMs: opts.dnsSyncPollMs ?? 5_000,
      healthyCheckerFraction: opts.healthyCheckerFraction ?? 0.18,
      clock,
      log: opts.log ?? (() => undefined),
    });
    this.endpoint = new EndpointProbe({ ca: opts.endpointCa });
  }

  // EKS

  probeRegion(region: string, opts?: CallOptions): Promise<boolean> {
    return this.eks.probeRegion(region, opts);
  }

  describeCluster(region: string, clusterName: string, opts?: CallOptions): Promise<{ status: string }> {
    return this.eks.describeCluster(region, clusterName, opts);
  }

  describeNodeGroup(region: string, clusterName: string, nodeGroupName: string, opts?: CallOptions): Promise<NodeGroupState> {
    return this.eks.describeNodeGroup(region, clusterName, nodeGroupName, opts);
  }

  scaleNodeGroup(region: string, clusterName: string, nodeGroupName: string, scaling: NodeGroupScaling, opts?: CallOptions): Promise<void> {
    return this.eks.scaleNodeGroup(region, clusterName, nodeGroupName, scaling, opts);
  }

  // Aurora (RDS, and CloudWatch for the lag)

  describeGlobalCluster(region: string, globalClusterIdentifier: string, opts?: CallOptions): Promise<GlobalCluster> {
    return this.rds.describeGlobalCluster(region, globalClusterIdentifier, opts);
  }

  describeDbCluster(region: string, clusterIdentifier: string, opts?: CallOptions): Promise<DbCluster> {
    return this.rds.describeDbCluster(region, clusterIdentifier, opts);
  }

  switchoverGlobalCluster(region: string, globalClusterIdentifier: string, targetClusterArn: string, opts?: CallOptions): Promise<void> {
    return this.rds.switchoverGlobalCluster(region, globalClusterIdentifier, targetClusterArn, opts);
  }

  failoverGlobalCluster(region: string, globalClusterIdentifier: string, targetClusterArn: string, opts?: CallOptions): Promise<void> {
    return this.rds.failoverGlobalCluster(region, globalClusterIdentifier, targetClusterArn, opts);
  }

  auroraLag(region: string, clusterIdentifier: string, opts?: CallOptions): Promise<AuroraLagDatapoint | undefined> {
    return this.cloudWatch.auroraLag(region, clusterIdentifier, opts);
  }

  // EFS

  describeReplication(region: string, fileSystemId: string, opts?: CallOptions): Promise<EfsReplication | undefined> {
    return this.efs.describeReplication(region, fileSystemId, opts);
  }

  deleteReplication(
    region: string,
    sourceFileSystemId: string,
    mode: "ALL_CONFIGURATIONS" | "LOCAL_CONFIGURATION_ONLY",
    opts?: CallOptions,
  ): Promise<void> {
    return this.efs.deleteReplication(region, sourceFileSystemId, mode, opts);
  }

  fileSystemProtection(region: string, fileSystemId: string, opts?: CallOptions): Promise<FileSystemProtection> {
    return this.efs.fileSystemProtection(region, fileSystemId, opts);
  }

  // Route 53

  getFailoverRecords(hostedZoneId: string, hostname: string, opts?: CallOptions): Promise<FailoverRecord[]> {
    return this.route53.getFailoverRecords(hostedZoneId, hostname, opts);
  }

  setPrimaryRecord(hostedZoneId: string, hostname: string, primarySetIdentifier: string, opts?: CallOptions, primaryHealthCheckId?: string): Promise<void> {
    return this.route53.setPrimaryRecord(hostedZoneId, hostname, primarySetIdentifier, opts, primaryHealthCheckId);
  }

  healthCheckStatus(healthCheckId: string, opts?: CallOptions): Promise<"healthy" | "unhealthy"> {
    return this.route53.healthCheckStatus(healthCheckId, opts);
  }

  // HTTP

  checkEndpoint(url: string, opts?: CallOptions, hostname?: string): Promise<boolean> {
    return this.endpoint.checkEndpoint(url, opts, hostname);
  }
}
