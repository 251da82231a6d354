/**
 * The standby re-seeded after `restore --in-place`: EFS replication follows the file system the
 * active site serves, so once it serves a restored one, the replication from its old file system
 * (stale, and holding the corruption the restore undid) is replaced by one from the restored file
 * system. AWS's rules set the sequence:
 *
 * - A replication configuration is never changed: another source is a deletion, then a creation
 *   (EFS has no update call; terraform-provider-aws internal/service/efs/replication_configuration.go
 *   marks `source_file_system_id` ForceNew).
 * - A file system is in one replication at most ("A file system can be part of only one replication
 *   configuration", EFS User Guide, "Configuring replication to an existing EFS file system"), so the
 *   old one must be gone before the new one into the same standby file system.
 * - Deleting a replication "can take several minutes" and re-enables the destination's replication
 *   overwrite protection, which makes it writable (EFS User Guide, "Deleting replication
 *   configurations"); creating a replication into an existing file system needs that protection
 *   DISABLED (same guide, "Configuring replication to an existing EFS file system", step 1).
 *
 * So `stop-stale-replication` runs beside the restore jobs (off the RTO): `replicateToPeer=false`
 * (the restore's up then registers no replication, so it neither waits for a deletion nor a first
 * sync), DeleteReplicationConfiguration, the wait until it is gone, then UpdateFileSystemProtection
 * DISABLED on the standby's file system (its stack already declares DISABLED; the call only undoes
 * what the deletion did, and it makes the file system read-only again). `reseed-standby`, after the
 * site serves, sets `replicateToPeer=true` and runs the active site's up, which creates the
 * replication from the restored file system; the provider waits for ENABLED, so the step ends when
 * the standby holds the restored data.
 */
import type { Site, SiteView } from "../sites";
import type { Step, StepContext } from "../types";
import { restoredFileSystemId } from "./restore";
import { opts, waitFor } from "./shared";
import { replicateToPeerStep } from "./files";

/** Whether the site replicated to its peer when the run first reached the re-seed (absent until then). */
const RESEED_MARK = "reseed-standby";
const replicatedAtStart = (ctx: StepContext): boolean | undefined => ctx.marks.get(RESEED_MARK)?.data.replicateToPeer as boolean | undefined;

/** The replication into the standby's file system, when it is not from the file system the restore created. */
async function staleReplication(ctx: StepContext, standby: Site) {
  const r = await ctx.cloud.efs.describeReplication(standby.region, standby.outputs.fileSystemId, opts(ctx));
  const restored = restoredFileSystemId(ctx);
  return r && r.destinationFileSystemId === standby.outputs.fileSystemId && r.sourceFileSystemId !== restored ? r : undefined;
}

export function stopStaleReplicationStep(site: SiteView, standby: Site, dependsOn: string[]): Step {
  const fs = standby.outputs.fileSystemId;
  const done = async (ctx: StepContext) =>
    (await ctx.stacks.readConfig(site.stack)).replicateToPeer === false &&
    (await staleReplication(ctx, standby)) === undefined &&
    (await ctx.cloud.efs.fileSystemProtection(standby.region, fs, opts(ctx))) !== "ENABLED";
  return {
    id: "stop-stale-replication",
    title: `Stop replicating ${site.stack}'s old file system into ${standby.stack}; ${standby.stack}'s file system ready to receive the restored one`,
    dependsOn,
    effect:
      `config ${site.stack} replicateToPeer=false; EFS DeleteReplicationConfiguration (ALL_CONFIGURATIONS) of the replication into ${fs} ` +
      `from ${site.region}, if its source is not the restored file system; EFS UpdateFileSystemProtection ${fs} DISABLED in ${standby.region}`,
    bound: { what: `the replication into ${standby.stack}'s file system deleted`, key: "efsMs", ms: (t) => t.efsMs + 4 * t.callMs },
    // A site that did not replicate (replicateToPeer=false: e.g. active after an unplanned failover,
    // before its failback) keeps it that way: nothing to re-seed.
    // Read before anything of the standby's Region, which may not answer then.
    check: async (ctx) => {
      const replicated = replicatedAtStart(ctx);
      // Marked before replicateToPeer is set false: unmarked and false, it was false at the start.
      if (replicated === undefined) return (await ctx.stacks.readConfig(site.stack)).replicateToPeer === false;
      return !replicated || (await done(ctx));
    },
    run: async (ctx) => {
      let replicated = replicatedAtStart(ctx);
      if (replicated === undefined) {
        replicated = (await ctx.stacks.readConfig(site.stack)).replicateToPeer;
        await ctx.mark(RESEED_MARK, { replicateToPeer: replicated });
      }
      if (!replicated) return { detail: `${site.stack} does not replicate to ${standby.stack} (replicateToPeer=false): nothing to re-seed` };
      if ((await ctx.stacks.readConfig(site.stack)).replicateToPeer !== false)
        await ctx.stacks.setConfig(site.stack, [{ key: "replicateToPeer", value: false }]);
      const stale = await staleReplication(ctx, standby);
      if (stale && stale.status !== "DELETING")
        await ctx.cloud.efs.deleteReplication(stale.sourceRegion, stale.sourceFileSystemId, "ALL_CONFIGURATIONS", opts(ctx));
      else if (stale) ctx.log("replication already being deleted; waiting");
      await waitFor(ctx, `the replication into ${fs} deleted`, async () => (await staleReplication(ctx, standby)) === undefined, ctx.timeouts.efsMs);
      // The deletion re-enabled the protection; while a replication from the restored file system
      // exists already (a resumed run), it reads REPLICATING and is left alone.
      if ((await ctx.cloud.efs.fileSystemProtection(standby.region, fs, opts(ctx))) === "ENABLED")
        await ctx.cloud.efs.updateFileSystemProtection(standby.region, fs, "DISABLED", opts(ctx));
      return { detail: stale ? `replication from ${stale.sourceFileSystemId} deleted; ${fs} DISABLED` : `${fs} DISABLED` };
    },
  };
}

/** After the site serves: the replication from the restored file system into the standby's, up to its first sync. */
export function reseedStandbyStep(site: Site, standby: Site, dependsOn: string[]): Step {
  const step = replicateToPeerStep(site, standby, "reseed-standby", dependsOn, {
    sourceFileSystemId: (ctx) => restoredFileSystemId(ctx) ?? site.outputs.fileSystemId,
    what: "the restored file system",
  });
  return {
    ...step,
    check: async (ctx) => replicatedAtStart(ctx) !== true || (await step.check(ctx)),
    run: async (ctx) =>
      replicatedAtStart(ctx) === true ? step.run(ctx) : { detail: `${site.stack} did not replicate to ${standby.stack} before the restore: left so` },
  };
}
