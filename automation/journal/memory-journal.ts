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
}

export class MemoryJournal implements JournalPort {
  constructor(
    readonly store: MemoryJournalStore = new MemoryJournalStore(),
    private readonly who: { pid: number; host: string } = { pid: process.pid, host: "simulation" },
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
    if (this.store.holder && !opts.takeOver) throw new LockHeldError(this.store.holder, "(in-memory journal)", false);
    this.store.holder = { runId, pid: this.who.pid, host: this.who.host, since: new Date().toISOString() };
  }

  async unlock(runId: string): Promise<void> {
    if (this.store.holder?.runId === runId) this.store.holder = undefined;
  }
}
