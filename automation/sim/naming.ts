/**
 * Deterministic names, ids and URNs of a simulated site's resources, derived from the stack name
 * and Region (so nothing is a constant a test could match by accident), plus what the real program
 * does for a given config (`siteIntent`), shared by the world's initial state and `SimStacks.up`.
 */
import { createHash } from "node:crypto";
import { NODE_GROUPS, nodeGroupSizes, PROJECT, type NodeGroupName, type SiteConfig } from "../../stacks/config";
import type { FileSystemProtection, NodeGroupScaling } from "../ports";

export const SIM_ACCOUNT_ID = "123456789012";
export const GLOBAL_CLUSTER_ID = `${PROJECT}-global`;

const hex = (n: number, ...parts: string[]): string => createHash("sha256").update(parts.join("/")).digest("hex").slice(0, n);

export function siteNames(stack: string, region: string) {
  const acct = SIM_ACCOUNT_ID;
  const clusterName = `${PROJECT}-${stack}`;
  const dbClusterIdentifier = `${PROJECT}-${stack}`;
  const fileSystemId = `fs-${hex(17, "fs", stack, region)}`;
  const albHostname = `k8s-${stack}-web-${hex(10, "alb", stack)}.${region}.elb.amazonaws.com`;
  return {
    clusterName,
    clusterArn: `arn:aws:eks:${region}:${acct}:cluster/${clusterName}`,
    nodeGroupName: (ng: NodeGroupName) => `${stack}-${ng}`,
    dbClusterIdentifier,
    dbClusterArn: `arn:aws:rds:${region}:${acct}:cluster:${dbClusterIdentifier}`,
    dbInstanceIdentifier: (i: number) => `${dbClusterIdentifier}-${i}`,
    fileSystemId,
    fileSystemArn: `arn:aws:elasticfilesystem:${region}:${acct}:file-system/${fileSystemId}`,
    albHostname,
    healthCheckId: `${hex(8, "hc", stack)}-${hex(4, "hc1", stack)}-${hex(4, "hc2", stack)}-${hex(4, "hc3", stack)}-${hex(12, "hc4", stack)}`,
    kmsKeyArn: `arn:aws:kms:${region}:${acct}:key/mrk-${hex(32, "kms", PROJECT)}`,
  };
}

/** URNs of the resources the sim's `up` manages, in the shape Pulumi gives them. */
export function siteUrns(stack: string) {
  const base = `urn:pulumi:${stack}::${PROJECT}::${PROJECT}:site:RegionalSite`;
  return {
    nodeGroup: (ng: NodeGroupName) => `${base}$${PROJECT}:eks:Cluster$aws:eks/nodeGroup:NodeGroup::${stack}-${ng}`,
    fileSystem: `${base}$${PROJECT}:storage:SharedFiles$aws:efs/fileSystem:FileSystem::${stack}-files`,
    replication: `${base}$${PROJECT}:storage:SharedFiles$aws:efs/replicationConfiguration:ReplicationConfiguration::${stack}-files-replication`,
    dbInstance: (i: number) => `${base}$${PROJECT}:database:Database$aws:rds/clusterInstance:ClusterInstance::${stack}-db-${i}`,
    dnsRecord: `${base}$${PROJECT}:traffic:Failover$aws:route53/record:Record::${stack}-failover`,
    deployment: (tier: "web" | "app") => `${base}$${PROJECT}:workload:App$kubernetes:apps/v1:Deployment::${stack}-${tier}`,
  };
}

/** What the program creates for a config, independent of the peer: the role semantics. */
export interface SiteIntent {
  nodeGroups: Record<NodeGroupName, NodeGroupScaling>;
  fsProtection: Exclude<FileSystemProtection, "REPLICATING">;
  /** Instances of the site's DB cluster: writer + readers when active, readers only when standby. */
  dbInstances: number;
  /** Deployment replicas; 0 when quiesced; undefined without a workload. */
  replicas?: { web: number; app: number };
  recordFailover: "PRIMARY" | "SECONDARY";
  /** The active site owns the EFS replication to the peer (when the peer's file system exists). */
  ownsReplication: boolean;
}

export function siteIntent(cfg: SiteConfig): SiteIntent {
  const active = cfg.role === "active";
  const nodeGroups = Object.fromEntries(
    NODE_GROUPS.map((ng) => {
      const s = nodeGroupSizes(cfg, ng);
      return [ng, { minSize: s.min, desiredSize: s.desired, maxSize: s.max }];
    }),
  ) as Record<NodeGroupName, NodeGroupScaling>;
  const w = cfg.workload;
  return {
    nodeGroups,
    fsProtection: active ? "ENABLED" : "DISABLED",
    dbInstances: active ? 1 + cfg.database.readers.active : cfg.database.readers.standby,
    replicas: w && { web: cfg.quiesced ? 0 : w.replicas.web[cfg.role], app: cfg.quiesced ? 0 : w.replicas.app[cfg.role] },
    recordFailover: active ? "PRIMARY" : "SECONDARY",
    ownsReplication: active && cfg.replicateToPeer,
  };
}
