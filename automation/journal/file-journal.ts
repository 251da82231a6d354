/**
 * The run journal on disk: one JSON event per line (`.eks-dr/journal.jsonl` by default).
 *
 * Every append is written and fsync'ed before it returns, so a step recorded as done survives a
 * crash of the driver or of the machine; a torn last line (a crash mid-write) is ignored on read
 * and dropped before the next append.
 * The run lock is a file beside the journal created with O_EXCL and holding the holder's run id,
 * pid, host and start time, so a second concurrent run is refused with a message naming the
 * holder; `--take-over` replaces a stale lock.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { JournalEvent, JournalPort } from "../ports";
import { lastRunOf, parseLines, toLine } from "./events";
import { LockHeldError, processAlive, type LockHolder } from "./lock";

/** Relative to the project directory; `.eks-dr/` is gitignored. */
export const DEFAULT_JOURNAL_PATH = path.join(".eks-dr", "journal.jsonl");

export interface FileJournalOptions {
  /** Host name recorded in the lock (tests). @default os.hostname() */
  host?: string;
  /** Process id recorded in the lock (tests). @default process.pid */
  pid?: number;
  /** Wall-clock time for the lock's `since` (the run's own events use the driver's Clock). */
  now?: () => number;
}

export class FileJournal implements JournalPort {
  readonly path: string;
  readonly lockPath: string;
  private readonly host: string;
  private readonly pid: number;
  private readonly now: () => number;
  private tailChecked = false;

  constructor(file: string, opts: FileJournalOptions = {}) {
    this.path = path.resolve(file);
    this.lockPath = `${this.path}.lock`;
    this.host = opts.host ?? os.hostname();
    this.pid = opts.pid ?? process.pid;
    this.now = opts.now ?? Date.now;
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

  async lock(runId: string, opts: { takeOver: boolean }): Promise<void> {
    fs.mkdirSync(path.dirname(this.lockPath), { recursive: true });
    const mine: LockHolder = { runId, pid: this.pid, host: this.host, since: new Date(this.now()).toISOString() };
    const body = JSON.stringify(mine) + "\n";
    try {
      const fd = fs.openSync(this.lockPath, "wx");
      try {
        fs.writeSync(fd, body);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const holder = this.holder();
    if (holder && !opts.takeOver) {
      const stale = holder.host === this.host && holder.pid > 0 && !processAlive(holder.pid);
      throw new LockHeldError(holder, this.lockPath, stale);
    }
    // Take over: replace the holder atomically (write a temp file, rename over the lock).
    const tmp = `${this.lockPath}.${this.pid}.tmp`;
    fs.writeFileSync(tmp, body);
    fs.renameSync(tmp, this.lockPath);
  }

  async unlock(runId: string): Promise<void> {
    const holder = this.holder();
    if (holder?.runId === runId) fs.rmSync(this.lockPath, { force: true });
  }
}
