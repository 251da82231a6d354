/**
 * Writes and data-loss accounting. While a site serves, its workload commits `dbWritesPerSecond`
 * rows to its Aurora writer and `fileWritesPerSecond` files to its EFS file system: one segment per
 * serving interval, so the writes in any window are an exact function of time. Direct writes (tests,
 * the drill's probes) are point writes. When a promotion makes a copy authoritative, the writes its
 * replication point had not reached are counted into a `DataLossRecord`: the loss is counted, not
 * assumed.
 */
import { Part, type SiteRec } from "./core";

interface WriteSegment {
  stack: string;
  start: number;
  end: number;
  db: number;
  files: number;
}

export interface DataLossRecord {
  kind: "aurora" | "efs";
  reason: "failover" | "switchover" | "replication-deleted" | "restore";
  /** When the new copy became authoritative. */
  at: number;
  fromStack: string;
  toStack: string;
  /** Everything written on the source before this time reached the target (-Infinity: nothing did). */
  replicatedUpTo: number;
  /** Writes (rows or files) on the source newer than `replicatedUpTo`: lost to the target. */
  lostWrites: number;
  /** From `replicatedUpTo` to the last lost write (0 when nothing was lost, Infinity when nothing reached the target): the RPO as time. */
  lostWindowMs: number;
}

export class Writes extends Part {
  private readonly segments: WriteSegment[] = [];
  private readonly pointWrites: { stack: string; at: number; db: number; files: number }[] = [];
  private readonly losses: DataLossRecord[] = [];

  /** The site starts serving: its workload's writes run from `start` until `closeSegment`. */
  openSegment(site: SiteRec, start = this.t): void {
    this.segments.push({ stack: site.stack, start, end: Infinity, db: this.tuning.dbWritesPerSecond, files: this.tuning.fileWritesPerSecond });
  }

  closeSegment(site: SiteRec): void {
    for (const seg of this.segments) if (seg.stack === site.stack && seg.end === Infinity) seg.end = this.t;
  }

  /** A write outside the workload's traffic, now. */
  addPointWrite(stack: string, db: number, files: number): void {
    this.pointWrites.push({ stack, at: this.t, db, files });
  }

  /** Writes of one kind committed on `stack` in (from, to]. */
  countWrites(stack: string, kind: "db" | "files", from: number, to: number): number {
    let n = 0;
    for (const seg of this.segments) {
      if (seg.stack !== stack || seg[kind] <= 0) continue;
      const a = Math.max(from, seg.start);
      const b = Math.min(to, seg.end);
      if (b <= a) continue;
      const count = (x: number) => Math.floor(((x - seg.start) * seg[kind]) / 1000);
      n += count(b) - count(a);
    }
    for (const p of this.pointWrites) if (p.stack === stack && p.at > from && p.at <= to) n += p[kind];
    return n;
  }

  /** Time of the last write of `kind` on `stack` in (from, to], or undefined. */
  private lastWriteAt(stack: string, kind: "db" | "files", from: number, to: number): number | undefined {
    let last: number | undefined;
    for (const seg of this.segments) {
      if (seg.stack !== stack || seg[kind] <= 0) continue;
      const a = Math.max(from, seg.start);
      const b = Math.min(to, seg.end);
      if (b <= a) continue;
      const k = Math.floor(((b - seg.start) * seg[kind]) / 1000);
      const at = seg.start + (k * 1000) / seg[kind];
      if (at > a && (last === undefined || at > last)) last = at;
    }
    for (const p of this.pointWrites) if (p.stack === stack && p.at > from && p.at <= to && p[kind] > 0 && (last === undefined || p.at > last)) last = p.at;
    return last;
  }

  /** `to` becomes authoritative now; what `from` wrote after `replicatedUpTo` is lost to it. */
  recordLoss(kind: "aurora" | "efs", reason: DataLossRecord["reason"], from: SiteRec, to: SiteRec, replicatedUpTo: number): DataLossRecord {
    const record = this.lossAsOf(kind, reason, from, to, replicatedUpTo);
    this.losses.push(record);
    return record;
  }

  /** The record `recordLoss` would make now, without recording it. */
  lossAsOf(kind: "aurora" | "efs", reason: DataLossRecord["reason"], from: SiteRec, to: SiteRec, replicatedUpTo: number): DataLossRecord {
    const w = kind === "aurora" ? "db" : "files";
    const lostWrites = this.countWrites(from.stack, w, replicatedUpTo, this.t);
    const last = this.lastWriteAt(from.stack, w, replicatedUpTo, this.t);
    return {
      kind,
      reason,
      at: this.t,
      fromStack: from.stack,
      toStack: to.stack,
      replicatedUpTo,
      lostWrites,
      lostWindowMs: last === undefined ? 0 : last - replicatedUpTo,
    };
  }

  /** A record stands for another from now on (what the target holds turned out otherwise). */
  replaceLoss(recorded: DataLossRecord, by: DataLossRecord): void {
    const i = this.losses.indexOf(recorded);
    if (i < 0) throw new Error("sim: replacing a data-loss record that was never recorded");
    this.losses[i] = by;
  }

  /**
   * `to` becomes authoritative now holding none of `from`'s data: everything `from` ever wrote is
   * lost to it, including what it held before the world's history (so the window has no bound).
   */
  recordTotalLoss(kind: "aurora" | "efs", reason: DataLossRecord["reason"], from: SiteRec, to: SiteRec): DataLossRecord {
    const record = { ...this.lossAsOf(kind, reason, from, to, -Infinity), lostWindowMs: Infinity };
    this.losses.push(record);
    return record;
  }

  dataLoss(): DataLossRecord[] {
    return this.losses.map((l) => ({ ...l }));
  }
}
