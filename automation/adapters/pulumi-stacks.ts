/**
 * The real `StackPort`: the Pulumi Automation API over the project directory (the one holding
 * Pulumi.yaml), one `LocalWorkspace` stack per site.
 *
 * - Config is read with `pulumi config --json --show-secrets` (`getAllConfig`) and parsed with the
 *   shared schema, so the driver sees exactly what the program would.
 * - Config changes are validated as a whole against the shared schema before anything is written,
 *   then written key by key (`pulumi config set`, `--path` for dotted keys). If a write fails half
 *   way, the keys already written are put back, so a stack file is never left half changed.
 * - `up` never refreshes the whole stack (decision 3, pulumi-aws#6041): it refreshes exactly the
 *   URNs it is given (`refresh --target ...`), then runs `up` without `--refresh`.
 * - `up` runs the DR policy pack when one is given (`UpOptions.policyPacks`, i.e. `--policy-pack`):
 *   the Automation API's `up` skips the preview, so resource policies are what stops a bad change
 *   before it is applied; stack policies report after it.
 *
 * - The CLI is found like the Automation API finds it (`PulumiCommand.get`, `pulumi` on PATH or the
 *   `pulumiRoot` installation), but must be at least MIN_PULUMI_CLI. Failures a user meets first (no
 *   CLI, too old, not logged in, a stack not initialised, a peer stack missing, AWS credentials)
 *   come out as one-line SetupErrors (pulumi-errors.ts).
 *
 * Value typing (pulumi/pulumi#18285): top-level values are always stored as strings; under
 * `--path`, `true`/`false` become booleans and integers become numbers. The shared schema reads
 * both forms, and `pulumi config set --path eks-dr:database.readers.standby 1` stores a number,
 * as the program's `requireObject` parse needs.
 */
import { type ConfigMap, type ConfigValue, LocalWorkspace, type LocalWorkspaceOptions, type OutputMap, PulumiCommand } from "@pulumi/pulumi/automation";
import { SemVer } from "semver";
import { configKey, parseSiteConfig, PROJECT, type SiteConfig } from "../../stacks/config";
import { parseBackupOnlySiteOutputs, parseSiteOutputs, type BackupOnlySiteOutputs, type SiteOutputs } from "../../stacks/outputs";
import type { ConfigChange, StackPort, UpOptions, UpResult } from "../ports";
import { MIN_PULUMI_CLI, pulumiErrorSummary, pulumiSetupError } from "./pulumi-errors";

/**
 * The part of an Automation API `Stack` this adapter uses. `LocalWorkspace.selectStack` returns a
 * `Stack`, which satisfies it; tests pass a fake.
 */
export interface AutomationStack {
  getAllConfig(): Promise<ConfigMap>;
  setConfig(key: string, value: ConfigValue, path?: boolean): Promise<void>;
  removeConfig(key: string, path?: boolean): Promise<void>;
  refresh(opts?: {
    target?: string[];
    onOutput?: (out: string) => void;
    signal?: AbortSignal;
    message?: string;
  }): Promise<{ summary?: { resourceChanges?: Partial<Record<string, number>> } }>;
  up(opts?: {
    target?: string[];
    exclude?: string[];
    refresh?: boolean;
    onOutput?: (out: string) => void;
    signal?: AbortSignal;
    message?: string;
    policyPacks?: string[];
    policyPackConfigs?: string[];
  }): Promise<{ summary: { resourceChanges?: Partial<Record<string, number>> } }>;
  outputs(): Promise<OutputMap>;
}

export type SelectStack = (args: { stackName: string; workDir: string }) => Promise<AutomationStack>;

export interface PulumiStacksOptions {
  /** The project directory (the one holding Pulumi.yaml and the Pulumi.<stack>.yaml files). */
  projectDir: string;
  /**
   * Maps a site's stack name (`primary`, `dr`) to the name Pulumi should select, e.g.
   * `(s) => \`my-org/eks-dr/${s}\`` for a Pulumi Cloud organization. @default the name unchanged
   */
  qualifiedStackName?: (stack: string) => string;
  /** Options for `LocalWorkspace` (env vars, PULUMI_HOME, a specific CLI). Ignored when `selectStack` is given. */
  workspaceOptions?: Omit<LocalWorkspaceOptions, "workDir" | "program">;
  /**
   * The directory of a Pulumi CLI installation to use (its `bin/pulumi`), as `PulumiCommand.get`
   * takes it. @default the `pulumi` on PATH
   */
  pulumiRoot?: string;
  /** Opens a stack; tests inject a fake. @default LocalWorkspace.selectStack */
  selectStack?: SelectStack;
  /**
   * Policy pack run in every `up`; `configFile(stack)` writes the pack config the stack files
   * select (policy/lib/pack-config.ts) and returns its path, or throws when a stack file is unfit.
   * @default none
   */
  policyPack?: { path: string; configFile(stack: string): string };
}

export class PulumiStacks implements StackPort {
  private readonly projectDir: string;
  private readonly qualify: (stack: string) => string;
  private readonly select: SelectStack;
  private readonly stacks = new Map<string, Promise<AutomationStack>>();
  private cli?: Promise<PulumiCommand>;
  private readonly policyPack: PulumiStacksOptions["policyPack"];

  constructor(opts: PulumiStacksOptions) {
    this.projectDir = opts.projectDir;
    this.policyPack = opts.policyPack;
    this.qualify = opts.qualifiedStackName ?? ((s) => s);
    this.select =
      opts.selectStack ??
      (async (args) =>
        LocalWorkspace.selectStack(args, {
          ...opts.workspaceOptions,
          workDir: args.workDir,
          pulumiCommand: opts.workspaceOptions?.pulumiCommand ?? (await this.command(opts.pulumiRoot)),
        }));
  }

  /**
   * The CLI, checked once: `PulumiCommand.get({ version })` raises the Automation API's own minimum
   * (3.2.0-alpha) to ours and refuses an older CLI with both versions named.
   */
  private command(root: string | undefined): Promise<PulumiCommand> {
    if (!this.cli) {
      this.cli = PulumiCommand.get({ version: new SemVer(MIN_PULUMI_CLI), ...(root ? { root } : {}) });
      this.cli.catch(() => (this.cli = undefined));
    }
    return this.cli;
  }

  /** The stack of a site, selected once (a missing stack fails with the CLI's message). */
  private stack(stack: string): Promise<AutomationStack> {
    let s = this.stacks.get(stack);
    if (!s) {
      s = this.select({ stackName: this.qualify(stack), workDir: this.projectDir });
      // A failed selection is not cached: the next call tries again.
      s.catch(() => this.stacks.delete(stack));
      this.stacks.set(stack, s);
    }
    return s;
  }

  /** Runs `fn`; a failure a user meets before anything works becomes its one-line SetupError. */
  private async explained<T>(stack: string, doing: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw pulumiSetupError(err, { stack: this.qualify(stack), doing }) ?? err;
    }
  }

  async readConfig(stack: string): Promise<SiteConfig> {
    const raw = await this.explained(stack, `reading the config of stack "${stack}"`, () => this.rawConfig(stack));
    return parseSiteConfig(stack, raw);
  }

  async setConfig(stack: string, changes: ConfigChange[]): Promise<void> {
    if (changes.length === 0) return;
    const s = await this.explained(stack, `opening stack "${stack}"`, () => this.stack(stack));
    const raw = projectConfig(await this.explained(stack, `reading the config of stack "${stack}"`, () => s.getAllConfig()));

    // 1. Apply the changes in memory and validate the result with the shared schema: all or nothing.
    const next = structuredClone(raw);
    for (const change of changes) setPath(next, change.key, change.value);
    parseSiteConfig(stack, next); // throws ConfigError naming the key; nothing has been written

    // 2. Write, remembering what each key held so that a failed write can be undone.
    const written: { key: string; path: boolean; before: unknown }[] = [];
    try {
      for (const change of changes) {
        const path = change.key.includes(".");
        const before = getPath(raw, change.key);
        await s.setConfig(configKey(change.key), { value: encodeValue(change.value), secret: false }, path);
        written.push({ key: change.key, path, before });
      }
    } catch (err) {
      const restoreErrors: string[] = [];
      for (const w of written.reverse()) {
        try {
          if (w.before === undefined) await s.removeConfig(configKey(w.key), w.path);
          else await s.setConfig(configKey(w.key), { value: encodeValue(w.before), secret: false }, w.path);
        } catch (restoreErr) {
          restoreErrors.push(`${configKey(w.key)}: ${restoreErr instanceof Error ? restoreErr.message : String(restoreErr)}`);
        }
      }
      const state =
        restoreErrors.length === 0 ? "the keys already written were restored" : `could not restore ${restoreErrors.join("; ")}; check Pulumi.${stack}.yaml`;
      throw new Error(`Setting config on stack "${stack}" failed (${errorText(err)}); ${state}`, { cause: err });
    }
  }

  async up(stack: string, opts: UpOptions = {}): Promise<UpResult> {
    if (opts.target !== undefined && opts.target.length === 0) {
      // An empty --target list means no targeting at all to the CLI: it would update the whole stack.
      throw new Error(`up on stack "${stack}": an empty target list would update every resource; pass no target for a full up`);
    }
    // Generated from the stack files as they are now (the driver may just have changed them); a
    // stack file the pack config refuses stops the up before anything is refreshed or changed.
    let policy: { policyPacks?: string[]; policyPackConfigs?: string[] } = {};
    if (this.policyPack) {
      try {
        policy = { policyPacks: [this.policyPack.path], policyPackConfigs: [this.policyPack.configFile(stack)] };
      } catch (err) {
        throw new Error(`up on stack "${stack}" refused: ${errorText(err)}`, { cause: err });
      }
    }
    const s = await this.explained(stack, `opening stack "${stack}"`, () => this.stack(stack));
    const lines = lineSplitter(opts.onOutput);
    try {
      if (opts.refreshTargets && opts.refreshTargets.length > 0) {
        // Never a full refresh (decision 3): without --target the CLI would refresh every resource.
        try {
          await s.refresh({
            target: [...opts.refreshTargets],
            onOutput: lines.push,
            signal: opts.signal,
            message: "eks-dr: refresh resources changed by the driver",
          });
        } catch (err) {
          throw (
            pulumiSetupError(err, { stack: this.qualify(stack), doing: `refreshing stack "${stack}"` }) ??
            new Error(`pulumi refresh of ${opts.refreshTargets.length} resource(s) on stack "${stack}" failed: ${errorText(err)}`, { cause: err })
          );
        } finally {
          lines.flush();
        }
      }
      let result: Awaited<ReturnType<AutomationStack["up"]>>;
      try {
        result = await s.up({
          target: opts.target ? [...opts.target] : undefined,
          exclude: opts.exclude && opts.exclude.length > 0 ? [...opts.exclude] : undefined,
          onOutput: lines.push,
          signal: opts.signal,
          message: "eks-dr driver",
          ...policy,
        });
      } catch (err) {
        throw (
          pulumiSetupError(err, { stack: this.qualify(stack), doing: `updating stack "${stack}"` }) ??
          new Error(`pulumi up on stack "${stack}" failed: ${errorText(err)}`, { cause: err })
        );
      }
      const changes: Record<string, number> = {};
      for (const [op, count] of Object.entries(result.summary?.resourceChanges ?? {})) {
        if (typeof count === "number") changes[op] = count;
      }
      return { changes };
    } finally {
      lines.flush();
    }
  }

  async outputs(stack: string): Promise<SiteOutputs | undefined> {
    const map = await this.explained(stack, `reading the outputs of stack "${stack}"`, async () => (await this.stack(stack)).outputs());
    const keys = Object.keys(map);
    if (keys.length === 0) return undefined;
    return parseSiteOutputs(stack, Object.fromEntries(keys.map((k) => [k, map[k].value])));
  }

  async backupOnlyOutputs(stack: string): Promise<BackupOnlySiteOutputs | undefined> {
    const map = await this.explained(stack, `reading the outputs of stack "${stack}"`, async () => (await this.stack(stack)).outputs());
    const keys = Object.keys(map);
    if (keys.length === 0) return undefined;
    return parseBackupOnlySiteOutputs(stack, Object.fromEntries(keys.map((k) => [k, map[k].value])));
  }

  private async rawConfig(stack: string): Promise<Record<string, unknown>> {
    const s = await this.stack(stack);
    return projectConfig(await s.getAllConfig());
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** `eks-dr:*` values of a config map, namespace stripped; objects arrive as JSON text and are parsed. */
function projectConfig(config: ConfigMap): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const prefix = `${PROJECT}:`;
  for (const [fullKey, v] of Object.entries(config)) {
    if (!fullKey.startsWith(prefix)) continue;
    out[fullKey.slice(prefix.length)] = v.value;
  }
  return out;
}

/** Reads a dotted key; a top-level value holding JSON text is looked into. */
function getPath(raw: Record<string, unknown>, key: string): unknown {
  const [head, ...rest] = key.split(".");
  let node: unknown = rest.length > 0 ? parseObjectText(raw[head]) : raw[head];
  for (const part of rest) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** Sets a dotted key in place, turning the top-level JSON text into an object, as `config set --path` does. */
function setPath(raw: Record<string, unknown>, key: string, value: unknown): void {
  const [head, ...rest] = key.split(".");
  if (rest.length === 0) {
    raw[head] = value;
    return;
  }
  const root = parseObjectText(raw[head]) ?? {};
  raw[head] = root;
  let node = root as Record<string, unknown>;
  for (const part of rest.slice(0, -1)) {
    const child = node[part];
    if (typeof child !== "object" || child === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[rest[rest.length - 1]] = value;
}

function parseObjectText(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "object" && value !== null) return value as Record<string, unknown>;
  if (typeof value === "string") {
    try {
      const parsed: unknown = JSON.parse(value);
      if (typeof parsed === "object" && parsed !== null) return parsed as Record<string, unknown>;
    } catch {
      // not JSON: fall through
    }
  }
  throw new Error(`config value ${JSON.stringify(value)} is not an object; cannot set a nested key in it`);
}

/** The text `pulumi config set` takes: strings as they are, numbers and booleans as JSON. */
function encodeValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The CLI's own error lines for a CommandError (not its code/stdout/stderr dump), else the message. */
function errorText(err: unknown): string {
  if (typeof err === "object" && err !== null && "commandResult" in err) return pulumiErrorSummary(err);
  return err instanceof Error ? err.message : String(err);
}

/** Turns the CLI's stdout chunks into whole lines. */
function lineSplitter(onLine?: (line: string) => void): { push: ((chunk: string) => void) | undefined; flush: () => void } {
  if (!onLine) return { push: undefined, flush: () => undefined };
  let buffer = "";
  return {
    push: (chunk: string) => {
      buffer += chunk;
      let i: number;
      while ((i = buffer.indexOf("\n")) >= 0) {
        onLine(buffer.slice(0, i).replace(/\r$/, ""));
        buffer = buffer.slice(i + 1);
      }
    },
    flush: () => {
      if (buffer.length > 0) onLine(buffer.replace(/\r$/, ""));
      buffer = "";
    },
  };
}
