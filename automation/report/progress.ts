/**
 * Step progress while a plan runs: a live task list on a TTY (redrawn in place), one plain line
 * per finished step otherwise (CI logs, pipes). Times are the driver's Clock (virtual in drills).
 */
import type { Clock } from "../ports";
import type { ExecutionObserver, StepRecord } from "../engine/executor";
import type { Step } from "../plan/types";
import { formatDuration } from "../util/duration";

export interface Output {
  write(text: string): void;
  isTTY?: boolean;
  /** Width of the terminal, when it is one. */
  columns?: number;
}

const ICON: Record<string, string> = { done: "✔", skipped: "↷", failed: "✖", aborted: "■", earlier: "✔", "not-run": "·", running: "▶" };

/** One line per finished step: `[+03:12] ✔ scale-nodes-web  3m 00s  3 nodes Ready`. */
export class PlainProgress implements ExecutionObserver {
  constructor(
    private readonly out: Output,
    private readonly clock: Clock,
    private readonly startedAt: number,
    private readonly opts: { verbose?: boolean } = {},
  ) {}

  private offset(at: number): string {
    const s = Math.max(0, Math.round((at - this.startedAt) / 1000));
    const two = (n: number) => String(n).padStart(2, "0");
    // Past an hour (a failback waiting for Aurora's rebuild): h:mm:ss.
    return s >= 3600 ? `+${Math.floor(s / 3600)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}` : `+${two(Math.floor(s / 60))}:${two(s % 60)}`;
  }

  stepEnded(r: StepRecord): void {
    const at = r.endedAt ?? this.clock.now();
    const took = r.startedAt !== undefined && r.endedAt !== undefined ? formatDuration(r.endedAt - r.startedAt) : "";
    const what = r.outcome === "earlier" ? "done earlier" : r.outcome;
    this.out.write(`[${this.offset(at)}] ${ICON[r.outcome] ?? "?"} ${r.id}  ${what}${took ? ` in ${took}` : ""}${r.detail ? `  ${r.detail}` : ""}\n`);
  }

  stepLog(step: Step, line: string, at: number): void {
    if (this.opts.verbose || /throttled|already|failed/i.test(line)) this.out.write(`[${this.offset(at)}]   ${step.id}: ${line.trim()}\n`);
  }
}

/** A task list redrawn in place: every step with its state, elapsed time and latest activity. */
export class LiveProgress implements ExecutionObserver {
  private readonly rows: { id: string; title: string; state: string; startedAt?: number; endedAt?: number; note?: string }[];
  private drawn = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly out: Output,
    private readonly clock: Clock,
    steps: Step[],
  ) {
    this.rows = steps.map((s) => ({ id: s.id, title: s.title, state: "not-run" }));
  }

  start(): void {
    this.draw();
    this.timer = setInterval(() => this.draw(), 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.draw();
  }

  stepStarted(step: Step, at: number): void {
    const row = this.rows.find((r) => r.id === step.id);
    if (row) Object.assign(row, { state: "running", startedAt: at, note: undefined });
    this.draw();
  }

  stepEnded(rec: StepRecord): void {
    const row = this.rows.find((r) => r.id === rec.id);
    if (row) Object.assign(row, { state: rec.outcome, startedAt: rec.startedAt, endedAt: rec.endedAt ?? this.clock.now(), note: rec.detail });
    this.draw();
  }

  stepLog(step: Step, line: string): void {
    const row = this.rows.find((r) => r.id === step.id);
    if (row) row.note = line.trim().slice(0, 100);
    this.draw();
  }

  private draw(): void {
    const now = this.clock.now();
    const lines = this.rows.map((r) => {
      const t = r.startedAt !== undefined ? formatDuration((r.endedAt ?? now) - r.startedAt) : "";
      const note = r.note ? `  \x1b[2m${r.note}\x1b[0m` : "";
      return `${ICON[r.state] ?? "?"} ${r.id.padEnd(28)} ${t.padStart(7)}  ${r.title}${note}`;
    });
    let text = "";
    if (this.drawn > 0) text += `\x1b[${this.drawn}A`;
    text += lines.map((l) => `\x1b[2K${l}`).join("\n") + "\n";
    this.out.write(text);
    this.drawn = lines.length;
  }
}
