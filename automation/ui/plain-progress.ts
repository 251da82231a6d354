/**
 * Progress for logs and pipes (not a terminal, or TERM=dumb): one line per state change (a step
 * starts, a step ends) and, at each full minute of the run while a step has been running longer
 * than a minute, one heartbeat line naming those steps, so that a CI log shows the run is alive.
 * Times are the driver's Clock (virtual in drills) and offsets from the run's start.
 */
import type { Clock } from "../ports";
import type { ExecutionObserver, StepRecord } from "../engine/executor";
import type { Step } from "../plan/types";
import { formatDuration } from "../util/duration";
import type { Output } from "./output";

export const ICON: Record<string, string> = { done: "✔", skipped: "↷", failed: "✖", aborted: "■", earlier: "✔", "not-run": "·", running: "▶" };

/** A heartbeat line for a step running longer than this, then one per this much more. */
export const HEARTBEAT_MS = 60_000;

/** Calls `fn` every `ms` of real time until the returned function is called. */
export type Ticker = (fn: () => void, ms: number) => () => void;

const realTicker: Ticker = (fn, ms) => {
  const t = setInterval(fn, ms);
  t.unref();
  return () => clearInterval(t);
};

export function offsetText(at: number, startedAt: number): string {
  const s = Math.max(0, Math.round((at - startedAt) / 1000));
  const two = (n: number) => String(n).padStart(2, "0");
  // Past an hour (a failback waiting for Aurora's rebuild): h:mm:ss.
  return s >= 3600 ? `+${Math.floor(s / 3600)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}` : `+${two(Math.floor(s / 60))}:${two(s % 60)}`;
}

export class PlainProgress implements ExecutionObserver {
  /** Steps running now, and when they started. */
  private readonly running = new Map<string, number>();
  /** The last minute of the run a heartbeat was considered for. */
  private minute = 0;
  private cancelTicker?: () => void;

  constructor(
    private readonly out: Output,
    private readonly clock: Clock,
    private readonly startedAt: number,
    private readonly opts: { verbose?: boolean; ticker?: Ticker } = {},
  ) {}

  /**
   * Heartbeats are checked every second of real time and at every event, never by sleeping on the
   * Clock: a timer on the simulation's virtual clock would move its time.
   */
  start(): void {
    this.cancelTicker = (this.opts.ticker ?? realTicker)(() => this.heartbeat(), 1000);
  }

  stop(): void {
    this.cancelTicker?.();
    this.cancelTicker = undefined;
  }

  private line(at: number, text: string): void {
    this.out.write(`[${offsetText(at, this.startedAt)}] ${text}\n`);
  }

  /**
   * The heartbeats due up to `now`, each stamped with its own minute: events arrive in time order,
   * so on the simulation's virtual clock (where a minute passes between two events without a real
   * tick) the log reads as it would have in real time.
   */
  heartbeat(now = this.clock.now()): void {
    for (let at = this.startedAt + (this.minute + 1) * HEARTBEAT_MS; at <= now; at += HEARTBEAT_MS) {
      this.minute++;
      const long = [...this.running].filter(([, startedAt]) => at - startedAt >= HEARTBEAT_MS);
      if (long.length) this.line(at, `… still running: ${long.map(([id, startedAt]) => `${id} (${formatDuration(at - startedAt)})`).join(", ")}`);
    }
  }

  stepStarted(step: Step, at: number): void {
    this.heartbeat(at);
    this.running.set(step.id, at);
    this.line(at, `${ICON.running} ${step.id}  started: ${step.title}`);
  }

  stepEnded(r: StepRecord): void {
    const at = r.endedAt ?? this.clock.now();
    this.heartbeat(at);
    this.running.delete(r.id);
    const took = r.startedAt !== undefined && r.endedAt !== undefined ? formatDuration(r.endedAt - r.startedAt) : "";
    const what = r.outcome === "earlier" ? "done earlier" : r.outcome;
    this.line(at, `${ICON[r.outcome] ?? "?"} ${r.id}  ${what}${took ? ` in ${took}` : ""}${r.detail ? `  ${r.detail}` : ""}`);
  }

  stepLog(step: Step, line: string, at: number): void {
    this.heartbeat(at);
    if (this.opts.verbose || /throttled|already|failed/i.test(line)) this.line(at, `  ${step.id}: ${line.trim()}`);
  }
}
