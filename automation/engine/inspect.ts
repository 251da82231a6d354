/**
 * Reading a plan's state without changing anything: each step's `check()` against the live (or
 * simulated) Regions, for `--dry-run` and `status` ("which steps a failover would run").
 */
import type { Clock, CloudPort, StackPort } from "../ports";
import { errorMessage } from "../errors";
import type { Mark } from "../journal/events";
import type { Plan, StepContext, Timeouts } from "../plan/types";
import { DEFAULT_TIMEOUTS } from "../plan/types";
import { guardCloud } from "../cloud/guard";
import { DEFAULT_RETRY } from "./retry";

export interface InspectDeps {
  cloud: CloudPort;
  stacks: StackPort;
  clock: Clock;
  timeouts?: Timeouts;
}

/** A StepContext whose writes are refused; cloud reads are bounded and retried like a run's. */
export function readOnlyContext(deps: InspectDeps, marks: ReadonlyMap<string, Mark> = new Map(), runStartedAt?: number): StepContext {
  const timeouts = deps.timeouts ?? DEFAULT_TIMEOUTS;
  const signal = new AbortController().signal;
  const refuse = () => {
    throw new Error("read-only inspection tried to change something");
  };
  const stacks: StackPort = {
    readConfig: (s) => deps.stacks.readConfig(s),
    outputs: (s) => deps.stacks.outputs(s),
    backupOnlyOutputs: (s) => deps.stacks.backupOnlyOutputs(s),
    setConfig: async () => refuse(),
    up: async () => refuse(),
  };
  return {
    cloud: guardCloud(deps.cloud, { clock: deps.clock, policy: DEFAULT_RETRY, random: Math.random, defaultTimeoutMs: timeouts.callMs, signal }),
    stacks,
    clock: deps.clock,
    signal,
    timeouts,
    runStartedAt: runStartedAt ?? deps.clock.now(),
    marks,
    mark: async () => refuse(),
    log: () => undefined,
  };
}

export interface StepPreview {
  id: string;
  title: string;
  dependsOn: string[];
  effect: string;
  /** "run": its postcondition does not hold yet; "skip": it does; "done": recorded done by the unfinished run being resumed. */
  verdict: "run" | "skip" | "done" | "unknown";
  note?: string;
}

/** Each step's verdict, all checks in parallel (they only read), each bounded. */
export async function previewPlan(
  plan: Plan,
  deps: InspectDeps,
  opts: { done?: Set<string>; marks?: ReadonlyMap<string, Mark>; runStartedAt?: number } = {},
): Promise<StepPreview[]> {
  const ctx = readOnlyContext(deps, opts.marks, opts.runStartedAt);
  return Promise.all(
    plan.steps.map(async (s): Promise<StepPreview> => {
      const base = { id: s.id, title: s.title, dependsOn: s.dependsOn, effect: s.effect };
      if (opts.done?.has(s.id)) return { ...base, verdict: "done" };
      try {
        return { ...base, verdict: (await s.check(ctx)) ? "skip" : "run" };
      } catch (err) {
        return { ...base, verdict: "unknown", note: errorMessage(err) };
      }
    }),
  );
}
