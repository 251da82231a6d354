/**
 * Failback's resync step: the old site has caught up on both EFS and Aurora before the planned
 * failover back starts.
 */
import { formatDuration } from "../../util/duration";
import type { Site } from "../sites";
import type { Step, StepContext } from "../types";
import { id, opts, waitFor } from "./shared";

/** Aurora lag of a healthy, caught-up secondary while the active site takes writes (failback). */
export const DRAINED_LAG_MS = 1000;

/** Failback: a sync newer than the failback start and Aurora caught up on the old site. */
export function resyncStep(active: Site, peer: Site, gid: string, prefix: string, dependsOn: string[]): Step {
  const caughtUp = async (ctx: StepContext) => {
    const r = await ctx.cloud.efs.describeReplication(active.region, active.outputs.fileSystemId, opts(ctx));
    if (!r || r.destinationFileSystemId !== peer.outputs.fileSystemId || (r.lastReplicatedAt ?? 0) <= ctx.runStartedAt) return false;
    const gc = await ctx.cloud.rds.describeGlobalCluster(peer.region, gid, opts(ctx));
    if (!gc.members.some((m) => m.clusterArn === peer.outputs.dbClusterArn && !m.isWriter)) return false;
    // A datapoint from this run's time: an older one says nothing about the secondary now.
    const d = await ctx.cloud.cloudWatch.auroraLag(peer.region, peer.outputs.dbClusterIdentifier, opts(ctx));
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
