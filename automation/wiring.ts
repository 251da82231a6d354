/**
 * Which adapters a command runs on: the real ones (Pulumi Automation API, AWS SDK v3, wall clock,
 * the journal file) or the simulated Regions (virtual clock, in-memory journal unless --journal).
 * The only module that knows both; the adapters are loaded lazily so that `--sim`, `--help` and
 * the tests never load the AWS SDK or the Pulumi engine.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Clock, CloudPort, JournalPort, StackPort } from "./ports";
import { RefusedError, UsageError } from "./errors";
import { ObservedJournal } from "./journal/observed-journal";
import { SimulationFiles, type WorldCall } from "./sim/persist";
import { seededRandom } from "./util/random";
import { DEFAULT_JOURNAL_PATH, FileJournal } from "./journal/file-journal";
import { MemoryJournal } from "./journal/memory-journal";
import type { Simulation, FaultPlan, SimulationCreation, SimStacksState } from "./sim";
import type * as SimModule from "./sim";
import type * as PulumiStacksModule from "./adapters/pulumi-stacks";
import type * as AwsCloudModule from "./cloud/aws-cloud";
import type * as SystemClockModule from "./adapters/system-clock";
import type * as LocationModule from "./state/location";
import type * as S3JournalModule from "./state/s3-journal";
import type * as S3Module from "@aws-sdk/client-s3";
import type { ReadinessCheck } from "./readiness";
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
  /** Flags a later command must repeat to act on the same journal and Regions (for messages). */
  resumeFlags?: string[];
  /** Where the state lives, as status reports it (real Regions only). */
  locationChecks?: () => Promise<ReadinessCheck[]>;
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
  /** Process id recorded in the journal's lock. @default process.pid */
  pid?: number;
  /** --state: the lock and journal in a shared S3 location (s3://bucket/prefix) instead of a file. */
  state?: string;
  /** --stack: the Pulumi stack each site selects, e.g. `{ primary: "acme/eks-dr/primary" }`; a site not named selects its own name. */
  qualifiedStacks?: Record<string, string>;
  /** Flags that resume commands must repeat besides the journal's (--cwd, --stack). */
  extraResumeFlags?: string[];
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

function journalFor(
  opts: Pick<WiringOptions, "journalPath" | "pid">,
  fallback: () => JournalPort,
  fallbackLabel: string,
): { journal: JournalPort; journalLabel: string } {
  if (opts.journalPath !== undefined) {
    const file = path.resolve(opts.journalPath);
    return { journal: new FileJournal(file, opts.pid !== undefined ? { pid: opts.pid } : {}), journalLabel: file };
  }
  return { journal: fallback(), journalLabel: fallbackLabel };
}

export async function wire(opts: WiringOptions): Promise<Wiring> {
  if (opts.sim) {
    // Loaded lazily: the simulation is for tests, drills and --sim.
    const { createSimulation } = lazy<typeof SimModule>("./sim");
    const fresh = (onWorldCall?: (call: WorldCall) => void) =>
      createSimulation({
        seed: opts.seed ?? 1,
        projectDir: opts.projectDir,
        ...(opts.latencyFile ? { latencyOverrides: opts.latencyFile } : {}),
        ...(opts.faults ? { faults: opts.faults } : {}),
        ...(onWorldCall ? { onWorldCall } : {}),
      });
    const stackNames = discoverStacks(opts.projectDir);
    if (opts.journalPath === undefined) return simWiring(await fresh(), { ...opts, stackNames, resumeFlags: resumeFlagsFor(opts) });
    // With a journal file, the world lives beside it: a later command (a new process) continues it.
    const file = path.resolve(opts.journalPath);
    const files = new SimulationFiles(file);
    const sim = files.exists() ? await restoreSimulation(files, opts) : await newSavedSimulation(file, files, () => fresh(files.record));
    const save = () => files.save({ options: sim.creation, clockNow: sim.virtualClock.now(), stacks: sim.stacks.shared });
    const journal = new ObservedJournal(new FileJournal(file, opts.pid !== undefined ? { pid: opts.pid } : {}), save);
    return simWiring(sim, { ...opts, journal, journalLabel: file, stackNames, resumeFlags: resumeFlagsFor(opts) });
  }
  if (opts.state === undefined) refuseSimulatedJournal(path.resolve(opts.journalPath ?? path.join(opts.projectDir, DEFAULT_JOURNAL_PATH)));
  const { PulumiStacks } = lazy<typeof PulumiStacksModule>("./adapters/pulumi-stacks");
  const { AwsCloud } = lazy<typeof AwsCloudModule>("./cloud/aws-cloud");
  const { SystemClock } = lazy<typeof SystemClockModule>("./adapters/system-clock");
  const clock = new SystemClock();
  const file = path.resolve(opts.projectDir, DEFAULT_JOURNAL_PATH);
  const qualified = opts.qualifiedStacks ?? {};
  const stacks = new PulumiStacks({
    projectDir: opts.projectDir,
    qualifiedStackName: (s) => qualified[s] ?? s,
    policyPack: lazy<typeof PackConfigModule>("../policy/lib/pack-config").driverPolicyPack(opts.projectDir),
  });
  const stackNames = discoverStacks(opts.projectDir);
  const shared = opts.state !== undefined ? s3State(opts.state, opts.pid) : undefined;
  const { journal, journalLabel } = shared ?? journalFor(opts, () => new FileJournal(file, opts.pid !== undefined ? { pid: opts.pid } : {}), file);
  return {
    cloud: new AwsCloud({ clock }),
    // The DR policy pack runs in every up, with the enforcement levels the stack files select.
    stacks,
    clock,
    journal,
    journalLabel,
    stackNames,
    resumeFlags: resumeFlagsFor(opts),
    locationChecks: async () => {
      const { checkLocation, pulumiBackendUrl } = lazy<typeof LocationModule>("./state/location");
      const { bucketRegionOf } = lazy<typeof S3JournalModule>("./state/s3-journal");
      const { S3Client } = lazy<typeof S3Module>("@aws-sdk/client-s3");
      const siteRegions = (await Promise.all(stackNames.map((s) => stacks.readConfig(s)))).map((c) => c.region);
      const client = new S3Client({ region: "us-east-1", followRegionRedirects: true });
      const bucketRegion = (bucket: string) => bucketRegionOf(client, bucket);
      const backend = pulumiBackendUrl(process.env, opts.projectDir);
      return Promise.all([
        checkLocation({
          what: "Pulumi state backend",
          url: backend.url,
          source: backend.source,
          siteRegions,
          bucketRegion,
          fix: "Keep it in Pulumi Cloud, or in an S3 bucket in a third Region (neither site's), versioned (see the README).",
        }),
        checkLocation({
          what: "driver lock and journal",
          url: shared ? opts.state : `file://${path.resolve(journalLabel)}`,
          siteRegions,
          bucketRegion,
          fix: "Share them with --state s3://<bucket>/<prefix> (or EKS_DR_STATE), a bucket in a third Region, so that two operators cannot run at once.",
        }),
      ]);
    },
  };
}

/** The lock and journal in S3 (`--state`), for operators on several machines. */
function s3State(url: string, pid: number | undefined): { journal: JournalPort; journalLabel: string } {
  const { parseStateUrl, S3Journal } = lazy<typeof S3JournalModule>("./state/s3-journal");
  const { S3Client } = lazy<typeof S3Module>("@aws-sdk/client-s3");
  let location;
  try {
    location = parseStateUrl(url);
  } catch (err) {
    throw new UsageError(`option '--state <url>': ${(err as Error).message}`);
  }
  // The bucket's own Region when the URL names it; else the SDK follows S3's redirect to it.
  const client = new S3Client({ region: location.region ?? "us-east-1", followRegionRedirects: true });
  return { journal: new S3Journal({ client, location, ...(pid !== undefined ? { pid } : {}) }), journalLabel: location.url };
}

/** The flags that select this journal and these Regions, for the commands messages print. */
export function resumeFlagsFor(opts: Pick<WiringOptions, "journalPath" | "sim" | "state" | "extraResumeFlags">): string[] {
  return [
    ...(opts.extraResumeFlags ?? []),
    ...(opts.journalPath !== undefined ? [`--journal ${path.resolve(opts.journalPath)}`] : []),
    ...(opts.state !== undefined ? [`--state ${opts.state}`] : []),
    ...(opts.sim ? ["--sim"] : []),
  ];
}

/** Continues the simulation saved beside the journal; --seed and --latency-file must not contradict it. */
function restoreSimulation(files: SimulationFiles, opts: WiringOptions): Promise<Simulation> {
  const { createSimulation, loadLatencyOverrides } = lazy<typeof SimModule>("./sim");
  const { saved, calls } = files.load<SimulationCreation, SimStacksState>();
  const o = saved.options;
  const other = `pass another --journal to start a new simulation, or leave the flag out to continue this one`;
  if (opts.seed !== undefined && String(opts.seed) !== o.seed) {
    throw new UsageError(
      `option '--seed <n>': --seed ${opts.seed} differs from the simulation saved beside ${files.snapshotPath.replace(/\.sim\.json$/, "")} (seed ${o.seed}); ${other}`,
    );
  }
  if (opts.latencyFile !== undefined && JSON.stringify(loadLatencyOverrides(opts.latencyFile)) !== JSON.stringify(o.latencyTable)) {
    throw new UsageError(`option '--latency-file <path>': ${opts.latencyFile} gives other durations than the simulation saved beside the journal; ${other}`);
  }
  return createSimulation({
    seed: o.seed,
    startMs: o.startMs,
    configs: o.configs,
    stacks: o.stacks as [string, string],
    latencyTable: o.latencyTable,
    ...(o.tuning ? { tuning: o.tuning } : {}),
    ...(o.defaultCallTimeoutMs !== undefined ? { defaultCallTimeoutMs: o.defaultCallTimeoutMs } : {}),
    ...(o.unreachableUpFailAfterMs !== undefined ? { unreachableUpFailAfterMs: o.unreachableUpFailAfterMs } : {}),
    ...(opts.faults ? { faults: opts.faults } : {}),
    ...(o.principal !== undefined ? { principal: o.principal } : {}),
    ...(o.deployedBy !== undefined ? { deployedBy: o.deployedBy } : {}),
    ...(o.stateBackendRegion !== undefined ? { stateBackendRegion: o.stateBackendRegion } : {}),
    // Ups in flight died with their process, as Simulation.restart has them.
    restore: { worldCalls: calls, clockNow: saved.clockNow, stacks: { ...saved.stacks, running: [] } },
    onWorldCall: files.record,
  });
}

/** A new simulation for a journal with no saved world: refused if the journal has a run to resume. */
async function newSavedSimulation(file: string, files: SimulationFiles, create: () => Promise<Simulation>): Promise<Simulation> {
  const last = await new FileJournal(file).lastRun();
  const start = last.find((e) => e.kind === "run-start");
  const end = last.find((e) => e.kind === "run-end");
  if (start && (!end || end.outcome === "failed")) {
    throw new RefusedError(
      `The journal ${file} holds ${end ? "a failed" : "an unfinished"} run ${start.runId} but no simulated world was saved beside it (${files.snapshotPath}), ` +
        `so the simulation cannot resume it. Move the journal aside, or pass another --journal. Nothing was changed.`,
    );
  }
  return create();
}

/** A real run must not resume, or be refused by, runs made on the simulated Regions. */
function refuseSimulatedJournal(file: string): void {
  const files = new SimulationFiles(file);
  if (files.exists()) {
    throw new UsageError(
      `option '--journal <path>': ${file} was written by simulated runs (their world is saved beside it, ${files.snapshotPath}); ` +
        `a real run must not act on their record. Pass another --journal (or add --sim to continue the simulation).`,
    );
  }
}

/** Ports of a simulation (tests build the simulation themselves to inspect its world). */
export function simWiring(
  sim: Simulation,
  opts: {
    journalPath?: string;
    stackNames?: [string, string];
    seed?: number;
    journal?: JournalPort;
    journalLabel?: string;
    resumeFlags?: string[];
    pid?: number;
  } = {},
): Wiring {
  const { journal, journalLabel } = opts.journal
    ? { journal: opts.journal, journalLabel: opts.journalLabel ?? "(given journal)" }
    : journalFor(
        { journalPath: opts.journalPath, pid: opts.pid },
        () => new MemoryJournal(undefined, { pid: process.pid, host: "simulation", process: () => sim.process }),
        "(in-memory journal of the simulation)",
      );
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
    ...(opts.resumeFlags ? { resumeFlags: opts.resumeFlags } : {}),
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
    resumeFlags: w.resumeFlags,
    locationChecks: w.locationChecks,
    ...extra,
  };
}
