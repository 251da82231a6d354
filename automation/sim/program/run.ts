/**
 * One evaluation of the site program for the simulated stacks, as plain data: what the program
 * registers (URN, type, provider and its Region, inputs, the outputs the mocks computed, resource
 * options, dependencies), the providers it configures, the invokes it makes and through which
 * provider, and its exports.
 *
 * Runs are cached by everything the program reads: the stack, its config, the peer's stack file,
 * the peer's outputs served to the StackReference, and the program itself. Drills, tests and the
 * bench repeat the same configurations, so most `up`s reuse a run: in memory, and for the
 * project's own program on disk too (run-cache.ts), so a new process need not load Pulumi at all.
 * A run is shared between simulations: it is frozen, and the stack state copies what it keeps.
 */
import { performance } from "node:perf_hooks";
import type { SiteProgram } from "../../../stacks/program";
import type * as EvaluateModule from "./evaluate";
import type { RecordedResource, RegisteredOptions } from "./mock-cloud";
import { parseSiteConfigCached } from "../parsed-config";
import { readCachedRun, writeCachedRun } from "./run-cache";

/** A resource (custom, component, provider or stack reference) as the program registered it. */
export interface Registration {
  urn: string;
  type: string;
  name: string;
  parent?: string;
  custom: boolean;
  id: string;
  providerUrn?: string;
  /** Region of the provider the resource goes through (a Kubernetes provider's: its cluster's). */
  region?: string;
  inputs: Record<string, unknown>;
  /** What the mocks returned: the inputs and the computed outputs. */
  outputs: Record<string, unknown>;
  options: RegisteredOptions;
  dependencies: string[];
  /** A `.get()`: read each `up`, never created, updated or deleted. */
  read?: boolean;
}

export interface Invoke {
  token: string;
  providerUrn?: string;
  region?: string;
}

export interface ProgramRun {
  stack: string;
  /** In registration order. */
  resources: readonly Registration[];
  invokes: readonly Invoke[];
  /** The stack's exports, resolved. */
  outputs: Readonly<Record<string, unknown>>;
  warnings: readonly string[];
}

export interface ProgramInput {
  stack: string;
  /** The stack's project config, namespace stripped. */
  config: Record<string, unknown>;
  /** Stack files the program may read (the peer's), namespace stripped. */
  stackFiles: Record<string, Record<string, unknown>>;
  /** Current outputs of other stacks, by short name, served to StackReferences. */
  peerOutputs: Record<string, Record<string, unknown>>;
  /** @default runSite (stacks/program.ts), the only program whose runs are also kept on disk */
  program?: SiteProgram;
}

/**
 * Evaluation cost, for the bench: evaluations run and the real time they took (Pulumi's modules
 * loaded by the first one included), runs served from memory and from disk.
 */
export interface EvaluationStats {
  evaluations: number;
  realMs: number;
  memoryHits: number;
  diskHits: number;
}

const stats: EvaluationStats = { evaluations: 0, realMs: 0, memoryHits: 0, diskHits: 0 };
const MAX_CACHED = 256;
/** The project's program (runSite), loaded only when a run is not cached. */
const PROJECT_PROGRAM = Symbol("runSite");
const cache = new Map<SiteProgram | typeof PROJECT_PROGRAM, Map<string, Promise<ProgramRun>>>();

export function evaluationStats(): EvaluationStats {
  return { ...stats };
}

/** The program's run for these inputs, evaluated once per distinct input. Rejects with the program's error. */
export function runProgram(input: ProgramInput): Promise<ProgramRun> {
  const program = input.program ?? PROJECT_PROGRAM;
  let runs = cache.get(program);
  if (!runs) cache.set(program, (runs = new Map()));
  // The program reads its config and the peer's stack file through the shared schema: configs that
  // parse alike (a default written out, keys in another order) are the same input.
  const parsed = (stack: string, raw: Record<string, unknown>) => {
    try {
      return parseSiteConfigCached(stack, raw);
    } catch {
      return raw; // the program fails on it the same way: keyed as written
    }
  };
  const files = Object.fromEntries(Object.entries(input.stackFiles).map(([s, raw]) => [s, parsed(s, raw)]));
  const key = stableJson({ stack: input.stack, config: parsed(input.stack, input.config), stackFiles: files, peerOutputs: input.peerOutputs });
  const hit = runs.get(key);
  if (hit) {
    stats.memoryHits++;
    return hit;
  }
  const stored = program === PROJECT_PROGRAM ? (readCachedRun(key) as ProgramRun | undefined) : undefined;
  if (stored) stats.diskHits++;
  const run = stored
    ? Promise.resolve(deepFreeze(stored))
    : evaluate(input).then((r) => {
        if (program === PROJECT_PROGRAM) writeCachedRun(key, r);
        return deepFreeze(r);
      });
  runs.set(key, run);
  // A failed evaluation is not kept: the same input fails the same way, but cheaply re-evaluated.
  run.catch(() => runs.delete(key));
  if (runs.size > MAX_CACHED) runs.delete(runs.keys().next().value as string);
  return run;
}

async function evaluate(input: ProgramInput): Promise<ProgramRun> {
  const started = performance.now();
  stats.evaluations++;
  // Loaded on demand: a process whose runs are all cached never loads Pulumi's runtime. (require:
  // the project runs as CommonJS, and a dynamic import() would go through the ESM loader.)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { EvaluationError, evaluateSite } = require("./evaluate") as typeof EvaluateModule;
  try {
    const ev = await evaluateSite({
      stack: input.stack,
      config: input.config,
      stackFiles: input.stackFiles,
      stackOutputs: input.peerOutputs,
      program: input.program,
    });
    return {
      stack: input.stack,
      resources: ev.cloud.resources.map(registration),
      invokes: ev.cloud.calls.map((c) => ({ token: c.token, providerUrn: c.providerUrn, region: c.region })),
      outputs: plain(ev.outputs) as Record<string, unknown>,
      warnings: [...ev.warnings],
    };
  } catch (err) {
    throw err instanceof EvaluationError ? err.cause : err;
  } finally {
    stats.realMs += performance.now() - started;
  }
}

function registration(r: RecordedResource): Registration {
  return {
    urn: r.urn,
    type: r.type,
    name: r.name,
    ...(r.parent ? { parent: r.parent } : {}),
    custom: r.custom,
    id: r.id,
    ...(r.providerUrn ? { providerUrn: r.providerUrn } : {}),
    ...(r.region ? { region: r.region } : {}),
    inputs: plain(r.inputs) as Record<string, unknown>,
    outputs: plain(r.state) as Record<string, unknown>,
    options: { ...r.options, ignoreChanges: [...r.options.ignoreChanges] },
    dependencies: [...r.dependencies],
    ...(r.read ? { read: true } : {}),
  };
}

/** The signature key Pulumi marks secrets (and other special values) with in serialized properties. */
const SIG = "4dabf18193072939515e22adb298388d";

/** JSON data: secrets unwrapped, undefined dropped, anything else special made a string. */
function plain(value: unknown): unknown {
  if (value === null || typeof value !== "object") return typeof value === "function" ? undefined : value;
  if (Array.isArray(value)) return value.map((v) => plain(v) ?? null);
  const obj = value as Record<string, unknown>;
  if (SIG in obj) return "value" in obj ? plain(obj.value) : undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    const p = plain(v);
    if (p !== undefined) out[k] = p;
  }
  return out;
}

/** JSON with object keys sorted, so equal inputs give equal cache keys whatever their key order. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}
