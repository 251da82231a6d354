/**
 * The simulated world's starting point, read from the two stacks after their first deploy: names
 * and ids from each stack's outputs; node group sizes, DB instances, EFS protection and
 * replication, the failover records and the workload's replicas from the resources the program
 * registered, and the workload's readiness probes and target health check (serving-settings.ts).
 * Nothing here decides what a role means: it reads what the program made of it.
 */
import { NODE_GROUPS, type NodeGroupName } from "../../../stacks/config";
import type { NodeGroupScaling } from "../../ports";
import type { SiteNames, SiteNetwork, WorldDns, WorldSiteSpec, WorldSpec } from "../world";
import { workloadOf, workloadStoresOf } from "./effects";
import { servingSettingsOf } from "./serving-settings";
import type { StackState } from "./state";

export interface DeployedStack {
  stack: string;
  state: StackState;
  outputs: Record<string, unknown>;
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");
const obj = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const ofType = (state: StackState, type: string) => state.filter((r) => r.type === type);

function need(stack: string, outputs: Record<string, unknown>, key: string): string {
  const v = outputs[key];
  if (typeof v !== "string" || v === "") throw new Error(`stack "${stack}" exports no ${key} after its deploy; the simulated world needs it`);
  return v;
}

function names(d: DeployedStack): SiteNames {
  const o = d.outputs;
  const groups = obj(o.nodeGroupNames);
  return {
    clusterName: need(d.stack, o, "clusterName"),
    nodeGroupNames: Object.fromEntries(NODE_GROUPS.map((g) => [g, str(groups[g])])) as Record<NodeGroupName, string>,
    dbClusterIdentifier: need(d.stack, o, "dbClusterIdentifier"),
    dbClusterArn: need(d.stack, o, "dbClusterArn"),
    fileSystemId: need(d.stack, o, "fileSystemId"),
    ...(str(o.albHostname) ? { albHostname: str(o.albHostname) } : {}),
    ...(str(o.healthCheckId) ? { healthCheckId: str(o.healthCheckId) } : {}),
  };
}

function nodeGroups(d: DeployedStack, n: SiteNames): Record<NodeGroupName, NodeGroupScaling> {
  const out = {} as Record<NodeGroupName, NodeGroupScaling>;
  for (const tier of NODE_GROUPS) {
    const group = ofType(d.state, "aws:eks/nodeGroup:NodeGroup").find((r) => str(r.outputs.nodeGroupName) === n.nodeGroupNames[tier]);
    if (!group) throw new Error(`stack "${d.stack}" registers no node group named ${n.nodeGroupNames[tier]} (output nodeGroupNames.${tier})`);
    const s = obj(group.inputs.scalingConfig);
    out[tier] = { minSize: Number(s.minSize), desiredSize: Number(s.desiredSize), maxSize: Number(s.maxSize) };
  }
  return out;
}

/**
 * Where a restored resource can be placed in the stack's Region: its DB subnet groups, security
 * groups and the AZs of its subnets, as the stack's resources say (a restore naming another
 * Region's fails, as RDS fails it).
 */
export function networkOf(state: StackState): SiteNetwork {
  const unique = (xs: string[]) => [...new Set(xs.filter(Boolean))];
  return {
    dbSubnetGroups: unique(ofType(state, "aws:rds/subnetGroup:SubnetGroup").map((r) => str(r.outputs.name) || str(r.inputs.name))),
    securityGroupIds: unique(ofType(state, "aws:ec2/securityGroup:SecurityGroup").map((r) => r.id ?? "")),
    availabilityZones: unique(ofType(state, "aws:ec2/subnet:Subnet").map((r) => str(r.inputs.availabilityZone))),
  };
}

/** Mount targets per file system id. */
function mountTargetsOf(state: StackState): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of ofType(state, "aws:efs/mountTarget:MountTarget")) out[str(m.inputs.fileSystemId)] = (out[str(m.inputs.fileSystemId)] ?? 0) + 1;
  return out;
}

/**
 * A standby of the backup-restore tier (outputs `drTier: backup-restore`, no `clusterName`): no
 * cluster, node groups, DB cluster or file system; its network and landing zone only.
 */
function backupOnlySite(d: DeployedStack): WorldSiteSpec {
  const none = { minSize: 0, desiredSize: 0, maxSize: 0 };
  return {
    stack: d.stack,
    region: need(d.stack, d.outputs, "region"),
    backupOnly: true,
    names: {
      clusterName: "",
      nodeGroupNames: Object.fromEntries(NODE_GROUPS.map((g) => [g, ""])) as Record<NodeGroupName, string>,
      dbClusterIdentifier: "",
      dbClusterArn: "",
      fileSystemId: "",
    },
    nodeGroups: Object.fromEntries(NODE_GROUPS.map((g) => [g, { ...none }])) as Record<NodeGroupName, NodeGroupScaling>,
    db: { writer: false, instances: 0 },
    fs: { protection: "ENABLED" },
    network: networkOf(d.state),
    mountTargets: {},
  };
}

function site(d: DeployedStack): WorldSiteSpec {
  if (d.outputs.drTier === "backup-restore" && d.outputs.clusterName === undefined) return backupOnlySite(d);
  const n = names(d);
  const cluster = ofType(d.state, "aws:rds/cluster:Cluster")[0];
  const fileSystem = ofType(d.state, "aws:efs/fileSystem:FileSystem").find((r) => r.id === n.fileSystemId);
  const protection = obj(fileSystem?.outputs.protection).replicationOverwrite;
  const record = ofType(d.state, "aws:route53/record:Record")[0];
  const failover = str(obj((Array.isArray(record?.inputs.failoverRoutingPolicies) ? record.inputs.failoverRoutingPolicies : [])[0]).type);
  const workload = workloadOf(d.state, obj(d.outputs.nodeGroupNames));
  const serving = servingSettingsOf(d.state, obj(d.outputs.nodeGroupNames));
  return {
    stack: d.stack,
    region: need(d.stack, d.outputs, "region"),
    names: n,
    nodeGroups: nodeGroups(d, n),
    // The cluster created with the master credentials is the global cluster's primary; the other
    // joins it as a secondary (CreateDBCluster takes no master user for a secondary).
    db: {
      writer: cluster !== undefined && cluster.inputs.masterUsername !== undefined,
      instances: ofType(d.state, "aws:rds/clusterInstance:ClusterInstance").length,
    },
    fs: { protection: protection === "DISABLED" ? "DISABLED" : "ENABLED" },
    network: networkOf(d.state),
    mountTargets: mountTargetsOf(d.state),
    workloadStores: workloadStoresOf(d.state),
    ...(workload ? { replicas: workload.replicas, ...(workload.readOnly ? { readOnly: true } : {}) } : {}),
    ...(serving ? { serving } : {}),
    ...(failover === "PRIMARY" || failover === "SECONDARY" ? { record: { failover, withHealthCheck: Boolean(record?.inputs.healthCheckId) } } : {}),
  };
}

function dnsOf(stacks: DeployedStack[]): WorldDns | undefined {
  for (const d of stacks) {
    const record = ofType(d.state, "aws:route53/record:Record")[0];
    const check = ofType(d.state, "aws:route53/healthCheck:HealthCheck")[0];
    if (!record) continue;
    return {
      hostedZoneId: str(record.inputs.zoneId),
      hostname: str(record.inputs.name),
      ttlSeconds: Number(record.inputs.ttl ?? 60),
      healthCheck: { requestIntervalSeconds: Number(check?.inputs.requestInterval ?? 30), failureThreshold: Number(check?.inputs.failureThreshold ?? 3) },
    };
  }
  return undefined;
}

export function worldSpec(stacks: DeployedStack[]): WorldSpec {
  const sites = stacks.map(site);
  const globalCluster = stacks.flatMap((d) => ofType(d.state, "aws:rds/globalCluster:GlobalCluster"))[0];
  if (!globalCluster) throw new Error("neither stack registers the Aurora global cluster; the simulated world needs one");
  let replication: WorldSpec["replication"];
  for (const d of stacks) {
    const r = ofType(d.state, "aws:efs/replicationConfiguration:ReplicationConfiguration")[0];
    const destId = r && str(obj(r.inputs.destination).fileSystemId);
    const dest = destId ? sites.find((s) => s.names.fileSystemId === destId) : undefined;
    if (dest) replication = { source: d.stack, dest: dest.stack };
  }
  const dns = dnsOf(stacks);
  const vaults = Object.fromEntries(stacks.filter((d) => str(d.outputs.backupVaultName)).map((d) => [d.stack, str(d.outputs.backupVaultName)]));
  const buckets = Object.fromEntries(stacks.filter((d) => str(d.outputs.veleroBucketName)).map((d) => [d.stack, str(d.outputs.veleroBucketName)]));
  return {
    ...(Object.keys(vaults).length === stacks.length ? { backups: { vaults } } : {}),
    ...(Object.keys(buckets).length === stacks.length ? { velero: { buckets } } : {}),
    sites,
    globalClusterIdentifier: str(globalCluster.inputs.globalClusterIdentifier) || str(globalCluster.outputs.globalClusterIdentifier),
    ...(replication ? { replication } : {}),
    ...(dns ? { dns } : {}),
  };
}
