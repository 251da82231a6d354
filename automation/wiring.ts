/**
 * Which adapters a command runs on: the real ones (Pulumi Automation API, AWS SDK v3, wall clock,
 * the journal file) or the simulated Regions (virtual clock, in-memory journal unless --journal).
 * The only module that knows both; the adapters are loaded lazily so that `--sim`, `--help` and
 * the tests never load the AWS SDK or the Pulumi engine.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Clock, CloudPort, JournalPort, StackPort } from "./ports";
import { UsageError } from "./errors";
import { seededRandom } from "./util/random";
import { DEFAULT_JOURNAL_PATH, FileJournal } from "./journal/file-journal";
import { MemoryJournal } from "./journal/memory-journal";
import type { Simulation, FaultPlan } from "./sim";
import type * as SimModule from "./sim";
import type * as PulumiStacksModule from "./adapters/pulumi-stacks";
import type * as AwsCloudModule from "./adapters/aws-cloud";
import type * as SystemClockModule from "./adapters/system-clock";
import type * as PackConfigModule from "../policy/lib/pack-config";
import type { DriverDeps } from "./driver";

export interface Wiring {
  cloud: CloudPort;
  stacks: StackPort;
  clock: Clock;
  journal: JournalPort;
  journalLabel: string;
  stackNames: [string, string];
  random?: () => number;
  onStepBoundary?: (stepIndex: number, stepId: string) => void | Promise<void>;
  /** Present on the simulated Regions. */
  sim?: Simulation;
}

export interface WiringOptions {
  projectDir: string;
  /** --journal; relative paths are from the current directory. */
  journalPath?: string;
  /** --sim (and always for drill). */
  sim?: boolean;
  seed?: number;
  /** --latency-file */
  latencyFile?: string;
  faults?: FaultPlan;
}

/**
 * A module loaded on first use. `require`, not `import()`: under a CommonJS TypeScript hook (the
 * test runner) a dynamic import goes through Node's ESM resolver, which cannot load .ts files.
 */
function lazy<T>(id: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(id) as T;
}

/** The two sites: the project's Pulumi.<stack>.yaml files (Pulumi.yaml itself excluded). */
export function discoverStacks(projectDir: string): [string, string] {
  const names = fs
    .readdirSync(projectDir)
    .map((f) => f.match(/^Pulumi\.(.+)\.ya?ml$/)?.[1])
    .filter((n): n is string => n !== undefined)
    .sort();
  if (names.length !== 2) {
    throw new UsageError(
      `eks-dr drives exactly two sites, and ${projectDir} has ${names.length} stack file(s) (${names.map((n) => `Pulumi.${n}.yaml`).join(", ") || "none"}). ` +
        `Keep one Pulumi.<stack>.yaml per site.`,
    );
  }
  // The owner of global resources first when the files say so (only for display order).
  return names as [string, string];
}

function journalFor(opts: WiringOptions, fallback: () => JournalPort, fallbackLabel: string): { journal: JournalPort; journalLabel: string } {
  if (opts.journalPath !== undefined) {
    const file = path.resolve(opts.journalPath);
    return { journal: new FileJournal(file), journalLabel: file };
  }
  return { journal: fallback(), journalLabel: fallbackLabel };
}

export async function wire(opts: WiringOptions): Promise<Wiring> {
  if (opts.sim) {
    // Loaded lazily: the simulation is for tests, drills and --sim.
    const { createSimulation } = lazy<typeof SimModule>("./sim");
    const sim = await createSimulation({
      seed: opts.seed ?? 1,
      projectDir: opts.projectDir,
      ...(opts.latencyFile ? { latencyOverrides: opts.latencyFile } : {}),
      ...(opts.faults ? { faults: opts.faults } : {}),
    });
    return simWiring(sim, { ...opts, stackNames: discoverStacks(opts.projectDir) });
  }
  const { PulumiStacks } = lazy<typeof PulumiStacksModule>("./adapters/pulumi-stacks");
  const { AwsCloud } = lazy<typeof AwsCloudModule>("./adapters/aws-cloud");
  const { SystemClock } = lazy<typeof SystemClockModule>("./adapters/system-clock");
  const clock = new SystemClock();
  const file = path.resolve(opts.projectDir, DEFAULT_JOURNAL_PATH);
  return {
    cloud: new AwsCloud({ clock }),
    // The DR policy pack runs in every up, with the enforcement levels the stack files select.
    stacks: new PulumiStacks({ projectDir: opts.projectDir, policyPack: lazy<typeof PackConfigModule>("../policy/lib/pack-config").driverPolicyPack(opts.projectDir) }),
    clock,
    ...journalFor(opts, () => new FileJournal(file), file),
    stackNames: discoverStacks(opts.projectDir),
  };
}

/** Ports of a simulation (tests build the simulation themselves to inspect its world). */
export function simWiring(sim: Simulation, opts: { journalPath?: string; stackNames?: [string, string]; seed?: number; journal?: JournalPort } = {}): Wiring {
  const { journal, journalLabel } = opts.journal
    ? { journal: opts.journal, journalLabel: "(given journal)" }
    : journalFor({ projectDir: ".", journalPath: opts.journalPath }, () => new MemoryJournal(), "(in-memory journal of the simulation)");
  return {
    // Getters: after Simulation.restart() the ports of the new driver process are used.
    get cloud() {
      return sim.cloud;
    },
    get stacks() {
      return sim.stacks;
    },
    get clock() {
      return sim.clock;
    },
    journal,
    journalLabel,
    stackNames: opts.stackNames ?? (sim.world.stacks() as [string, string]),
    random: seededRandom(Number(opts.seed ?? 1) ^ 0x5eed),
    onStepBoundary: sim.faults.onStepBoundary,
    sim,
  };
}

/** The driver's dependencies on a wiring; getters, so a simulation's restart is followed. */
export function driverDeps(w: Wiring, extra: Partial<Pick<DriverDeps, "maxConcurrency" | "timeouts">> = {}): DriverDeps {
  return {
    get cloud() {
      return w.cloud;
    },
    get stacks() {
      return w.stacks;
    },
    get clock() {
      return w.clock;
    },
    journal: w.journal,
    journalLabel: w.journalLabel,
    stackNames: w.stackNames,
    random: w.random,
    onStepBoundary: w.onStepBoundary,
    ...extra,
  };
}
