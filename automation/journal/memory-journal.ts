/**
 * A journal kept in memory, for the simulated Regions (the drill, `--sim`, tests): a simulated
 * world lives in one process, so its journal does too. Same semantics as FileJournal; journals
 * built on one `MemoryJournalStore` share events and lock, like two processes on one file.
 */
import type { JournalEvent, JournalPort } from "../ports";
import { lastRunOf } from "./events";
import { LockHeldError, type LockHolder } from "./lock";

export class MemoryJournalStore {
  events: JournalEvent[] = [];
  holder?: LockHolder;
  /** Whether the (simulated) process that took the lock still runs; unknown without one. */
  holderAlive?: () => boolean;
}

export interface MemoryJournalOwner {
  pid: number;
  host: string;
  /** The simulated driver process using this journal now (its `alive` says whether it crashed). */
  process?: () => { alive: boolean };
}

export class MemoryJournal implements JournalPort {
  constructor(
    readonly store: MemoryJournalStore = new MemoryJournalStore(),
    private readonly who: MemoryJournalOwner = { pid: process.pid, host: "simulation" },
  ) {}

  get events(): JournalEvent[] {
    return this.store.events;
  }

  async lastRun(): Promise<JournalEvent[]> {
    return lastRunOf(this.store.events);
  }

  async history(): Promise<JournalEvent[]> {
    return structuredClone(this.store.events);
  }

  async append(event: JournalEvent): Promise<void> {
    this.store.events.push(structuredClone(event));
  }

  async lock(runId: string, opts: { takeOver: boolean }): Promise<void> {
    const holder = this.store.holder;
    if (holder) {
      // The same rule as on disk: a live holder is never taken over.
      if (this.store.holderAlive?.()) throw new LockHeldError(holder, "(in-memory journal)", false, true, true);
      if (!opts.takeOver) throw new LockHeldError(holder, "(in-memory journal)", this.store.holderAlive !== undefined);
    }
    const proc = this.who.process?.();
    this.store.holder = { runId, pid: this.who.pid, host: this.who.host, since: new Date().toISOString() };
    this.store.holderAlive = proc ? () => proc.alive : undefined;
  }

  async unlock(runId: string): Promise<void> {
    if (this.store.holder?.runId === runId) {
      this.store.holder = undefined;
      this.store.holderAlive = undefined;
    }
  }

  /** Nothing renews an in-memory lock: the holder's process liveness is read directly. */
  async abandon(): Promise<void> {}
}
