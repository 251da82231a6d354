/**
 * Runs a plan's step DAG: up to `maxConcurrency` steps at once, ready steps by priority (node
 * scale-up first), every step start and end journaled before the next thing happens.
 *
 * - Idempotence: each step's `check()` runs first; when its postcondition holds the step is
 *   recorded as skipped, otherwise `run()` acts and waits.
 * - Resume: steps whose end (done/skipped) is in the journal from an earlier attempt of the same
 *   run are not run again; the rest re-check their postconditions, so a crash after any step ends
 *   in the same final state with each side effect done once.
 * - Failure: the first failing step aborts the steps in flight (their AbortSignal fires) and the
 *   run ends failed; running the same command again resumes it.
 * - Crash (the simulation's `SimulatedCrash`, from a step or the step-boundary hook): stops at
 *   once and writes nothing more, as a killed process would.
 * - Throttling and transient AWS errors are retried per call with backoff and jitter (cloud/guard.ts).
 * - Bounds: every step as a whole (its attempts included) runs within its `bound` (a default
 *   for steps that declare none); past it the step is aborted and fails with StepBoundExceededError.
 */
import type { Clock, CloudPort, JournalEvent, JournalPort, StackPort } from "../ports";
import { StepBoundExceededError, errorMessage, isCrash, isThrottling, isTransient } from "../errors";
import { completedSteps, marksOf, type Mark } from "../journal/events";
import { validatePlan } from "../plan/dag";
import {
  CONFIGURABLE_TIMEOUTS,
  DEFAULT_TIMEOUTS,
  defaultStepBound,
  type Plan,
  type Step,
  type StepContext,
  type StepResult,
  type Timeouts,
} from "../plan/types";
import { formatDuration } from "../util/duration";
import { anySignal } from "../util/time";
import { guardCloud } from "../cloud/guard";
import { DEFAULT_RETRY, type RetryPolicy } from "./retry";

export type StepOutcome = "done" | "skipped" | "failed" | "aborted" | "earlier" | "not-run";

export interface StepRecord {
  id: string;
  title: string;
  dependsOn: string[];
  outcome: StepOutcome;
  startedAt?: number;
  endedAt?: number;
  detail?: string;
  /** Throttled calls retried during the step. */
  retries: number;
}

/** Progress callbacks, for the live task list and plain lines. */
export interface ExecutionObserver {
  stepStarted?(step: Step, at: number): void;
  stepEnded?(record: StepRecord): void;
  stepLog?(step: Step, line: string, at: number): void;
}

export interface ExecuteOptions {
  plan: Plan;
  cloud: CloudPort;
  stacks: StackPort;
  clock: Clock;
  journal: JournalPort;
  runId: string;
  /** Start of the run's first attempt (RTO and "newer than the failback start" use it). */
  runStartedAt: number;
  /** Journal events of the run so far (earlier attempts, when resuming). */
  prior?: JournalEvent[];
  /** @default 8 */
  maxConcurrency?: number;
  retry?: RetryPolicy;
  /** Attempts of a step whose check or run timed out (steps are idempotent). @default 3 */
  stepAttempts?: number;
  /** Jitter source; seeded in simulations. @default Math.random */
  random?: () => number;
  timeouts?: Timeouts;
  /** Called after each step's end is journaled, with its 0-based position in this attempt; the simulation crashes the run from here. */
  onStepBoundary?: (stepIndex: number, stepId: string) => void | Promise<void>;
  observer?: ExecutionObserver;
  /**
   * The operator asked to stop (Ctrl-C): no step starts after it fires, the steps running finish
   * (a step is never cut in the middle), and the run ends `stopped`, resumable.
   */
  stop?: AbortSignal;
}

export interface ExecutionResult {
  /** `stopped`: `stop` fired before every step had run; the journal lets the same command resume. */
  outcome: "succeeded" | "failed" | "stopped";
  steps: StepRecord[];
  marks: Map<string, Mark>;
  failedStep?: string;
  error?: unknown;
}

export async function execute(opts: ExecuteOptions): Promise<ExecutionResult> {
  const { plan, clock, journal, runId } = opts;
  validatePlan(plan);
  const maxConcurrency = Math.max(1, opts.maxConcurrency ?? 8);
  const timeouts = opts.timeouts ?? DEFAULT_TIMEOUTS;
  const random = opts.random ?? Math.random;
  const prior = opts.prior ?? [];
  const earlier = completedSteps(prior);
  const marks = marksOf(prior);

  const records = new Map<string, StepRecord>(
    plan.steps.map((s) => [s.id, { id: s.id, title: s.title, dependsOn: s.dependsOn, outcome: "not-run", retries: 0 }]),
  );
  const order = new Map(plan.steps.map((s, i) => [s.id, i]));
  const runAbort = new AbortController();
  let crashed: unknown;
  let failure: { step: string; error: unknown } | undefined;
  let boundary = 0;

  /** Journal writes stop at a crash: a killed process writes nothing more. */
  const append = async (event: JournalEvent) => {
    if (crashed === undefined) await journal.append(event);
  };

  for (const [id, end] of earlier) {
    const rec = records.get(id);
    if (!rec) continue;
    rec.outcome = "earlier";
    rec.endedAt = end.at;
    rec.detail = `${end.outcome} in an earlier attempt${end.detail ? `: ${end.detail}` : ""}`;
    opts.observer?.stepEnded?.(rec);
  }

  const finished = (id: string) => ["done", "skipped", "earlier"].includes(records.get(id)!.outcome);
  const running = new Map<string, Promise<void>>();

  const runStep = async (step: Step): Promise<void> => {
    const rec = records.get(step.id)!;
    const stepAbort = new AbortController();
    const onRunAbort = () => stepAbort.abort(runAbort.signal.reason);
    runAbort.signal.addEventListener("abort", onRunAbort, { once: true });
    const ctx: StepContext = {
      cloud: guardCloud(opts.cloud, {
        clock,
        policy: opts.retry ?? DEFAULT_RETRY,
        random,
        defaultTimeoutMs: timeouts.callMs,
        signal: stepAbort.signal,
        onRetry: (what, attempt, delayMs, error) => {
          rec.retries++;
          const why = isThrottling(error) ? "throttled" : `failed (${errorMessage(error)})`;
          opts.observer?.stepLog?.(step, `${what} ${why}; retry ${attempt} in ${Math.round(delayMs)}ms`, clock.now());
        },
      }),
      stacks: opts.stacks,
      clock,
      signal: stepAbort.signal,
      timeouts,
      runStartedAt: opts.runStartedAt,
      marks,
      mark: async (name, data = {}) => {
        const at = clock.now();
        marks.set(name, { at, data });
        await append({ kind: "mark", runId, at, name, data });
      },
      log: (line) => opts.observer?.stepLog?.(step, line, clock.now()),
    };
    rec.startedAt = clock.now();
    rec.outcome = "not-run";
    await append({ kind: "step-start", runId, at: rec.startedAt, step: step.id });
    opts.observer?.stepStarted?.(step, rec.startedAt);
    const bound = step.bound ?? defaultStepBound(step.id);
    const boundMs = bound.ms(timeouts);
    const boundTimer = new AbortController();
    let exceeded: StepBoundExceededError | undefined;
    // The step's bound, on the clock: aborts the step (its calls and waits) and fails it, even
    // when the step's code ignores its signal.
    const expiry = clock.sleep(boundMs, anySignal(boundTimer.signal, stepAbort.signal)).then(
      () => {
        exceeded = new StepBoundExceededError(
          `${bound.what} did not finish within ${formatDuration(boundMs)}, the step's bound ` +
            `(eks-dr:driverTimeouts.${CONFIGURABLE_TIMEOUTS[bound.key]} in the stack config; the larger of the two sites' values applies)`,
        );
        stepAbort.abort(exceeded);
        throw exceeded;
      },
      () => new Promise<never>(() => undefined),
    );
    const attempts = async (): Promise<StepResult | void> => {
      for (let attempt = 1; ; attempt++) {
        try {
          if (await step.check(ctx)) {
            rec.outcome = "skipped";
            return { detail: "postcondition already holds" };
          }
          const r = await step.run(ctx);
          rec.outcome = "done";
          return r;
        } catch (err) {
          // A call that timed out: the step is idempotent, so look again (bounded attempts).
          if (!isTransient(err) || attempt >= (opts.stepAttempts ?? 3) || stepAbort.signal.aborted) throw err;
          rec.retries++;
          opts.observer?.stepLog?.(step, `${errorMessage(err)}; trying the step again (attempt ${attempt + 1})`, clock.now());
          await clock.sleep(timeouts.pollMs, stepAbort.signal);
        }
      }
    };
    try {
      let result: StepResult | void;
      try {
        result = await Promise.race([attempts(), expiry]);
      } catch (err) {
        throw exceeded ?? err;
      } finally {
        boundTimer.abort();
      }
      if (runAbort.signal.aborted && crashed !== undefined) return;
      rec.endedAt = clock.now();
      rec.detail = result?.detail;
      await append({
        kind: "step-end",
        runId,
        at: rec.endedAt,
        step: step.id,
        outcome: rec.outcome as "done" | "skipped",
        ...(rec.detail ? { detail: rec.detail } : {}),
        ...(result?.data ? { data: result.data } : {}),
      });
      opts.observer?.stepEnded?.(rec);
      await opts.onStepBoundary?.(boundary++, step.id);
    } catch (err) {
      if (isCrash(err)) {
        crashed ??= err;
        runAbort.abort(err);
        return;
      }
      if (crashed !== undefined) return;
      rec.endedAt = clock.now();
      const abortedByOther = stepAbort.signal.aborted && failure !== undefined && failure.step !== step.id;
      rec.outcome = abortedByOther ? "aborted" : "failed";
      rec.detail = abortedByOther ? `aborted: step "${failure!.step}" failed` : errorMessage(err);
      if (!abortedByOther && failure === undefined) {
        failure = { step: step.id, error: err };
        runAbort.abort(new Error(`step "${step.id}" failed`));
      }
      await append({ kind: "step-end", runId, at: rec.endedAt, step: step.id, outcome: "failed", detail: rec.detail });
      opts.observer?.stepEnded?.(rec);
    } finally {
      runAbort.signal.removeEventListener("abort", onRunAbort);
    }
  };

  for (;;) {
    if (crashed === undefined && failure === undefined && !opts.stop?.aborted) {
      const ready = plan.steps
        .filter((s) => records.get(s.id)!.outcome === "not-run" && !running.has(s.id) && s.dependsOn.every(finished))
        .sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0) || order.get(a.id)! - order.get(b.id)!);
      for (const step of ready) {
        if (running.size >= maxConcurrency) break;
        const p = runStep(step).finally(() => running.delete(step.id));
        running.set(step.id, p);
      }
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }

  if (crashed !== undefined) throw crashed;
  const steps = plan.steps.map((s) => records.get(s.id)!);
  if (failure) return { outcome: "failed", steps, marks, failedStep: failure.step, error: failure.error };
  if (steps.some((r) => r.outcome === "not-run")) return { outcome: "stopped", steps, marks };
  // Without a failure or a crash every step ran: validatePlan rules out unknown dependencies and cycles.
  return { outcome: "succeeded", steps, marks };
}
