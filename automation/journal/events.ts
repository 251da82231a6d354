/**
 * Reading a run back from its journal events: whether it finished, which steps are done, its
 * marks (promotion times, lags) and its start. Shared by the executor (resume), the report and
 * both journal adapters.
 */
import type { JournalEvent } from "../ports";

export type RunStartEvent = Extract<JournalEvent, { kind: "run-start" }>;
export type StepEndEvent = Extract<JournalEvent, { kind: "step-end" }>;
export type MarkEvent = Extract<JournalEvent, { kind: "mark" }>;
export type RunEndEvent = Extract<JournalEvent, { kind: "run-end" }>;

export interface Mark {
  at: number;
  data: Record<string, unknown>;
}

/**
 * The events of the last run: every event carrying the runId of the last `run-start`, from the
 * first `run-start` with that id (a resumed run appends another `run-start` with the same id).
 */
export function lastRunOf(events: JournalEvent[]): JournalEvent[] {
  let lastStart: RunStartEvent | undefined;
  for (const e of events) if (e.kind === "run-start") lastStart = e;
  if (!lastStart) return [];
  const runId = lastStart.runId;
  const first = events.findIndex((e) => e.kind === "run-start" && e.runId === runId);
  return events.slice(first).filter((e) => e.runId === runId);
}

export function runStart(events: JournalEvent[]): RunStartEvent | undefined {
  return events.find((e): e is RunStartEvent => e.kind === "run-start");
}

export function runEnd(events: JournalEvent[]): RunEndEvent | undefined {
  return events.find((e): e is RunEndEvent => e.kind === "run-end");
}

/** A run that started and has no `run-end`: crashed or killed, resumable. */
export function isUnfinished(events: JournalEvent[]): boolean {
  return runStart(events) !== undefined && runEnd(events) === undefined;
}

/** Steps whose last `step-end` is done or skipped (postcondition held). */
export function completedSteps(events: JournalEvent[]): Map<string, StepEndEvent> {
  const out = new Map<string, StepEndEvent>();
  for (const e of events) {
    if (e.kind !== "step-end") continue;
    if (e.outcome === "failed") out.delete(e.step);
    else out.set(e.step, e);
  }
  return out;
}

/** Marks by name; a later mark of the same name wins. */
export function marksOf(events: JournalEvent[]): Map<string, Mark> {
  const out = new Map<string, Mark>();
  for (const e of events) if (e.kind === "mark") out.set(e.name, { at: e.at, data: e.data ?? {} });
  return out;
}

/** Serialises one event as a journal line. */
export const toLine = (event: JournalEvent): string => JSON.stringify(event) + "\n";

/** Parses journal text; a torn last line (a crash mid-write) is ignored, any other bad line is an error. */
export function parseLines(text: string, where: string): JournalEvent[] {
  const lines = text.split("\n");
  const out: JournalEvent[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      out.push(JSON.parse(line) as JournalEvent);
    } catch {
      const isLast = lines.slice(i + 1).every((l) => l.trim() === "");
      if (!isLast) throw new Error(`${where}: line ${i + 1} is not valid JSON; the journal is damaged. Move it away to start afresh.`);
    }
  });
  return out;
}
