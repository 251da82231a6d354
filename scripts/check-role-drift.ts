/**
 * Refuses a deploy that would undo a failover. The failover driver swaps the sites' roles in the
 * stack files and runs `up`, so after a failover each stack reports its new `role` output while
 * the repository may still hold the old `Pulumi.<stack>.yaml`. Deploying that commit would set the
 * old roles back: move traffic, EFS replication and the database's roles under a live incident.
 *
 * Usage: tsx scripts/check-role-drift.ts --stack <site> --outputs <file> [--project-dir DIR]
 *   <file> is `pulumi stack output --json` of the site's stack (no secrets needed).
 * Exit code 0 when the committed role matches the reported one (or the stack has no outputs yet),
 * 2 with the fix when they differ or the input is unusable.
 */
import { Command } from "commander";
import * as fs from "node:fs";
import { ROLES } from "../stacks/config";
import { readStackFileConfig, stackFileName } from "../stacks/stack-files";
import { EXIT, Refusal, runMain } from "./lib/actions";

type Role = (typeof ROLES)[number];

const isRole = (v: unknown): v is Role => typeof v === "string" && (ROLES as readonly string[]).includes(v);

/** The verdict for one site; throws a Refusal naming both roles and the fix when they differ. */
export function checkRoleDrift(stack: string, committedConfig: Record<string, unknown> | undefined, outputs: Record<string, unknown>): string {
  const file = stackFileName(stack);
  if (!committedConfig) throw new Refusal(`${file} is not in the repository; --stack must name one of the project's sites.`);
  const committed = committedConfig.role;
  if (!isRole(committed)) throw new Refusal(`${file} has no valid eks-dr:role (got ${JSON.stringify(committed)}); set active or standby.`);
  const reported = outputs.role;
  if (reported === undefined) return `${stack}: the stack reports no role yet (first deploy); committed role ${committed}`;
  if (!isRole(reported))
    throw new Refusal(
      `stack ${stack} reports role ${JSON.stringify(reported)}, which is neither active nor standby; check the stack's outputs before deploying.`,
    );
  if (reported === committed) return `${stack}: committed role ${committed} matches the role the stack reports`;
  throw new Refusal(
    `refusing to deploy ${stack}: ${file} in this commit says role ${committed}, but stack ${stack} reports role ${reported} from its last update. ` +
      "A failover (or failback) has changed the roles since this commit, and deploying it would undo that: traffic, EFS replication and the database roles would move back. " +
      `Fix: commit the stack files the failover driver rewrote (${file} and its peer's, from the operator's checkout) in a pull request and merge it, then deploy again. ` +
      `If it is the stack that is wrong, run the driver (npm run failover / npm run failback) to move the roles, not a deploy.`,
  );
}

export async function main(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const opts = new Command("check-role-drift")
    .requiredOption("--stack <site>", "the site's stack name (Pulumi.<site>.yaml)")
    .requiredOption("--outputs <file>", "`pulumi stack output --json` of the site's stack")
    .option("--project-dir <dir>", "directory holding the stack files", process.cwd())
    .exitOverride()
    .parse(argv, { from: "user" })
    .opts<{ stack: string; outputs: string; projectDir: string }>();
  let outputs: unknown;
  try {
    outputs = JSON.parse(fs.readFileSync(opts.outputs, "utf8"));
  } catch (err) {
    throw new Refusal(
      `--outputs ${opts.outputs} is not readable JSON (${err instanceof Error ? err.message : String(err)}); pass \`pulumi stack output --json\` of the stack.`,
    );
  }
  if (outputs === null || typeof outputs !== "object" || Array.isArray(outputs))
    throw new Refusal(`--outputs ${opts.outputs} is not a JSON object of stack outputs.`);
  out(checkRoleDrift(opts.stack, readStackFileConfig(opts.projectDir, opts.stack), outputs as Record<string, unknown>));
  return EXIT.ok;
}

if (require.main === module) runMain(() => main(process.argv.slice(2)));
