/**
 * Reading a run back from its journal events: whether it finished, which steps are done, its
 * marks (promotion times, lags) and its start. Shared by the executor (resume), the report and
 * both journal adapters.
 */
import { z } from "zod";
import { RefusedError } from "../errors";
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

const runId = z.string().min(1);
const at = z.number().finite();
const data = z.record(z.string(), z.unknown());

/** What a journal line must be: one of the five events, with the fields the driver reads. */
const eventSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("run-start"), runId, at, command: z.string().min(1), args: data, pid: z.number(), host: z.string() }),
  z.object({ kind: z.literal("step-start"), runId, at, step: z.string().min(1) }),
  z.object({
    kind: z.literal("step-end"),
    runId,
    at,
    step: z.string().min(1),
    outcome: z.enum(["done", "skipped", "failed"]),
    detail: z.string().optional(),
    data: data.optional(),
  }),
  z.object({ kind: z.literal("mark"), runId, at, name: z.string().min(1), data: data.optional() }),
  z.object({ kind: z.literal("run-end"), runId, at, outcome: z.enum(["succeeded", "failed", "aborted", "rolled-back"]), report: data.optional() }),
]);

/** A journal line that is neither an event nor a torn last write: nothing can be trusted after it. */
export class JournalDamagedError extends RefusedError {
  override name = "JournalDamagedError";
  constructor(where: string, line: number, what: string) {
    super(
      `The journal ${where} is damaged: line ${line} ${what}. Nothing was changed.\n` +
        `Move it aside to start afresh (e.g. mv ${where} ${where}.damaged), after checking that no run is left half-done, ` +
        `or pass --journal with another file.`,
    );
  }
}

/**
 * Parses journal text, validating every event. A torn last line (a crash mid-write leaves a line
 * without its newline) is ignored; any other line that is not an event is an error naming it.
 */
export function parseLines(text: string, where: string): JournalEvent[] {
  const lines = text.split("\n");
  const out: JournalEvent[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    // Only the very last line can be torn, and only if the file does not end with a newline.
    const torn = i === lines.length - 1;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (torn) return;
      throw new JournalDamagedError(where, i + 1, "is not valid JSON");
    }
    const parsed = eventSchema.safeParse(value);
    if (!parsed.success) {
      if (torn) return;
      const issue = parsed.error.issues[0];
      const field = issue?.path.length ? ` (${issue.path.join(".")}: ${issue.message})` : issue ? ` (${issue.message})` : "";
      throw new JournalDamagedError(where, i + 1, `is not a journal event${field}`);
    }
    out.push(value as JournalEvent);
  });
  return out;
}
