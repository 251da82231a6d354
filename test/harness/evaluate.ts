/**
 * Evaluates the real site program under Pulumi mocks, with a real stack file's config.
 *
 * Config goes through the same path as in `pulumi up`: the stack file's values become Pulumi
 * runtime config (JSON text for non-strings) and the program reads them with `allConfig()`.
 */
import * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { runSite } from "../../stacks/program";
import { MockCloud, type StackOutputs } from "./mock-cloud";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

export interface EvaluateOptions {
  stack: string;
  /** Project keys (no namespace) merged over the stack file; `undefined` removes a key. */
  overrides?: Record<string, unknown>;
  /** Outputs of other stacks served to StackReferences, by short stack name. */
  stackOutputs?: StackOutputs;
  /** Where the stack files are read (this stack's, when present, and the peer's). @default the repository root */
  projectDir?: string;
  preview?: boolean;
}

export interface Evaluation {
  cloud: MockCloud;
  /** Stack outputs with every Output resolved. */
  outputs: Record<string, any>;
  warnings: string[];
}

/** The `config:` map of a stack file in the repository, with full keys. */
export function stackFileConfig(stack: string, dir = REPO_ROOT): Record<string, unknown> {
  const doc = parse(fs.readFileSync(path.join(dir, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
  return { ...doc.config };
}

/** Project keys of a stack file, namespace stripped, with overrides applied. */
export function siteRawConfig(stack: string, overrides: Record<string, unknown> = {}, dir = REPO_ROOT): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(stackFileConfig(stack, dir))) {
    if (k.startsWith("eks-dr:")) out[k.slice("eks-dr:".length)] = v;
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
  for (const [k, v] of Object.entries(raw)) config[`eks-dr:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
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

export async function evaluateSite(opts: EvaluateOptions): Promise<Evaluation> {
  const cloud = new MockCloud(opts.stackOutputs ?? {});
  const warnings: string[] = [];
  await pulumi.runtime.setMocks(cloud, "eks-dr", opts.stack, opts.preview ?? false, "organization");
  // The stack's own file comes from the same directory as its peer's, as in a real project.
  setRuntimeConfig(siteRawConfig(opts.stack, opts.overrides, opts.projectDir && fs.existsSync(path.join(opts.projectDir, `Pulumi.${opts.stack}.yaml`)) ? opts.projectDir : REPO_ROOT));
  const log = pulumi.log as { warn: (msg: string) => Promise<void> };
  const originalWarn = log.warn;
  log.warn = async (msg: string) => {
    warnings.push(msg);
  };
  try {
    const exported = await runSite({ projectDir: opts.projectDir ?? REPO_ROOT });
    const outputs = (await resolve(pulumi.output(exported))) as Record<string, any>;
    await settle();
    const monitor = pulumi.runtime.getMonitor() as unknown as { getRegisteredResources?: () => Map<string, unknown> };
    cloud.attachUrns(monitor.getRegisteredResources?.().keys() ?? []);
    return { cloud, outputs, warnings };
  } catch (err) {
    await settle();
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
