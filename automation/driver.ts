/**
 * The driver's commands on the ports: failover, failback, deploy and status. The CLI parses flags
 * and wires adapters; everything that decides what happens is here, so tests drive it directly on
 * the simulated Regions.
 *
 * A run: take the lock; read the journal (an unfinished or failed run of the same command and
 * args is resumed, one of another command is refused); build the plan; on a fresh run apply the
 * safety gates (planned needs both Regions healthy and ready; unplanned refuses an estimated RPO
 * above --max-data-loss without --force); confirm; journal run-start; execute; journal run-end
 * with the report; unlock. A simulated crash leaves the journal and lock as a killed process would.
 */
import { randomUUID } from "node:crypto";
import * as os from "node:os";
import type { Clock, CloudPort, JournalEvent, JournalPort, StackPort } from "./ports";
import { ConfigError, pairProblems, type SiteConfig } from "../stacks/config";
import { RefusedError, StoppedError, failureMessage, isCrash, rethrowAuth } from "./errors";
import { execute, type ExecutionObserver, type StepRecord } from "./engine/executor";
import { previewPlan, readOnlyContext, type StepPreview } from "./engine/inspect";
import { completedSteps, isUnfinished, marksOf, runEnd, runStart, type Mark, type RunStartEvent } from "./journal/events";
import { LockHeldError } from "./journal/lock";
import { checkPairConfig } from "./gates/config";
import { failedOverEvidence } from "./gates/failback-evidence";
import { describeUnanswered, neededBy, onlyRegionDown, plannedControlPlanes, unanswered, type ControlPlane } from "./gates/control-planes";
import { deployPlan, failbackPlan, plannedFailoverPlan, unplannedFailoverPlan } from "./plan/plans";
import { loadPair, loadSite, type Pair } from "./plan/sites";
import { DEFAULT_TIMEOUTS, timeoutsWithConfig, type Plan, type Timeouts } from "./plan/types";
import { estimateRpo, evaluateReadiness, formatEstimatedRpo, type Readiness, type ReadinessCheck } from "./readiness";
import { buildReport, type RunReport } from "./report/report";
import { describePairState } from "./report/pair-state";
import { MARK } from "./plan/steps";
import { formatDuration, isoTime } from "./util/duration";

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

const argsText = (command: string, args: Record<string, unknown>) =>
  [command, ...Object.entries(args).map(([k, v]) => `--${k} ${String(v)}`)].join(" ");

const sameArgs = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  Object.keys({ ...a, ...b }).every((k) => String(a[k]) === String(b[k]));

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

interface PlanSpec {
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
    const notes = resumable ? [`Resuming run ${resumable.start.runId} (started ${isoTime(resumable.start.at)}): ${done.length} step(s) already done.`, ...gateNotes] : gateNotes;
    if (opts.confirm) {
      const summary = [...formatPlanSummary(plan), ...notes.map((n) => `note: ${n}`)];
      if (!(await opts.confirm(summary, plan))) throw new RefusedError("Cancelled at the confirmation prompt; nothing was changed.");
    }

    const runId = resumable?.start.runId ?? `${spec.command}-${isoTime(clock.now()).replace(/[:.]/g, "")}-${attemptId.slice(0, 8)}`;
    const runStartedAt = resumable?.start.at ?? invokedAt;
    await deps.journal.append({ kind: "run-start", runId, at: resumable ? clock.now() : invokedAt, command: plan.command, args, pid: deps.pid ?? process.pid, host: deps.host ?? os.hostname() });
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
        observer,
        ...(opts.stop ? { stop: opts.stop } : {}),
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

// ---------------------------------------------------------------------------------------------
// Commands

function otherStack(deps: DriverDeps, stack: string): string {
  return deps.stackNames[0] === stack ? deps.stackNames[1] : deps.stackNames[0];
}

async function probe(deps: DriverDeps, region: string): Promise<boolean> {
  const ctx = readOnlyContext(deps);
  const t = (deps.timeouts ?? DEFAULT_TIMEOUTS).probeMs;
  // No answer (a timeout, a network or server failure) is false; credentials that do not work or a
  // denied permission are a setup problem with its own message, never a sign the Region is down.
  return ctx.cloud.probeRegion(region, { timeoutMs: t, signal: ctx.signal }).catch((err: unknown) => {
    rethrowAuth(err, `probing ${region}`);
    return false;
  });
}

/** Refuses when a control plane in `planes` does not answer (each read bounded by the probe timeout). */
async function requireControlPlanes(deps: DriverDeps, planes: ControlPlane[], refusal: (down: string, onlySourceDown: boolean) => string, sourceRegion: string): Promise<void> {
  const ctx = readOnlyContext(deps);
  const t = (deps.timeouts ?? DEFAULT_TIMEOUTS).probeMs;
  const down = await unanswered(ctx.cloud, planes, { timeoutMs: t, signal: ctx.signal });
  // Credentials that do not work are a setup problem with its own message, not a control plane down.
  for (const d of down) rethrowAuth(d.error, `reading ${d.plane.name}`);
  if (down.length > 0) throw new RefusedError(refusal(describeUnanswered(down, t), onlyRegionDown(down, sourceRegion)));
}

/**
 * A resumed planned switch checks the control planes its remaining steps call: a resume that would
 * fail at the same step again (a control plane still down) is refused and changes nothing.
 */
async function resumeControlPlanes(deps: DriverDeps, pair: Pair, prefix: string, plan: Plan, done: Set<string>, marks: ReadonlyMap<string, Mark>): Promise<string[]> {
  if (marks.has(MARK.rollbackStarted)) return [`the run failed before its point of no return; resuming finishes putting ${pair.source.stack} back into service.`];
  const remaining = plan.steps.map((s) => s.id).filter((id) => !done.has(id));
  const crossed = marks.get(MARK.pointOfNoReturn);
  await requireControlPlanes(
    deps,
    neededBy(plannedControlPlanes(pair, prefix), remaining),
    (down) =>
      (crossed
        ? `The run is past its point of no return (crossed ${isoTime(crossed.at)}) and its remaining steps need control planes that do not answer: ${down}. `
        : `The run's remaining steps need control planes that do not answer: ${down}. `) +
      `Nothing was changed by this attempt; run the same command again once they answer.`,
    pair.source.region,
  );
  return [];
}

export async function failover(deps: DriverDeps, input: { to?: string; mode?: "planned" | "unplanned" }, opts: RunOptions = {}): Promise<CommandResult> {
  const timeouts = deps.timeouts ?? DEFAULT_TIMEOUTS;
  return runPlan(
    deps,
    {
      command: "failover",
      args: { to: input.to, mode: input.mode },
      build: async (args) => {
        const pair = await loadPair(deps.stacks, args.to);
        return args.mode === "planned" ? plannedFailoverPlan(pair) : unplannedFailoverPlan(pair);
      },
      validate: async (plan, resuming) => {
        await checkPairConfig(deps.stacks, [plan.source!, plan.target!], { duringRun: resuming });
        if (!resuming) rolesGate(await loadPair(deps.stacks, plan.target!));
      },
      resumeGate: async (plan, done, marks) => (plan.mode === "planned" ? resumeControlPlanes(deps, await loadPair(deps.stacks, plan.target!), "", plan, done, marks) : []),
      pair: (plan) => loadPair(deps.stacks, plan.target!),
      gate: async (plan) => {
        const pair = await loadPair(deps.stacks, plan.target!);
        const notes: string[] = [];
        if (plan.mode === "planned") {
          for (const site of [pair.source, pair.target]) {
            if (!(await probe(deps, site.region))) {
              throw new RefusedError(
                `A planned failover needs both Regions healthy, and ${site.region} (${site.stack}) did not answer within ${formatDuration(timeouts.probeMs)}.` +
                  (site === pair.source ? ` If ${site.region} is down, use --mode unplanned.` : ` ${pair.target.stack} cannot take over now.`),
              );
            }
          }
          await requireControlPlanes(
            deps,
            plannedControlPlanes(pair),
            (down, onlySourceDown) =>
              `A planned failover calls every one of these control planes, and not all answer: ${down}. Nothing was changed.` +
              (onlySourceDown ? ` If ${pair.source.region} is down, use --mode unplanned.` : " Try again once they answer."),
            pair.source.region,
          );
          const readiness = await evaluateReadiness(deps, [pair.source.stack, pair.target.stack], { mode: "planned" });
          const blocking = readiness.checks.filter((c) => !c.ok && c.severity === "error" && c.name !== "estimated RPO");
          if (blocking.length) {
            throw new RefusedError(`Not ready for a planned failover:\n${blocking.map((c) => `  - ${c.name}: ${c.detail}`).join("\n")}\nRun \`npm run status\` for the full evaluation.`);
          }
        } else {
          // All reads at once: the source probe may cost its whole bound.
          const [targetUp, sourceUp, rpo] = await Promise.all([
            probe(deps, pair.target.region),
            probe(deps, pair.source.region),
            estimateRpo(readOnlyContext(deps), pair.target),
          ]);
          if (!targetUp) throw new RefusedError(`${pair.target.region} (${pair.target.stack}) does not answer: it cannot take over.`);
          const shown = rpo.worstMs === null ? "unknown" : formatDuration(rpo.worstMs);
          const detail = formatEstimatedRpo(rpo);
          if (opts.maxDataLossMs !== undefined && (rpo.worstMs === null || rpo.worstMs > opts.maxDataLossMs)) {
            if (!opts.force) {
              throw new RefusedError(
                `Estimated RPO ${shown} (${detail}) exceeds --max-data-loss ${formatDuration(opts.maxDataLossMs)}. ` +
                  `Rerun with --force to fail over anyway and accept that loss, or wait for replication to catch up.`,
              );
            }
            notes.push(`--force: accepting an estimated RPO of ${shown} above --max-data-loss ${formatDuration(opts.maxDataLossMs)}`);
          }
          notes.push(`estimated data loss now: ${shown} (${detail})`);
          if (sourceUp) notes.push(`${pair.source.region} answers: a planned failover (--mode planned) would lose no data.`);
        }
        return notes;
      },
    },
    opts,
  );
}

function rolesGate(pair: Pair): void {
  if (pair.target.config.role === "active") {
    throw new RefusedError(`${pair.target.stack} is already the active site (eks-dr:role: active); nothing to fail over.`);
  }
  if (pair.source.config.role !== "active") {
    throw new RefusedError(`${pair.source.stack} is not the active site (role ${pair.source.config.role}); check Pulumi.${pair.source.stack}.yaml.`);
  }
}

export async function failback(deps: DriverDeps, opts: RunOptions = {}): Promise<CommandResult> {
  /** The planned switch at the end of a failback: from the active site back to the old one. */
  const backPair = async (plan: Plan): Promise<Pair> => {
    const old = await loadSite(deps.stacks, plan.target!);
    const active = await loadSite(deps.stacks, plan.source!);
    return { source: active, target: old, globalClusterIdentifier: (active.outputs.globalClusterIdentifier ?? old.outputs.globalClusterIdentifier)! };
  };
  return runPlan(
    deps,
    {
      command: "failback",
      // The site to return to is the standby in config, unless a resumed run recorded it.
      args: { to: undefined },
      defaults: async () => {
        const configs = await Promise.all(deps.stackNames.map((s) => deps.stacks.readConfig(s)));
        const standby = deps.stackNames.filter((_, i) => configs[i].role === "standby");
        if (standby.length !== 1) {
          throw new RefusedError(`Failback needs one active and one standby site in config; found roles ${configs.map((c, i) => `${deps.stackNames[i]}=${c.role}`).join(", ")}.`);
        }
        return { to: standby[0] };
      },
      build: async (args) => {
        const old = await loadSite(deps.stacks, args.to);
        const active = await loadSite(deps.stacks, otherStack(deps, args.to));
        const gid = active.outputs.globalClusterIdentifier ?? old.outputs.globalClusterIdentifier;
        if (!gid) throw new RefusedError("No site exports globalClusterIdentifier; deploy the owner of global resources first.");
        return failbackPlan(active, old, gid);
      },
      validate: async (plan, resuming) => {
        await checkPairConfig(deps.stacks, [plan.source!, plan.target!], { duringRun: resuming });
        if (resuming) return;
        const [active, old] = await Promise.all([deps.stacks.readConfig(plan.source!), deps.stacks.readConfig(plan.target!)]);
        if (active.role !== "active" || old.role !== "standby") {
          throw new RefusedError(`Failback needs ${plan.source} active and ${plan.target} standby in config; they are ${active.role} and ${old.role}.`);
        }
      },
      resumeGate: async (plan, done, marks) => resumeControlPlanes(deps, await backPair(plan), "back:", plan, done, marks),
      pair: backPair,
      gate: async (plan) => {
        const old = await loadSite(deps.stacks, plan.target!);
        const active = await loadSite(deps.stacks, plan.source!);
        for (const site of [old, active]) {
          if (!(await probe(deps, site.region))) {
            throw new RefusedError(`Failback needs both Regions healthy; ${site.region} (${site.stack}) does not answer. Try again once it has recovered.`);
          }
        }
        const gid = active.outputs.globalClusterIdentifier ?? old.outputs.globalClusterIdentifier!;
        const ctx = readOnlyContext(deps);
        const evidence = await failedOverEvidence({
          cloud: ctx.cloud,
          callOpts: { timeoutMs: ctx.timeouts.callMs, signal: ctx.signal },
          history: await deps.journal.history(),
          journalLabel: deps.journalLabel ?? "",
          active,
          old,
          globalClusterIdentifier: gid,
          plannedCommand: commandLine(deps, "failover", { to: old.stack, mode: "planned" }),
        });
        await requireControlPlanes(
          deps,
          plannedControlPlanes({ source: active, target: old, globalClusterIdentifier: gid }, "back:"),
          (down) => `Failback ends with a planned failover that calls these control planes, and not all answer: ${down}. Nothing was changed. Try again once they answer.`,
          active.region,
        );
        return [...evidence, `${old.stack} is brought back as standby, catches up, then takes over again by a planned failover.`];
      },
    },
    opts,
  );
}

export async function deploy(deps: DriverDeps, opts: RunOptions = {}): Promise<CommandResult> {
  return runPlan(
    deps,
    {
      command: "deploy",
      args: {},
      build: async () => {
        const sites: { stack: string; config: SiteConfig }[] = [];
        for (const stack of deps.stackNames) sites.push({ stack, config: await deps.stacks.readConfig(stack) });
        const problems = pairProblems(sites[0], sites[1]);
        if (problems.length) throw new RefusedError(new ConfigError(sites[0].stack, problems).message);
        return deployPlan(sites);
      },
    },
    opts,
  );
}

export interface StatusResult {
  readiness: Readiness;
  unfinished?: { runId: string; command: string; args: Record<string, unknown>; startedAt: string; failed: boolean };
}

export async function status(deps: DriverDeps, input: { mode?: "planned" | "unplanned" } = {}): Promise<StatusResult> {
  const readiness = await evaluateReadiness(deps, deps.stackNames, input);
  if (deps.locationChecks) readiness.checks.push(...(await deps.locationChecks()));
  const r = resumableRun(await deps.journal.lastRun());
  if (!r) return { readiness };
  readiness.checks.push({
    name: "journal",
    ok: false,
    detail: `run ${r.start.runId} (\`${argsText(r.start.command, r.start.args)}\`) is ${runEnd(r.events) ? "failed" : "unfinished"}; finish it before another failover`,
    severity: "error",
    neededFor: "both",
  });
  readiness.ready = false;
  readiness.readyUnplanned = false;
  return {
    readiness,
    unfinished: { runId: r.start.runId, command: r.start.command, args: r.start.args, startedAt: isoTime(r.start.at), failed: !!runEnd(r.events) },
  };
}

// ---------------------------------------------------------------------------------------------
// Text

function pointOfNoReturnLine(plan: Plan): string {
  return (
    `point of no return: ${plan.pointOfNoReturn} (a failure before it puts ${plan.source} back into service by itself; ` +
    `after it the run only finishes forward)`
  );
}

export function formatPlanSummary(plan: Plan): string[] {
  const lines = [plan.title];
  for (const n of plan.notes) lines.push(`  note: ${n}`);
  if (plan.configChanges.length) {
    lines.push("  config changes:");
    for (const c of plan.configChanges) lines.push(`    ${c.stack}: ${c.changes.map((x) => `${x.key}=${String(x.value)}`).join(", ")}  (${c.when})`);
  }
  if (plan.pointOfNoReturn) lines.push(`  ${pointOfNoReturnLine(plan)}`);
  lines.push(`  steps (${plan.steps.length}):`);
  for (const s of plan.steps) lines.push(`    ${s.id}${s.dependsOn.length ? ` <- ${s.dependsOn.join(", ")}` : ""}: ${s.effect}`);
  return lines;
}

export function formatDryRun(r: DryRunResult, gateNotes: string[] = []): string[] {
  const lines = [`DRY RUN (nothing is changed): ${r.plan.title}`];
  if (r.resumes) lines.push(`  would resume run ${r.resumes.runId}; already done: ${r.resumes.done.join(", ") || "none"}`);
  for (const n of [...r.plan.notes, ...gateNotes]) lines.push(`  note: ${n}`);
  if (r.refusal !== undefined) lines.push(`  WOULD REFUSE: ${r.refusal}`);
  if (r.plan.configChanges.length) {
    lines.push("  config changes per stack:");
    for (const c of r.plan.configChanges) lines.push(`    ${c.stack}: ${c.changes.map((x) => `${x.key}=${String(x.value)}`).join(", ")}  (${c.when})`);
  }
  if (r.plan.pointOfNoReturn) lines.push(`  ${pointOfNoReturnLine(r.plan)}`);
  lines.push("  steps (verdict from each step's postcondition read now):");
  for (const s of r.steps) {
    lines.push(`    [${s.verdict}] ${s.id}${s.dependsOn.length ? ` <- ${s.dependsOn.join(", ")}` : ""}`);
    lines.push(`        ${s.effect}${s.note ? ` (${s.note})` : ""}`);
  }
  return lines;
}
