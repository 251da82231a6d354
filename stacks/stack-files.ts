/**
 * Reads `Pulumi.<stack>.yaml` files of this project.
 *
 * The program uses it to check the pair of sites before creating anything (a peer's Region and
 * CIDR are known as soon as its stack file exists), `npm run validate` and the simulated Regions
 * read both files with it, and the driver uses it to plan config changes. A file the Pulumi CLI
 * would refuse is refused here too, with the same `file: key: message` problems:
 *
 * - YAML that does not parse: the file, line and column.
 * - A key without a namespace (`region:`): Pulumi reads config keys as `<namespace>:<name>` only
 *   and refuses the whole file otherwise (pulumi/pulumi sdk/go/common/resource/config/key.go,
 *   `ParseKey`; the older `<namespace>:config:<name>` form is the same key).
 * - A namespace one typo away from the project's (`eks_dr:region`): Pulumi would keep it as
 *   config of a package nobody reads, and the key would silently be missing.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { distance } from "fastest-levenshtein";
import { YAMLParseError } from "yaml";
import { ConfigError, stackFileName, type ConfigProblem } from "./config-problems";
import { PROJECT } from "./config";
import { parseYamlText } from "./yaml-text";

export { stackFileName } from "./config-problems";

/** Namespaces of the providers and engine a stack file legitimately configures besides the project's. */
const OTHER_NAMESPACES = new Set(["pulumi", "aws", "kubernetes", "random", "eks", "awsx"]);

export interface StackFile {
  /** `Pulumi.<stack>.yaml` */
  file: string;
  /** The whole `config:` map, keys as written (namespaced). */
  config: Record<string, unknown>;
  /** The project's keys, namespace stripped, encrypted values left out. */
  values: Record<string, unknown>;
  /** Why Pulumi would refuse the file, or what it would silently ignore; empty when neither. */
  problems: ConfigProblem[];
}

/** A stack file of the project, with its problems; undefined when the file is absent. */
export function readStackFile(projectDir: string, stack: string): StackFile | undefined {
  const file = stackFileName(stack);
  const fullPath = path.join(projectDir, file);
  if (!fs.existsSync(fullPath)) return undefined;
  const result: StackFile = { file, config: {}, values: {}, problems: [] };
  let doc: unknown;
  try {
    doc = parseYamlText(fs.readFileSync(fullPath, "utf8"));
  } catch (err) {
    if (!(err instanceof YAMLParseError)) throw err;
    const where = err.linePos ? ` at line ${err.linePos[0].line}, column ${err.linePos[0].col}` : "";
    result.problems.push({ file, message: `is not valid YAML${where}: ${err.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}` });
    return result;
  }
  if (doc === null || doc === undefined) return result;
  if (typeof doc !== "object" || Array.isArray(doc)) {
    result.problems.push({ file, message: "is not a YAML map of keys; see Pulumi.primary.yaml for the expected shape" });
    return result;
  }
  const config = (doc as { config?: unknown }).config;
  if (config === undefined || config === null) return result;
  if (typeof config !== "object" || Array.isArray(config)) {
    result.problems.push({ file, key: "config", message: "is not a map; the site's keys go under `config:` (see Pulumi.primary.yaml)" });
    return result;
  }
  result.config = config as Record<string, unknown>;
  result.values = projectValues(result.config);
  result.problems.push(...keyProblems(file, result.config));
  return result;
}

/** What Pulumi refuses, or would read as another package's config, among a file's keys. */
function keyProblems(file: string, config: Record<string, unknown>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const fullKey of Object.keys(config)) {
    const parsed = parseKey(fullKey);
    if (!parsed) {
      const hint = fullKey.includes(":") ? "use <namespace>:<name>" : `write it ${PROJECT}:${fullKey}`;
      problems.push({
        file,
        key: fullKey,
        message: `has no namespace, and Pulumi refuses a stack file with such a key (config keys are <namespace>:<name>); ${hint}`,
      });
      continue;
    }
    const [namespace, name] = parsed;
    if (namespace !== PROJECT && !OTHER_NAMESPACES.has(namespace) && distance(namespace, PROJECT) <= 2) {
      problems.push({ file, key: fullKey, message: `is in namespace ${namespace}, which no package reads; did you mean ${PROJECT}:${name}?` });
    }
  }
  return problems;
}

/** `[namespace, name]` of a config key as Pulumi parses it, or undefined when Pulumi refuses it. */
function parseKey(fullKey: string): [string, string] | undefined {
  const parts = fullKey.split(":");
  if (parts.length === 2) return [parts[0], parts[1]];
  if (parts.length === 3 && parts[1] === "config") return [parts[0], parts[2]];
  return undefined;
}

/**
 * Raw `eks-dr:*` values of a stack file, namespace stripped; undefined when the file is absent.
 * Throws a ConfigError naming the file (and line or key) when Pulumi would refuse the file.
 */
export function readStackFileConfig(projectDir: string, stack: string): Record<string, unknown> | undefined {
  const read = readStackFile(projectDir, stack);
  if (read && read.problems.length > 0) throw new ConfigError(stack, read.problems);
  return read?.values;
}

/** Picks the project's keys out of a config map keyed `namespace:key`, skipping encrypted values and keys Pulumi refuses. */
export function projectValues(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(config)) {
    const parsed = parseKey(fullKey);
    if (!parsed || parsed[0] !== PROJECT || isSecure(value)) continue;
    out[parsed[1]] = value;
  }
  return out;
}

function isSecure(value: unknown): boolean {
  return typeof value === "object" && value !== null && "secure" in value;
}
