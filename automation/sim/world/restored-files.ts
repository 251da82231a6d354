/**
 * Where a restored file system keeps its files, and what the application sees of them.
 *
 * AWS Backup never restores EFS into the root: a full restore, into a new file system as into an
 * existing one, goes into a directory `aws-backup-restore_<datetime>` off the root ("Restore an
 * Amazon EFS file system", AWS Backup Developer Guide: "restores your file system to a recovery
 * directory off of the root directory"). An application that mounts the root sees none of it, so
 * until the files are at the root the restore counts as restoring nothing: its data-loss record
 * counts every file the source ever wrote. Once a move puts them at the root before any app pod
 * started on the file system, the record becomes the recovery point's. An app pod that starts while
 * they are still in the directory served an empty volume (and what it wrote there is in the way of
 * the files): the record stays.
 *
 * The move is a Kubernetes Job of the program (stacks/effects.ts reads it from the registration):
 * its pod runs once a node of the tier it lands on is Ready, for `restored-files-move`. It fails
 * when the root holds more than one such directory (which one is the site's data?). An app
 * Deployment that depends on the Job is created only once the Job completed (Pulumi awaits a Job's
 * completion before its dependents, pulumi-kubernetes provider/pkg/await/job.go), so its pods wait
 * for the move; one that does not depend on it starts at once.
 */
import type { NodeGroupName } from "../../../stacks/config";
import { Part, type SiteRec } from "./core";
import type { DataLossRecord, Writes } from "./writes";

/** The prefix of the recovery directory AWS Backup writes a restore into. */
export const RESTORE_DIRECTORY_PREFIX = "aws-backup-restore_";

interface Layout {
  /** Recovery directories off the root, oldest first. */
  directories: string[];
  /** The restore's record while the files are not at the root (nothing restored), and what it becomes once they are. */
  pending?: { recorded: DataLossRecord; atTheRoot: DataLossRecord };
  /** When the move Job under way completes; undefined when none is. */
  moveDoneAt?: number;
  moves: number;
}

export class RestoredFiles extends Part {
  private readonly layouts = new Map<string, Layout>();
  /** Stacks whose app Deployment depends on a move Job: its pods wait while a move of their file system is under way. */
  private readonly appAfterMove = new Set<string>();

  constructor(
    core: ConstructorParameters<typeof Part>[0],
    private readonly writes: Writes,
  ) {
    super(core);
  }

  /**
   * A restore job from a recovery point of `from`'s files taken at `pointAt` completed into
   * `fileSystemId` of `target`: a new recovery directory holds them.
   */
  restored(target: SiteRec, from: SiteRec, pointAt: number, fileSystemId: string): void {
    const layout = this.layoutOf(fileSystemId);
    // "aws-backup-restore_datetime": the datetime's exact format is not documented; the move matches the prefix.
    layout.directories.push(`${RESTORE_DIRECTORY_PREFIX}${new Date(this.t).toISOString().replace(/[:.]/g, "-")}`);
    const atTheRoot = this.writes.lossAsOf("efs", "restore", from, target, pointAt);
    const recorded = this.writes.recordTotalLoss("efs", "restore", from, target);
    layout.pending = { recorded, atTheRoot };
  }

  /** The recovery directories off the root of `fileSystemId`. */
  directories(fileSystemId: string): string[] {
    return [...(this.layouts.get(fileSystemId)?.directories ?? [])];
  }

  /**
   * The move Job of `stack` on `fileSystemId` is created; its pod runs on a node of `tier`. Returns
   * when it completes. Refused (the Job fails) when the root holds more than one recovery directory.
   */
  startMove(stack: string, fileSystemId: string, tier: NodeGroupName): number {
    const site = this.siteOf(stack);
    const layout = this.layoutOf(fileSystemId);
    if (layout.directories.length > 1) {
      throw new Error(
        `more than one ${RESTORE_DIRECTORY_PREFIX}* directory in ${fileSystemId}: ${layout.directories.join(", ")}; a restore into a new file system makes exactly one`,
      );
    }
    const nodes = site.nodeGroups[tier];
    const podRunsAt = nodes.readyNodes > 0 ? this.t : nodes.readyAt;
    if (podRunsAt === undefined) {
      // Pending for good: the provider's await ends at its timeout (10 min by default, pulumi-kubernetes job.go).
      throw new Error(`its pod stays Pending: no ${tier} node is Ready or coming in ${site.region}; the Job never completes`);
    }
    const doneAt = podRunsAt + this.latency.sample("restored-files-move");
    layout.moveDoneAt = doneAt;
    layout.moves++;
    return this.schedule(doneAt, `${stack}: restored files of ${fileSystemId} moved to the root`, () => {
      layout.moveDoneAt = undefined;
      layout.directories = [];
      if (layout.pending) this.writes.replaceLoss(layout.pending.recorded, layout.pending.atTheRoot);
      layout.pending = undefined;
    });
  }

  /** How many move Jobs ran on `fileSystemId`. */
  movesOf(fileSystemId: string): number {
    return this.layouts.get(fileSystemId)?.moves ?? 0;
  }

  /** Whether `stack`'s app Deployment depends on a move Job (read from the program's registrations). */
  setAppAfterMove(stack: string, after: boolean): void {
    if (after) this.appAfterMove.add(stack);
    else this.appAfterMove.delete(stack);
  }

  /** The app's pods wait: its Deployment depends on the move Job of its file system, still running. */
  holdsApp(site: SiteRec, fileSystemId: string): boolean {
    return this.appAfterMove.has(site.stack) && this.layouts.get(fileSystemId)?.moveDoneAt !== undefined;
  }

  /** App pods start on `fileSystemId`: with the files still in a recovery directory, they see an empty volume. */
  appStarts(fileSystemId: string): void {
    const layout = this.layouts.get(fileSystemId);
    if (layout && layout.directories.length > 0) layout.pending = undefined; // the record stays: nothing restored
  }

  private layoutOf(fileSystemId: string): Layout {
    let layout = this.layouts.get(fileSystemId);
    if (!layout) this.layouts.set(fileSystemId, (layout = { directories: [], moves: 0 }));
    return layout;
  }
}
