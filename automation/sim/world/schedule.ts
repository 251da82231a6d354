/**
 * The world's time and its queue of scheduled transitions. Nothing in the world sleeps or holds a
 * clock timer: a transition (a failover completing, nodes turning Ready, a health check flipping...)
 * is queued with the time it happens, and `settle` applies the ones due by the clock's now, in time
 * order, letting the world re-derive its state after each one.
 */

interface PendingEvent {
  at: number;
  seq: number;
  label: string;
  run: () => void;
}

import { SimulationStalledError } from "../errors";

/** Bounds on one `settle`, so that a model bug or a too-small figure stops instead of spinning. */
export interface ScheduleBounds {
  /** Transitions applied at one instant before the model is declared stuck. @default 10000 */
  maxTransitionsAtOneInstant: number;
  /** Transitions applied by one settle, whatever their times. @default 1000000 */
  maxTransitionsPerSettle: number;
}

export const DEFAULT_SCHEDULE_BOUNDS: ScheduleBounds = { maxTransitionsAtOneInstant: 10_000, maxTransitionsPerSettle: 1_000_000 };

/** What `settle` asks of the world around each transition. */
export interface SettleHooks {
  /** Records what the world looked like through `until` (before the next transition changes it). */
  observe(until: number): void;
  /** Re-derives the state that follows from the rest (pods ready, site serving, DNS answer...). */
  recompute(): void;
}

export class Schedule {
  private readonly events: PendingEvent[] = [];
  private eventSeq = 0;
  private current: number;
  private settling = false;
  private readonly bounds: ScheduleBounds;

  constructor(start: number, bounds: Partial<ScheduleBounds> = {}) {
    this.current = start;
    this.bounds = { ...DEFAULT_SCHEDULE_BOUNDS, ...bounds };
  }

  /** The world's time: the clock's at the last settle, or the time of the transition being applied. */
  get t(): number {
    return this.current;
  }

  /** Queues `run` at `at`, after whatever is already queued for that time. Returns `at`. */
  schedule(at: number, label: string, run: () => void): number {
    const ev: PendingEvent = { at, seq: this.eventSeq++, label, run };
    let i = this.events.length;
    while (i > 0 && this.events[i - 1].at > at) i--;
    this.events.splice(i, 0, ev);
    return at;
  }

  /** Applies every scheduled transition due by `now`, in time order. */
  settle(now: number, world: SettleHooks): void {
    if (this.settling) return;
    this.settling = true;
    let applied = 0;
    let atInstant = 0;
    try {
      while (this.events.length > 0 && this.events[0].at <= now) {
        const ev = this.events.shift() as PendingEvent;
        atInstant = ev.at > this.current ? 1 : atInstant + 1;
        if (atInstant > this.bounds.maxTransitionsAtOneInstant) {
          throw new SimulationStalledError(
            `the simulation applied ${atInstant - 1} transitions at ${new Date(ev.at).toISOString()} without time moving (last: "${ev.label}"); ` +
              `a latency figure is probably too small to make progress`,
          );
        }
        if (++applied > this.bounds.maxTransitionsPerSettle) {
          throw new SimulationStalledError(
            `the simulation applied ${applied - 1} transitions in one step of time (last: "${ev.label}" at ${new Date(ev.at).toISOString()})`,
          );
        }
        // Datapoints of the minutes that began before this transition see the state before it.
        world.observe(ev.at - 1);
        this.current = Math.max(this.current, ev.at);
        ev.run();
        world.recompute();
      }
      this.current = Math.max(this.current, now);
      world.recompute();
      world.observe(now);
    } finally {
      this.settling = false;
    }
  }

  /** Transitions not yet applied (label and time). */
  pending(): { at: number; label: string }[] {
    return this.events.map((e) => ({ at: e.at, label: e.label }));
  }
}
