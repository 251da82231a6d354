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
 *
 * A replication joins two file systems by id, not two sites: a site may hold several (its own, and
 * those restored beside it), and replication stays with the ones it was created between. A
 * configuration is never changed: another source or destination is a deletion, then a creation
 * (EFS has no update call; terraform-provider-aws internal/service/efs/replication_configuration.go
 * marks `source_file_system_id` and `destination` ForceNew). A file system is in one replication
 * at most, and a destination needs its overwrite protection DISABLED; a new file system (one a
 * restore creates) has it ENABLED, and deleting a replication re-enables it on the destination,
 * which becomes writable (EFS User Guide, "Configuring replication to an existing EFS file system"
 * and "Deleting replication configurations").
 */
import type { EfsReplication, EfsReplicationStatus, FileSystemProtection } from "../../ports";
import { AwsError } from "../errors";
import { type Core, Part, type SiteRec, type WorldSpec } from "./core";
import type { RestoredFiles } from "./restored-files";
import type { Writes } from "./writes";

export type Side = "source" | "dest";

interface ReplicationRec {
  /** The sites (stacks) whose Regions hold the two file systems. */
  source: string;
  dest: string;
  /** The file systems it joins, by id. */
  sourceFs: string;
  destFs: string;
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
  /** Replication overwrite protection per file system id, as set (REPLICATING is derived). */
  private readonly protection = new Map<string, "ENABLED" | "DISABLED">();
  /** When a site stopped keeping its data on a file system (a restore replaced it): nothing is written there after. */
  private readonly retiredAt = new Map<string, number>();

  constructor(
    core: Core,
    private readonly writes: Writes,
    running: WorldSpec["replication"],
    specs: WorldSpec["sites"],
    private readonly restoredFiles: RestoredFiles,
  ) {
    super(core);
    for (const spec of specs) if (spec.names.fileSystemId) this.protection.set(spec.names.fileSystemId, spec.fs.protection);
    // Steady state: the replication the stacks deployed runs; the last completed sync cycle
    // started one cycle ago, the current one started now.
    if (running) {
      this.replications.push({
        source: running.source,
        dest: running.dest,
        sourceFs: this.siteOf(running.source).names.fileSystemId,
        destFs: this.siteOf(running.dest).names.fileSystemId,
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
      for (const id of Object.keys(s.fileSystems)) {
        const inReplications = this.replications.filter((r) => this.sideOf(r, s.stack, id) !== undefined);
        if (inReplications.length > 1) throw new Error(`sim invariant broken: ${id} in ${inReplications.length} replications`);
      }
    }
  }

  /** The side of `rec` that file system `id` of site `stack` still holds, if any. */
  private sideOf(rec: ReplicationRec, stack: string, id: string): Side | undefined {
    if (rec.source === stack && rec.sourceFs === id && rec.sides.has("source")) return "source";
    if (rec.dest === stack && rec.destFs === id && rec.sides.has("dest")) return "dest";
    return undefined;
  }

  /** A Region (or its EFS) came back: deletions that waited for it proceed. */
  resumeDeletions(): void {
    for (const { rec, job } of this.waitingDeletions.splice(0)) if (!job.cancelled) this.scheduleDeletion(rec, job);
  }

  /** The protection of the file system holding the site's data now (the one it serves from). */
  protectionOf(site: SiteRec): FileSystemProtection {
    return this.protectionOfFs(site, site.names.fileSystemId);
  }

  /** REPLICATING while the file system is a replication destination (read-only), else its own setting. */
  private protectionOfFs(site: SiteRec, id: string): FileSystemProtection {
    return this.replications.some((r) => this.sideOf(r, site.stack, id) === "dest") ? "REPLICATING" : (this.protection.get(id) ?? "ENABLED");
  }

  private siteByFs(region: string, fileSystemId: string): SiteRec {
    const site = this.siteInRegion(region);
    if (!site || !(fileSystemId in site.fileSystems))
      throw new AwsError("FileSystemNotFound", `File system '${fileSystemId}' does not exist in ${region}.`, { status: 404 });
    return site;
  }

  fileSystemProtection(region: string, fileSystemId: string): FileSystemProtection {
    return this.protectionOfFs(this.siteByFs(region, fileSystemId), fileSystemId);
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
      sourceFileSystemId: rec.sourceFs,
      sourceRegion: src.region,
      destinationFileSystemId: rec.destFs,
      destinationRegion: dst.region,
      status,
      lastReplicatedAt: rec.lastReplicatedAt,
    };
  }

  describeReplication(region: string, fileSystemId: string): EfsReplication | undefined {
    const site = this.siteByFs(region, fileSystemId);
    for (const rec of this.replications) {
      const side = this.sideOf(rec, site.stack, fileSystemId);
      if (side) return this.replicationView(rec, side);
    }
    return undefined;
  }

  /** CreateReplicationConfiguration from file system `sourceFs` of `sourceStack`'s Region into `destFs` of `destStack`'s. */
  createReplication(sourceStack: string, destStack: string, sourceFs: string, destFs: string): number {
    const src = this.siteByFs(this.siteOf(sourceStack).region, sourceFs);
    const dst = this.siteByFs(this.siteOf(destStack).region, destFs);
    for (const [s, id] of [
      [src, sourceFs],
      [dst, destFs],
    ] as const) {
      const existing = this.replications.find((r) => this.sideOf(r, s.stack, id) !== undefined);
      if (existing) {
        throw new AwsError(
          "ReplicationAlreadyExists",
          `File system ${id} is already part of a replication configuration (${existing.sourceFs} -> ${existing.destFs}).`,
          {
            status: 409,
          },
        );
      }
    }
    const protection = this.protectionOfFs(dst, destFs);
    if (protection !== "DISABLED") {
      throw new AwsError(
        "BadRequest",
        `Destination file system ${destFs} has replication overwrite protection ${protection}; disable it (UpdateFileSystemProtection) before replicating into it.`,
      );
    }
    const rec: ReplicationRec = {
      source: src.stack,
      dest: dst.stack,
      sourceFs,
      destFs,
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
      if (r.sourceFs !== sourceFileSystemId) return false;
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
            this.protection.set(rec.destFs, "ENABLED"); // AWS re-enables overwrite protection; the file system is writable
            // A source the site no longer kept its data on received none of its writes after that.
            const upTo = Math.min(rec.lastReplicatedAt ?? rec.createdAt, this.retiredAt.get(rec.sourceFs) ?? Infinity);
            this.writes.recordLoss("efs", "replication-deleted", src, dst, upTo);
          }
        }
        rec.deletionDoneAt = undefined;
        rec.jobs = rec.jobs.filter((j) => j !== job);
        if (rec.sides.size === 0) this.replications = this.replications.filter((r) => r !== rec);
      },
    ));
  }

  /**
   * `target` now keeps its data on a new file system restored from a recovery point of `from`'s
   * files taken at `pointAt`: writable (a new file system's protection is ENABLED), in no
   * replication, and missing every file `from` wrote after the point once the files are out of the
   * recovery directory the restore put them in (restored-files.ts). The file system it replaces
   * stays as it was, replications included: a restore into a new file system changes no other.
   */
  restoredInto(target: SiteRec, from: SiteRec, pointAt: number, fileSystemId: string): void {
    // A new file system holds the site's data now, without any mount target (EFS creates none on a
    // restore into a new file system); the site's own one stays as it was, beside it.
    target.fileSystems[fileSystemId] ??= { mountTargets: 0 };
    const replaced = target.names.fileSystemId;
    if (replaced && replaced !== fileSystemId) this.retiredAt.set(replaced, this.t);
    target.names.fileSystemId = fileSystemId;
    this.protection.set(fileSystemId, "ENABLED");
    this.restoredFiles.restored(target, from, pointAt, fileSystemId);
  }

  /** UpdateFileSystemProtection of file system `fileSystemId` (default: the one holding the site's data). */
  setFileSystemProtection(stack: string, protection: "ENABLED" | "DISABLED", fileSystemId?: string): void {
    const site = this.siteOf(stack);
    const id = fileSystemId ?? site.names.fileSystemId;
    this.siteByFs(site.region, id);
    if (this.protectionOfFs(site, id) === "REPLICATING") {
      // The error AWS returns (terraform-provider-aws PR #37790, from a real apply).
      throw new AwsError("ReplicationAlreadyExists", "ReplicationOverwriteProtection cannot be changed while the file system is a replication destination.", {
        status: 409,
      });
    }
    this.protection.set(id, protection);
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
