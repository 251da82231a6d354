/**
 * Failback reverses a failover: it brings the old site back and moves production to it. Run on a
 * pair that never failed over (or was already failed back), it would move production for nothing,
 * with minutes of write downtime. So it runs only on evidence that the config's active site took
 * over from the standby by a failover:
 *
 *   - the journal: its last completed failover or failback is a failover to the active site
 *     (a failback to it means there is nothing left to reverse);
 *   - else the cloud and the stacks, which an unplanned failover leaves marked: the old site's
 *     outputs still say active (its role changed in config only), its file system still holds its
 *     half of the replication, the active site's ups avoid its Region (impairedRegions), or the
 *     active site does not replicate to it (replicateToPeer=false).
 *
 * Whatever the evidence, the Aurora writer must be the active site's cluster: otherwise config and
 * the cloud disagree and moving anything would act on a guess.
 */
import { RefusedError } from "../errors";
import type { CloudPort, JournalEvent } from "../ports";
import { writerArn, type Site } from "../plan/sites";
import { isoTime } from "../util/duration";

interface FinishedRun {
  runId: string;
  command: string;
  args: Record<string, unknown>;
  endedAt: number;
}

/** The last run of `commands` that ended succeeded, from the whole journal. */
export function lastSucceeded(events: JournalEvent[], commands: string[]): FinishedRun | undefined {
  const starts = new Map<string, { command: string; args: Record<string, unknown> }>();
  let last: FinishedRun | undefined;
  for (const e of events) {
    if (e.kind === "run-start" && !starts.has(e.runId)) starts.set(e.runId, { command: e.command, args: e.args });
    if (e.kind === "run-end" && e.outcome === "succeeded") {
      const start = starts.get(e.runId);
      if (start && commands.includes(start.command)) last = { runId: e.runId, ...start, endedAt: e.at };
    }
  }
  return last;
}

export interface EvidenceInput {
  cloud: CloudPort;
  /** Bound of each cloud read. */
  callOpts: { timeoutMs: number; signal?: AbortSignal };
  history: JournalEvent[];
  journalLabel: string;
  active: Site;
  old: Site;
  globalClusterIdentifier: string;
  /** The command that moves production to `old` without a failback, for the message. */
  plannedCommand: string;
}

/** Why the pair is in a failed-over state (notes for the confirmation); throws RefusedError when it is not. */
export async function failedOverEvidence(input: EvidenceInput): Promise<string[]> {
  const { cloud, active, old, callOpts } = input;
  const gc = await cloud.rds.describeGlobalCluster(active.region, input.globalClusterIdentifier, callOpts);
  const writer = writerArn(gc.members);
  if (writer !== active.outputs.dbClusterArn) {
    throw new RefusedError(
      `Config says ${active.stack} is active, but the Aurora writer of ${input.globalClusterIdentifier} is ${writer === old.outputs.dbClusterArn ? `${old.stack}'s cluster` : (writer ?? "no cluster")}: ` +
        `config and the cloud disagree, so failback would act on a guess. Nothing was changed. Find out how the writer moved, then set the roles in Pulumi.${active.stack}.yaml / Pulumi.${old.stack}.yaml to match it.`,
    );
  }

  // After a restore the active site's cluster writes a global database of its own; the old site's
  // cluster is in the pair's, which that restore left behind: nothing replicates back to it.
  const restoredGlobal = active.outputs.restoredData?.globalClusterIdentifier;
  if (restoredGlobal === input.globalClusterIdentifier && !gc.members.some((m) => m.clusterArn === old.outputs.dbClusterArn)) {
    throw new RefusedError(
      `${active.stack} serves from a restored DB cluster, the writer of the global database ${restoredGlobal}, and ${old.stack}'s cluster (${old.outputs.dbClusterIdentifier}) is not in it: ` +
        `nothing replicates ${active.stack}'s data back to ${old.region}. Nothing was changed. Add a secondary cluster in ${old.region} to ${restoredGlobal} first (README, Known limits), then fail back.`,
    );
  }

  const last = lastSucceeded(input.history, ["failover", "failback"]);
  if (last && last.command === "failback" && last.args.to === active.stack) {
    throw new RefusedError(
      `Nothing to fail back: run ${last.runId} (failback) returned production to ${active.stack} at ${isoTime(last.endedAt)}, and no failover succeeded since. ` +
        `A failback now would move production to ${old.stack} and back for nothing. Nothing was changed.`,
    );
  }
  if (last && last.command === "failover" && last.args.to === active.stack) {
    return [`${active.stack} took over from ${old.stack} in run ${last.runId} (failover, ${String(last.args.mode)}), ${isoTime(last.endedAt)}.`];
  }

  const marks: string[] = [];
  if (old.outputs.role === "active") marks.push(`${old.stack}'s stack outputs still say active (an unplanned failover changes its role in config only)`);
  const stale = await cloud.efs.describeReplication(old.region, old.outputs.fileSystemId, callOpts);
  if (stale && stale.sourceFileSystemId === old.outputs.fileSystemId)
    marks.push(`${old.stack}'s file system still holds its half of the replication to ${active.stack}`);
  if (active.config.impairedRegions.includes(old.region)) marks.push(`${active.stack}'s ups still avoid ${old.region} (impairedRegions)`);
  if (!active.config.replicateToPeer)
    marks.push(`${active.stack} does not replicate to ${old.stack} (replicateToPeer=false, as an unplanned failover leaves it)`);
  if (marks.length > 0) return [`the pair shows an unplanned failover to ${active.stack}: ${marks.join("; ")}.`];

  throw new RefusedError(
    `Nothing to fail back: nothing shows that ${active.stack} took over from ${old.stack} by a failover. ` +
      `The journal ${input.journalLabel} records no failover to ${active.stack}${last ? ` (its last was run ${last.runId}, ${last.command} --to ${String(last.args.to)})` : ""}, ` +
      `and the stacks and the cloud agree with their config (${old.stack} is a standby, ${active.stack} the Aurora writer). Nothing was changed.\n` +
      `If ${active.stack} took over by a failover recorded in another journal, pass that journal with --journal. ` +
      `To move production to ${old.stack} anyway, run \`${input.plannedCommand}\`.`,
  );
}
