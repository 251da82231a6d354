/**
 * File system (EFS) steps: the target's file system detached from replication and writable
 * (planned or unplanned), and at failback the stale half removed and replication to the old site
 * restored.
 */
import { formatDuration } from "../../util/duration";
import type { Pair, Site } from "../sites";
import type { Step, StepContext } from "../types";
import { id, MARK, opts, waitFor } from "./shared";

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
    bound: { what: `pulumi up ${active.stack} and its replication enabled`, key: "upMs", ms: (t) => t.upMs + t.efsMs },
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
