/**
 * `StackPort` over the simulated world: each stack's config, Pulumi state and outputs.
 *
 * An `up` runs the real program (`stacks/program.ts`, under the project's Pulumi mocks) with the
 * stack's current config, the peer's stack file and the peer's current outputs, and diffs what it
 * registers against the stack's state (stacks/diff.ts): never against the world, so a change the
 * driver made directly is seen only through `refreshTargets`. Then, as Pulumi would:
 *   - the state backend and every Region the up needs must answer (stacks/regions.ts): the
 *     providers it configures, its invokes, each step's Regions. A step into a Region that does not
 *     answer hangs until the up fails after `unreachableFailAfterMs`, naming each resource,
 *     provider or invoke and its Region; the other steps are applied (Pulumi does not roll back);
 *   - Kubernetes steps need the principal running the up to have access to the cluster
 *     (stacks/kubernetes-access.ts);
 *   - each step is applied to the world by resource type (stacks/effects.ts), deletions last; the
 *     provider's read-back is kept in the state; a step whose dependency failed is not run;
 *   - on success the stack's outputs become the program's exports.
 * Config is validated with the shared schema, all or nothing. The up takes the `pulumi-up`
 * latency, plus the waits the AWS provider makes (DB instances, replication, node groups).
 */
import { ConfigError, type SiteConfig } from "../../stacks/config";
import type { SiteProgram } from "../../stacks/program";
import { parseBackupOnlySiteOutputs, parseSiteOutputs, type BackupOnlySiteOutputs, type SiteOutputs } from "../../stacks/outputs";
import type { Clock, ConfigChange, StackPort, UpOptions, UpResult } from "../ports";
import { AwsError, StackUpError } from "./errors";
import { parseSiteConfigCached } from "./parsed-config";
import type { LatencyModel } from "./latency";
import { DriverProcess } from "./process";
import { runProgram, type ProgramRun } from "./program/run";
import type { SimStacksState } from "./stacks/deploy";
import { planUp, type Plan, type Step } from "./stacks/diff";
import { effectsFor, type EffectContext } from "./stacks/effects";
import { kubernetesRefusal } from "./stacks/kubernetes-access";
import { backendReaches, invokeReaches, providerReaches, stepReaches, type Reach } from "./stacks/regions";
import { describeUrn, findResource, putResource, removeResource, stateOf, type StackState } from "./stacks/state";
import { ROUTE53, type World } from "./world";

export type { SimStacksState } from "./stacks/deploy";

/** The principal the simulated driver runs as, unless told otherwise: an operator's role. */
export const DEFAULT_PRINCIPAL = "arn:aws:iam::123456789012:role/eks-dr-operator";

const CONFIG_KEYS: ConfigChange["key"][] = [
  "role",
  "replicateToPeer",
  "quiesced",
  "database.readers.standby",
  "database.readers.active",
  "impairedRegions",
  "veleroRestore.backupName",
  "veleroRestore.attempt",
  "restoredData",
];

export interface SimStacksOptions {
  world: World;
  /** The root (virtual) clock. */
  clock: Clock;
  latency: LatencyModel;
  /** The stacks' config, state and outputs (see `deployPair`), shared with later driver processes. */
  shared: SimStacksState;
  process?: DriverProcess;
  /** An `up` that needs a Region that does not answer fails after this long. @default 300000 */
  unreachableFailAfterMs?: number;
  /** The IAM principal running the ups. @default DEFAULT_PRINCIPAL */
  principal?: string;
  /** Region of the Pulumi state backend; undefined when it does not depend on a Region. */
  stateBackendRegion?: string;
  /** The program the stacks run. @default runSite */
  program?: SiteProgram;
}

export interface PreviewResult {
  steps: { op: Step["op"]; urn: string }[];
  same: number;
}

const clone = <T>(v: T): T => structuredClone(v);

export class SimStacks implements StackPort {
  private readonly world: World;
  private readonly clock: Clock;
  private readonly latency: LatencyModel;
  private readonly process: DriverProcess;
  private readonly failAfterMs: number;
  private readonly principal: string;
  private readonly backendRegion?: string;
  private readonly program?: SiteProgram;
  /** Shared with the ports of later driver processes. */
  readonly shared: SimStacksState;

  constructor(opts: SimStacksOptions) {
    this.world = opts.world;
    this.clock = opts.clock;
    this.latency = opts.latency;
    this.process = opts.process ?? new DriverProcess();
    this.failAfterMs = opts.unreachableFailAfterMs ?? 300_000;
    this.principal = opts.principal ?? DEFAULT_PRINCIPAL;
    this.backendRegion = opts.stateBackendRegion;
    this.program = opts.program;
    this.shared = opts.shared;
  }

  private rawOf(stack: string): Record<string, unknown> {
    const raw = this.shared.raw[stack];
    if (!raw) throw new Error(`no stack "${stack}" in this project; stacks are ${Object.keys(this.shared.raw).join(", ")}`);
    return raw;
  }

  private async engineTime(ms: number, signal: AbortSignal): Promise<void> {
    await this.clock.sleep(ms, signal);
  }

  async readConfig(stack: string): Promise<SiteConfig> {
    this.process.assertAlive();
    return parseSiteConfigCached(stack, this.rawOf(stack));
  }

  /** `pulumi config set` of each change, validated together with the shared schema; nothing changes on error. */
  async setConfig(stack: string, changes: ConfigChange[]): Promise<void> {
    this.process.assertAlive();
    const signal = this.process.bind();
    const applied = (raw: Record<string, unknown>) => {
      const next = clone(raw);
      for (const change of changes) {
        if (!CONFIG_KEYS.includes(change.key)) throw new Error(`config key "${change.key}" is not one the driver may change (${CONFIG_KEYS.join(", ")})`);
        const path = change.key.split(".");
        let node = next as Record<string, unknown>;
        for (const part of path.slice(0, -1)) {
          let child = node[part];
          if (typeof child === "string") child = JSON.parse(child);
          if (typeof child !== "object" || child === null) child = {};
          node[part] = child;
          node = child as Record<string, unknown>;
        }
        node[path[path.length - 1]] = clone(change.value);
      }
      return next;
    };
    parseSiteConfigCached(stack, applied(this.rawOf(stack))); // throws ConfigError naming the key; nothing written
    await this.engineTime(this.latency.sample("api-call"), signal);
    // `pulumi config set` writes its keys into the stack file as it is then: a concurrent set of
    // other keys is kept, not overwritten with what was read before.
    this.shared.raw[stack] = applied(this.rawOf(stack));
    this.world.recordCall({ origin: `pulumi:${stack}`, api: "pulumi:config-set", region: "local", args: { changes }, sideEffect: true, outcome: "ok" });
  }

  async outputs(stack: string): Promise<SiteOutputs | undefined> {
    this.process.assertAlive();
    this.rawOf(stack);
    const out = this.shared.outputs[stack];
    return out && parseSiteOutputs(stack, clone(out));
  }

  async backupOnlyOutputs(stack: string): Promise<BackupOnlySiteOutputs | undefined> {
    this.process.assertAlive();
    this.rawOf(stack);
    const out = this.shared.outputs[stack];
    return out && parseBackupOnlySiteOutputs(stack, clone(out));
  }

  /** Pulumi state of a stack (`pulumi stack export`), for tests and inspection. */
  stateOf(stack: string): StackState {
    return clone(this.shared.state[stack] ?? []);
  }

  // -------------------------------------------------------------------------------------------
  // The program

  private peerOf(stack: string): string {
    const peer = Object.keys(this.shared.raw).find((s) => s !== stack);
    if (!peer) throw new Error(`stack "${stack}" has no peer in this project`);
    return peer;
  }

  /** The program run for the stack's current config, the peer's stack file and its current outputs. */
  private evaluate(stack: string): Promise<ProgramRun> {
    const peer = this.peerOf(stack);
    const work = runProgram({
      stack,
      config: this.rawOf(stack),
      stackFiles: { [peer]: this.rawOf(peer) },
      peerOutputs: this.shared.outputs[peer] ? { [peer]: this.shared.outputs[peer] } : {},
      program: this.program,
    });
    // Virtual time stands still while the program runs: its real duration is no part of the model.
    const clock = this.clock as { track?: (p: Promise<ProgramRun>) => Promise<ProgramRun> };
    return clock.track ? clock.track(work) : work;
  }

  private reachable(region: string): boolean {
    return region === ROUTE53 ? !this.world.isRoute53Impaired() : !this.world.isImpaired(region);
  }

  // -------------------------------------------------------------------------------------------
  // preview

  /** `pulumi preview`: the steps an up would run now; nothing changes. Fails as the up would before its steps. */
  async preview(stack: string, opts: Pick<UpOptions, "target" | "exclude" | "signal"> = {}): Promise<PreviewResult> {
    this.process.assertAlive();
    const signal = this.process.bind(opts.signal);
    const started = this.clock.now();
    await this.needRegions(stack, backendReaches(stack, this.backendRegion), started, signal);
    const run = await this.runOrFail(stack, signal, () => undefined);
    await this.needRegions(stack, [...providerReaches(run), ...invokeReaches(run)], started, signal);
    const plan = planUp(run.resources, this.shared.state[stack], opts);
    if (plan.fatal.length > 0) throw new StackUpError(stack, `error: preview failed:\n  ${plan.fatal.join("\n  ")}`, {});
    return { steps: plan.steps.map((s) => ({ op: s.op, urn: s.urn })), same: plan.sameCount };
  }

  // -------------------------------------------------------------------------------------------
  // up

  async up(stack: string, opts: UpOptions = {}): Promise<UpResult> {
    this.process.assertAlive();
    const signal = this.process.bind(opts.signal);
    if (signal.aborted) throw signal.reason;
    this.rawOf(stack);
    if (opts.target !== undefined && opts.target.length === 0) {
      // As the real adapter (PulumiStacks.up) refuses it: the CLI reads an empty --target list as no targeting at all.
      throw new Error(`up on stack "${stack}": an empty target list would update every resource; pass no target for a full up`);
    }
    if (this.shared.running.includes(stack)) {
      throw new StackUpError(stack, `error: [409] Conflict: Another update is currently in progress (stack ${stack})`, {});
    }
    this.shared.running.push(stack);
    try {
      return await this.runUp(stack, opts, signal, (line) => opts.onOutput?.(line));
    } finally {
      this.shared.running = this.shared.running.filter((s) => s !== stack);
    }
  }

  private logFor(stack: string) {
    return (api: string, outcome: string, args: Record<string, unknown> = {}) =>
      this.world.recordCall({ origin: `pulumi:${stack}`, api, region: this.world.regionOf(stack), args, sideEffect: api !== "pulumi:up", outcome });
  }

  /** Hangs until the up's deadline and fails when any of `reaches` does not answer. */
  private async needRegions(stack: string, reaches: Reach[], started: number, signal: AbortSignal, changes: Record<string, number> = {}): Promise<void> {
    const down = reaches.filter((r) => !this.reachable(r.region));
    if (down.length === 0) return;
    await this.engineTime(Math.max(0, started + this.failAfterMs - this.clock.now()), signal);
    this.logFor(stack)("pulumi:up", "RequestError");
    throw unreachableError(stack, down, this.failAfterMs, changes);
  }

  /** The program's run; its errors fail the up as the CLI reports them (a bad config as ConfigError). */
  private async runOrFail(stack: string, signal: AbortSignal, whenFailed: () => Promise<void> | undefined): Promise<ProgramRun> {
    // A crash or cancellation while the program ran wins over its result.
    const stillRunning = () => {
      this.process.assertAlive();
      if (signal.aborted) throw signal.reason;
    };
    let run: ProgramRun;
    try {
      run = await this.evaluate(stack);
    } catch (err) {
      await whenFailed();
      stillRunning();
      this.logFor(stack)("pulumi:up", err instanceof Error ? err.name : "Error");
      if (err instanceof ConfigError) throw err;
      throw new StackUpError(stack, `error: running program of stack "${stack}" failed: ${err instanceof Error ? err.message : String(err)}`, {}, err);
    }
    stillRunning();
    return run;
  }

  private async runUp(stack: string, opts: UpOptions, signal: AbortSignal, say: (line: string) => void): Promise<UpResult> {
    const started = this.clock.now();
    const total = this.latency.sample("pulumi-up");
    const preamble = Math.round(total * 0.4);
    const log = this.logFor(stack);
    say(`Updating (${stack}):`);

    // The CLI reads the stack's state from the backend, then runs the program, which configures
    // its providers, calls its invokes and reads the peer's outputs as it goes.
    await this.needRegions(stack, backendReaches(stack, this.backendRegion), started, signal);
    const run = await this.runOrFail(stack, signal, () => this.engineTime(Math.min(preamble, 5_000), signal));
    await this.engineTime(preamble, signal);
    await this.needRegions(stack, [...providerReaches(run), ...invokeReaches(run)], started, signal);

    const state = this.shared.state[stack];
    const changes: Record<string, number> = {};
    const effects = effectsFor(() => (run.outputs.nodeGroupNames ?? {}) as Record<string, unknown>);
    const ctx: EffectContext = { world: this.world, stack, state, log };
    await this.refresh(stack, state, opts.refreshTargets ?? [], effects, ctx, started, signal, say);

    const plan = planUp(run.resources, state, { target: opts.target, exclude: opts.exclude });
    if (plan.fatal.length > 0) {
      log("pulumi:up", "UpdateFailed");
      throw new StackUpError(stack, `error: update of stack "${stack}" failed before any change:\n  ${plan.fatal.join("\n  ")}`, changes);
    }
    const outcome = this.applySteps(plan, state, effects, ctx, say, changes);
    let waitUntil = Math.max(started + total, outcome.doneAt);
    for (const s of plan.same) {
      const old = findResource(state, s.desired.urn);
      if (old) putResource(state, { ...stateOf(s.desired, s.inputs, old.outputs, old.createdBy) });
    }
    changes.same = plan.sameCount;
    // Counts per stack (DB instances, workload replicas) once every step has run.
    for (const type of outcome.applied) {
      try {
        const at = effects[type]?.settle?.(ctx);
        if (at !== undefined && Number.isFinite(at)) waitUntil = Math.max(waitUntil, at);
      } catch (err) {
        outcome.errors.push(`${type}: ${errorText(err)}`);
        outcome.firstCause ??= err;
      }
    }
    if (outcome.unreachable.length > 0) {
      await this.engineTime(Math.max(0, started + preamble + this.failAfterMs - this.clock.now()), signal);
      log("pulumi:up", "RequestError");
      throw unreachableError(stack, outcome.unreachable, this.failAfterMs, changes);
    }
    await this.engineTime(Math.max(0, waitUntil - this.clock.now()), signal);
    const errors = [...outcome.errors, ...plan.afterwards];
    if (errors.length > 0) {
      log("pulumi:up", "UpdateFailed");
      throw new StackUpError(stack, `error: update of stack "${stack}" failed:\n  ${errors.join("\n  ")}`, changes, outcome.firstCause);
    }
    this.shared.outputs[stack] = clone(run.outputs) as Record<string, unknown>;
    log("pulumi:up", "ok", { changes });
    say(
      `Resources: ${Object.entries(changes)
        .map(([k, v]) => `${v} ${k}`)
        .join(", ")}`,
    );
    return { changes };
  }

  /** `pulumi refresh --target`: exactly these URNs read back from the world (a URN not in the state fails it, as in Pulumi). */
  private async refresh(
    stack: string,
    state: StackState,
    urns: string[],
    effects: ReturnType<typeof effectsFor>,
    ctx: EffectContext,
    started: number,
    signal: AbortSignal,
    say: (line: string) => void,
  ): Promise<void> {
    const missing = urns.filter((urn) => !findResource(state, urn));
    if (missing.length > 0) {
      ctx.log("pulumi:up", "RefreshError");
      throw new StackUpError(stack, missing.map((urn) => `error: Resource to refresh '${urn}' could not be found in the stack.`).join("\n"), {});
    }
    const reaches = urns
      .map((urn) => findResource(state, urn))
      .flatMap((r) => (r?.region ? [{ what: `refresh of ${describeUrn(r.urn)}`, region: r.region }] : []));
    await this.needRegions(stack, reaches, started, signal);
    for (const urn of urns) {
      const res = findResource(state, urn) as NonNullable<ReturnType<typeof findResource>>;
      const read = effects[res.type]?.read;
      if (!read) continue;
      try {
        putResource(state, { ...res, outputs: read(res, ctx) });
      } catch (err) {
        ctx.log("pulumi:up", "RefreshError");
        throw new StackUpError(stack, `error: ${errorText(err)}`, {}, err);
      }
      say(`    ~ ${describeUrn(urn)} refreshed`);
    }
  }

  /** Runs the plan's steps in order against the world; the state follows each applied step. */
  private applySteps(
    plan: Plan,
    state: StackState,
    effects: ReturnType<typeof effectsFor>,
    ctx: EffectContext,
    say: (line: string) => void,
    changes: Record<string, number>,
  ) {
    const out = { doneAt: 0, applied: new Set<string>(), unreachable: [] as Reach[], errors: [] as string[], firstCause: undefined as unknown };
    const failed = new Set<string>();
    const mark = (op: Step["op"]) => (op === "delete" || op === "discard" ? "-" : op === "create" ? "+" : op === "replace" ? "+-" : op === "read" ? ">" : "~");
    const fail = (step: Step, message: string, cause?: unknown) => {
      failed.add(step.urn);
      out.errors.push(`${describeUrn(step.urn)}: ${message}`);
      out.firstCause ??= cause ?? new Error(message);
      changes.failed = (changes.failed ?? 0) + 1;
    };
    for (const step of plan.steps) {
      if (step.refused) {
        fail(step, step.refused);
        continue;
      }
      const deps = step.desired ? [...step.desired.dependencies, ...(step.desired.parent ? [step.desired.parent] : [])] : [];
      if (deps.some((d) => failed.has(d))) {
        failed.add(step.urn); // not run: a resource it depends on failed
        continue;
      }
      const down = stepReaches(step).filter((r) => !this.reachable(r.region));
      if (down.length > 0) {
        say(`    ${mark(step.op)} ${describeUrn(step.urn)} ${step.op}ing... (no response)`);
        out.unreachable.push(...down);
        failed.add(step.urn);
        continue;
      }
      const refusal = kubernetesRefusal(step, state, this.principal);
      if (refusal) {
        ctx.log("kubernetes:api", refusal.includes("401") ? "Unauthorized" : "Forbidden", { urn: step.urn, principal: this.principal });
        fail(step, refusal, new AwsError(refusal.includes("401") ? "Unauthorized" : "Forbidden", refusal, { status: refusal.includes("401") ? 401 : 403 }));
        continue;
      }
      try {
        // A discard only forgets a resource that was read; nothing reaches the cloud.
        const applied = step.op === "discard" ? {} : (effects[step.type]?.apply?.(step, ctx) ?? {});
        if (applied.doneAt !== undefined && Number.isFinite(applied.doneAt)) out.doneAt = Math.max(out.doneAt, applied.doneAt);
        if (step.op === "delete" || step.op === "discard") removeResource(state, step.urn);
        else {
          const d = step.desired as NonNullable<Step["desired"]>;
          const base = d.options.ignoreChanges.length > 0 ? { ...d.outputs, ...step.inputs } : d.outputs;
          const createdBy = step.op === "update" ? step.old?.createdBy : this.principal;
          putResource(state, stateOf(d, step.inputs ?? d.inputs, { ...base, ...(applied.readBack ?? {}) }, createdBy));
        }
        out.applied.add(step.type);
        if (step.op === "read") continue; // counted with the unchanged ones
        changes[step.op] = (changes[step.op] ?? 0) + 1;
        say(`    ${mark(step.op)} ${describeUrn(step.urn)} ${step.op === "replace" ? "replaced" : `${step.op}${step.op.endsWith("e") ? "d" : "ed"}`}`);
      } catch (err) {
        fail(step, `${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`, err);
      }
    }
    return out;
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The up's failure when Regions it needs do not answer: each resource, provider or invoke with its Region. */
function unreachableError(stack: string, down: Reach[], failAfterMs: number, changes: Record<string, number>): StackUpError {
  const regions = [...new Set(down.map((r) => (r.region === ROUTE53 ? "Route 53's control plane" : r.region)))];
  return new StackUpError(
    stack,
    `error: up of stack "${stack}" needs ${regions.join(" and ")}, which did not answer within ${failAfterMs / 1000} s:\n` +
      down.map((r) => `  - ${r.what}: ${r.region === ROUTE53 ? "Route 53's control plane (us-east-1)" : r.region}`).join("\n") +
      `\n(dial tcp: i/o timeout). Set eks-dr:impairedRegions to the impaired Region(s), or wait until they answer.`,
    changes,
    new AwsError("RequestError", "send request failed: dial tcp: i/o timeout", { status: 503 }),
  );
}
