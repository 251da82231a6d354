/**
 * The call log: every call that reached a simulated service, for tests and drill reports to assert
 * on (what was called, where, with what outcome). Stamped with the clock's time; it does not settle
 * the world, so logging a call never applies a transition.
 */
import type { Clock } from "../../ports";

export interface CallRecord {
  at: number;
  /** "cloud" for SimCloud, "pulumi:<stack>" for SimStacks, "test" for direct world calls. */
  origin: string;
  /** AWS API name, e.g. FailoverGlobalCluster. */
  api: string;
  /** CloudPort method when the call came through SimCloud. */
  method?: string;
  region: string;
  args: Record<string, unknown>;
  sideEffect: boolean;
  /** "ok" or the error name. */
  outcome: string;
}

export class CallLog {
  private readonly log: CallRecord[] = [];

  constructor(private readonly clock: Clock) {}

  recordCall(rec: Omit<CallRecord, "at">): void {
    this.log.push({ at: this.clock.now(), ...rec });
  }

  calls(filter: { api?: string; method?: string; origin?: string } = {}): CallRecord[] {
    return this.log.filter(
      (c) => (!filter.api || c.api === filter.api) && (!filter.method || c.method === filter.method) && (!filter.origin || c.origin === filter.origin),
    );
  }

  sideEffects(name?: string): CallRecord[] {
    return this.log.filter((c) => c.sideEffect && c.outcome === "ok" && (!name || c.api === name || c.method === name));
  }
}
