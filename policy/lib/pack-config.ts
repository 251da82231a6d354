/**
 * The policy pack config for one site, generated from the project's stack files: the DR state they
 * record selects advisory vs mandatory (`dr-state.ts`). Used by CI (`scripts/policy-pack-config.ts`)
 * and by the failover driver's `up`s, so both enforce exactly the same thing.
 *
 * It also refuses a stack file without `pulumi:disable-default-providers: [aws, kubernetes]`: the
 * pack's `no-default-providers` catches a resource that actually lands on a default provider, this
 * catches the deleted safety net before anything runs.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { PROJECT } from "../../stacks/config";
import { projectValues, stackFileName } from "../../stacks/stack-files";
import { drFindings, policyPackConfig, relaxations, type DrFinding, type Relaxation, type StackFileRecord } from "./dr-state";
import { DR_POLICIES } from "./policies";
import { SITE_SCOPED_PACKAGES } from "./policies/providers";

export interface PackConfig {
  stack: string;
  /** The `--policy-pack-config` document. */
  config: Record<string, "advisory">;
  findings: DrFinding[];
  relaxed: Relaxation[];
}

/** A stack file that cannot be used as is; the message names the file, the key and the fix. */
export class StackFileProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackFileProblem";
  }
}

interface StackFile extends StackFileRecord {
  /** Every key of the file's `config:` map, namespaced. */
  raw: Record<string, unknown>;
}

function readStackFile(projectDir: string, stack: string): StackFile {
  const file = path.join(projectDir, stackFileName(stack));
  if (!fs.existsSync(file)) {
    throw new StackFileProblem(
      `${stackFileName(stack)} is not in ${projectDir}: every site's stack file is committed with the project (pulumi stack init ${stack}).`,
    );
  }
  const doc = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const raw = doc.config ?? {};
  return { stack, raw, config: projectValues(raw) };
}

/** The site-scoped packages the stack file leaves on default providers. */
function defaultProvidersLeftOn(file: StackFile): string[] {
  const value = file.raw["pulumi:disable-default-providers"];
  const list = Array.isArray(value) ? value.map(String) : typeof value === "string" ? value.split(",").map((v) => v.trim()) : [];
  if (list.includes("*")) return [];
  return SITE_SCOPED_PACKAGES.filter((pkg) => !list.includes(pkg));
}

/** The pack config for `stack`, from its stack file and its peer's (`eks-dr:peerStack`). */
export function packConfigFor(projectDir: string, stack: string): PackConfig {
  const site = readStackFile(projectDir, stack);
  const leftOn = defaultProvidersLeftOn(site);
  if (leftOn.length > 0) {
    throw new StackFileProblem(
      `${stackFileName(stack)}: pulumi:disable-default-providers does not list ${leftOn.join(", ")}, so a resource that forgets the site's provider ` +
        "would be created in the runner's default Region (or current kubeconfig) instead of failing. " +
        `Fix: restore \`pulumi:disable-default-providers: [${SITE_SCOPED_PACKAGES.join(", ")}]\` in ${stackFileName(stack)}.`,
    );
  }
  const peerStack = typeof site.config.peerStack === "string" ? site.config.peerStack : undefined;
  const peer = peerStack && fs.existsSync(path.join(projectDir, stackFileName(peerStack))) ? readStackFile(projectDir, peerStack) : undefined;
  const findings = drFindings(site, peer);
  const relaxed = relaxations(DR_POLICIES, findings);
  return { stack, config: policyPackConfig(relaxed), findings, relaxed };
}

/** Writes the pack config of `stack` to `file` (JSON) and returns what it holds. */
export function writePackConfig(projectDir: string, stack: string, file: string): PackConfig {
  const result = packConfigFor(projectDir, stack);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(result.config, null, 2)}\n`);
  return result;
}

/** One line per relaxed policy, for logs and summaries. */
export function describeRelaxations(result: PackConfig): string[] {
  if (result.relaxed.length === 0) return [`${result.stack}: every policy at its own level (no degraded DR state recorded in the stack files)`];
  return result.relaxed.map((r) => `${result.stack}: ${r.policy} runs as advisory: ${r.because.join("; ")}`);
}

/** The pack as the driver runs it in every `up`: the project's `policy/` directory, config regenerated per `up`. */
export interface DriverPolicyPack {
  path: string;
  /** Writes the current pack config of `stack` and returns the file's path. */
  configFile(stack: string): string;
}

/** The driver's policy pack for a project, or undefined when the project has no `policy/` directory. */
export function driverPolicyPack(projectDir: string, tmpDir = os.tmpdir()): DriverPolicyPack | undefined {
  const packDir = path.join(projectDir, "policy");
  if (!fs.existsSync(path.join(packDir, "PulumiPolicy.yaml"))) return undefined;
  return {
    path: packDir,
    configFile: (stack) => {
      const file = path.join(tmpDir, `${PROJECT}-policy-config-${process.pid}-${stack}.json`);
      writePackConfig(projectDir, stack, file);
      return file;
    },
  };
}
