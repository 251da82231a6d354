/**
 * The task list on a terminal: every step with its state, elapsed time and latest activity,
 * redrawn in place by log-update (which erases exactly the lines it drew, wrapped at the
 * terminal's width). Each row is cut to the width first, so a row is one line at any width.
 */
import { createLogUpdate } from "log-update";
import type { Clock } from "../ports";
import type { ExecutionObserver, StepRecord } from "../engine/executor";
import type { Step } from "../plan/types";
import { formatDuration } from "../util/duration";
import type { Output } from "./output";
import { ICON } from "./plain-progress";

const DIM = (s: string) => `\x1b[2m${s}\x1b[22m`;

/** `text` cut to `width` columns (the rows hold ASCII and one-column symbols), marked with an ellipsis. */
export function fitWidth(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return width <= 1 ? chars.slice(0, Math.max(0, width)).join("") : `${chars.slice(0, width - 1).join("")}…`;
}

interface Row {
  id: string;
  title: string;
  state: string;
  startedAt?: number;
  endedAt?: number;
  note?: string;
}

export class LiveProgress implements ExecutionObserver {
  private readonly rows: Row[];
  private readonly update: ReturnType<typeof createLogUpdate>;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly out: Output,
    private readonly clock: Clock,
    steps: Step[],
    private readonly opts: { color: boolean; clearAtEnd?: boolean },
  ) {
    this.rows = steps.map((s) => ({ id: s.id, title: s.title, state: "not-run" }));
    // log-update reads `columns`/`rows` and calls `write`: the Output is the stream it needs.
    const stream = {
      write: (s: string) => (out.write(s), true),
      get columns() {
        return out.columns;
      },
      get rows() {
        return out.rows;
      },
      isTTY: true,
    };
    this.update = createLogUpdate(stream as unknown as NodeJS.WriteStream, { showCursor: true });
  }

  start(): void {
    this.draw();
    this.timer = setInterval(() => this.draw(), 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.opts.clearAtEnd) {
      this.update.clear();
    } else {
      this.draw();
      this.update.done();
    }
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
    if (row) row.note = line.trim();
    this.draw();
  }

  /** The frame: one line per step, none longer than the terminal is wide (one column spare for the cursor). */
  frame(): string {
    const now = this.clock.now();
    const width = Math.max(1, (this.out.columns ?? 80) - 1);
    const idWidth = Math.min(28, Math.max(...this.rows.map((r) => r.id.length)));
    return this.rows
      .map((r) => {
        const t = r.startedAt !== undefined ? formatDuration((r.endedAt ?? now) - r.startedAt) : "";
        const head = fitWidth(`${ICON[r.state] ?? "?"} ${r.id.padEnd(idWidth)} ${t.padStart(7)}  ${r.title}`, width);
        const room = width - [...head].length - 2;
        if (!r.note || room < 8) return head;
        const note = fitWidth(r.note, room);
        return `${head}  ${this.opts.color ? DIM(note) : note}`;
      })
      .join("\n");
  }

  private draw(): void {
    this.update(this.frame());
  }
}
