/**
 * What a stack-scoped policy can learn about the site from its resources alone.
 *
 * A policy pack cannot read stack config. The site's role is still visible, from (in order):
 * 1. the root `pulumi:pulumi:Stack` resource, whose outputs are the program's exports and include
 *    `role` (stacks/outputs.ts), i.e. `eks-dr:role` exactly as configured;
 * 2. the site's Route 53 failover record: PRIMARY on the active site, SECONDARY on the standby
 *    (docs/decisions.md #6);
 * 3. the EFS file system's replication overwrite protection: ENABLED on the active site, DISABLED
 *    on the standby (docs/decisions.md #3). Last resort only, since a policy checks that setting.
 * The peer's outputs come from the `pulumi:pulumi:StackReference` the program opens on it.
 */
import { T, knownString, ofType, prop, type ResourceLike } from "./resources";

export type Role = "active" | "standby";

export interface SiteRole {
  role: Role;
  /** Where the role was read, for messages. */
  source: string;
}

export function siteRole(resources: readonly ResourceLike[]): SiteRole | undefined {
  for (const stack of ofType(resources, T.stack)) {
    const role = knownString(stack.props.role);
    if (role === "active" || role === "standby") return { role, source: "the stack's `role` output" };
  }
  for (const record of ofType(resources, T.route53Record)) {
    const type = knownString(prop(record, "failoverRoutingPolicies.type"));
    if (type === "PRIMARY") return { role: "active", source: `failover record ${record.name} (PRIMARY)` };
    if (type === "SECONDARY") return { role: "standby", source: `failover record ${record.name} (SECONDARY)` };
  }
  for (const fs of ofType(resources, T.efsFileSystem)) {
    const protection = knownString(prop(fs, "protection.replicationOverwrite"));
    if (protection === "ENABLED") return { role: "active", source: `file system ${fs.name} (overwrite protection ENABLED)` };
    if (protection === "DISABLED" || protection === "REPLICATING") {
      return { role: "standby", source: `file system ${fs.name} (overwrite protection ${protection})` };
    }
  }
  return undefined;
}

/** The peer site's stack reference: the one the program names `peer-<stack>`, else the only one. */
export function peerReference(resources: readonly ResourceLike[]): ResourceLike | undefined {
  const refs = ofType(resources, T.stackReference);
  return refs.find((r) => r.name.startsWith("peer-")) ?? (refs.length === 1 ? refs[0] : undefined);
}

/** The peer's outputs as read through the stack reference (empty when the peer has none yet). */
/**
 * Ids of the stores the site adopted from a restore (the stack's `restoredData` output: a file
 * system id and a DB cluster identifier). The program reads them (`.get()`), so they are in the
 * stack's resources without being its to configure: restored by AWS Backup, made by `restore` the
 * writer of a new global database (also read), backed up by the site's plan through a selection by ARN.
 */
export function adoptedStoreIds(resources: readonly ResourceLike[]): Set<string> {
  const out = new Set<string>();
  for (const stack of ofType(resources, T.stack)) {
    const data = stack.props.restoredData;
    if (data === null || typeof data !== "object") continue;
    for (const v of Object.values(data as Record<string, unknown>)) {
      const id = knownString(v);
      if (id) out.add(id);
    }
  }
  return out;
}

/** The stack's `restoredData` output: the adopted DB cluster and the global database it writes (absent without a restore). */
export function restoredDatabase(resources: readonly ResourceLike[]): { dbClusterIdentifier?: string; globalClusterIdentifier?: string } | undefined {
  for (const stack of ofType(resources, T.stack)) {
    const data = stack.props.restoredData;
    if (data === null || typeof data !== "object") continue;
    const d = data as Record<string, unknown>;
    return { dbClusterIdentifier: knownString(d.dbClusterIdentifier), globalClusterIdentifier: knownString(d.globalClusterIdentifier) };
  }
  return undefined;
}

export function peerOutputs(resources: readonly ResourceLike[]): Record<string, unknown> | undefined {
  const ref = peerReference(resources);
  if (!ref) return undefined;
  const outputs = ref.props.outputs;
  return outputs !== null && typeof outputs === "object" ? (outputs as Record<string, unknown>) : {};
}

/** This site's Region: the stack's `region` output, else the Region most resources live in. */
export function siteRegion(resources: readonly ResourceLike[]): string | undefined {
  for (const stack of ofType(resources, T.stack)) {
    const region = knownString(stack.props.region);
    if (region) return region;
  }
  const counts = new Map<string, number>();
  for (const r of resources) if (r.region) counts.set(r.region, (counts.get(r.region) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}
