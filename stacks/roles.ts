/**
 * What a site's role (`active` / `standby`) means, stated once.
 *
 * Pure functions of a site's config: the program resolves them into each component's Args (sizes,
 * counts, designations, protections, flags), the config checks use them (`nodeGroupSizeProblems`),
 * and the driver scales node groups with `nodeGroupSizes`. No component knows what a role is.
 *
 * The program reads the rules through `roleRules`, a seam: a test may replace one rule there and
 * watch the simulated Regions, which run the program, follow it (test/automation/sim/link.test.ts).
 */
import type { DatabaseConfig, DrTier, NodeGroupName, NodeGroupSize, Role, SiteConfig, WorkloadConfig } from "./config";

export type NatGatewayMode = "perAz" | "single";
export type FailoverDesignation = "PRIMARY" | "SECONDARY";
export type ReplicationOverwriteProtection = "ENABLED" | "DISABLED";
export type WorkloadTier = "web" | "app";

/** Fewest system nodes in any role: controllers, CoreDNS and the load balancer controller keep two. */
export const SYSTEM_NODES_MINIMUM = 2;

/** NAT gateways: the configured mode, else one per AZ while active (egress survives an AZ loss) and one while standby (cost). */
export function natGatewayMode(cfg: Pick<SiteConfig, "natGateways" | "role">): NatGatewayMode {
  return cfg.natGateways ?? (cfg.role === "active" ? "perAz" : "single");
}

/** A node group's sizes in the site's role: web/app at 0 while standby is pilot light, above 0 warm standby. */
export function nodeGroupSizes(cfg: Pick<SiteConfig, "nodeGroups" | "role">, group: NodeGroupName): NodeGroupSize {
  return cfg.nodeGroups[group][cfg.role];
}

/** A sizing rule broken, with the config path (below `eks-dr:`) it is about. */
export interface SizeProblem {
  path: (string | number)[];
  message: string;
}

/**
 * The sizes every role needs: the system group keeps `SYSTEM_NODES_MINIMUM` nodes in both roles, and
 * an active site runs web and app nodes. The config checks report these before anything is built.
 */
export function nodeGroupSizeProblems(nodeGroups: SiteConfig["nodeGroups"]): SizeProblem[] {
  const problems: SizeProblem[] = [];
  for (const role of ["active", "standby"] as const) {
    if (nodeGroups.system[role].min < SYSTEM_NODES_MINIMUM) {
      problems.push({
        path: ["nodeGroups", "system", role, "min"],
        message: `the system node group keeps at least ${SYSTEM_NODES_MINIMUM} nodes (controllers, CoreDNS, LB controller) in every role`,
      });
    }
  }
  for (const name of ["web", "app"] as const) {
    if (nodeGroups[name].active.desired < 1) {
      problems.push({ path: ["nodeGroups", name, "active", "desired"], message: `an active site needs ${name} nodes; set desired >= 1` });
    }
  }
  return problems;
}

/** Aurora instances: a writer plus readers while active; readers only (0 = headless) while standby. */
export function dbInstanceCount(role: Role, database: Pick<DatabaseConfig, "readers">): number {
  return role === "active" ? 1 + database.readers.active : database.readers.standby;
}

/**
 * EFS replication overwrite protection: DISABLED on a standby, whose file system the active site
 * replicates into (replicating into an existing file system needs it); ENABLED on the active site.
 */
export function fileSystemProtection(role: Role): ReplicationOverwriteProtection {
  return role === "standby" ? "DISABLED" : "ENABLED";
}

/** The failover record: PRIMARY for the active site, SECONDARY for the standby. */
export function failoverDesignation(role: Role): FailoverDesignation {
  return role === "active" ? "PRIMARY" : "SECONDARY";
}

/** Replicas of each workload tier: the role's count (a quiesced site keeps them and serves reads). */
export function workloadReplicas(cfg: { role: Role; workload: Pick<WorkloadConfig, "replicas"> }): Record<WorkloadTier, number> {
  return { web: cfg.workload.replicas.web[cfg.role], app: cfg.workload.replicas.app[cfg.role] };
}

/** The workload refuses writes and keeps serving reads while the site is quiesced (a planned move stops writes only). */
export function workloadReadOnly(cfg: Pick<SiteConfig, "quiesced">): boolean {
  return cfg.quiesced;
}

/** Whether an `up` waits for the workload to roll out: a standby's pods wait Pending for nodes only a failover brings. */
export function awaitsWorkloadRollout(role: Role): boolean {
  return role === "active";
}

/** Why a site does not replicate to its peer now, and whether that is worth a warning. */
export interface ReplicationOff {
  reason: string;
  warn: boolean;
}

/**
 * Whether the site replicates to its peer (EFS replication, copies of recovery points, Velero's
 * bucket): only the active site does, and not while `replicateToPeer` is off (the driver turns it
 * off while the peer Region is impaired). Undefined when it replicates.
 */
export function peerReplicationOff(cfg: Pick<SiteConfig, "role" | "replicateToPeer" | "peerStack">, stack: string): ReplicationOff | undefined {
  if (cfg.role !== "active") return { reason: "this site is standby; the active site replicates to it", warn: false };
  if (!cfg.replicateToPeer) {
    return {
      reason:
        "eks-dr:replicateToPeer is false, so this site's data is not replicated to the peer Region " +
        `(the driver turns it off while the peer Region is impaired). Set it to true once stack "${cfg.peerStack}" is reachable, then run \`pulumi up -s ${stack}\`.`,
      warn: true,
    };
  }
  return undefined;
}

/** The AWS Backup plan (schedule, selection, copy to the peer) runs where the live data is: on the active site. */
export function runsBackupPlan(role: Role): boolean {
  return role === "active";
}

/** Velero writes (and expires) backups on the active site; a standby only reads the replicas in its bucket. */
export function writesVeleroBackups(role: Role): boolean {
  return role === "active";
}

/** The Aurora lag alarm watches the secondary cluster: it exists on the standby only. */
export function alarmsOnAuroraLag(role: Role): boolean {
  return role === "standby";
}

/** The health-check alarm exists in both roles; it notifies only while the site is PRIMARY (active). */
export function notifiesOnHealthCheck(role: Role): boolean {
  return role === "active";
}

/** The pair's DR tier: the configured one, else what the standby sizes make it (web/app at 0: pilot light). */
export function drTierOf(cfg: Pick<SiteConfig, "drTier" | "nodeGroups">): DrTier {
  if (cfg.drTier) return cfg.drTier;
  return cfg.nodeGroups.web.standby.desired === 0 && cfg.nodeGroups.app.standby.desired === 0 ? "pilot-light" : "warm-standby";
}

/**
 * A standby of the backup-restore tier: it keeps its network, backup vault, Velero bucket and the
 * replicas of images and secrets, and no cluster, database, nodes or file system.
 */
export function isBackupOnlySite(cfg: Pick<SiteConfig, "drTier" | "role">): boolean {
  return cfg.drTier === "backup-restore" && cfg.role === "standby";
}

/** The rules as the program reads them. A seam: a test may replace one and restore it afterwards. */
export const roleRules = {
  natGatewayMode,
  nodeGroupSizes,
  dbInstanceCount,
  fileSystemProtection,
  failoverDesignation,
  workloadReplicas,
  workloadReadOnly,
  awaitsWorkloadRollout,
  peerReplicationOff,
  runsBackupPlan,
  writesVeleroBackups,
  alarmsOnAuroraLag,
  notifiesOnHealthCheck,
};

/** Everything a site's role decides, resolved for one site. */
export interface SiteRoleValues {
  natGateways: NatGatewayMode;
  nodeGroupSizes: Record<NodeGroupName, NodeGroupSize>;
  dbInstances: number;
  fileSystemProtection: ReplicationOverwriteProtection;
  failoverDesignation: FailoverDesignation;
  /** Undefined without a workload in config. */
  workloadReplicas?: Record<WorkloadTier, number>;
  /** The workload refuses writes (quiesced). */
  workloadReadOnly: boolean;
  awaitsWorkloadRollout: boolean;
  peerReplicationOff?: ReplicationOff;
  runsBackupPlan: boolean;
  writesVeleroBackups: boolean;
  alarmsOnAuroraLag: boolean;
  notifiesOnHealthCheck: boolean;
}

/** The role's values for a site, read through `roleRules`. */
export function resolveSiteRole(cfg: SiteConfig, stack: string): SiteRoleValues {
  const r = roleRules;
  return {
    natGateways: r.natGatewayMode(cfg),
    nodeGroupSizes: { system: r.nodeGroupSizes(cfg, "system"), web: r.nodeGroupSizes(cfg, "web"), app: r.nodeGroupSizes(cfg, "app") },
    dbInstances: r.dbInstanceCount(cfg.role, cfg.database),
    fileSystemProtection: r.fileSystemProtection(cfg.role),
    failoverDesignation: r.failoverDesignation(cfg.role),
    ...(cfg.workload ? { workloadReplicas: r.workloadReplicas({ role: cfg.role, workload: cfg.workload }) } : {}),
    workloadReadOnly: r.workloadReadOnly(cfg),
    awaitsWorkloadRollout: r.awaitsWorkloadRollout(cfg.role),
    peerReplicationOff: r.peerReplicationOff(cfg, stack),
    runsBackupPlan: r.runsBackupPlan(cfg.role),
    writesVeleroBackups: r.writesVeleroBackups(cfg.role),
    alarmsOnAuroraLag: r.alarmsOnAuroraLag(cfg.role),
    notifiesOnHealthCheck: r.notifiesOnHealthCheck(cfg.role),
  };
}
