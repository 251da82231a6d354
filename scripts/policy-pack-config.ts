/**
 * Writes the policy pack config for one site from the project's stack files: the DR state they
 * record (replication off after an unplanned failover, impaired Regions) runs the policies that
 * depend on it as advisory; everything else keeps its own level (policy/lib/dr-state.ts).
 * Prints, and adds to the job summary, which policies were relaxed and why; the step output `file`
 * is the written file.
 *
 * Usage: tsx scripts/policy-pack-config.ts --stack <site> --out <file.json> [--project-dir DIR]
 * Exit code 2 when a stack file is unfit (e.g. pulumi:disable-default-providers was removed).
 */
import { Command } from "commander";
import { describeRelaxations, StackFileProblem, writePackConfig } from "../policy/lib/pack-config";
import { appendSummary, EXIT, Refusal, runMain, setOutputs } from "./lib/actions";

export async function main(
  argv: string[],
  out: (line: string) => void = console.log,
  summaryFile = process.env.GITHUB_STEP_SUMMARY,
  outputFile = process.env.GITHUB_OUTPUT,
): Promise<number> {
  const opts = new Command("policy-pack-config")
    .requiredOption("--stack <site>", "the site's stack name (Pulumi.<site>.yaml)")
    .requiredOption("--out <file>", "where to write the --policy-pack-config JSON")
    .option("--project-dir <dir>", "directory holding the stack files", process.cwd())
    .exitOverride()
    .parse(argv, { from: "user" })
    .opts<{ stack: string; out: string; projectDir: string }>();
  let result;
  try {
    result = writePackConfig(opts.projectDir, opts.stack, opts.out);
  } catch (err) {
    if (err instanceof StackFileProblem) throw new Refusal(err.message);
    throw err;
  }
  const lines = describeRelaxations(result);
  lines.forEach((l) => out(l));
  appendSummary(`#### Policy enforcement for ${opts.stack}\n\n${lines.map((l) => `- ${l}`).join("\n")}`, summaryFile);
  setOutputs({ file: opts.out }, outputFile);
  return EXIT.ok;
}

if (require.main === module) runMain(() => main(process.argv.slice(2)));
