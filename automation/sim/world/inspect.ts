/**
 * Inspection for tests and drill reports: a site's whole state as one snapshot, and the one-line
 * summary the drill prints. Read-only; the World settles before asking.
 */
import { NODE_GROUPS, type NodeGroupName } from "../../../stacks/config";
import type { FileSystemProtection, NodeGroupState } from "../../ports";
import { type Core, Part, type SiteNetwork } from "./core";
import type { Efs } from "./efs";
import type { Writes } from "./writes";

export interface SiteSnapshot {
  stack: string;
  region: string;
  impaired: boolean;
  /** Serves reads and takes writes. */
  serving: boolean;
  /** Serves reads (serving, or its workload in read-only mode). */
  servesReads: boolean;
  /** Both tiers have a Ready pod. */
  podsReady: boolean;
  /** The ALB has a healthy web target. */
  targetHealthy: boolean;
  replicas?: { web: number; app: number };
  readOnly: boolean;
  nodeGroups: Record<NodeGroupName, NodeGroupState & { name: string }>;
  db: {
    identifier: string;
    arn: string;
    role: "writer" | "secondary";
    instanceCount: number;
    creatingInstances: number;
    status: string;
    pendingDemotion: boolean;
    rebuilding: boolean;
  };
  fs: { id: string; protection: FileSystemProtection; writable: boolean };
  network: SiteNetwork;
  healthCheck: { id: string; status: "healthy" | "unhealthy" };
  albHostname: string;
  writes: { db: number; files: number };
}

export class Inspect extends Part {
  constructor(
    core: Core,
    private readonly efs: Efs,
    private readonly writes: Writes,
  ) {
    super(core);
  }

  site(stackOrRegion: string): SiteSnapshot {
    const s = this.siteOf(stackOrRegion);
    const protection = this.efs.protectionOf(s);
    const totals = (kind: "db" | "files") => this.writes.countWrites(s.stack, kind, -Infinity, this.t);
    return {
      stack: s.stack,
      region: s.region,
      impaired: this.impaired.has(s.region),
      serving: s.serving,
      servesReads: s.servesReads,
      podsReady: s.podsReady,
      targetHealthy: s.targetHealthy,
      replicas: s.replicas && { ...s.replicas },
      readOnly: s.readOnly,
      nodeGroups: Object.fromEntries(
        NODE_GROUPS.map((ng) => {
          const n = s.nodeGroups[ng];
          return [ng, { name: n.name, ...n.scaling, status: n.status, readyNodes: n.readyNodes }];
        }),
      ) as SiteSnapshot["nodeGroups"],
      db: {
        identifier: s.names.dbClusterIdentifier,
        arn: s.names.dbClusterArn,
        role: s.db.role,
        instanceCount: s.db.instanceCount,
        creatingInstances: s.db.creating,
        status: s.db.status,
        pendingDemotion: s.db.pendingDemotion,
        rebuilding: s.db.rebuilding,
      },
      fs: { id: s.names.fileSystemId, protection, writable: protection === "ENABLED" },
      network: { ...s.network },
      healthCheck: { id: s.names.healthCheckId ?? "", status: s.hcHealthy ? "healthy" : "unhealthy" },
      albHostname: s.names.albHostname ?? "",
      writes: { db: totals("db"), files: totals("files") },
    };
  }
}

/** A one-line summary of a site, for drill output. */
export function describeSite(snap: SiteSnapshot): string {
  const ng = NODE_GROUPS.map((n) => `${n} ${snap.nodeGroups[n].readyNodes}/${snap.nodeGroups[n].desiredSize}`).join(", ");
  return (
    `${snap.stack} (${snap.region}${snap.impaired ? ", IMPAIRED" : ""}): ${snap.serving ? "serving" : snap.servesReads ? "serving reads only" : "not serving"}; ` +
    `db ${snap.db.role}${snap.db.rebuilding ? " (rebuilding)" : ""} x${snap.db.instanceCount}; efs ${snap.fs.protection}; nodes ${ng}; hc ${snap.healthCheck.status}; ` +
    `writes ${snap.writes.db} rows, ${snap.writes.files} files`
  );
}
