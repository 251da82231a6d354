/**
 * Offline validation of the project: what can be checked with no cloud and no Pulumi CLI, from the
 * files in the repository alone. `npm run validate` runs it, CI runs it before the tests, and
 * `deploy` runs it before it needs a CLI.
 *
 * Checked: Pulumi.yaml (the project name is the config namespace every key lives in); exactly two
 * stack files, each valid YAML with a `config` map; each sets `pulumi:disable-default-providers`
 * for aws and kubernetes (a resource that forgot the site's provider must fail, not land in a
 * default Region); each site's config against the shared schema (stacks/config.ts); the rules
 * between the two sites (they name each other, different Regions, non-overlapping CIDRs, one
 * active, one owner of global resources, the same DNS name and engine version).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse, YAMLParseError } from "yaml";
import { ConfigError, PROJECT, pairProblems, parseSiteConfig, type SiteConfig } from "../stacks/config";
import { projectValues, stackFileName } from "../stacks/stack-files";
import { errorMessage } from "./errors";

export interface ValidationProblem {
  /** The file the problem is in (both stack files for a rule between them). */
  file: string;
  /** The config key, when there is one, e.g. "eks-dr:vpcCidr". */
  key?: string;
  /** What is wrong and what to do. */
  message: string;
}

export interface ValidatedSite {
  stack: string;
  file: string;
  region?: string;
  role?: string;
  ownsGlobalResources?: boolean;
}

export interface ValidationResult {
  ok: boolean;
  projectDir: string;
  sites: ValidatedSite[];
  problems: ValidationProblem[];
}

/** Providers a stack must not create by default (README, "Configuration"). */
const REQUIRED_DISABLED_PROVIDERS = ["aws", "kubernetes"];
const DISABLE_KEY = "pulumi:disable-default-providers";

function readYaml(file: string, problems: ValidationProblem[]): Record<string, unknown> | undefined {
  const name = path.basename(file);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    problems.push({ file: name, message: `cannot be read (${errorMessage(err)})` });
    return undefined;
  }
  try {
    const doc: unknown = parse(text);
    if (doc === null || doc === undefined) return {};
    if (typeof doc !== "object" || Array.isArray(doc)) {
      problems.push({ file: name, message: "is not a YAML map of keys; see Pulumi.primary.yaml for the expected shape" });
      return undefined;
    }
    return doc as Record<string, unknown>;
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` at line ${err.linePos[0].line}, column ${err.linePos[0].col}` : "";
    problems.push({ file: name, message: `is not valid YAML${where}: ${errorMessage(err).split("\n")[0]}` });
    return undefined;
  }
}

function checkProjectFile(projectDir: string, problems: ValidationProblem[]): void {
  const file = path.join(projectDir, "Pulumi.yaml");
  if (!fs.existsSync(file)) {
    problems.push({ file: "Pulumi.yaml", message: `is missing from ${projectDir}; run the command from the project directory` });
    return;
  }
  const doc = readYaml(file, problems);
  if (!doc) return;
  if (doc.name !== PROJECT) {
    problems.push({
      file: "Pulumi.yaml",
      key: "name",
      message: `is ${JSON.stringify(doc.name)}, but every config key lives in the "${PROJECT}:" namespace, which is the project name; set name: ${PROJECT}`,
    });
  }
  const runtime = typeof doc.runtime === "object" && doc.runtime !== null ? (doc.runtime as { name?: unknown }).name : doc.runtime;
  if (runtime !== "nodejs") problems.push({ file: "Pulumi.yaml", key: "runtime", message: `is ${JSON.stringify(runtime)}; the program is TypeScript: set runtime: nodejs` });
}

/** The project's stack names (`Pulumi.<stack>.yaml`, Pulumi.yaml itself excluded). */
function stackNames(projectDir: string): string[] {
  return fs
    .readdirSync(projectDir)
    .map((f) => f.match(/^Pulumi\.(.+)\.ya?ml$/)?.[1])
    .filter((n): n is string => n !== undefined)
    .sort();
}

function checkStackFile(projectDir: string, stack: string, problems: ValidationProblem[]): { site: ValidatedSite; config?: SiteConfig } {
  const file = stackFileName(stack);
  const site: ValidatedSite = { stack, file };
  const doc = readYaml(path.join(projectDir, file), problems);
  if (!doc) return { site };
  const config = doc.config;
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    problems.push({ file, key: "config", message: "has no `config:` map; the site's keys go under it (see Pulumi.primary.yaml)" });
    return { site };
  }
  const disabled = (config as Record<string, unknown>)[DISABLE_KEY];
  const missing = REQUIRED_DISABLED_PROVIDERS.filter((p) => !(Array.isArray(disabled) && disabled.includes(p)));
  if (missing.length > 0) {
    problems.push({
      file,
      key: DISABLE_KEY,
      message: `does not list ${missing.join(" and ")}; a resource that forgot the site's provider would land in a default Region. Set it to [${REQUIRED_DISABLED_PROVIDERS.join(", ")}]`,
    });
  }
  try {
    const parsed = parseSiteConfig(stack, projectValues(config as Record<string, unknown>));
    Object.assign(site, { region: parsed.region, role: parsed.role, ownsGlobalResources: parsed.ownsGlobalResources });
    return { site, config: parsed };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const p of err.problems) problems.push({ file, key: p.key, message: p.message });
    return { site };
  }
}

export function validateProject(projectDir: string): ValidationResult {
  const problems: ValidationProblem[] = [];
  checkProjectFile(projectDir, problems);
  const names = fs.existsSync(projectDir) ? stackNames(projectDir) : [];
  if (names.length !== 2) {
    problems.push({
      file: names.map(stackFileName).join(", ") || "Pulumi.<stack>.yaml",
      message: `eks-dr drives exactly two sites and ${projectDir} has ${names.length} stack file(s); keep one Pulumi.<stack>.yaml per site (e.g. Pulumi.primary.yaml and Pulumi.dr.yaml)`,
    });
  }
  const checked = names.map((stack) => checkStackFile(projectDir, stack, problems));
  if (checked.length === 2 && checked[0].config && checked[1].config) {
    const [a, b] = checked.map((c) => ({ stack: c.site.stack, config: c.config! }));
    const both = `${stackFileName(a.stack)} and ${stackFileName(b.stack)}`;
    for (const p of pairProblems(a, b)) problems.push({ file: both, key: p.key, message: p.message });
  }
  return { ok: problems.length === 0, projectDir, sites: checked.map((c) => c.site), problems };
}

export function formatValidation(r: ValidationResult): string[] {
  if (r.ok) {
    const sites = r.sites.map((s) => `${s.stack} (${s.region}, ${s.role}${s.ownsGlobalResources ? ", owner of global resources" : ""})`);
    return [`valid: ${r.sites.map((s) => s.file).join(" and ")}: ${sites.join("; ")} (offline checks: project file, both stack files, the rules between them)`];
  }
  return [
    ...r.problems.map((p) => `error: ${p.file}: ${p.key ? `${p.key}: ` : ""}${p.message}`),
    `${r.problems.length} problem(s): fix them in the files named (or \`pulumi config set --path <key> <value> -s <stack>\`), then run \`npm run validate\` again. Nothing was deployed.`,
  ];
}
