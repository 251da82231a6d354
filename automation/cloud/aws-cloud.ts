/**
 * The real `CloudPort`: each service's real adapter (<service>/real.ts) on AWS SDK v3 clients, one
 * per service and Region, created on first use. Each adapter's header lists the facts about its
 * service it relies on (each checked against the AWS API reference or user guide). What they
 * share: aws/clients.ts (the client factory and pool), aws/context.ts (the default call bound),
 * aws/call.ts (`boundedCall`, which every AWS call goes through).
 */
import type { Clock } from "../ports";
import { type AwsClientFactory, AwsClients, defaultAwsClientFactory } from "./aws/clients";
import { AwsContext } from "./aws/context";
import { CloudWatchApi } from "./cloudwatch/real";
import { EfsApi } from "./efs/real";
import { EksApi } from "./eks/real";
import { KubernetesApi, type KubernetesApiOptions } from "./kubernetes/real";
import type { FailoverRecordType } from "./route53/port";
import { Route53Api } from "./route53/real";
import type { CloudPort } from "./port";
import { RdsApi } from "./rds/real";
import { EndpointProbe } from "./serving/real";
import { VeleroApi } from "./velero/real";
import { SystemClock } from "../adapters/system-clock";

export { type AwsClientFactory, type AwsClientOptions, defaultAwsClientFactory } from "./aws/clients";
export { rdsClusterArnRegion } from "./rds/real";

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
  recordType?: FailoverRecordType;
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
  /** The Kubernetes API client's HTTP layer (tests). @default `@kubernetes/client-node`'s */
  kubernetesHttp?: KubernetesApiOptions["httpApi"];
}

export class AwsCloud implements CloudPort {
  readonly eks: EksApi;
  readonly rds: RdsApi;
  readonly cloudWatch: CloudWatchApi;
  readonly efs: EfsApi;
  readonly route53: Route53Api;
  readonly serving: EndpointProbe;
  readonly velero: VeleroApi;
  readonly kubernetes: KubernetesApi;

  constructor(opts: AwsCloudOptions = {}) {
    const ctx = new AwsContext(new AwsClients(opts.clients ?? defaultAwsClientFactory()), opts.defaultTimeoutMs ?? 30_000);
    const clock = opts.clock ?? new SystemClock();
    this.kubernetes = new KubernetesApi(ctx, { httpApi: opts.kubernetesHttp, now: () => clock.now() });
    // Node groups' Ready nodes from the cluster's API: the nodes step waits for them, not only for the sizes.
    this.eks = new EksApi(ctx, opts.probeTimeoutMs ?? 5_000, (...args) => this.kubernetes.countReadyNodes(...args));
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
    this.serving = new EndpointProbe({ ca: opts.endpointCa });
    this.velero = new VeleroApi(ctx);
  }
}
