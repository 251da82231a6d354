/**
 * The simulated Regions, ready for the driver: `createSimulation` deploys the project's two stacks
 * (their Pulumi.<stack>.yaml files, or given configs) by running the real program in the README's
 * order, seeds the world from what the program registered, and builds the virtual clock, the
 * latency model, the ports and the fault injector.
 *
 *   const sim = await createSimulation({ seed: 42, faults: { impairRegions: [{ region: "primary", afterMs: 0 }] } });
 *   await runFailover({ clock: sim.clock, cloud: sim.cloud, stacks: sim.stacks, ... });
 *   sim.world.dataLoss(); sim.world.userView();
 */
import * as path from "node:path";
import { parseSitePair } from "../../stacks/config";
import type { SiteProgram } from "../../stacks/program";
import { readStackFileConfig, stackFileName } from "../../stacks/stack-files";
import type { Clock } from "../ports";
import { Faults } from "./faults";
import { LATENCY_TABLE, LatencyModel, loadLatencyOverrides, applyLatencyOverrides, type LatencyOverrides, type LatencyTable } from "./latency";
import { DriverProcess, ProcessClock } from "./process";
import { createRng } from "./rng";
import { SimBackup } from "../cloud/backup/sim";
import { SimCloud, type CloudMethod } from "./sim-cloud";
import { recordingWorld, replayWorld, type WorldCall } from "./persist";
import { DEFAULT_PRINCIPAL, SimStacks, type SimStacksState } from "./sim-stacks";
import { deployPair } from "./stacks/deploy";
import { worldSpec } from "./stacks/world-spec";
import { VirtualClock } from "./virtual-clock";
import { type AwsService, World, type WorldTuning } from "./world";

export * from "./errors";
export * from "./faults";
export * from "./latency";
export * from "./process";
export * from "./rng";
export * from "./sim-cloud";
export * from "../cloud/backup/sim";
export * from "./sim-stacks";
export * from "./virtual-clock";
export * from "./world";
export * from "./persist";
export { evaluationStats, type EvaluationStats } from "./program/run";
export type { ResourceState, StackState } from "./stacks/state";

/** Faults to arm at creation (the drill CLI builds this from its flags). */
export interface FaultPlan {
  throttle?: { method: CloudMethod | "*"; times: number; region?: string }[];
  timeouts?: { method: CloudMethod | "*"; times: number; region?: string }[];
  /** Region code or stack name; `afterMs` from the start, `forMs` until it recovers. */
  impairRegions?: { region: string; afterMs?: number; forMs?: number }[];
  /** One service of a Region down while the rest of it answers. */
  impairServices?: { region: string; service: AwsService; afterMs?: number; forMs?: number }[];
  crashAfterStep?: (number | string)[];
}

export interface SimulationOptions {
  /** Seeds every random draw; same seed, same drill. @default 1 */
  seed?: number | string;
  /** A JSON/YAML file of measured figures, or the overrides themselves, or a whole table. */
  latencyOverrides?: string | LatencyOverrides | LatencyTable;
  faults?: FaultPlan;
  /** Where Pulumi.<stack>.yaml live. @default the repository root */
  projectDir?: string;
  /** The two sites' stacks. @default ["primary", "dr"] */
  stacks?: [string, string];
  /** Raw config per stack (namespace stripped) instead of the stack files, e.g. for warm-standby variants. */
  configs?: Record<string, Record<string, unknown>>;
  tuning?: Partial<WorldTuning>;
  /** Virtual start time, ms since the epoch. */
  startMs?: number;
  /** Bound for cloud calls made without timeoutMs. @default 120000 */
  defaultCallTimeoutMs?: number;
  /** An `up` reaching an unreachable Region fails after this long. @default 300000 */
  unreachableUpFailAfterMs?: number;
  /** The IAM principal the driver's ups run as. @default DEFAULT_PRINCIPAL (an operator's role) */
  principal?: string;
  /** The IAM principal that deployed the pair (and so created its clusters). @default `principal` */
  deployedBy?: string;
  /** Region of the Pulumi state backend; undefined (the default) when it does not depend on a Region. */
  stateBackendRegion?: string;
  /** The program the stacks run, e.g. a test's variant. @default runSite (stacks/program.ts) */
  program?: SiteProgram;
  /** A whole latency table, used as it is (a saved simulation's); overrides `latencyOverrides`. */
  latencyTable?: LatencyTable;
  /** Told of every call into the world from outside it (persist.ts records them to save the world). */
  onWorldCall?: (call: WorldCall) => void;
  /** A saved simulation to continue: the calls to replay into the new world, its time, the stacks' state. */
  restore?: { worldCalls: WorldCall[]; clockNow: number; stacks: SimStacksState };
}

/** What a saved simulation is rebuilt from (everything plain data). */
export interface SimulationCreation {
  seed: string;
  startMs: number;
  configs: Record<string, Record<string, unknown>>;
  stacks: string[];
  latencyTable: LatencyTable;
  tuning?: Partial<WorldTuning>;
  defaultCallTimeoutMs?: number;
  unreachableUpFailAfterMs?: number;
  principal?: string;
  deployedBy?: string;
  stateBackendRegion?: string;
}

/** The ports one driver process uses. */
export interface DriverPorts {
  clock: Clock;
  cloud: SimCloud;
  stacks: SimStacks;
  process: DriverProcess;
  /** AWS Backup (the restore command's port). */
  backup: SimBackup;
}

export interface Simulation extends DriverPorts {
  seed: string;
  /** The root clock (time of the world); `clock` is the current process's view of it. */
  virtualClock: VirtualClock;
  latency: LatencyModel;
  world: World;
  faults: Faults;
  /** After a SimulatedCrash: a new driver process with fresh ports on the same world, config and state. */
  restart(): DriverPorts;
  /** The options it was created with, resolved (to save it and build it again). */
  creation: SimulationCreation;
}

const REPO_ROOT = path.resolve(__dirname, "..", "..");

function latencyTable(overrides: SimulationOptions["latencyOverrides"]): LatencyTable {
  if (overrides === undefined) return { ...LATENCY_TABLE };
  if (typeof overrides === "string") return loadLatencyOverrides(overrides);
  return applyLatencyOverrides(overrides, "latencyOverrides option");
}

export async function createSimulation(opts: SimulationOptions = {}): Promise<Simulation> {
  const seed = String(opts.seed ?? 1);
  const rng = createRng(seed);
  const virtualClock = new VirtualClock({ startMs: opts.startMs });
  const startMs = virtualClock.now();
  const table = opts.latencyTable ?? latencyTable(opts.latencyOverrides);
  const latency = new LatencyModel(rng, table);
  const stackNames = opts.stacks ?? ["primary", "dr"];
  const projectDir = opts.projectDir ?? REPO_ROOT;
  const configs: Record<string, Record<string, unknown>> = {};
  for (const stack of stackNames) {
    const raw = opts.configs?.[stack] ?? readStackFileConfig(projectDir, stack);
    if (!raw) throw new Error(`no config for stack "${stack}": ${stackFileName(stack)} is not in ${projectDir}`);
    configs[stack] = raw;
  }
  // Both files and the rules between them first, each problem with its file and key (as the program
  // and validate report them), before anything is deployed.
  parseSitePair([
    { stack: stackNames[0], raw: configs[stackNames[0]] },
    { stack: stackNames[1], raw: configs[stackNames[1]] },
  ]);
  const principal = opts.principal ?? DEFAULT_PRINCIPAL;
  // The stacks as the real program deploys them from the configs; a saved simulation restores its
  // own state over them, after the world (built from this first deployment) replays its calls.
  const deployed = await deployPair(configs, { deployedBy: opts.deployedBy ?? principal, program: opts.program });
  const shared = opts.restore?.stacks ?? deployed;
  const built = new World({
    clock: virtualClock,
    latency,
    backupLatency: new LatencyModel(createRng(`${seed}:backups`), table),
    veleroLatency: new LatencyModel(createRng(`${seed}:velero`), table),
    ...worldSpec(stackNames.map((stack) => ({ stack, state: deployed.state[stack], outputs: deployed.outputs[stack] }))),
    ...opts.tuning,
  });
  if (opts.restore) {
    replayWorld(built, virtualClock, opts.restore.worldCalls);
    virtualClock.advanceTo(opts.restore.clockNow);
  }
  const world = opts.onWorldCall ? recordingWorld(built, virtualClock, opts.onWorldCall) : built;

  let current: DriverPorts;
  const faults = new Faults(world, virtualClock, () => current.process);
  const makePorts = (): DriverPorts => {
    const process = new DriverProcess();
    return {
      process,
      clock: new ProcessClock(virtualClock, process),
      cloud: new SimCloud({ world, clock: virtualClock, latency, faults, process, defaultTimeoutMs: opts.defaultCallTimeoutMs }),
      backup: new SimBackup({ world, clock: virtualClock, latency, process, defaultTimeoutMs: opts.defaultCallTimeoutMs }),
      stacks: new SimStacks({
        world,
        clock: virtualClock,
        latency,
        process,
        shared,
        unreachableFailAfterMs: opts.unreachableUpFailAfterMs,
        principal,
        stateBackendRegion: opts.stateBackendRegion,
        program: opts.program,
      }),
    };
  };
  current = makePorts();

  const plan = opts.faults ?? {};
  for (const f of plan.throttle ?? []) faults.throttle(f.method, f.times, { region: f.region });
  for (const f of plan.timeouts ?? []) faults.timeout(f.method, f.times, { region: f.region });
  for (const f of plan.impairRegions ?? []) faults.impairRegion(f.region, { afterMs: f.afterMs, forMs: f.forMs });
  for (const f of plan.impairServices ?? []) faults.impairService(f.region, f.service, { afterMs: f.afterMs, forMs: f.forMs });
  for (const step of plan.crashAfterStep ?? []) faults.crashAfterStep(step);

  return {
    seed,
    creation: {
      seed,
      startMs,
      configs,
      stacks: stackNames,
      latencyTable: table,
      ...(opts.tuning ? { tuning: opts.tuning } : {}),
      ...(opts.defaultCallTimeoutMs !== undefined ? { defaultCallTimeoutMs: opts.defaultCallTimeoutMs } : {}),
      ...(opts.unreachableUpFailAfterMs !== undefined ? { unreachableUpFailAfterMs: opts.unreachableUpFailAfterMs } : {}),
      ...(opts.principal !== undefined ? { principal: opts.principal } : {}),
      ...(opts.deployedBy !== undefined ? { deployedBy: opts.deployedBy } : {}),
      ...(opts.stateBackendRegion !== undefined ? { stateBackendRegion: opts.stateBackendRegion } : {}),
    },
    virtualClock,
    latency,
    world,
    faults,
    get clock() {
      return current.clock;
    },
    get cloud() {
      return current.cloud;
    },
    get stacks() {
      return current.stacks;
    },
    get process() {
      return current.process;
    },
    get backup() {
      return current.backup;
    },
    restart() {
      current.process.kill();
      current = makePorts();
      return current;
    },
  };
}
