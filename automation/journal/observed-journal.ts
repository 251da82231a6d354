/**
 * A journal that calls `afterWrite` once each of its writes (an event, the lock taken, released
 * or left) is done: the simulation saves its world there, so a later process finds the world as
 * the journal describes it.
 */
import type { JournalEvent, JournalPort } from "../ports";

export class ObservedJournal implements JournalPort {
  constructor(
    private readonly inner: JournalPort,
    private readonly afterWrite: () => void,
  ) {}

  lastRun(): Promise<JournalEvent[]> {
    return this.inner.lastRun();
  }

  history(): Promise<JournalEvent[]> {
    return this.inner.history();
  }

  async append(event: JournalEvent): Promise<void> {
    await this.inner.append(event);
    this.afterWrite();
  }

  async lock(runId: string, opts: { takeOver: boolean }): Promise<void> {
    await this.inner.lock(runId, opts);
    this.afterWrite();
  }

  async unlock(runId: string): Promise<void> {
    await this.inner.unlock(runId);
    this.afterWrite();
  }

  async abandon(runId: string): Promise<void> {
    await this.inner.abandon(runId);
    this.afterWrite();
  }
}
