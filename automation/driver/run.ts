/**
 * The run lifecycle every command shares: take the lock; read the journal (an unfinished or failed
 * run of the same command and args is resumed, one of another command is refused); build the
 * plan; on a fresh run apply the command's safety gates; confirm; journal run-start; execute (and
 * roll back before a point of no return); journal run-end with the report; unlock. A simulated
 * crash leaves the journal and lock as a killed process would.
 */
import { randomUUID } from "node:crypto";
import * as os from "node:os";
import type { Clock, CloudPort, JournalEvent, JournalPort, StackPort } from "../ports";
import { RefusedError, StoppedError, failureMessage, isCrash } from "../errors";
import { execute, type ExecutionObserver, type StepRecord } from "../engine/executor";
import { previewPlan, readOnlyContext, type StepPreview } from "../engine/inspect";
import { completedSteps, isUnfinished, marksOf, runEnd, runStart, type Mark, type RunStartEvent } from "../journal/events";
import { LockHeldError } from "../journal/lock";
import type { Pair } from "../plan/sites";
import { DEFAULT_TIMEOUTS, timeoutsWithConfig, type Plan, type Timeouts } from "../plan/types";
import type { ReadinessCheck } from "../readiness";
import { buildReport, type RunReport } from "../report/report";
import { describePairState } from "../report/pair-state";
import { readOnlySites } from "../report/read-only";
import { MARK } from "../plan/steps";
import { isoTime } from "../util/duration";
import { formatDryRun, formatPlanSummary } from "./plan-text";

export interface DriverDeps {
  cloud: CloudPort;
  stacks: StackPort;
  clock: Clock;
  journal: JournalPort;
  /** The two sites' stack names (from the project's stack files, or the simulation). */
  stackNames: [string, string];
  /** Where the journal is, for messages. */
  journalLabel?: string;
  /** Jitter of throttling retries; seeded in simulations. */
  random?: () => number;
  timeouts?: Timeouts;
  maxConcurrency?: number;
  /** The simulation's crash hook, called after each step. */
  onStepBoundary?: (stepIndex: number, stepId: string) => void | Promise<void>;
  pid?: number;
  host?: string;
  /** Where the state a failover needs lives (Pulumi backend, lock and journal): status's warnings. */
  locationChecks?: () => Promise<ReadinessCheck[]>;
  /** Flags to repeat when resuming (e.g. `--journal <file>`, `--sim`), for the commands messages print. */
  resumeFlags?: string[];
}

export interface RunOptions {
  /** Print the plan, the config changes and the steps; change nothing. */
  dryRun?: boolean;
  takeOver?: boolean;
  /** RTO starts here instead of at the run's start (ms on the driver's clock). */
  incidentAt?: number;
  /** Refuse an unplanned failover whose estimated RPO exceeds this, unless `force`. */
  maxDataLossMs?: number;
  force?: boolean;
  /** Asked with the plan summary before anything changes; resolving false cancels. */
  confirm?: (summary: string[], plan: Plan) => Promise<boolean>;
  /**
   * Called once a fresh run has passed the checks that need no cloud, before its gates read the
   * cloud: the simulation applies the premise of an unplanned run (the source Region impaired) here,
   * so a refused run has applied nothing.
   */
  beforeGates?: () => void | Promise<void>;
  /** Checks the plan once built (e.g. that a step named by a flag is in it); throws to refuse. */
  checkPlan?: (plan: Plan) => void;
  /** Progress display for the run. */
  observer?: (plan: Plan, startedAt: number) => ExecutionObserver & { start?(): void; stop?(): void };
  /** Fires when the operator asks to stop (Ctrl-C): the run ends at the next step boundary, resumable. */
  stop?: AbortSignal;
}

export interface DryRunResult {
  kind: "dry-run";
  plan: Plan;
  steps: StepPreview[];
  resumes?: { runId: string; done: string[] };
  /** Why the run would be refused (its exit code is the refusal's). */
  refusal?: string;
  lines: string[];
}

export interface RunResult {
  kind: "run";
  report: RunReport;
  lines: string[];
}

export type CommandResult = DryRunResult | RunResult;

// ---------------------------------------------------------------------------------------------
// Journal state

interface Resumable {
  start: RunStartEvent;
  events: JournalEvent[];
}

/** The last run when it can be resumed: it has no end (crash), or it ended failed. */
export function resumableRun(events: JournalEvent[]): Resumable | undefined {
  const start = runStart(events);
  if (!start) return undefined;
  const end = runEnd(events);
  if (isUnfinished(events) || end?.outcome === "failed") return { start, events };
  return undefined;
}

export const argsText = (command: string, args: Record<string, unknown>) => [command, ...Object.entries(args).map(([k, v]) => `--${k} ${String(v)}`)].join(" ");

const sameArgs = (a: Record<string, unknown>, b: Record<string, unknown>) => Object.keys({ ...a, ...b }).every((k) => String(a[k]) === String(b[k]));

/** The command that runs (or resumes) `command args`, with the flags the operator gave that matter for it. */
export function commandLine(deps: Pick<DriverDeps, "resumeFlags">, command: string, args: Record<string, unknown>): string {
  const flags = Object.entries(args).map(([k, v]) => `--${k} ${String(v)}`);
  const all = [...flags, ...(deps.resumeFlags ?? [])];
  return `npm run ${command}${all.length ? ` -- ${all.join(" ")}` : ""}`;
}

function refuseOther(deps: DriverDeps, r: Resumable, command: string, args: Record<string, unknown>): never {
  const ended = runEnd(r.events);
  throw new RefusedError(
    `The journal ${deps.journalLabel ?? ""} holds an ${ended ? "failed" : "unfinished"} run ${r.start.runId} (\`${argsText(r.start.command, r.start.args)}\`, ` +
      `started ${isoTime(r.start.at)}); \`${argsText(command, args)}\` would act on a half-changed pair.\n` +
      `Finish it first by running \`${commandLine(deps, r.start.command, r.start.args)}\` (it resumes where it stopped). ` +
      `If you have resolved it by hand, move the journal file aside to start afresh.`,
  );
}

// ---------------------------------------------------------------------------------------------
// Running a plan

export interface PlanSpec {
  command: string;
  /** Args given by the user; undefined values are taken from a resumable run of the same command. */
  args: Record<string, string | undefined>;
  /** Values for args the user did not give, on a fresh run. */
  defaults?: () => Promise<Record<string, string | undefined>>;
  build: (args: Record<string, string>, resuming: boolean) => Promise<Plan>;
  /**
   * Checks that need no cloud (config of both sites, the config the plan leaves behind), on every
   * run, resumes included, before anything else; throws RefusedError.
   */
  validate?: (plan: Plan, resuming: boolean) => Promise<void>;
  /** Safety gates of a fresh run; throws RefusedError. Returns notes for the confirmation. */
  gate?: (plan: Plan) => Promise<string[]>;
  /** Gates of a resumed run (what must answer for the steps not done yet); throws RefusedError. */
  resumeGate?: (plan: Plan, done: Set<string>, marks: ReadonlyMap<string, Mark>) => Promise<string[]>;
  /** The switch's two sites, for the state a run stopped past its point of no return reports. */
  pair?: (plan: Plan) => Promise<Pair>;
}

export async function runPlan(deps: DriverDeps, spec: PlanSpec, opts: RunOptions): Promise<CommandResult> {
  const clock = deps.clock;
  // The run starts when the operator invokes it (gates and the prompt count towards the RTO).
  const invokedAt = clock.now();
  const attemptId = randomUUID();
  if (!opts.dryRun) {
    try {
      await deps.journal.lock(attemptId, { takeOver: !!opts.takeOver });
    } catch (err) {
      if (err instanceof LockHeldError) throw new RefusedError(err.message);
      throw err;
    }
  }
  let keepLock = false;
  try {
    const last = await deps.journal.lastRun();
    const resumable = resumableRun(last);
    let args: Record<string, string>;
    if (resumable) {
      if (resumable.start.command !== spec.command) refuseOther(deps, resumable, spec.command, spec.args);
      const recorded = resumable.start.args as Record<string, string>;
      const given = Object.fromEntries(Object.entries(spec.args).filter(([, v]) => v !== undefined)) as Record<string, string>;
      if (!sameArgs({ ...recorded, ...given }, recorded)) refuseOther(deps, resumable, spec.command, given);
      args = recorded;
    } else {
      const given = Object.fromEntries(Object.entries(spec.args).filter(([, v]) => v !== undefined));
      const merged = { ...(spec.defaults ? await spec.defaults() : {}), ...given };
      const missing = Object.keys(spec.args).filter((k) => merged[k] === undefined);
      if (missing.length) throw new RefusedError(`missing ${missing.map((k) => `--${k}`).join(", ")}`);
      args = merged as Record<string, string>;
    }
    const plan = await spec.build(args, !!resumable);
    opts.checkPlan?.(plan);
    const timeouts = timeoutsWithConfig(deps.timeouts ?? DEFAULT_TIMEOUTS, await Promise.all(deps.stackNames.map((s) => deps.stacks.readConfig(s))));
    const done = resumable ? [...completedSteps(resumable.events).keys()].filter((id) => plan.steps.some((s) => s.id === id)) : [];
    const marks = resumable ? marksOf(resumable.events) : new Map();

    const gates = async (): Promise<string[]> => {
      await spec.validate?.(plan, !!resumable);
      if (resumable) return spec.resumeGate ? await spec.resumeGate(plan, new Set(done), marks) : [];
      if (!opts.dryRun) await opts.beforeGates?.();
      return spec.gate ? await spec.gate(plan) : [];
    };

    if (opts.dryRun) {
      const steps = await previewPlan(plan, deps, { done: new Set(done), marks, runStartedAt: resumable?.start.at });
      let refusal: string | undefined;
      const gateNotes = await gates().catch((err: unknown) => {
        if (!(err instanceof RefusedError)) throw err;
        refusal = err.message;
        return [];
      });
      const result: DryRunResult = {
        kind: "dry-run",
        plan,
        steps,
        ...(resumable ? { resumes: { runId: resumable.start.runId, done } } : {}),
        ...(refusal !== undefined ? { refusal } : {}),
        lines: [],
      };
      result.lines = formatDryRun(result, gateNotes);
      return result;
    }

    const gateNotes = await gates();
    const notes = resumable
      ? [`Resuming run ${resumable.start.runId} (started ${isoTime(resumable.start.at)}): ${done.length} step(s) already done.`, ...gateNotes]
      : gateNotes;
    if (opts.confirm) {
      const summary = [...formatPlanSummary(plan), ...notes.map((n) => `note: ${n}`)];
      if (!(await opts.confirm(summary, plan))) throw new RefusedError("Cancelled at the confirmation prompt; nothing was changed.");
    }

    const runId = resumable?.start.runId ?? `${spec.command}-${isoTime(clock.now()).replace(/[:.]/g, "")}-${attemptId.slice(0, 8)}`;
    const runStartedAt = resumable?.start.at ?? invokedAt;
    await deps.journal.append({
      kind: "run-start",
      runId,
      at: resumable ? clock.now() : invokedAt,
      command: plan.command,
      args,
      pid: deps.pid ?? process.pid,
      host: deps.host ?? os.hostname(),
    });
    const observer = opts.observer?.(plan, runStartedAt);
    observer?.start?.();
    keepLock = true; // a crash from here on leaves the lock, as a killed process would
    const runSteps = async (steps: Plan["steps"], prior: JournalEvent[]) =>
      execute({
        plan: { ...plan, steps },
        cloud: deps.cloud,
        stacks: deps.stacks,
        clock,
        journal: deps.journal,
        runId,
        runStartedAt,
        prior,
        maxConcurrency: deps.maxConcurrency,
        random: deps.random,
        timeouts,
        onStepBoundary: deps.onStepBoundary,
        ...(opts.stop ? { stop: opts.stop } : {}),
        observer,
      });
    const mark = async (name: string, data: Record<string, unknown>) => {
      marks.set(name, { at: clock.now(), data });
      await deps.journal.append({ kind: "mark", runId, at: clock.now(), name, data });
    };
    let outcome: "succeeded" | "failed" | "rolled-back";
    let records: StepRecord[] = [];
    let failure: { step: string; error: string } | undefined;
    try {
      // A run that failed before its point of no return and began to roll back finishes the
      // rollback when resumed: going forward again would start from a quiesce that was undone.
      const rollingBack = marks.get(MARK.rollbackStarted);
      if (!rollingBack) {
        const exec = await runSteps(plan.steps, resumable?.events ?? []);
        records = exec.steps;
        // Stopped on request: no run end, so the journal holds an unfinished run that the same command resumes.
        if (exec.outcome === "stopped") throw new StoppedError(commandLine(deps, plan.command, args));
        outcome = exec.outcome;
        if (exec.failedStep) failure = { step: exec.failedStep, error: failureMessage(exec.error, `running step ${exec.failedStep}`) };
      } else {
        failure = { step: String(rollingBack.data.failedStep), error: String(rollingBack.data.error) };
        outcome = "failed";
      }
      const crossed = (await deps.journal.lastRun()).some((e) => e.kind === "mark" && e.name === MARK.pointOfNoReturn);
      if (outcome === "failed" && plan.rollback && plan.pointOfNoReturn && !crossed) {
        if (!rollingBack) await mark(MARK.rollbackStarted, { failedStep: failure?.step ?? null, error: failure?.error ?? null });
        const back = await runSteps(plan.rollback, await deps.journal.lastRun());
        if (back.outcome === "stopped") throw new StoppedError(commandLine(deps, plan.command, args));
        records = [...records, ...back.steps];
        outcome = back.outcome === "succeeded" ? "rolled-back" : "failed";
        if (back.failedStep) {
          const why = failureMessage(back.error, `running step ${back.failedStep}`);
          failure = { step: failure?.step ?? back.failedStep, error: `${failure?.error ?? ""}; then the rollback failed at ${back.failedStep}: ${why}` };
        }
      }
    } finally {
      observer?.stop?.();
    }
    const events = await deps.journal.lastRun();
    const report = buildReport({
      plan,
      events,
      records,
      outcome,
      endedAt: clock.now(),
      incidentAt: opts.incidentAt ?? (typeof marks.get("incident")?.data.at === "number" ? (marks.get("incident")!.data.at as number) : undefined),
      ...(failure ? { failedStep: failure.step, error: failure.error } : {}),
    });
    if (outcome === "failed") {
      report.resumeCommand = commandLine(deps, plan.command, args);
      if (report.pointOfNoReturn?.crossed && spec.pair) {
        const pair = await spec.pair(plan);
        report.sites = await describePairState({ cloud: readOnlyContext(deps).cloud, stacks: deps.stacks, timeoutMs: timeouts.probeMs }, pair);
      }
      // A source quiesced and not yet converged (or rolled back) refuses writes until this run is finished.
      const sites = [plan.source, plan.target].filter((s): s is string => s !== undefined);
      const readOnly = await readOnlySites(deps.stacks, sites, { runId, command: report.resumeCommand, crashed: false });
      if (readOnly.length) report.readOnly = readOnly;
    }
    if (opts.incidentAt !== undefined && !marks.has("incident")) {
      await deps.journal.append({ kind: "mark", runId, at: clock.now(), name: "incident", data: { at: opts.incidentAt } });
    }
    await deps.journal.append({ kind: "run-end", runId, at: clock.now(), outcome, report: report as unknown as Record<string, unknown> });
    keepLock = false;
    return { kind: "run", report, lines: [] };
  } catch (err) {
    if (isCrash(err)) keepLock = true;
    else keepLock = false;
    throw err;
  } finally {
    if (!opts.dryRun) await (keepLock ? deps.journal.abandon(attemptId) : deps.journal.unlock(attemptId));
  }
}
