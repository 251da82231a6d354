/**
 * Checks run before any deploy job touches a stack.
 *
 * `environment`: the `production` environment really gates deploys. The deploy token lives in its
 * secrets, so it must have required reviewers and be limited to selected branches; otherwise a
 * push (or any branch's workflow) deploys, or reads the token, unreviewed. Read with the REST
 * endpoint "Get an environment" (GET /repos/{owner}/{repo}/environments/{environment_name}):
 * its `protection_rules` hold a `required_reviewers` rule with `reviewers`, and
 * `deployment_branch_policy` is null when every branch may deploy. A GitHub token needs the
 * "Actions" repository permission (read) for it: `actions: read` for the job's `github.token`.
 *
 * `dispatch`: a manual single-site deploy names a site and a reason and runs from main.
 *
 * Usage:
 *   tsx scripts/deploy-preflight.ts environment --name production --repo <owner/repo>
 *   tsx scripts/deploy-preflight.ts dispatch --site <primary|dr> --reason <text> --ref <git ref>
 * Exit code 2 names what is wrong and how to fix it.
 */
import { Command } from "commander";
import * as fs from "node:fs";
import * as path from "node:path";
import { appendSummary, EXIT, Refusal, runMain } from "./lib/actions";
import { GhError, ghApi, type GhApi } from "./lib/gh";

interface ProtectionRule {
  type?: string;
  reviewers?: unknown[];
}

export interface Environment {
  name?: string;
  protection_rules?: ProtectionRule[];
  deployment_branch_policy?: { protected_branches?: boolean; custom_branch_policies?: boolean } | null;
}

/** What makes the environment unfit to guard deploys, each with its fix; empty when it is fit. */
export function environmentProblems(name: string, env: Environment): string[] {
  const problems: string[] = [];
  const reviewers = (env.protection_rules ?? []).filter((r) => r.type === "required_reviewers").flatMap((r) => r.reviewers ?? []);
  if (reviewers.length === 0) {
    problems.push(
      `environment ${name} has no required reviewers, so every push to main would update both sites unreviewed. ` +
        `Fix: Settings > Environments > ${name} > Required reviewers: add at least one person or team.`,
    );
  }
  if (!env.deployment_branch_policy) {
    problems.push(
      `environment ${name} can be used from any branch, so a workflow on any branch could reach its deploy token. ` +
        `Fix: Settings > Environments > ${name} > Deployment branches and tags: Selected branches, main only.`,
    );
  }
  return problems;
}

export async function checkEnvironment(name: string, repo: string, gh: GhApi): Promise<string> {
  let env: Environment;
  try {
    env = (await gh({ path: `repos/${repo}/environments/${encodeURIComponent(name)}` })) as Environment;
  } catch (err) {
    if (err instanceof GhError && err.status === 404) {
      throw new Refusal(
        `environment ${name} does not exist in ${repo}. Fix: create it (Settings > Environments > New environment) with required reviewers and main as its only deployment branch.`,
      );
    }
    throw err;
  }
  const problems = environmentProblems(name, env);
  if (problems.length > 0) throw new Refusal(problems.join("\n       "));
  return `environment ${name}: required reviewers and a deployment branch policy are set`;
}

export const SITES = ["primary", "dr"] as const;

/** A manual single-site deploy: a known site, a reason, from main. */
export function checkDispatch(site: string, reason: string, ref: string, projectDir = process.cwd()): string {
  if (!(SITES as readonly string[]).includes(site) || !fs.existsSync(path.join(projectDir, `Pulumi.${site}.yaml`))) {
    throw new Refusal(`site "${site}" is not one of ${SITES.join(", ")}; choose the site to deploy.`);
  }
  if (reason.trim().length < 10) {
    throw new Refusal(
      'reason is missing or too short: say why this site is deployed alone (e.g. "us-east-1 impaired, converge dr after failover"); it is recorded with the update.',
    );
  }
  if (ref !== "refs/heads/main") {
    throw new Refusal(`a single-site deploy runs from main, not ${ref}: what is deployed must be what was reviewed. Fix: run the workflow on main.`);
  }
  return `deploying ${site} alone from main: ${reason.trim()}`;
}

export async function main(
  argv: string[],
  out: (line: string) => void = console.log,
  gh: GhApi = ghApi,
  summaryFile = process.env.GITHUB_STEP_SUMMARY,
): Promise<number> {
  const program = new Command("deploy-preflight").exitOverride();
  let result: Promise<string> | undefined;
  program
    .command("environment")
    .requiredOption("--name <environment>", "the deployment environment, e.g. production")
    .requiredOption("--repo <owner/repo>", "the repository (github.repository)")
    .exitOverride()
    .action((o: { name: string; repo: string }) => {
      result = checkEnvironment(o.name, o.repo, gh);
    });
  program
    .command("dispatch")
    .requiredOption("--site <site>", "the site to deploy alone")
    .requiredOption("--reason <text>", "why it is deployed alone")
    .requiredOption("--ref <ref>", "the git ref the workflow runs on (github.ref)")
    .exitOverride()
    .action((o: { site: string; reason: string; ref: string }) => {
      result = Promise.resolve(checkDispatch(o.site, o.reason, o.ref));
    });
  program.parse(argv, { from: "user" });
  if (!result) throw new Refusal("name a check: environment or dispatch");
  const line = await result;
  out(line);
  appendSummary(`- ${line}`, summaryFile);
  return EXIT.ok;
}

if (require.main === module) runMain(() => main(process.argv.slice(2)));
