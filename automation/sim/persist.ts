/**
 * The simulated world saved beside a journal, so that a crash and its resume can be rehearsed
 * through the CLI as they happen for real: each command is a new driver process, and the Regions,
 * the stacks' config and state and the virtual clock outlive it.
 *
 * The world holds closures (its queue of scheduled transitions), so it is not serialised itself:
 * it is a deterministic function of its creation options (seed, configs, latency table) and of
 * the calls made into it from outside, each at a virtual time. Those calls are recorded (an
 * append-only log) and replayed into a fresh world. Everything else, the stacks' shared state,
 * is plain data (Maps and Sets included) and is saved as it is, generically, so that a change of
 * the simulated stacks' internals needs no change here.
 *
 *   <journal>.sim.json         creation options, virtual time, the stacks' state, calls to replay
 *   <journal>.sim-calls.jsonl  the calls into the world, one per line
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Clock } from "../ports";
import type { VirtualClock } from "./virtual-clock";
import type { World } from "./world";

/** One call into the world from outside it, at a virtual time. */
export interface WorldCall {
  at: number;
  method: string;
  args: unknown[];
}

/** `world` with every method call from outside reported (before it runs) to `record`. */
export function recordingWorld(world: World, clock: Clock, record: (call: WorldCall) => void): World {
  return new Proxy(world, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== "function" || typeof prop !== "string") return value;
      return (...args: unknown[]) => {
        record({ at: clock.now(), method: prop, args: JSON.parse(JSON.stringify(args, replacer)) as unknown[] });
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** Makes the calls again, each at its time, on a fresh world built with the same options. */
export function replayWorld(world: World, clock: VirtualClock, calls: WorldCall[]): void {
  for (const call of calls) {
    clock.advanceTo(call.at);
    const fn = (world as unknown as Record<string, unknown>)[call.method];
    if (typeof fn !== "function")
      throw new Error(`saved simulation: the world has no method ${call.method} any more; start a new simulation (another --journal)`);
    try {
      (fn as (...a: unknown[]) => unknown).apply(world, (JSON.parse(JSON.stringify(call.args), reviver) as unknown[]) ?? []);
    } catch {
      // It failed the same way when it was first made (an AWS rule, an impaired Region).
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Plain data with Maps and Sets, as JSON

function replacer(this: unknown, _key: string, value: unknown): unknown {
  if (value instanceof Map) return { $map: [...value.entries()] };
  if (value instanceof Set) return { $set: [...value.values()] };
  if (value === undefined) return { $undefined: true };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    const keys = Object.keys(v);
    if (keys.length === 1 && Array.isArray(v.$map)) return new Map(v.$map as [unknown, unknown][]);
    if (keys.length === 1 && Array.isArray(v.$set)) return new Set(v.$set as unknown[]);
    if (keys.length === 1 && v.$undefined === true) return undefined;
  }
  return value;
}

export const toJson = (value: unknown): string => JSON.stringify(value, replacer);
export const fromJson = <T>(text: string): T => JSON.parse(text, reviver) as T;

// ---------------------------------------------------------------------------------------------
// The files beside the journal

export interface SavedSimulation<Options, StacksState> {
  version: 1;
  /** What createSimulation was given (seed, configs, latency table...). */
  options: Options;
  /** Virtual time when saved. */
  clockNow: number;
  /** Calls of the log that belong to this save (a process may die between the log and this file). */
  worldCalls: number;
  /** The simulated stacks' shared state (config, Pulumi state, outputs). */
  stacks: StacksState;
}

export class SimulationFiles {
  readonly snapshotPath: string;
  readonly callsPath: string;
  private pending: WorldCall[] = [];
  private written = 0;

  constructor(journalPath: string) {
    const file = path.resolve(journalPath);
    this.snapshotPath = `${file}.sim.json`;
    this.callsPath = `${file}.sim-calls.jsonl`;
  }

  exists(): boolean {
    return fs.existsSync(this.snapshotPath);
  }

  /** The saved simulation and its calls; the log is cut back to them (a later process starts there). */
  load<O, S>(): { saved: SavedSimulation<O, S>; calls: WorldCall[] } {
    const saved = fromJson<SavedSimulation<O, S>>(fs.readFileSync(this.snapshotPath, "utf8"));
    if (saved.version !== 1) throw new Error(`${this.snapshotPath}: unknown version ${String(saved.version)}`);
    const lines = fs.existsSync(this.callsPath)
      ? fs
          .readFileSync(this.callsPath, "utf8")
          .split("\n")
          .filter((l) => l.trim() !== "")
      : [];
    if (lines.length < saved.worldCalls)
      throw new Error(`${this.snapshotPath}: its call log ${this.callsPath} has ${lines.length} calls, ${saved.worldCalls} expected`);
    const kept = lines.slice(0, saved.worldCalls);
    if (kept.length !== lines.length) fs.writeFileSync(this.callsPath, kept.map((l) => `${l}\n`).join(""));
    this.written = kept.length;
    return { saved, calls: kept.map((l) => JSON.parse(l) as WorldCall) };
  }

  /** Queues a call for the next save. */
  readonly record = (call: WorldCall): void => {
    this.pending.push(call);
  };

  /** Appends the calls made since the last save, then replaces the snapshot atomically. */
  save<O, S>(snapshot: Omit<SavedSimulation<O, S>, "version" | "worldCalls">): void {
    fs.mkdirSync(path.dirname(this.snapshotPath), { recursive: true });
    if (this.pending.length > 0) {
      fs.appendFileSync(this.callsPath, this.pending.map((c) => JSON.stringify(c) + "\n").join(""));
      this.written += this.pending.length;
      this.pending = [];
    }
    const tmp = `${this.snapshotPath}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, toJson({ version: 1, ...snapshot, worldCalls: this.written }));
    fs.renameSync(tmp, this.snapshotPath);
  }
}
