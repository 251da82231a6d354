/**
 * The run journal on disk: one JSON event per line (`.eks-dr/journal.jsonl` by default).
 *
 * Every append is written and fsync'ed before it returns, so a step recorded as done survives a
 * crash of the driver or of the machine; a torn last line (a crash mid-write) is ignored on read
 * and dropped before the next append.
 * The run lock is a file beside the journal created with O_EXCL and holding the holder's run id,
 * pid, host, start time and lease expiry (renewed while the run lives), so a second concurrent run
 * is refused with a message naming the holder; `--take-over` replaces a holder that is not alive
 * (lock.ts: its process gone on this host, its lease expired on another).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { JournalEvent, JournalPort } from "../ports";
import { lastRunOf, parseLines, toLine } from "./events";
import { DEFAULT_LEASE_MS, holderLiveness, LockHeldError, renewEvery, type LockHolder } from "./lock";

/** Relative to the project directory; `.eks-dr/` is gitignored. */
export const DEFAULT_JOURNAL_PATH = path.join(".eks-dr", "journal.jsonl");

export interface FileJournalOptions {
  /** Host name recorded in the lock (tests). @default os.hostname() */
  host?: string;
  /** Process id recorded in the lock (tests). @default process.pid */
  pid?: number;
  /** Wall-clock time for the lock's `since` and lease (the run's own events use the driver's Clock). */
  now?: () => number;
  /** How long the lock's lease lasts without a renewal. @default DEFAULT_LEASE_MS */
  leaseMs?: number;
  /** Starts the lease renewal (calls its argument periodically) and returns its stop. @default every third of the lease, real time */
  renewal?: (renew: () => void) => () => void;
}

export class FileJournal implements JournalPort {
  readonly path: string;
  readonly lockPath: string;
  private readonly host: string;
  private readonly pid: number;
  private readonly now: () => number;
  private readonly leaseMs: number;
  private readonly renewal: (renew: () => void) => () => void;
  private stopRenewal: (() => void) | undefined;
  private tailChecked = false;

  constructor(file: string, opts: FileJournalOptions = {}) {
    this.path = path.resolve(file);
    this.lockPath = `${this.path}.lock`;
    this.host = opts.host ?? os.hostname();
    this.pid = opts.pid ?? process.pid;
    this.now = opts.now ?? Date.now;
    this.leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    this.renewal = opts.renewal ?? renewEvery(this.leaseMs / 3);
  }

  /** All events in the file, oldest first. */
  readAll(): JournalEvent[] {
    if (!fs.existsSync(this.path)) return [];
    return parseLines(fs.readFileSync(this.path, "utf8"), this.path);
  }

  async lastRun(): Promise<JournalEvent[]> {
    return lastRunOf(this.readAll());
  }

  async history(): Promise<JournalEvent[]> {
    return this.readAll();
  }

  async append(event: JournalEvent): Promise<void> {
    fs.mkdirSync(path.dirname(this.path), { recursive: true });
    const fd = fs.openSync(this.path, "a+");
    try {
      const line = toLine(event);
      if (!this.tailChecked) {
        // A crash mid-write may have left a torn last line: it never was an event, drop it.
        const size = fs.fstatSync(fd).size;
        if (size > 0) {
          const text = fs.readFileSync(this.path, "utf8");
          if (!text.endsWith("\n")) fs.ftruncateSync(fd, Buffer.byteLength(text.slice(0, text.lastIndexOf("\n") + 1)));
        }
        this.tailChecked = true;
      }
      fs.writeSync(fd, line);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** The current holder of the lock, if any. */
  holder(): LockHolder | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.lockPath, "utf8")) as LockHolder;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      // Unreadable or torn lock file: someone holds it, we can't tell who.
      return { runId: "unknown", pid: -1, host: "unknown", since: "unknown" };
    }
  }

  private holderFor(runId: string, since?: string): LockHolder {
    const now = this.now();
    return { runId, pid: this.pid, host: this.host, since: since ?? new Date(now).toISOString(), expiresAt: new Date(now + this.leaseMs).toISOString() };
  }

  /** Replaces the lock file atomically (a temp file renamed over it). */
  private writeLock(holder: LockHolder): void {
    const tmp = `${this.lockPath}.${this.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(holder) + "\n");
    fs.renameSync(tmp, this.lockPath);
  }

  async lock(runId: string, opts: { takeOver: boolean }): Promise<void> {
    fs.mkdirSync(path.dirname(this.lockPath), { recursive: true });
    const mine = this.holderFor(runId);
    try {
      const fd = fs.openSync(this.lockPath, "wx");
      try {
        fs.writeSync(fd, JSON.stringify(mine) + "\n");
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = this.holder();
      if (holder) {
        const liveness = holderLiveness(holder, this.host, this.now());
        if (liveness === "alive") throw new LockHeldError(holder, this.lockPath, false, true, holder.host === this.host);
        if (!opts.takeOver) throw new LockHeldError(holder, this.lockPath, liveness === "gone");
      }
      this.writeLock(mine);
    }
    this.startRenewal(runId, mine.since);
  }

  /** Moves the lease's expiry forward while this run holds the lock. */
  private startRenewal(runId: string, since: string): void {
    this.stopRenewal?.();
    this.stopRenewal = this.renewal(() => {
      if (this.holder()?.runId === runId) this.writeLock(this.holderFor(runId, since));
    });
  }

  async unlock(runId: string): Promise<void> {
    await this.abandon();
    const holder = this.holder();
    if (holder?.runId === runId) fs.rmSync(this.lockPath, { force: true });
  }

  /** Stops renewing the lease and leaves the lock, as a process that died would. */
  async abandon(): Promise<void> {
    this.stopRenewal?.();
    this.stopRenewal = undefined;
  }
}
