/**
 * A plan is a small DAG of named, idempotent steps.
 *
 * Every step is written so that running it again is harmless: `check()` reads the step's
 * postcondition and the executor skips the step when it already holds; otherwise `run()` looks at
 * the current state before acting (an action already under way is waited for, not repeated),
 * acts, and waits for the postcondition. That is what makes a crashed run resumable.
 */
import type { Clock, CloudPort, ConfigChange, StackPort } from "../ports";
import type { Mark } from "../journal/events";

/** Bounds on calls and waits; the simulation uses the same values on its virtual clock. */
export interface Timeouts {
  /** One control-plane call into a healthy Region. */
  callMs: number;
  /** One call into a Region that may be impaired (EFS deletion with it as the other side). */
  impairedCallMs: number;
  /** A cheap call that proves a Region answers. */
  probeMs: number;
  /** The Route 53 change batch (its control plane is in us-east-1). */
  dnsChangeMs: number;
  /** Poll interval of waits. */
  pollMs: number;
  /** Node groups to reach their desired Ready nodes. */
  nodesMs: number;
  /** Aurora switchover/failover, or a first instance of a headless cluster. */
  databaseMs: number;
  /** EFS replication deletion until the destination is writable; a sync newer than a time. */
  efsMs: number;
  /**
   * An unplanned EFS detach with ALL_CONFIGURATIONS (both Regions) before the driver falls back to
   * LOCAL_CONFIGURATION_ONLY: the top of the deletion's observed range (1-10 min).
   */
  efsAllConfigurationsMs: number;
  /** The new active site to serve. */
  servingMs: number;
  /** Aurora replication lag to reach 0 before a switchover. */
  drainMs: number;
  /** One `pulumi up` of a site (the provider's own waits included). */
  upMs: number;
  /** Aurora to rebuild the old primary as a secondary after an unplanned failover ("a few minutes to several hours"). */
  auroraRebuildMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = {
  callMs: 60_000,
  impairedCallMs: 20_000,
  probeMs: 5_000,
  dnsChangeMs: 30_000,
  pollMs: 10_000,
  nodesMs: 20 * 60_000,
  databaseMs: 30 * 60_000,
  efsMs: 30 * 60_000,
  efsAllConfigurationsMs: 10 * 60_000,
  servingMs: 20 * 60_000,
  drainMs: 20 * 60_000,
  upMs: 60 * 60_000,
  auroraRebuildMs: 6 * 3_600_000,
};

/** The step bounds a stack config may set (`eks-dr:driverTimeouts.<key>Minutes`), by Timeouts field. */
export const CONFIGURABLE_TIMEOUTS = {
  upMs: "upMinutes",
  nodesMs: "nodesMinutes",
  databaseMs: "databaseMinutes",
  efsMs: "efsMinutes",
  servingMs: "servingMinutes",
  drainMs: "drainMinutes",
  auroraRebuildMs: "auroraRebuildMinutes",
} as const satisfies Partial<Record<keyof Timeouts, string>>;
export type ConfigurableTimeout = keyof typeof CONFIGURABLE_TIMEOUTS;

/** `base` with the bounds the sites' configs set (`driverTimeouts`, minutes); the larger value of the two wins. */
export function timeoutsWithConfig(base: Timeouts, configs: { driverTimeouts?: Partial<Record<string, number | undefined>> }[]): Timeouts {
  const out = { ...base };
  for (const [field, key] of Object.entries(CONFIGURABLE_TIMEOUTS) as [ConfigurableTimeout, string][]) {
    const minutes = configs.map((c) => c.driverTimeouts?.[key]).filter((v): v is number => typeof v === "number");
    if (minutes.length) out[field] = Math.max(...minutes) * 60_000;
  }
  return out;
}

/** How long a whole step may take (all its attempts), and what to name when it runs out. */
export interface StepBound {
  /** What takes that long, e.g. "pulumi up dr". */
  what: string;
  /** The Timeouts field that sets it (named in the error with its config key). */
  key: ConfigurableTimeout;
  /** The bound: `timeouts[key]` plus the step's other work. */
  ms: (t: Timeouts) => number;
}

/**
 * The bound of a step that declares none: the longest wait any step makes, plus a few calls.
 * Every step's own waits are bounded tighter; this is the backstop for the step as a whole.
 */
export function defaultStepBound(stepId: string): StepBound {
  return {
    what: `step "${stepId}"`,
    key: "efsMs",
    ms: (t) => Math.max(t.nodesMs, t.databaseMs, t.efsMs, t.servingMs, t.drainMs) + 4 * t.callMs,
  };
}

export interface StepContext {
  /** Cloud calls from this step (retried on throttling, bounded, aborted with the run). */
  cloud: CloudPort;
  stacks: StackPort;
  clock: Clock;
  signal: AbortSignal;
  timeouts: Timeouts;
  /** When the run (its first attempt, if resumed) started, on the clock. */
  runStartedAt: number;
  /** Records a named fact with the time (journaled, survives a crash, read by the report). */
  mark(name: string, data?: Record<string, unknown>): Promise<void>;
  /** Marks recorded so far by this run, including attempts before a crash. */
  marks: ReadonlyMap<string, Mark>;
  /** One line of progress under the step. */
  log(line: string): void;
}

export interface StepResult {
  /** Short outcome shown beside the step, e.g. "3 nodes Ready". */
  detail?: string;
  /** Journaled with the step's end. */
  data?: Record<string, unknown>;
}

export interface Step {
  /** Unique within the plan, stable across runs (the journal refers to it). */
  id: string;
  /** What the step achieves, for people. */
  title: string;
  /** Ids of steps that must be done (or skipped because their postcondition held) first. */
  dependsOn: string[];
  /** Which stack or Region it acts on, and how, for `--dry-run` and `status`. */
  effect: string;
  /** Higher starts first among ready steps (node scale-up is the slowest branch). @default 0 */
  priority?: number;
  /** How long the whole step may take. @default defaultStepBound */
  bound?: StepBound;
  /** True when the postcondition already holds: the step is skipped. Must only read. */
  check(ctx: StepContext): Promise<boolean>;
  /** Acts (unless the action is already under way), then waits for the postcondition. */
  run(ctx: StepContext): Promise<StepResult | void>;
}

/** Config changes a plan makes to one stack, for `--dry-run`. */
export interface StackConfigChanges {
  stack: string;
  changes: ConfigChange[];
  /** When they are made, e.g. "after the target serves". */
  when: string;
}

/** How a switch goes: planned (both Regions healthy, no data loss) or unplanned (the source Region impaired). */
export type SwitchMode = "planned" | "unplanned";

export interface Plan {
  /** `failover`, `failback`, `deploy`, or `runbook` (the bench's sequential reference). */
  command: string;
  /** What identifies the run in the journal: a resume needs the same command and args. */
  args: Record<string, string>;
  title: string;
  /** Site giving up the active role, and site taking it (absent for deploy). */
  source?: string;
  target?: string;
  mode?: SwitchMode;
  steps: Step[];
  configChanges: StackConfigChanges[];
  /** Facts the operator should know before confirming. */
  notes: string[];
  /**
   * The step after which nothing is undone (planned switches): a failure before it runs `rollback`
   * (the source serves again); after it the run finishes forward or stops with the resume command.
   */
  pointOfNoReturn?: string;
  /** Steps that put the source back into service when the run fails before `pointOfNoReturn`. */
  rollback?: Step[];
}
