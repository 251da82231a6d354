/**
 * Evaluates the real site program under Pulumi mocks, with a stack's config.
 *
 * Config goes through the same path as in `pulumi up`: the stack's values become Pulumi runtime
 * config (JSON text for non-strings) and the program reads them with `allConfig()`. The config is a
 * stack file of a project directory (tests), or given in memory with the peer's stack file (the
 * simulated stacks, whose config changes as the driver sets it).
 *
 * Evaluations share Pulumi's global runtime (mocks, config, the monitor), so they run one at a time.
 */
import * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT } from "../../../stacks/config";
import { runSite, type SiteProgram } from "../../../stacks/program";
import { readStackFileConfig } from "../../../stacks/stack-files";
import { parseYamlText } from "../../../stacks/yaml-text";
import { MockCloud, observeRegistrations, type Props, type StackOutputs } from "./mock-cloud";

export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");

export interface EvaluateOptions {
  stack: string;
  /** Project keys (no namespace) merged over the stack file; `undefined` removes a key. */
  overrides?: Record<string, unknown>;
  /** The stack's project config (namespace stripped) instead of its stack file. */
  config?: Record<string, unknown>;
  /** Stack files served to the program (namespace stripped) instead of reading `projectDir`, e.g. the peer's current config. */
  stackFiles?: Record<string, Record<string, unknown>>;
  /** Outputs of other stacks served to StackReferences, by short stack name. */
  stackOutputs?: StackOutputs;
  /** Where the stack files are read (this stack's, when present, and the peer's). @default the repository root */
  projectDir?: string;
  preview?: boolean;
  /** The program to run. @default runSite (stacks/program.ts) */
  program?: SiteProgram;
}

export interface Evaluation {
  cloud: MockCloud;
  /** Stack outputs with every Output resolved. */
  outputs: Props;
  warnings: string[];
}

/** The `config:` map of a stack file in the repository, with full keys. */
export function stackFileConfig(stack: string, dir = REPO_ROOT): Record<string, unknown> {
  const doc = parseYamlText(fs.readFileSync(path.join(dir, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
  return { ...doc.config };
}

/** Project keys of a stack file, namespace stripped, with overrides applied. */
export function siteRawConfig(stack: string, overrides: Record<string, unknown> = {}, dir = REPO_ROOT): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(stackFileConfig(stack, dir))) {
    if (k.startsWith(`${PROJECT}:`)) out[k.slice(PROJECT.length + 1)] = v;
  }
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** Sets Pulumi runtime config exactly as the CLI would: strings raw, everything else JSON. */
export function setRuntimeConfig(raw: Record<string, unknown>): void {
  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) config[`${PROJECT}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  pulumi.runtime.setAllConfig(config, []);
}

/** Resolves an Output (or plain value, or structure containing Outputs) to its value. */
export function resolve<T>(value: pulumi.Input<T>): Promise<T> {
  return new Promise((ok) => pulumi.output(value).apply((v) => ok(v as T)));
}

/** An evaluation that threw; `cloud` shows what had been registered before the error. */
export class EvaluationError extends Error {
  constructor(
    readonly cause: Error,
    readonly cloud: MockCloud,
  ) {
    super(cause.message);
  }
}

let queue: Promise<unknown> = Promise.resolve();

/** Runs `work` once every evaluation queued before it has finished: they share Pulumi's runtime. */
function serialized<T>(work: () => Promise<T>): Promise<T> {
  const run = queue.then(work, work);
  queue = run.catch(() => undefined);
  return run;
}

/**
 * Runs `work` without the SDK's debugging aids. The SDK captures a stack trace per promise it
 * creates and per resource, and tracks every promise for a leak report at process exit (its
 * `debuggablePromise`): under mocks both only cost time (stack traces formatted through the source
 * maps tsx enables were most of an evaluation; the tracking, a third of what was left). Errors
 * thrown meanwhile keep their message, not their stack.
 */
async function withoutDebugging<T>(work: () => Promise<T>): Promise<T> {
  const limit = Error.stackTraceLimit;
  const prepare = Error.prepareStackTrace;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: <P>(p: Promise<P>, ctx: unknown) => Promise<P> };
  const track = debuggable.debuggablePromise;
  Error.stackTraceLimit = 0;
  Error.prepareStackTrace = () => "";
  debuggable.debuggablePromise = (p) => p;
  try {
    return await work();
  } finally {
    Error.stackTraceLimit = limit;
    Error.prepareStackTrace = prepare;
    debuggable.debuggablePromise = track;
  }
}

/** Runs an evaluation: after the ones queued before it, without the SDK's debugging aids. */
export function inEvaluation<T>(work: () => Promise<T>): Promise<T> {
  return serialized(() => withoutDebugging(work));
}

export function evaluateSite(opts: EvaluateOptions): Promise<Evaluation> {
  return inEvaluation(() => evaluateNow(opts));
}

async function evaluateNow(opts: EvaluateOptions): Promise<Evaluation> {
  const cloud = new MockCloud(opts.stackOutputs ?? {});
  const warnings: string[] = [];
  await pulumi.runtime.setMocks(cloud, PROJECT, opts.stack, opts.preview ?? false, "organization");
  observeRegistrations(cloud);
  const projectDir = opts.projectDir ?? REPO_ROOT;
  // The stack's own file comes from the same directory as its peer's, as in a real project.
  const ownDir = opts.projectDir && fs.existsSync(path.join(opts.projectDir, `Pulumi.${opts.stack}.yaml`)) ? opts.projectDir : REPO_ROOT;
  setRuntimeConfig(opts.config ?? siteRawConfig(opts.stack, opts.overrides, ownDir));
  const files = opts.stackFiles;
  const readStackFile = files ? (stack: string) => files[stack] : (stack: string) => readStackFileConfig(projectDir, stack);
  const log = pulumi.log as { warn: (msg: string) => Promise<void> };
  const originalWarn = log.warn;
  log.warn = async (msg: string) => {
    warnings.push(msg);
  };
  try {
    const exported = await (opts.program ?? runSite)({ projectDir, readStackFile });
    const outputs = (await resolve(pulumi.output(exported))) as Props;
    await settle();
    return { cloud, outputs, warnings };
  } catch (err) {
    // Registrations that failed may never be answered under mocks: wait for them, within bounds,
    // so that `cloud` shows what was registered and the next evaluation is not blocked.
    await Promise.race([settle().catch(() => undefined), new Promise((ok) => setTimeout(ok, 1000).unref())]);
    throw new EvaluationError(err as Error, cloud);
  } finally {
    log.warn = originalWarn;
  }
}

/** Waits until every pending resource registration has been answered by the mocks. */
async function settle(): Promise<void> {
  const runtime = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
  await runtime.waitForRPCs?.();
}
