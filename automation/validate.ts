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
import { ConfigError, formatConfigProblem, PROJECT, pairProblems, parseSiteConfig, siteConfigWarnings, type SiteConfig } from "../stacks/config";
import { configErrorLines } from "../stacks/config-problems";
import { readStackFile, stackFileName } from "../stacks/stack-files";
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
  /** Valid but worth a look (e.g. a Region the AWS SDK does not list yet); they do not fail validation. */
  warnings: ValidationProblem[];
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
  if (runtime !== "nodejs")
    problems.push({ file: "Pulumi.yaml", key: "runtime", message: `is ${JSON.stringify(runtime)}; the program is TypeScript: set runtime: nodejs` });
}

/** The project's stack names (`Pulumi.<stack>.yaml`, Pulumi.yaml itself excluded). */
function stackNames(projectDir: string): string[] {
  return fs
    .readdirSync(projectDir)
    .map((f) => f.match(/^Pulumi\.(.+)\.ya?ml$/)?.[1])
    .filter((n): n is string => n !== undefined)
    .sort();
}

/** A problem of the shared config modules, as a validation problem (they name their file). */
const asValidationProblem =
  (file: string) =>
  (p: { file?: string; key?: string; message: string }): ValidationProblem => ({
    file: p.file ?? file,
    ...(p.key ? { key: p.key } : {}),
    message: p.message,
  });

function checkStackFile(
  projectDir: string,
  stack: string,
  problems: ValidationProblem[],
  warnings: ValidationProblem[],
): { site: ValidatedSite; config?: SiteConfig } {
  const file = stackFileName(stack);
  const site: ValidatedSite = { stack, file };
  const read = readStackFile(projectDir, stack);
  if (!read) {
    problems.push({ file, message: `cannot be read from ${projectDir}` });
    return { site };
  }
  // What Pulumi itself would refuse (YAML syntax, keys without a namespace) comes first.
  problems.push(...read.problems.map(asValidationProblem(file)));
  if (read.problems.some((p) => p.key === undefined || p.key === "config")) return { site };
  const config = read.config;
  const disabled = config[DISABLE_KEY];
  const missing = REQUIRED_DISABLED_PROVIDERS.filter((p) => !(Array.isArray(disabled) && disabled.includes(p)));
  if (missing.length > 0) {
    problems.push({
      file,
      key: DISABLE_KEY,
      message: `does not list ${missing.join(" and ")}; a resource that forgot the site's provider would land in a default Region. Set it to [${REQUIRED_DISABLED_PROVIDERS.join(", ")}]`,
    });
  }
  try {
    const parsed = parseSiteConfig(stack, read.values);
    Object.assign(site, { region: parsed.region, role: parsed.role, ownsGlobalResources: parsed.ownsGlobalResources });
    warnings.push(...siteConfigWarnings(stack, parsed).map(asValidationProblem(file)));
    return { site, config: parsed };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems.map(asValidationProblem(file)));
    return { site };
  }
}

export function validateProject(projectDir: string): ValidationResult {
  const problems: ValidationProblem[] = [];
  const warnings: ValidationProblem[] = [];
  checkProjectFile(projectDir, problems);
  const names = fs.existsSync(projectDir) ? stackNames(projectDir) : [];
  if (names.length !== 2) {
    problems.push({
      file: names.map(stackFileName).join(", ") || "Pulumi.<stack>.yaml",
      message: `eks-dr drives exactly two sites and ${projectDir} has ${names.length} stack file(s); keep one Pulumi.<stack>.yaml per site (e.g. Pulumi.primary.yaml and Pulumi.dr.yaml)`,
    });
  }
  const checked = names.map((stack) => checkStackFile(projectDir, stack, problems, warnings));
  if (checked.length === 2 && checked[0].config && checked[1].config) {
    const [a, b] = checked.map((c) => ({ stack: c.site.stack, config: c.config! }));
    problems.push(...pairProblems(a, b).map(asValidationProblem(stackFileName(a.stack))));
  }
  return { ok: problems.length === 0, projectDir, sites: checked.map((c) => c.site), problems, warnings };
}

export function formatValidation(r: ValidationResult): string[] {
  const warnings = (r.warnings ?? []).map((w) => `warning: ${formatConfigProblem(w)}`);
  if (r.ok) {
    const sites = r.sites.map((s) => `${s.stack} (${s.region}, ${s.role}${s.ownsGlobalResources ? ", owner of global resources" : ""})`);
    return [
      ...warnings,
      `valid: ${r.sites.map((s) => s.file).join(" and ")}: ${sites.join("; ")} (offline checks: project file, both stack files, the rules between them)`,
    ];
  }
  return [...warnings, ...configErrorLines(r.problems)];
}
