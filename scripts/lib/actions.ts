/**
 * The few GitHub Actions runner files the CI scripts write: step outputs (`$GITHUB_OUTPUT`) and the
 * job summary (`$GITHUB_STEP_SUMMARY`). Outside Actions (tests, a laptop) both are no-ops unless a
 * path is given.
 */
import { CommanderError } from "commander";
import * as fs from "node:fs";
import { randomUUID } from "node:crypto";

/** Appends `name=value` step outputs; multi-line values use the heredoc form the runner documents. */
export function setOutputs(outputs: Record<string, string>, file = process.env.GITHUB_OUTPUT): void {
  if (!file) return;
  const lines = Object.entries(outputs).map(([name, value]) => {
    if (!value.includes("\n")) return `${name}=${value}`;
    const delimiter = `EOF_${randomUUID()}`;
    return `${name}<<${delimiter}\n${value}\n${delimiter}`;
  });
  fs.appendFileSync(file, `${lines.join("\n")}\n`);
}

/** Appends Markdown to the job summary shown on the run's page. */
export function appendSummary(markdown: string, file = process.env.GITHUB_STEP_SUMMARY): void {
  if (!file) return;
  fs.appendFileSync(file, `${markdown.trimEnd()}\n\n`);
}

/** Exit codes shared by the CI scripts, as the driver uses them: 0 ok, 1 failed, 2 bad input or refused. */
export const EXIT = { ok: 0, failed: 1, refused: 2 } as const;

/** A refusal or bad input: the message names what is wrong and the fix; the script exits 2. */
export class Refusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Refusal";
  }
}

/** Runs a script's main, printing a Refusal's message alone and mapping it (and bad flags) to exit code 2. */
export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      // commander has printed the usage problem (or the help, exit code 0) already.
      if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.refused);
      if (err instanceof Refusal) {
        console.error(`error: ${err.message}`);
        process.exit(EXIT.refused);
      }
      console.error(err);
      process.exit(EXIT.failed);
    },
  );
}
