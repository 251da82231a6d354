/**
 * EFS: the sites' file systems, their replication overwrite protection, and the replication between
 * them. Sync cycles run back to back while both sides exist and EFS answers in both Regions; a
 * completed cycle advances LastReplicatedTimestamp to when it started. Deleting a replication makes
 * the destination writable and counts the files it never received (writes.ts).
 *
 * DeleteReplicationConfiguration (EFS API reference, DeletionMode): ALL_CONFIGURATIONS deletes the
 * configuration in both Regions, so it needs EFS to answer in the other one; while it does not, the
 * deletion waits for it (or is refused, see `WorldTuning.efsAllConfigurationsPeerDown`), and the
 * destination stays read-only. LOCAL_CONFIGURATION_ONLY deletes only the side in the Region the
 * request is sent to and needs nothing from the other; it also supersedes an ALL_CONFIGURATIONS
 * deletion waiting for the other Region. The other side is then left as it was (status ERROR).
 */
import type { EfsReplication, EfsReplicationStatus, FileSystemProtection } from "../../ports";
import { AwsError } from "../errors";
import { type Core, Part, type SiteRec, type WorldSpec } from "./core";
import type { RestoredFiles } from "./restored-files";
import type { Writes } from "./writes";

export type Side = "source" | "dest";

interface ReplicationRec {
  source: string;
  dest: string;
  sides: Set<Side>;
  status: EfsReplicationStatus;
  lastReplicatedAt?: number;
  cycleStart?: number;
  cycleEndsAt?: number;
  cycleGen: number;
  /** When the pending deletion completes; Infinity while it waits for an unreachable Region. */
  deletionDoneAt?: number;
  deleting: Set<Side>;
  /** Deletions under way (one per Region the request was sent to). */
  jobs: DeletionJob[];
  createdAt: number;
}

interface DeletionJob {
  /** Sides this deletion removes. */
  sides: Side[];
  /** The side in the Region the request was sent to. */
  local: Side;
  /** Superseded by a local deletion: it never completes. */
  cancelled: boolean;
}

export class Efs extends Part {
  private replications: ReplicationRec[] = [];
  private readonly waitingDeletions: { rec: ReplicationRec; job: DeletionJob }[] = [];

  constructor(
    core: Core,
    private readonly writes: Writes,
    running: WorldSpec["replication"],
    private readonly restoredFiles: RestoredFiles,
  ) {
    super(core);
    // Steady state: the replication the stacks deployed runs; the last completed sync cycle
    // started one cycle ago, the current one started now.
    if (running) {
      this.replications.push({
        source: running.source,
        dest: running.dest,
        sides: new Set<Side>(["source", "dest"]),
        status: "ENABLED",
        lastReplicatedAt: this.t - this.latency.sample("efs-sync"),
        cycleGen: 0,
        deleting: new Set(),
        jobs: [],
        createdAt: this.t - this.tuning.historyMs,
      });
    }
  }

  /** Recompute step: sync cycles run back to back while both sides exist and both Regions answer. */
  runSyncCycles(): void {
    for (const rec of this.replications) {
      const possible = this.syncPossible(rec);
      if (possible && rec.cycleStart === undefined) this.startCycle(rec);
      if (!possible && rec.cycleStart !== undefined) {
        rec.cycleStart = undefined;
        rec.cycleGen++;
      }
    }
  }

  /** A file system is in at most one replication. */
  assertInvariants(): void {
    for (const s of this.sites) {
      const inReplications = this.replications.filter((r) => (r.source === s.stack && r.sides.has("source")) || (r.dest === s.stack && r.sides.has("dest")));
      if (inReplications.length > 1) throw new Error(`sim invariant broken: ${s.names.fileSystemId} in ${inReplications.length} replications`);
    }
  }

  /** A Region (or its EFS) came back: deletions that waited for it proceed. */
  resumeDeletions(): void {
    for (const { rec, job } of this.waitingDeletions.splice(0)) if (!job.cancelled) this.scheduleDeletion(rec, job);
  }

  /** REPLICATING while the file system is a replication destination (read-only), else its own setting. */
  protectionOf(site: SiteRec): FileSystemProtection {
    return this.replications.some((r) => r.dest === site.stack && r.sides.has("dest")) ? "REPLICATING" : site.fs.protection;
  }

  private siteByFs(region: string, fileSystemId: string): SiteRec {
    const site = this.siteInRegion(region);
    if (!site || site.names.fileSystemId !== fileSystemId)
      throw new AwsError("FileSystemNotFound", `File system '${fileSystemId}' does not exist in ${region}.`, { status: 404 });
    return site;
  }

  fileSystemProtection(region: string, fileSystemId: string): FileSystemProtection {
    return this.protectionOf(this.siteByFs(region, fileSystemId));
  }

  private syncPossible(rec: ReplicationRec): boolean {
    const src = this.siteOf(rec.source);
    const dst = this.siteOf(rec.dest);
    return rec.sides.size === 2 && rec.deleting.size === 0 && this.answers(src.region, "efs") && this.answers(dst.region, "efs");
  }

  private startCycle(rec: ReplicationRec): void {
    const gen = ++rec.cycleGen;
    const start = this.t;
    rec.cycleStart = start;
    rec.cycleEndsAt = this.schedule(start + this.latency.sample("efs-sync"), `${rec.source} -> ${rec.dest}: EFS sync`, () => {
      if (gen !== rec.cycleGen) return;
      // Conservative reading of LastReplicatedTimestamp: changes made before the cycle started are on the destination.
      rec.lastReplicatedAt = start;
      if (rec.status === "ENABLING") rec.status = "ENABLED";
      rec.cycleStart = undefined; // recompute starts the next cycle
    });
  }

  private replicationView(rec: ReplicationRec, side: Side): EfsReplication {
    const src = this.siteOf(rec.source);
    const dst = this.siteOf(rec.dest);
    const other: Side = side === "source" ? "dest" : "source";
    const status: EfsReplicationStatus = rec.deleting.has(side) ? "DELETING" : !rec.sides.has(other) ? "ERROR" : rec.status;
    return {
      sourceFileSystemId: src.names.fileSystemId,
      sourceRegion: src.region,
      destinationFileSystemId: dst.names.fileSystemId,
      destinationRegion: dst.region,
      status,
      lastReplicatedAt: rec.lastReplicatedAt,
    };
  }

  describeReplication(region: string, fileSystemId: string): EfsReplication | undefined {
    const site = this.siteByFs(region, fileSystemId);
    for (const rec of this.replications) {
      if (rec.source === site.stack && rec.sides.has("source")) return this.replicationView(rec, "source");
      if (rec.dest === site.stack && rec.sides.has("dest")) return this.replicationView(rec, "dest");
    }
    return undefined;
  }

  createReplication(sourceStack: string, destStack: string): number {
    const src = this.siteOf(sourceStack);
    const dst = this.siteOf(destStack);
    for (const s of [src, dst]) {
      const existing = this.replications.find((r) => (r.source === s.stack && r.sides.has("source")) || (r.dest === s.stack && r.sides.has("dest")));
      if (existing) {
        throw new AwsError(
          "ReplicationAlreadyExists",
          `File system ${s.names.fileSystemId} is already part of a replication configuration (${existing.source} -> ${existing.dest}).`,
          {
            status: 409,
          },
        );
      }
    }
    if (dst.fs.protection !== "DISABLED") {
      throw new AwsError(
        "BadRequest",
        `Destination file system ${dst.names.fileSystemId} has replication overwrite protection ${dst.fs.protection}; disable it (UpdateFileSystemProtection) before replicating into it.`,
      );
    }
    const rec: ReplicationRec = {
      source: src.stack,
      dest: dst.stack,
      sides: new Set<Side>(["source", "dest"]),
      status: "ENABLING",
      cycleGen: 0,
      deleting: new Set(),
      jobs: [],
      createdAt: this.t,
    };
    this.replications.push(rec);
    this.recompute();
    return rec.cycleEndsAt ?? this.t;
  }

  deleteReplication(region: string, sourceFileSystemId: string, mode: "ALL_CONFIGURATIONS" | "LOCAL_CONFIGURATION_ONLY"): number {
    const rec = this.replications.find((r) => {
      const src = this.siteOf(r.source);
      const dst = this.siteOf(r.dest);
      if (src.names.fileSystemId !== sourceFileSystemId) return false;
      return (region === src.region && r.sides.has("source")) || (region === dst.region && r.sides.has("dest"));
    });
    if (!rec) {
      throw new AwsError("ReplicationNotFound", `No replication configuration found for source file system ${sourceFileSystemId} in ${region}.`, {
        status: 404,
      });
    }
    const local: Side = region === this.siteOf(rec.source).region ? "source" : "dest";
    const other: Side = local === "source" ? "dest" : "source";
    const regionOf = (side: Side) => this.siteOf(side === "source" ? rec.source : rec.dest).region;
    let sides: Side[];
    if (mode === "ALL_CONFIGURATIONS") {
      if (rec.sides.has(other) && !this.answers(regionOf(other), "efs") && this.tuning.efsAllConfigurationsPeerDown === "rejected") {
        throw new AwsError(
          "InternalServerError",
          `Cannot delete the replication configuration of ${sourceFileSystemId} in ${regionOf(other)}: EFS there does not answer. Use DeletionMode LOCAL_CONFIGURATION_ONLY.`,
          { status: 500 },
        );
      }
      sides = (["source", "dest"] as Side[]).filter((side) => rec.sides.has(side) && !rec.deleting.has(side));
    } else {
      // Supersedes a deletion that also reaches the other Region: only the local side goes; the
      // other side stays (ERROR) until it is deleted there.
      for (const job of rec.jobs.filter((j) => j.sides.includes(local) && j.sides.some((side) => side !== local))) {
        job.cancelled = true;
        for (const side of job.sides) rec.deleting.delete(side);
      }
      rec.jobs = rec.jobs.filter((j) => !j.cancelled);
      sides = rec.deleting.has(local) ? [] : [local];
    }
    if (sides.length === 0) return rec.deletionDoneAt ?? Infinity; // already being deleted: accepted, nothing new
    for (const side of sides) rec.deleting.add(side);
    const job: DeletionJob = { sides, local, cancelled: false };
    rec.jobs.push(job);
    this.recompute();
    return this.scheduleDeletion(rec, job);
  }

  private scheduleDeletion(rec: ReplicationRec, job: DeletionJob): number {
    const regionOf = (side: Side) => this.siteOf(side === "source" ? rec.source : rec.dest).region;
    return (rec.deletionDoneAt = this.schedule(
      this.t + this.latency.sample("efs-replication-delete"),
      `${rec.source} -> ${rec.dest}: replication deleted`,
      () => {
        if (job.cancelled) return;
        if (job.sides.some((side) => side !== job.local && rec.sides.has(side) && !this.answers(regionOf(side), "efs"))) {
          this.waitingDeletions.push({ rec, job }); // resumes when the other Region's EFS answers again
          rec.deletionDoneAt = Infinity;
          return;
        }
        for (const side of job.sides) {
          if (!rec.sides.delete(side)) continue;
          rec.deleting.delete(side);
          if (side === "dest") {
            const src = this.siteOf(rec.source);
            const dst = this.siteOf(rec.dest);
            dst.fs.protection = "ENABLED"; // AWS re-enables overwrite protection; the file system is writable
            this.writes.recordLoss("efs", "replication-deleted", src, dst, rec.lastReplicatedAt ?? rec.createdAt);
          }
        }
        rec.deletionDoneAt = undefined;
        rec.jobs = rec.jobs.filter((j) => j !== job);
        if (rec.sides.size === 0) this.replications = this.replications.filter((r) => r !== rec);
      },
    ));
  }

  /**
   * `target` now uses a file system restored from a recovery point of `from`'s files taken at
   * `pointAt`: writable, in no replication (a replication into the old one loses its destination
   * side), and missing every file `from` wrote after the point, once the files are out of the
   * recovery directory the restore put them in (restored-files.ts).
   */
  restoredInto(target: SiteRec, from: SiteRec, pointAt: number, fileSystemId: string): void {
    // A new file system holds the site's data now, without any mount target (EFS creates none on a
    // restore into a new file system); the site's own one stays as it was, beside it.
    target.fileSystems[fileSystemId] ??= { mountTargets: 0 };
    target.names.fileSystemId = fileSystemId;
    for (const rec of this.replications) {
      if (rec.dest === target.stack) {
        rec.sides.delete("dest");
        rec.deleting.delete("dest");
      }
    }
    this.replications = this.replications.filter((r) => r.sides.size > 0);
    target.fs.protection = "ENABLED";
    this.restoredFiles.restored(target, from, pointAt, fileSystemId);
  }

  setFileSystemProtection(stack: string, protection: "ENABLED" | "DISABLED"): void {
    const site = this.siteOf(stack);
    if (this.protectionOf(site) === "REPLICATING") {
      // The error AWS returns (terraform-provider-aws PR #37790, from a real apply).
      throw new AwsError("ReplicationAlreadyExists", "ReplicationOverwriteProtection cannot be changed while the file system is a replication destination.", {
        status: 409,
      });
    }
    site.fs.protection = protection;
    this.recompute();
  }

  /** Every replication with the sides that still exist. */
  replicationsNow(): (EfsReplication & { sourceStack: string; destStack: string; sides: Side[] })[] {
    return this.replications.map((r) => ({
      ...this.replicationView(r, r.sides.has("source") ? "source" : "dest"),
      sourceStack: r.source,
      destStack: r.dest,
      sides: [...r.sides],
    }));
  }
}
