/**
 * The step library the plans are built from. Every step follows the same contract (see types.ts):
 * `check()` only reads the postcondition; `run()` looks before it acts, so an action already under
 * way (a switchover in progress, a replication already DELETING, node sizes already set) is waited
 * for rather than repeated, then waits for the postcondition.
 *
 * Calls into a Region that may be impaired always carry `timeouts.impairedCallMs`; the guarded
 * cloud bounds every call even if an adapter ignored it.
 */
import type { CallOptions, ConfigChange, NodeGroupScaling, NodeGroupState } from "../ports";
import { nodeGroupSizes, type NodeGroupName, type Role, type SiteConfig } from "../../stacks/config";
import type { SiteOutputs } from "../../stacks/outputs";
import { errorMessage, isTimeout } from "../errors";
import { auroraEvidencedUpTo, describeAuroraLag } from "../report/aurora-rpo";
import { formatDuration, isoTime } from "../util/duration";
import { waitUntil } from "../util/time";
import { writerArn, type Pair, type Site } from "./sites";
import type { Step, StepContext } from "./types";

/** Marks the report reads. */
export const MARK = {
  quiesced: "quiesced",
  auroraPromoted: "aurora-promoted",
  /** The target was seen as the writer: the old primary takes no more writes (Aurora demotes or fences it). */
  auroraWriter: "aurora-writer",
  efsPromoted: "efs-promoted",
  dnsSwapped: "dns-swapped",
  dnsSwapFailed: "dns-swap-failed",
  serving: "serving",
  readersOriginal: (stack: string) => `readers-standby-original:${stack}`,
} as const;

/** Aurora lag of a healthy, caught-up secondary while the active site takes writes (failback). */
export const DRAINED_LAG_MS = 1000;

export const opts = (ctx: StepContext, timeoutMs = ctx.timeouts.callMs): CallOptions => ({ timeoutMs, signal: ctx.signal });

export function waitFor(ctx: StepContext, what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  return waitUntil(ctx.clock, what, probe, { intervalMs: ctx.timeouts.pollMs, timeoutMs, signal: ctx.signal });
}

const id = (prefix: string, name: string) => `${prefix}${name}`;

// ---------------------------------------------------------------------------------------------
// Nodes

function scalingFor(cfg: SiteConfig, group: NodeGroupName, role: Role): NodeGroupScaling {
  const s = nodeGroupSizes({ ...cfg, role }, group);
  return { minSize: s.min, desiredSize: s.desired, maxSize: s.max };
}

const sizesMatch = (st: NodeGroupState, want: NodeGroupScaling) =>
  st.minSize === want.minSize && st.desiredSize === want.desiredSize && st.maxSize === want.maxSize;
const nodesReady = (st: NodeGroupState, want: NodeGroupScaling) =>
  sizesMatch(st, want) && st.status === "ACTIVE" && (st.readyNodes === undefined || st.readyNodes >= want.desiredSize);

/**
 * Scales one node group of `site` to the sizes of `role` through the EKS API (decision 4: a
 * `pulumi up` in front of the slowest branch would add minutes; IaC converges afterwards).
 */
export function scaleNodesStep(site: Site, group: NodeGroupName, role: Role, prefix = "", dependsOn: string[] = []): Step {
  const want = scalingFor(site.config, group, role);
  const cluster = site.outputs.clusterName;
  const name = site.outputs.nodeGroupNames[group];
  const describe = (ctx: StepContext) => ctx.cloud.describeNodeGroup(site.region, cluster, name, opts(ctx));
  return {
    id: id(prefix, `scale-nodes-${group}`),
    title: `Scale ${group} nodes of ${site.stack} to ${want.minSize}/${want.desiredSize}/${want.maxSize} and wait until Ready`,
    dependsOn,
    effect: `EKS UpdateNodegroupConfig ${cluster}/${name} in ${site.region}: min/desired/max ${want.minSize}/${want.desiredSize}/${want.maxSize} (${role} sizes)`,
    priority: 10,
    check: async (ctx) => nodesReady(await describe(ctx), want),
    run: async (ctx) => {
      const st = await describe(ctx);
      if (!sizesMatch(st, want)) await ctx.cloud.scaleNodeGroup(site.region, cluster, name, want, opts(ctx));
      else ctx.log(`sizes already ${want.minSize}/${want.desiredSize}/${want.maxSize}; waiting for nodes`);
      let last: NodeGroupState | undefined;
      await waitFor(ctx, `${group} nodes of ${site.stack} Ready`, async () => nodesReady((last = await describe(ctx)), want), ctx.timeouts.nodesMs);
      return { detail: `${last?.readyNodes ?? want.desiredSize} nodes Ready`, data: { readyNodes: last?.readyNodes } };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Database

/**
 * A headless secondary gets its first instance by a targeted `up` (decision 7), so IaC creates it
 * with the name it will keep. The original `database.readers.standby` is marked first so that the
 * converge step restores it whatever happens in between.
 */
export function dbInstanceStep(site: Site, prefix = "", dependsOn: string[] = []): Step {
  const describe = (ctx: StepContext) => ctx.cloud.describeDbCluster(site.region, site.outputs.dbClusterIdentifier, opts(ctx));
  const hasInstance = async (ctx: StepContext) => {
    const c = await describe(ctx);
    return c.instanceCount >= 1 && c.status === "available";
  };
  return {
    id: id(prefix, "add-db-instance"),
    title: `Give ${site.stack}'s DB cluster an instance if it is headless`,
    dependsOn,
    effect: `if headless: config ${site.stack} database.readers.standby=1, then pulumi up ${site.stack} --target ${site.outputs.promotionInstanceUrn}`,
    priority: 5,
    check: hasInstance,
    run: async (ctx) => {
      const cfg = await ctx.stacks.readConfig(site.stack);
      const markName = MARK.readersOriginal(site.stack);
      if (!ctx.marks.has(markName)) await ctx.mark(markName, { value: cfg.database.readers.standby });
      if (cfg.database.readers.standby < 1) await ctx.stacks.setConfig(site.stack, [{ key: "database.readers.standby", value: 1 }]);
      await ctx.stacks.up(site.stack, { target: [site.outputs.promotionInstanceUrn], signal: ctx.signal, onOutput: ctx.log });
      await waitFor(ctx, `an available instance in ${site.outputs.dbClusterIdentifier}`, () => hasInstance(ctx), ctx.timeouts.databaseMs);
      return { detail: "instance created by a targeted up" };
    },
  };
}

/**
 * Before a planned switchover: the target has every write made before the quiesce. A lag datapoint
 * (one-minute Maximum M from P) proves the secondary had every write made before P - M
 * (report/aurora-rpo.ts), so the wait ends on the first datapoint with P - M >= the quiesce; a
 * datapoint from before the quiesce proves nothing about the writes that followed it.
 */
export function auroraDrainStep(pair: Pair, prefix: string, dependsOn: string[]): Step {
  const { target } = pair;
  const lag = (ctx: StepContext) => ctx.cloud.auroraLag(target.region, target.outputs.dbClusterIdentifier, opts(ctx));
  const since = (ctx: StepContext) => ctx.marks.get(MARK.quiesced)?.at ?? ctx.clock.now();
  const drained = async (ctx: StepContext) => {
    const gc = await ctx.cloud.describeGlobalCluster(target.region, pair.globalClusterIdentifier, opts(ctx));
    if (writerArn(gc.members) === target.outputs.dbClusterArn) return true;
    const d = await lag(ctx);
    return d !== undefined && auroraEvidencedUpTo(d) >= since(ctx);
  };
  return {
    id: id(prefix, "wait-aurora-lag"),
    title: `Wait until ${target.stack}'s Aurora secondary has every write made before the quiesce`,
    dependsOn,
    effect: `read the Aurora lag metric of ${target.outputs.dbClusterIdentifier} in ${target.region} until a datapoint shows it current past the quiesce`,
    check: drained,
    run: async (ctx) => {
      await waitFor(ctx, `Aurora lag of ${target.stack} drained`, () => drained(ctx), ctx.timeouts.drainMs);
      const d = await lag(ctx).catch(() => undefined);
      return { detail: d ? describeAuroraLag(d) : "writer already" };
    },
  };
}

/**
 * Promotes the target's cluster: SwitchoverGlobalCluster (planned, no data loss), sent to the
 * Region of the current primary, or FailoverGlobalCluster with AllowDataLoss (unplanned), sent to
 * the Region of the secondary being promoted (Aurora User Guide, the CLI procedures' `--region`).
 * The lag at the moment of promotion is marked for the RPO.
 */
export function promoteDbStep(pair: Pair, mode: "planned" | "unplanned", prefix: string, dependsOn: string[]): Step {
  const { target } = pair;
  const callRegion = mode === "planned" ? pair.source.region : target.region;
  const gid = pair.globalClusterIdentifier;
  const arn = target.outputs.dbClusterArn;
  const describe = (ctx: StepContext) => ctx.cloud.describeGlobalCluster(target.region, gid, opts(ctx));
  const promoted = async (ctx: StepContext) => {
    const gc = await describe(ctx);
    if (writerArn(gc.members) !== arn || gc.failoverState) return false;
    const c = await ctx.cloud.describeDbCluster(target.region, target.outputs.dbClusterIdentifier, opts(ctx));
    return c.status === "available";
  };
  const api = mode === "planned" ? "SwitchoverGlobalCluster" : "FailoverGlobalCluster (AllowDataLoss)";
  return {
    id: id(prefix, mode === "planned" ? "switchover-db" : "failover-db"),
    title: `Make ${target.stack}'s Aurora cluster the writer (${mode === "planned" ? "switchover" : "failover, data loss allowed"})`,
    dependsOn,
    effect: `RDS ${api} ${gid} in ${callRegion} -> ${arn}`,
    priority: 2,
    check: promoted,
    run: async (ctx) => {
      const gc = await describe(ctx);
      const underWay = gc.failoverState?.toClusterArn === arn;
      if (underWay) ctx.log(`a ${gc.failoverState?.isDataLossAllowed ? "failover" : "switchover"} to ${target.stack} is already under way; waiting`);
      else if (writerArn(gc.members) !== arn) {
        // The RPO evidence: the newest lag datapoint before the promotion, with its period.
        const d = await ctx.cloud.auroraLag(target.region, target.outputs.dbClusterIdentifier, opts(ctx)).catch(() => undefined);
        await ctx.mark(MARK.auroraPromoted, { mode, lagMs: d?.maxMs ?? null, lagMetric: d?.metric ?? null, lagPeriodStart: d?.periodStart ?? null, cluster: arn });
        if (mode === "planned") await ctx.cloud.switchoverGlobalCluster(callRegion, gid, arn, opts(ctx));
        else await ctx.cloud.failoverGlobalCluster(callRegion, gid, arn, opts(ctx));
      }
      await waitFor(ctx, `${target.stack} to be the writer of ${gid}`, () => promoted(ctx), ctx.timeouts.databaseMs);
      if (!ctx.marks.has(MARK.auroraWriter)) await ctx.mark(MARK.auroraWriter, { cluster: arn });
      const m = ctx.marks.get(MARK.auroraPromoted)?.data;
      const lagged = m && typeof m.lagMs === "number" && typeof m.lagPeriodStart === "number" && typeof m.lagMetric === "string";
      return { detail: lagged ? `newest lag datapoint before the promotion: ${describeAuroraLag({ metric: m.lagMetric as string, maxMs: m.lagMs as number, periodStart: m.lagPeriodStart as number })}` : "writer" };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// EFS

/** The target's file system is no longer a replication destination and is writable. */
async function targetWritable(ctx: StepContext, target: Site): Promise<boolean> {
  const r = await ctx.cloud.describeReplication(target.region, target.outputs.fileSystemId, opts(ctx));
  if (r && r.destinationFileSystemId === target.outputs.fileSystemId) return false;
  return (await ctx.cloud.fileSystemProtection(target.region, target.outputs.fileSystemId, opts(ctx))) !== "REPLICATING";
}

/** Planned: wait for a sync that started after the quiesce, so no write is left behind. */
export function efsSyncAfterStep(pair: Pair, prefix: string, dependsOn: string[], since: { mark?: string; label: string }): Step {
  const { source, target } = pair;
  const sinceAt = (ctx: StepContext) => (since.mark ? ctx.marks.get(since.mark)?.at : undefined) ?? ctx.runStartedAt;
  const synced = async (ctx: StepContext) => {
    const r = await ctx.cloud.describeReplication(source.region, source.outputs.fileSystemId, opts(ctx));
    return !!r && r.destinationFileSystemId === target.outputs.fileSystemId && (r.lastReplicatedAt ?? 0) > sinceAt(ctx);
  };
  return {
    id: id(prefix, "wait-efs-sync"),
    title: `Wait for an EFS sync ${source.stack} -> ${target.stack} newer than ${since.label}`,
    dependsOn,
    effect: `read DescribeReplicationConfigurations ${source.outputs.fileSystemId} in ${source.region} until LastReplicatedTimestamp > ${since.label}`,
    check: synced,
    run: async (ctx) => {
      await waitFor(ctx, `an EFS sync newer than ${since.label}`, () => synced(ctx), ctx.timeouts.efsMs);
      return { detail: `synced ${formatDuration(ctx.clock.now() - sinceAt(ctx))} after ${since.label}` };
    },
  };
}

/** Planned: DeleteReplicationConfiguration (ALL_CONFIGURATIONS) from the source; the target's file system becomes writable. */
export function deleteReplicationStep(pair: Pair, prefix: string, dependsOn: string[]): Step {
  const { source, target } = pair;
  return {
    id: id(prefix, "delete-efs-replication"),
    title: `Stop EFS replication ${source.stack} -> ${target.stack}; ${target.stack}'s file system becomes writable`,
    dependsOn,
    effect: `EFS DeleteReplicationConfiguration ${source.outputs.fileSystemId} in ${source.region} (ALL_CONFIGURATIONS)`,
    priority: 1,
    check: (ctx) => targetWritable(ctx, target),
    run: async (ctx) => {
      const r = await ctx.cloud.describeReplication(source.region, source.outputs.fileSystemId, opts(ctx));
      if (r && r.destinationFileSystemId === target.outputs.fileSystemId && r.status !== "DELETING") {
        const now = ctx.clock.now();
        await ctx.mark(MARK.efsPromoted, { lastReplicatedAt: r.lastReplicatedAt ?? null, lagMs: r.lastReplicatedAt ? now - r.lastReplicatedAt : null });
        await ctx.cloud.deleteReplication(source.region, source.outputs.fileSystemId, "ALL_CONFIGURATIONS", opts(ctx));
      } else ctx.log("replication already being deleted; waiting");
      await waitFor(ctx, `${target.stack}'s file system writable`, () => targetWritable(ctx, target), ctx.timeouts.efsMs);
      return { detail: "writable" };
    },
  };
}

/**
 * Unplanned: delete the replication from the destination's Region; LOCAL_CONFIGURATION_ONLY when
 * the source Region does not answer a bounded probe (its side is cleaned at failback).
 */
export function detachReplicationStep(pair: Pair, prefix: string, dependsOn: string[]): Step {
  const { source, target } = pair;
  return {
    id: id(prefix, "detach-efs"),
    title: `Detach ${target.stack}'s file system from replication (from ${target.region}); it becomes writable`,
    dependsOn,
    effect:
      `EFS DeleteReplicationConfiguration ${source.outputs.fileSystemId} in ${target.region}: ` +
      `LOCAL_CONFIGURATION_ONLY when ${source.region} does not answer, else ALL_CONFIGURATIONS`,
    priority: 1,
    check: (ctx) => targetWritable(ctx, target),
    run: async (ctx) => {
      const r = await ctx.cloud.describeReplication(target.region, target.outputs.fileSystemId, opts(ctx));
      let mode: "ALL_CONFIGURATIONS" | "LOCAL_CONFIGURATION_ONLY" | undefined;
      if (r && r.destinationFileSystemId === target.outputs.fileSystemId && r.status !== "DELETING") {
        const reachable = await ctx.cloud
          .probeRegion(source.region, opts(ctx, ctx.timeouts.probeMs))
          .catch(() => false);
        mode = reachable ? "ALL_CONFIGURATIONS" : "LOCAL_CONFIGURATION_ONLY";
        const now = ctx.clock.now();
        await ctx.mark(MARK.efsPromoted, {
          lastReplicatedAt: r.lastReplicatedAt ?? null,
          lagMs: r.lastReplicatedAt ? now - r.lastReplicatedAt : null,
          deletionMode: mode,
        });
        await ctx.cloud.deleteReplication(target.region, source.outputs.fileSystemId, mode, opts(ctx, ctx.timeouts.impairedCallMs));
      } else ctx.log("replication already being deleted; waiting");
      await waitFor(ctx, `${target.stack}'s file system writable`, () => targetWritable(ctx, target), ctx.timeouts.efsMs);
      return { detail: mode ? `writable (${mode})` : "writable", data: { deletionMode: mode ?? null } };
    },
  };
}

/** Failback: the old Region still believes it replicates to the peer (deleted locally at failover); remove that stale half. */
export function cleanStaleReplicationStep(oldSite: Site, prefix: string, dependsOn: string[]): Step {
  const stale = async (ctx: StepContext) => {
    const r = await ctx.cloud.describeReplication(oldSite.region, oldSite.outputs.fileSystemId, opts(ctx));
    return !!r && r.sourceFileSystemId === oldSite.outputs.fileSystemId;
  };
  return {
    id: id(prefix, "clean-stale-replication"),
    title: `Remove the stale replication config of ${oldSite.stack}'s file system in ${oldSite.region}`,
    dependsOn,
    effect: `EFS DeleteReplicationConfiguration ${oldSite.outputs.fileSystemId} in ${oldSite.region} (LOCAL_CONFIGURATION_ONLY), if present`,
    check: async (ctx) => !(await stale(ctx)),
    run: async (ctx) => {
      const r = await ctx.cloud.describeReplication(oldSite.region, oldSite.outputs.fileSystemId, opts(ctx));
      if (r && r.status !== "DELETING") {
        await ctx.cloud.deleteReplication(oldSite.region, oldSite.outputs.fileSystemId, "LOCAL_CONFIGURATION_ONLY", opts(ctx));
      }
      await waitFor(ctx, `stale replication of ${oldSite.stack} removed`, async () => !(await stale(ctx)), ctx.timeouts.efsMs);
      return { detail: "removed" };
    },
  };
}

/** Failback: the active site replicates to the old one again (replicateToPeer=true, up). */
export function replicateToPeerStep(active: Site, peer: Site, id: string, dependsOn: string[]): Step {
  const replicating = async (ctx: StepContext) => {
    const r = await ctx.cloud.describeReplication(active.region, active.outputs.fileSystemId, opts(ctx));
    return !!r && r.sourceFileSystemId === active.outputs.fileSystemId && r.destinationFileSystemId === peer.outputs.fileSystemId && r.status === "ENABLED";
  };
  return {
    id,
    title: `Replicate EFS ${active.stack} -> ${peer.stack} (replicateToPeer=true, up ${active.stack})`,
    dependsOn,
    effect: `config ${active.stack} replicateToPeer=true; pulumi up ${active.stack} (creates the ReplicationConfiguration to ${peer.outputs.fileSystemId})`,
    check: replicating,
    run: async (ctx) => {
      const cfg = await ctx.stacks.readConfig(active.stack);
      if (!cfg.replicateToPeer) await ctx.stacks.setConfig(active.stack, [{ key: "replicateToPeer", value: true }]);
      await ctx.stacks.up(active.stack, { refreshTargets: active.outputs.outOfBandUrns, signal: ctx.signal, onOutput: ctx.log });
      await waitFor(ctx, `EFS replication ${active.stack} -> ${peer.stack} enabled`, () => replicating(ctx), ctx.timeouts.efsMs);
      return { detail: "replication enabled" };
    },
  };
}

/** Failback: a sync newer than the failback start and Aurora caught up on the old site. */
export function resyncStep(active: Site, peer: Site, gid: string, prefix: string, dependsOn: string[]): Step {
  const caughtUp = async (ctx: StepContext) => {
    const r = await ctx.cloud.describeReplication(active.region, active.outputs.fileSystemId, opts(ctx));
    if (!r || r.destinationFileSystemId !== peer.outputs.fileSystemId || (r.lastReplicatedAt ?? 0) <= ctx.runStartedAt) return false;
    const gc = await ctx.cloud.describeGlobalCluster(peer.region, gid, opts(ctx));
    if (!gc.members.some((m) => m.clusterArn === peer.outputs.dbClusterArn && !m.isWriter)) return false;
    // A datapoint from this run's time: an older one says nothing about the secondary now.
    const d = await ctx.cloud.auroraLag(peer.region, peer.outputs.dbClusterIdentifier, opts(ctx));
    return d !== undefined && d.periodStart >= ctx.runStartedAt && d.maxMs <= DRAINED_LAG_MS;
  };
  return {
    id: id(prefix, "wait-resync"),
    title: `Wait until ${peer.stack} has caught up (EFS sync newer than the failback start, Aurora lag drained)`,
    dependsOn,
    effect: `read EFS LastReplicatedTimestamp in ${active.region} and the Aurora lag metric of ${peer.outputs.dbClusterIdentifier} in ${peer.region}`,
    check: caughtUp,
    run: async (ctx) => {
      await waitFor(ctx, `${peer.stack} caught up`, () => caughtUp(ctx), ctx.timeouts.efsMs);
      return { detail: `caught up ${formatDuration(ctx.clock.now() - ctx.runStartedAt)} after the start` };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Traffic

/**
 * Route 53: make the target's record PRIMARY and the other SECONDARY in one change batch
 * (decision 6). In an unplanned failover the call is bounded and its failure is not fatal:
 * health-check failover answers with the target once the source's check fails, and the converge
 * `up` leaves the target's record out.
 */
export function swapDnsStep(pair: Pair, mode: "planned" | "unplanned", prefix: string, dependsOn: string[], name = "swap-dns"): Step | undefined {
  const dns = pair.target.config.dns ?? pair.source.config.dns;
  if (!dns) return undefined;
  const { target } = pair;
  const isPrimary = async (ctx: StepContext) => {
    const records = await ctx.cloud.getFailoverRecords(dns.hostedZoneId, dns.hostname, opts(ctx, ctx.timeouts.dnsChangeMs));
    return records.find((r) => r.failover === "PRIMARY")?.setIdentifier === target.stack;
  };
  return {
    id: id(prefix, name),
    title: `Make ${target.stack}'s record PRIMARY for ${dns.hostname} (one change batch)`,
    dependsOn,
    effect:
      `Route 53 ChangeResourceRecordSets ${dns.hostedZoneId} ${dns.hostname}: ${target.stack} PRIMARY, ${pair.source.stack} SECONDARY` +
      (mode === "unplanned" ? ` (bounded ${formatDuration(30_000)}; on failure health-check failover)` : ""),
    priority: 1,
    // Unplanned: Route 53's control plane may be down with the source Region; reading it would
    // cost the whole bound, so the postcondition is the journaled outcome of the swap.
    check: async (ctx) => (mode === "unplanned" ? ctx.marks.has(MARK.dnsSwapped) || ctx.marks.has(MARK.dnsSwapFailed) : isPrimary(ctx)),
    run: async (ctx) => {
      try {
        await ctx.cloud.setPrimaryRecord(dns.hostedZoneId, dns.hostname, target.stack, opts(ctx, ctx.timeouts.dnsChangeMs));
        await ctx.mark(MARK.dnsSwapped, { primary: target.stack });
        return { detail: `${target.stack} is PRIMARY` };
      } catch (err) {
        if (mode === "planned" || ctx.signal.aborted) throw err;
        await ctx.mark(MARK.dnsSwapFailed, { error: errorMessage(err) });
        return {
          detail: `Route 53 change failed (${errorMessage(err)}); relying on health-check failover, converge up leaves the record out`,
          data: { fallback: "health-check" },
        };
      }
    },
  };
}

/**
 * Does the target serve: its endpoint answers and its health check is healthy.
 *
 * Health-check status is a Route 53 control-plane read (us-east-1). In an unplanned run each read
 * is bounded by the short probe timeout, and once one times out the wait stops asking
 * (`route53.unreachable`): repeating it would only burn the timeout on every poll, while Route 53's
 * data plane keeps evaluating the checks. The endpoint probe is then the evidence.
 */
async function serving(ctx: StepContext, pair: Pair, mode: "planned" | "unplanned", route53: { unreachable: boolean }): Promise<boolean> {
  const t = pair.target.outputs;
  if (t.endpointUrl && !(await ctx.cloud.checkEndpoint(t.endpointUrl, opts(ctx)))) return false;
  if (route53.unreachable) return true;
  const read = (healthCheckId: string): Promise<string> =>
    ctx.cloud.healthCheckStatus(healthCheckId, opts(ctx, mode === "unplanned" ? ctx.timeouts.probeMs : ctx.timeouts.dnsChangeMs)).catch((err: unknown) => {
      if (mode !== "unplanned" || !t.endpointUrl) return Promise.reject(err);
      if (isTimeout(err)) route53.unreachable = true;
      return "unknown";
    });
  if (t.healthCheckId && (await read(t.healthCheckId)) === "unhealthy") return false;
  const s = pair.source.outputs;
  // Without the swap, Route 53 answers with the target only once the source's check fails.
  if (ctx.marks.has(MARK.dnsSwapFailed) && s.healthCheckId && !route53.unreachable && (await read(s.healthCheckId)) === "healthy") return false;
  return true;
}

/** Waits until the new active site serves and is healthy; its time is the end of the RTO. */
export function waitServingStep(pair: Pair, mode: "planned" | "unplanned", prefix: string, dependsOn: string[]): Step {
  const t = pair.target.outputs;
  const probes = [t.endpointUrl ? `GET ${t.endpointUrl}` : undefined, t.healthCheckId ? `health check ${t.healthCheckId}` : undefined].filter(Boolean);
  return {
    id: id(prefix, "wait-serving"),
    title: `Wait until ${pair.target.stack} serves and is healthy`,
    dependsOn,
    effect: probes.length ? `poll ${probes.join(" and ")}` : "nothing to poll: the site exports neither endpointUrl nor healthCheckId",
    // The postcondition is "serving was observed and its time recorded" (the RTO's end).
    check: async (ctx) => ctx.marks.has(MARK.serving),
    run: async (ctx) => {
      if (probes.length === 0) throw new Error(`${pair.target.stack} exports neither endpointUrl nor healthCheckId; cannot tell when it serves`);
      const route53 = { unreachable: false };
      await waitFor(ctx, `${pair.target.stack} to serve`, () => serving(ctx, pair, mode, route53), ctx.timeouts.servingMs);
      await ctx.mark(MARK.serving, { stack: pair.target.stack });
      return { detail: `serving since ${isoTime(ctx.clock.now())}` };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Config and IaC

/** Sets `quiesced: true` on the active site and runs its `up` (decision 5); marks when writes stopped. */
export function quiesceStep(site: Site, prefix: string, dependsOn: string[]): Step {
  return {
    id: id(prefix, "quiesce-source"),
    title: `Stop writes on ${site.stack} (quiesced=true, up)`,
    dependsOn,
    effect: `config ${site.stack} quiesced=true; pulumi up ${site.stack} (web/app Deployments to 0 replicas)`,
    priority: 3,
    check: async (ctx) => ctx.marks.has(MARK.quiesced),
    run: async (ctx) => {
      const cfg = await ctx.stacks.readConfig(site.stack);
      if (!cfg.quiesced) await ctx.stacks.setConfig(site.stack, [{ key: "quiesced", value: true }]);
      await ctx.stacks.up(site.stack, { signal: ctx.signal, onOutput: ctx.log });
      await ctx.mark(MARK.quiesced, { stack: site.stack });
      return { detail: "writes stopped" };
    },
  };
}

const configValue = (cfg: SiteConfig, key: ConfigChange["key"]): unknown => {
  switch (key) {
    case "role":
      return cfg.role;
    case "replicateToPeer":
      return cfg.replicateToPeer;
    case "quiesced":
      return cfg.quiesced;
    case "database.readers.standby":
      return cfg.database.readers.standby;
    case "database.readers.active":
      return cfg.database.readers.active;
  }
};

/**
 * The role swap in config, per stack (the old active site first, so two actives never coexist).
 * `targetReplicates`: the new active site replicates to the old one from its converge `up`.
 */
export function convergeChanges(pair: Pair, targetReplicates: boolean): { stack: string; changes: ConfigChange[] }[] {
  return [
    { stack: pair.source.stack, changes: [{ key: "role", value: "standby" }, { key: "quiesced", value: false }] },
    {
      stack: pair.target.stack,
      changes: [
        { key: "role", value: "active" },
        { key: "quiesced", value: false },
        { key: "replicateToPeer", value: targetReplicates },
      ],
    },
  ];
}

/**
 * Roles swap in config once the target serves. The target's `database.readers.standby` goes
 * back to the value marked before the headless promotion (it only applies while standby).
 */
export function convergeConfigStep(pair: Pair, targetReplicates: boolean, prefix: string, dependsOn: string[]): Step {
  const wanted = (ctx: StepContext) =>
    convergeChanges(pair, targetReplicates).map(({ stack, changes }) => {
      const original = ctx.marks.get(MARK.readersOriginal(stack))?.data.value;
      return typeof original === "number" ? { stack, changes: [...changes, { key: "database.readers.standby" as const, value: original }] } : { stack, changes };
    });
  const pending = async (ctx: StepContext) => {
    const out: { stack: string; changes: ConfigChange[] }[] = [];
    for (const { stack, changes } of wanted(ctx)) {
      const cfg = await ctx.stacks.readConfig(stack);
      const diff = changes.filter((c) => configValue(cfg, c.key) !== c.value);
      if (diff.length) out.push({ stack, changes: diff });
    }
    return out;
  };
  const show = (changes: ConfigChange[]) => changes.map((c) => `${c.key}=${c.value}`).join(", ");
  return {
    id: id(prefix, "converge-config"),
    title: `Swap roles in config: ${pair.target.stack} active, ${pair.source.stack} standby`,
    dependsOn,
    effect: convergeChanges(pair, targetReplicates)
      .map(({ stack, changes }) => `config ${stack}: ${show(changes)}`)
      .join("; "),
    check: async (ctx) => (await pending(ctx)).length === 0,
    run: async (ctx) => {
      const todo = await pending(ctx);
      for (const { stack, changes } of todo) await ctx.stacks.setConfig(stack, changes);
      return { detail: todo.map(({ stack, changes }) => `${stack}: ${show(changes)}`).join("; ") };
    },
  };
}

export interface UpStepArgs {
  id: string;
  title: string;
  site: Site;
  dependsOn: string[];
  /** The postcondition, read from the stack's outputs (and the cloud when needed). */
  converged: (outputs: SiteOutputs | undefined, ctx: StepContext) => Promise<boolean> | boolean;
  /** Leave the site's DNS record out when the Route 53 swap failed (decision 6). */
  excludeDnsOnSwapFailure?: boolean;
  /** Leave these URNs out in any case. */
  exclude?: string[];
}

/** `pulumi up` of one site, refreshing exactly the URNs the driver changed (decision 3). */
export function upStep(a: UpStepArgs): Step {
  return {
    id: a.id,
    title: a.title,
    dependsOn: a.dependsOn,
    effect:
      `pulumi up ${a.site.stack} --refresh-targets ${a.site.outputs.outOfBandUrns.length} out-of-band URN(s)` +
      (a.excludeDnsOnSwapFailure && a.site.outputs.dnsRecordUrn ? ` (excluding ${a.site.outputs.dnsRecordUrn} if the DNS swap failed)` : ""),
    check: async (ctx) => a.converged(await ctx.stacks.outputs(a.site.stack), ctx),
    run: async (ctx) => {
      const dnsOut = a.excludeDnsOnSwapFailure && ctx.marks.has(MARK.dnsSwapFailed) && a.site.outputs.dnsRecordUrn ? [a.site.outputs.dnsRecordUrn] : [];
      const exclude = [...(a.exclude ?? []), ...dnsOut].length ? [...(a.exclude ?? []), ...dnsOut] : undefined;
      const result = await ctx.stacks.up(a.site.stack, {
        refreshTargets: a.site.outputs.outOfBandUrns,
        ...(exclude ? { exclude } : {}),
        signal: ctx.signal,
        onOutput: ctx.log,
      });
      if (!(await a.converged(await ctx.stacks.outputs(a.site.stack), ctx))) {
        throw new Error(`pulumi up ${a.site.stack} finished but its outputs do not show the expected state yet`);
      }
      const changed = Object.entries(result.changes)
        .filter(([k, n]) => k !== "same" && n > 0)
        .map(([k, n]) => `${n} ${k}`)
        .join(", ");
      return { detail: (changed || "no changes") + (exclude ? `; ${exclude.length} URN(s) left out` : ""), data: { changes: result.changes } };
    },
  };
}
