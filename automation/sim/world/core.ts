/**
 * What every part of the world shares: the tuning, the two sites' records, the impaired Regions,
 * and the clock, latency model and event queue. Each concern (eks.ts, aurora.ts, efs.ts...) is a
 * `Part` over this one core, so the two Regions stay a single state model while the rules of each
 * service live in their own file.
 */
import { NODE_GROUPS, type NodeGroupName } from "../../../stacks/config";
import type { Clock, NodeGroupScaling } from "../../ports";
import type { HealthCheckTiming, LatencyModel, ProbeTiming, TargetHealthCheckTiming } from "../latency";
import type { Schedule } from "./schedule";

export interface WorldTuning {
  /** Rows per second the serving site's workload commits to its DB. @default 20 */
  dbWritesPerSecond: number;
  /** Files per second the serving site's workload writes to EFS. @default 2 */
  fileWritesPerSecond: number;
  /**
   * Aurora cross-Region replication lag with no traffic, ms. @default 100
   * (Aurora User Guide: global database replication "typically under a second").
   */
  auroraBaseLagMs: number;
  /** Extra lag per write/s of traffic, ms: the lag grows with write traffic. @default 10 */
  auroraLagMsPerWritePerSecond: number;
  /** Region hosting Route 53's control plane (ChangeResourceRecordSets, GetHealthCheckStatus). @default us-east-1 */
  route53ControlRegion: string;
  /** Which latency row new nodes follow. @default asg */
  nodeProvisioning: "asg" | "karpenter";
  /**
   * The active site has been serving for this long when the world starts, so an incident at the
   * start already has unreplicated writes behind it. @default 3600000 (1 h)
   */
  historyMs: number;
  /**
   * What EFS does with DeleteReplicationConfiguration ALL_CONFIGURATIONS while the other Region's
   * EFS does not answer. The EFS API reference says only that LOCAL_CONFIGURATION_ONLY is for when
   * "Amazon EFS is unable to delete the replication configuration in both" Regions, not whether the
   * request is refused or accepted and left unfinished: "stays-deleting" accepts it and leaves it
   * DELETING until that Region answers again, "rejected" refuses it. The driver must survive both.
   * @default stays-deleting
   */
  efsAllConfigurationsPeerDown: "stays-deleting" | "rejected";
}

export const DEFAULT_TUNING: WorldTuning = {
  dbWritesPerSecond: 20,
  fileWritesPerSecond: 2,
  auroraBaseLagMs: 100,
  auroraLagMsPerWritePerSecond: 10,
  route53ControlRegion: "us-east-1",
  nodeProvisioning: "asg",
  historyMs: 3_600_000,
  efsAllConfigurationsPeerDown: "stays-deleting",
};

/** The control planes a fault can impair one at a time in a Region (Route 53's is the ROUTE53 pseudo-Region). */
export const AWS_SERVICES = ["eks", "rds", "efs", "cloudwatch"] as const;
export type AwsService = (typeof AWS_SERVICES)[number];

/** The names and ids of a site's resources, as its stack exports them. */
export interface SiteNames {
  clusterName: string;
  nodeGroupNames: Record<NodeGroupName, string>;
  dbClusterIdentifier: string;
  dbClusterArn: string;
  fileSystemId: string;
  albHostname?: string;
  healthCheckId?: string;
}

/**
 * A site as its stack's last `up` left it: names from its outputs, sizes, counts, protection and
 * designation from the resources the program registered (stacks/world-spec.ts).
 */
export interface WorldSiteSpec {
  stack: string;
  region: string;
  names: SiteNames;
  nodeGroups: Record<NodeGroupName, NodeGroupScaling>;
  db: { writer: boolean; instances: number };
  fs: { protection: "ENABLED" | "DISABLED" };
  /** Workload replicas by tier; undefined without a workload. */
  replicas?: { web: number; app: number };
  /** The workload refuses writes and serves reads (the app's read-only mode). @default false */
  readOnly?: boolean;
  /** The site's failover record, when it has one. */
  record?: { failover: "PRIMARY" | "SECONDARY"; withHealthCheck: boolean };
  /** The workload's readiness probes and ALB target health check. @default the latency table's own figures */
  serving?: ServingSettings;
  /** What a resource restored in this Region can be placed in (from the stack's resources). @default none */
  network?: SiteNetwork;
  /** Mount targets in the site's VPC per file system id. @default the site's own file system with one */
  mountTargets?: Record<string, number>;
  /** The stores the workload's volume and DB endpoints name. @default the site's own */
  workloadStores?: WorkloadStores;
  /**
   * A standby of the backup-restore tier: no EKS cluster, node groups, DB cluster or file system of
   * its own (its names are empty); an `up` as a full site creates the cluster and node groups. @default false
   */
  backupOnly?: boolean;
}

/**
 * What the program set on the path from a node Ready to the site serving, read from its resources
 * (stacks/serving-settings.ts): each tier's readiness probe, the web tier's ALB target health check.
 */
export interface ServingSettings {
  probes: { web: ProbeTiming; app: ProbeTiming };
  targetHealthCheck: TargetHealthCheckTiming;
}

/** What a workload uses: the file system its volume names, the DB cluster its endpoints name. */
export interface WorkloadStores {
  fileSystemId?: string;
  dbClusterIdentifier?: string;
}

/** The network resources of a site's Region that RDS checks a restore against. */
export interface SiteNetwork {
  /** DB subnet group names. */
  dbSubnetGroups: string[];
  /** Security group ids. */
  securityGroupIds: string[];
  availabilityZones: string[];
}

/** Route 53 settings of the failover records. */
export interface WorldDns {
  hostedZoneId: string;
  hostname: string;
  ttlSeconds: number;
  healthCheck: HealthCheckTiming;
}

/** Both sites and what they share: the world's starting point. */
export interface WorldSpec {
  sites: WorldSiteSpec[];
  globalClusterIdentifier: string;
  /** The EFS replication running at the start. */
  replication?: { source: string; dest: string };
  dns?: WorldDns;
  /** AWS Backup: each site's vault (output `backupVaultName`); without it the world keeps no recovery points. */
  backups?: { vaults: Record<string, string> };
  /** Velero: each site's bucket (output `veleroBucketName`); without it the world keeps no Velero backups. */
  velero?: { buckets: Record<string, string> };
}

export interface NodeGroupRec {
  name: string;
  scaling: NodeGroupScaling;
  readyNodes: number;
  status: "ACTIVE" | "UPDATING";
  gen: number;
  /** When the nodes of the creation or scale-up under way turn Ready; undefined when none is. */
  readyAt?: number;
}

/**
 * One site's state. The record is shared because the rules cross services (a site serves only with
 * ready pods, a writer DB and a writable file system), but each field has one owner: `nodeGroups`
 * eks.ts, `db` aurora.ts, file system protection and replication efs.ts, `replicas` to `servingLog` workload.ts, `hc*` route53.ts.
 */
export interface SiteRec {
  stack: string;
  region: string;
  names: SiteNames;
  /** The EKS control plane: ACTIVE (from `activeAt`), CREATING until then, or none (a backup-only standby). Owner: eks.ts. */
  cluster: { status: "ACTIVE" | "CREATING" | "NONE"; activeAt?: number };
  nodeGroups: Record<NodeGroupName, NodeGroupRec>;
  db: {
    role: "writer" | "secondary";
    instanceCount: number;
    creating: number;
    status: "available" | "failing-over";
    /** Replication point frozen at this time (link down, or detached for a failover). */
    frozenAt?: number;
    /** Lost the writer role while its Region was unreachable; demoted when the Region is back. */
    pendingDemotion: boolean;
    /**
     * Being rebuilt as a secondary after an unplanned failover (a new storage volume): member
     * SynchronizationStatus "pending-resync", no replication, no instance changes.
     */
    rebuilding: boolean;
    /**
     * The last moments of a switchover, while the old primary is assuming its new role: "your
     * database is unavailable for a short time while the primary and selected secondary clusters
     * are assuming their new roles" (RDS API Reference, SwitchoverGlobalCluster). No reads then.
     */
    assumingRole: boolean;
  };
  network: SiteNetwork;
  /**
   * File systems in the site's Region (its own, those restored there) with their mount targets in
   * its VPC; `names.fileSystemId` is the one holding the site's data now. DB clusters likewise.
   */
  fileSystems: Record<string, { mountTargets: number }>;
  dbClusters: string[];
  /** The stores the workload's volume and DB endpoints name; undefined: the site's own. */
  workloadStores?: WorkloadStores;
  replicas?: { web: number; app: number };
  /** The workload refuses writes: it serves reads only. */
  readOnly: boolean;
  servingSettings?: ServingSettings;
  /** Both tiers have a Ready pod. */
  podsReady: boolean;
  /** The ALB has a healthy web target (so its health path and the application answer). */
  targetHealthy: boolean;
  /** When each link from nodes Ready to a healthy target happened, for the current pods (workload.ts). */
  chain: ServingChain;
  /** Serves reads and takes writes. */
  serving: boolean;
  servingLog: { at: number; serving: boolean }[];
  /** Serves reads: serving, or its workload in read-only mode with ready pods and a readable database. */
  servesReads: boolean;
  hcHealthy: boolean;
  hcGen: number;
}

/** One tier's pods since its nodes and replicas were there: scheduled, app answering, Ready (virtual ms). */
export interface TierChain {
  gen: number;
  scheduledAt?: number;
  upAt?: number;
  readyAt?: number;
}

/** The web tier's ALB target: registration asked for, registered, healthy (virtual ms). */
export interface TargetChain {
  gen: number;
  registeringAt?: number;
  registeredAt?: number;
  healthyAt?: number;
}

export interface ServingChain {
  web: TierChain;
  app: TierChain;
  target: TargetChain;
}

/** A site as its spec describes it; derived state (pods, serving) is set by the world. */
export function bootstrapSite(spec: WorldSiteSpec): SiteRec {
  const nodeGroups = Object.fromEntries(
    NODE_GROUPS.map((ng) => [
      ng,
      { name: spec.names.nodeGroupNames[ng], scaling: { ...spec.nodeGroups[ng] }, readyNodes: spec.nodeGroups[ng].desiredSize, status: "ACTIVE", gen: 0 },
    ]),
  ) as Record<NodeGroupName, NodeGroupRec>;
  const own = !spec.backupOnly;
  return {
    stack: spec.stack,
    region: spec.region,
    names: { ...spec.names },
    cluster: own ? { status: "ACTIVE", activeAt: -Infinity } : { status: "NONE" },
    nodeGroups,
    db: {
      role: spec.db.writer ? "writer" : "secondary",
      instanceCount: spec.db.instances,
      creating: 0,
      status: "available",
      pendingDemotion: false,
      rebuilding: false,
      assumingRole: false,
    },
    network: {
      dbSubnetGroups: [...(spec.network?.dbSubnetGroups ?? [])],
      securityGroupIds: [...(spec.network?.securityGroupIds ?? [])],
      availabilityZones: [...(spec.network?.availabilityZones ?? [])],
    },
    fileSystems: own
      ? Object.fromEntries(
          Object.entries(spec.mountTargets ? { [spec.names.fileSystemId]: 0, ...spec.mountTargets } : { [spec.names.fileSystemId]: 1 }).map(([id, n]) => [
            id,
            { mountTargets: n },
          ]),
        )
      : {},
    dbClusters: own ? [spec.names.dbClusterIdentifier] : [],
    ...(spec.workloadStores ? { workloadStores: { ...spec.workloadStores } } : {}),
    replicas: spec.replicas && { ...spec.replicas },
    readOnly: spec.readOnly ?? false,
    ...(spec.serving ? { servingSettings: spec.serving } : {}),
    podsReady: false,
    targetHealthy: false,
    chain: { web: { gen: 0 }, app: { gen: 0 }, target: { gen: 0 } },
    serving: false,
    servingLog: [],
    servesReads: false,
    hcHealthy: false,
    hcGen: 0,
  };
}

export class Core {
  readonly sites: SiteRec[] = [];
  /** Regions (or ROUTE53) whose control plane times out. */
  readonly impaired = new Set<string>();
  /** One service of a Region down while the rest of it answers, as `region/service`. */
  readonly impairedServices = new Set<string>();

  constructor(
    readonly clock: Clock,
    readonly latency: LatencyModel,
    readonly tuning: WorldTuning,
    readonly time: Schedule,
    /** The world's `recompute`: a part calls it after changing state outside a scheduled transition. */
    readonly recompute: () => void,
  ) {}

  siteOf(stackOrRegion: string): SiteRec {
    const site = this.sites.find((s) => s.stack === stackOrRegion || s.region === stackOrRegion);
    if (!site) throw new Error(`no simulated site for "${stackOrRegion}"; sites are ${this.sites.map((s) => `${s.stack} (${s.region})`).join(", ")}`);
    return site;
  }

  siteInRegion(region: string): SiteRec | undefined {
    return this.sites.find((s) => s.region === region);
  }

  /** The service's control plane in `region` answers: neither the Region nor the service alone is impaired. */
  answers(region: string, service: AwsService): boolean {
    return !this.impaired.has(region) && !this.impairedServices.has(serviceKey(region, service));
  }
}

export const serviceKey = (region: string, service: AwsService): string => `${region}/${service}`;

/**
 * Base of every part: the shared core under short names, so a part's rules read as they did when
 * the world was one class. Parts assume a settled world: the World settles at its API boundary.
 */
export abstract class Part {
  constructor(protected readonly core: Core) {}

  protected get t(): number {
    return this.core.time.t;
  }

  protected get sites(): SiteRec[] {
    return this.core.sites;
  }

  protected get impaired(): Set<string> {
    return this.core.impaired;
  }

  protected answers(region: string, service: AwsService): boolean {
    return this.core.answers(region, service);
  }

  protected get latency(): LatencyModel {
    return this.core.latency;
  }

  protected get tuning(): WorldTuning {
    return this.core.tuning;
  }

  protected schedule(at: number, label: string, run: () => void): number {
    return this.core.time.schedule(at, label, run);
  }

  /**
   * A job that runs every `intervalMs` at `offsetMs` past each interval (a daily cron): the runs of
   * the last `retentionMs` replayed as history (`history` true), then each next run scheduled.
   */
  protected runPeriodically(
    every: { intervalMs: number; offsetMs: number; retentionMs: number },
    label: string,
    run: (at: number, history: boolean) => void,
  ): void {
    const nextRun = (after: number) => Math.ceil((after - every.offsetMs) / every.intervalMs) * every.intervalMs + every.offsetMs;
    for (let at = nextRun(this.t - every.retentionMs); at <= this.t; at += every.intervalMs) run(at, true);
    const scheduleNext = () => {
      const at = nextRun(this.t + 1);
      this.schedule(at, label, () => {
        run(at, false);
        scheduleNext();
      });
    };
    scheduleNext();
  }

  protected siteOf(stackOrRegion: string): SiteRec {
    return this.core.siteOf(stackOrRegion);
  }

  protected siteInRegion(region: string): SiteRec | undefined {
    return this.core.siteInRegion(region);
  }

  protected recompute(): void {
    this.core.recompute();
  }
}
