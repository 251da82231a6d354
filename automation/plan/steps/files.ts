/**
 * File system (EFS) steps: the target's file system detached from replication and writable
 * (planned or unplanned), and at failback the stale half removed and replication to the old site
 * restored.
 */
import { PRIORITY } from "../priorities";
import { errorMessage, rethrowAuth } from "../../errors";
import { formatDuration } from "../../util/duration";
import type { Pair, Site } from "../sites";
import type { Step, StepContext } from "../types";
import { id, MARK, opts, waitFor } from "./shared";

/** The target's file system is no longer a replication destination and is writable. */
async function targetWritable(ctx: StepContext, target: Site): Promise<boolean> {
  const r = await ctx.cloud.efs.describeReplication(target.region, target.outputs.fileSystemId, opts(ctx));
  if (r && r.destinationFileSystemId === target.outputs.fileSystemId) return false;
  return (await ctx.cloud.efs.fileSystemProtection(target.region, target.outputs.fileSystemId, opts(ctx))) !== "REPLICATING";
}

/** Planned: wait for a sync that started after the quiesce, so no write is left behind. */
export function efsSyncAfterStep(pair: Pair, prefix: string, dependsOn: string[], since: { mark?: string; label: string }): Step {
  const { source, target } = pair;
  const sinceAt = (ctx: StepContext) => (since.mark ? ctx.marks.get(since.mark)?.at : undefined) ?? ctx.runStartedAt;
  const synced = async (ctx: StepContext) => {
    const r = await ctx.cloud.efs.describeReplication(source.region, source.outputs.fileSystemId, opts(ctx));
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
    priority: PRIORITY.efsReplication,
    check: (ctx) => targetWritable(ctx, target),
    run: async (ctx) => {
      const r = await ctx.cloud.efs.describeReplication(source.region, source.outputs.fileSystemId, opts(ctx));
      if (r && r.destinationFileSystemId === target.outputs.fileSystemId && r.status !== "DELETING") {
        const now = ctx.clock.now();
        await ctx.mark(MARK.efsPromoted, { lastReplicatedAt: r.lastReplicatedAt ?? null, lagMs: r.lastReplicatedAt ? now - r.lastReplicatedAt : null });
        await ctx.cloud.efs.deleteReplication(source.region, source.outputs.fileSystemId, "ALL_CONFIGURATIONS", opts(ctx));
      } else ctx.log("replication already being deleted; waiting");
      await waitFor(ctx, `${target.stack}'s file system writable`, () => targetWritable(ctx, target), ctx.timeouts.efsMs);
      return { detail: "writable" };
    },
  };
}

/** Consecutive unanswered reads of the source's EFS after which an ALL_CONFIGURATIONS deletion is given up. */
const UNANSWERED_READS = 3;

/**
 * Unplanned: delete the replication from the destination's Region. EFS API reference,
 * DeleteReplicationConfiguration, DeletionMode: ALL_CONFIGURATIONS (the default) deletes the
 * configuration in both Regions; LOCAL_CONFIGURATION_ONLY only in the one the request is sent to,
 * for when "Amazon EFS is unable to delete the replication configuration in both". So the mode
 * follows the source Region's *EFS* (not its other services: EKS may answer while EFS does not):
 * - it does not answer a bounded read: LOCAL_CONFIGURATION_ONLY at once (its side is cleaned at failback);
 * - it answers: ALL_CONFIGURATIONS, which needs it until the end. The API reference does not say
 *   whether EFS refuses that request or leaves it unfinished when the other side goes away, so
 *   either way the driver falls back to LOCAL_CONFIGURATION_ONLY: when the request is refused,
 *   when the source's EFS stops answering (UNANSWERED_READS in a row), or when the deletion has
 *   not finished within `efsAllConfigurationsMs`.
 * The mode used, and why, is marked (the report shows it) and returned in the step's detail.
 */
export function detachReplicationStep(pair: Pair, prefix: string, dependsOn: string[]): Step {
  const { source, target } = pair;
  const sourceFs = source.outputs.fileSystemId;
  /** EFS answers in the source Region (any answer, even "no replication"); credentials problems are not "no answer". */
  const sourceEfsAnswers = async (ctx: StepContext): Promise<boolean> => {
    try {
      await ctx.cloud.efs.describeReplication(source.region, sourceFs, opts(ctx, ctx.timeouts.probeMs));
      return true;
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      rethrowAuth(err, `reading EFS in ${source.region}`);
      return false;
    }
  };
  /** Marked before and after the call, so that a resumed run sends it again only if it may not have been sent. */
  const deleteLocally = async (ctx: StepContext, reason: string) => {
    await ctx.mark(MARK.efsLocalFallback, { reason, sent: false });
    await ctx.cloud.efs.deleteReplication(target.region, sourceFs, "LOCAL_CONFIGURATION_ONLY", opts(ctx, ctx.timeouts.impairedCallMs));
    await ctx.mark(MARK.efsLocalFallback, { reason, sent: true });
  };
  /** Waits for an ALL_CONFIGURATIONS deletion; the reason to give it up, or undefined once the target is writable. */
  const awaitBothRegions = async (ctx: StepContext, issuedAt: number): Promise<string | undefined> => {
    const bound = ctx.timeouts.efsAllConfigurationsMs;
    let unanswered = 0;
    for (;;) {
      if (await targetWritable(ctx, target).catch(() => false)) return undefined;
      if (ctx.clock.now() - issuedAt >= bound) return `ALL_CONFIGURATIONS had not finished after ${formatDuration(bound)}`;
      unanswered = (await sourceEfsAnswers(ctx)) ? 0 : unanswered + 1;
      if (unanswered >= UNANSWERED_READS) return `ALL_CONFIGURATIONS cannot finish: ${source.region}'s EFS stopped answering`;
      await ctx.clock.sleep(Math.min(ctx.timeouts.pollMs, Math.max(1, issuedAt + bound - ctx.clock.now())), ctx.signal);
    }
  };
  return {
    id: id(prefix, "detach-efs"),
    title: `Detach ${target.stack}'s file system from replication (from ${target.region}); it becomes writable`,
    dependsOn,
    effect:
      `EFS DeleteReplicationConfiguration ${sourceFs} in ${target.region}: ALL_CONFIGURATIONS when EFS in ${source.region} answers, ` +
      `else LOCAL_CONFIGURATION_ONLY (also if ALL_CONFIGURATIONS is refused or cannot finish)`,
    priority: PRIORITY.efsReplication,
    // Up to the ALL_CONFIGURATIONS bound, then a local deletion and its own wait.
    bound: { what: `detaching ${target.stack}'s file system`, key: "efsMs", ms: (t) => t.efsAllConfigurationsMs + t.efsMs + 4 * t.callMs },
    check: (ctx) => targetWritable(ctx, target),
    run: async (ctx) => {
      const r = await ctx.cloud.efs.describeReplication(target.region, target.outputs.fileSystemId, opts(ctx));
      let fallback = ctx.marks.get(MARK.efsLocalFallback)?.data.reason as string | undefined;
      if (r && r.destinationFileSystemId === target.outputs.fileSystemId && r.status !== "DELETING") {
        const mode = (await sourceEfsAnswers(ctx)) ? "ALL_CONFIGURATIONS" : "LOCAL_CONFIGURATION_ONLY";
        const now = ctx.clock.now();
        await ctx.mark(MARK.efsPromoted, {
          lastReplicatedAt: r.lastReplicatedAt ?? null,
          lagMs: r.lastReplicatedAt ? now - r.lastReplicatedAt : null,
          deletionMode: mode,
        });
        if (mode === "LOCAL_CONFIGURATION_ONLY") {
          fallback = `${source.region}'s EFS did not answer`;
          await deleteLocally(ctx, fallback);
        } else {
          try {
            await ctx.cloud.efs.deleteReplication(target.region, sourceFs, mode, opts(ctx, ctx.timeouts.impairedCallMs));
          } catch (err) {
            if (ctx.signal.aborted) throw err;
            rethrowAuth(err, `deleting the EFS replication in ${target.region}`);
            fallback = `ALL_CONFIGURATIONS was refused (${errorMessage(err)})`;
            await deleteLocally(ctx, fallback);
          }
        }
      } else {
        ctx.log("replication already being deleted; waiting");
        // Resumed after falling back: the local deletion may not have been sent before the crash.
        if (fallback && ctx.marks.get(MARK.efsLocalFallback)?.data.sent === false && !(await targetWritable(ctx, target).catch(() => false))) {
          await ctx.cloud.efs
            .deleteReplication(target.region, sourceFs, "LOCAL_CONFIGURATION_ONLY", opts(ctx, ctx.timeouts.impairedCallMs))
            .catch((err: unknown) => {
              rethrowAuth(err, `deleting the EFS replication in ${target.region}`);
              ctx.log(`LOCAL_CONFIGURATION_ONLY again: ${errorMessage(err)}`);
            });
        }
      }
      // An ALL_CONFIGURATIONS deletion (this attempt's or a crashed one's) needs the source's EFS.
      const promoted = ctx.marks.get(MARK.efsPromoted);
      if (!fallback && promoted?.data.deletionMode === "ALL_CONFIGURATIONS") {
        fallback = await awaitBothRegions(ctx, promoted.at);
        if (fallback) {
          ctx.log(`${fallback}; deleting ${target.stack}'s side only (LOCAL_CONFIGURATION_ONLY)`);
          await deleteLocally(ctx, fallback);
        }
      }
      await waitFor(ctx, `${target.stack}'s file system writable`, () => targetWritable(ctx, target), ctx.timeouts.efsMs);
      const mode = fallback ? "LOCAL_CONFIGURATION_ONLY" : ((promoted?.data.deletionMode as string | undefined) ?? null);
      const why = fallback ? (promoted?.data.deletionMode === "ALL_CONFIGURATIONS" ? ` after ${fallback}` : `: ${fallback}`) : "";
      return { detail: mode ? `writable (${mode}${why})` : "writable", data: { deletionMode: mode, ...(fallback ? { fallback } : {}) } };
    },
  };
}

/** Failback: the old Region still believes it replicates to the peer (deleted locally at failover); remove that stale half. */
export function cleanStaleReplicationStep(oldSite: Site, prefix: string, dependsOn: string[]): Step {
  const stale = async (ctx: StepContext) => {
    const r = await ctx.cloud.efs.describeReplication(oldSite.region, oldSite.outputs.fileSystemId, opts(ctx));
    return !!r && r.sourceFileSystemId === oldSite.outputs.fileSystemId;
  };
  return {
    id: id(prefix, "clean-stale-replication"),
    title: `Remove the stale replication config of ${oldSite.stack}'s file system in ${oldSite.region}`,
    dependsOn,
    effect: `EFS DeleteReplicationConfiguration ${oldSite.outputs.fileSystemId} in ${oldSite.region} (LOCAL_CONFIGURATION_ONLY), if present`,
    check: async (ctx) => !(await stale(ctx)),
    run: async (ctx) => {
      const r = await ctx.cloud.efs.describeReplication(oldSite.region, oldSite.outputs.fileSystemId, opts(ctx));
      if (r && r.status !== "DELETING") {
        await ctx.cloud.efs.deleteReplication(oldSite.region, oldSite.outputs.fileSystemId, "LOCAL_CONFIGURATION_ONLY", opts(ctx));
      }
      await waitFor(ctx, `stale replication of ${oldSite.stack} removed`, async () => !(await stale(ctx)), ctx.timeouts.efsMs);
      return { detail: "removed" };
    },
  };
}

/**
 * The active site replicates to its peer again (replicateToPeer=true, up), from the file system it
 * serves: at failback the active site's served one (after a restore to it, the restored one), after
 * `restore --in-place` the one the restore created (`source`, read from the run's marks).
 */
export function replicateToPeerStep(
  active: Site,
  peer: Site,
  id: string,
  dependsOn: string[],
  source?: { sourceFileSystemId: (ctx: StepContext) => string; what: string },
): Step {
  const sourceFs = (ctx: StepContext) => source?.sourceFileSystemId(ctx) ?? active.outputs.fileSystemId;
  const replicating = async (ctx: StepContext) => {
    const fs = sourceFs(ctx);
    const r = await ctx.cloud.efs.describeReplication(active.region, fs, opts(ctx));
    return !!r && r.sourceFileSystemId === fs && r.destinationFileSystemId === peer.outputs.fileSystemId && r.status === "ENABLED";
  };
  const from = source ? ` from ${source.what}` : "";
  return {
    id,
    title: `Replicate EFS ${active.stack} -> ${peer.stack}${from} (replicateToPeer=true, up ${active.stack})`,
    dependsOn,
    effect: `config ${active.stack} replicateToPeer=true; pulumi up ${active.stack} (creates the ReplicationConfiguration${from} to ${peer.outputs.fileSystemId})`,
    bound: { what: `pulumi up ${active.stack} and its replication enabled`, key: "upMs", ms: (t) => t.upMs + t.efsMs },
    check: replicating,
    run: async (ctx) => {
      const cfg = await ctx.stacks.readConfig(active.stack);
      if (!cfg.replicateToPeer) await ctx.stacks.setConfig(active.stack, [{ key: "replicateToPeer", value: true }]);
      await ctx.stacks.up(active.stack, { refreshTargets: active.outputs.outOfBandUrns, signal: ctx.signal, onOutput: ctx.log });
      await waitFor(ctx, `EFS replication ${active.stack} -> ${peer.stack} enabled`, () => replicating(ctx), ctx.timeouts.efsMs);
      return { detail: source ? `replication from ${sourceFs(ctx)} enabled` : "replication enabled" };
    },
  };
}
