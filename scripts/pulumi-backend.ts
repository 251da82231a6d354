/**
 * Which Pulumi backend CI talks to, from one setting, and what that means for a site's stack:
 * its fully qualified name, its Region (the AWS credentials' STS Region: the site's own, so an
 * impaired peer Region never blocks it) and the secrets the step needs.
 *
 * The setting is the `PULUMI_BACKEND_URL` repository variable, which the Pulumi CLI itself reads
 * as the backend to use (pulumi/pulumi pkg/workspace/creds.go, `GetCurrentCloudURLWithSource`):
 * - empty, or an https:// URL: Pulumi Cloud (or a self-hosted Pulumi Cloud). Stacks are
 *   `<PULUMI_ORG>/<project>/<stack>`; `PULUMI_ACCESS_TOKEN` authenticates.
 * - s3://, gs://, azblob://, file:// or postgres://: a DIY backend (pulumi/pulumi
 *   pkg/backend/diy/backend.go, `IsDIYBackendURL`). Its only organization is the literal
 *   `organization`, and legacy (non-project) DIY backends accept no qualified names at all, so the
 *   stack goes by its bare name, which both forms resolve. Secrets are encrypted with a passphrase
 *   unless the stack file names another secrets provider, so the passphrase must be in the env.
 *
 * Usage: tsx scripts/pulumi-backend.ts --stack <site> [--token-secret NAME] [--project-dir DIR]
 * Writes the step outputs `backend`, `stack-name` and `region`; exit code 2 names a missing setting.
 */
import { Command } from "commander";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { EXIT, Refusal, runMain, setOutputs } from "./lib/actions";

export type BackendKind = "cloud" | "diy";

const DIY_SCHEMES = ["s3:", "gs:", "azblob:", "file:", "postgres:"];
const NAME = /^[A-Za-z0-9_.-]+$/;

export function backendKind(url: string | undefined): BackendKind {
  const value = (url ?? "").trim();
  if (value === "") return "cloud";
  const scheme = /^([a-z0-9+.-]+:)/i.exec(value)?.[1]?.toLowerCase();
  if (scheme && DIY_SCHEMES.includes(scheme)) return "diy";
  if (scheme === "https:" || scheme === "http:") return "cloud";
  throw new Refusal(
    `PULUMI_BACKEND_URL "${value}" is neither a Pulumi Cloud URL (https://...; empty for app.pulumi.com) nor a DIY backend (${DIY_SCHEMES.map((s) => `${s}//`).join(", ")}). Fix the repository variable.`,
  );
}

export interface SiteBackend {
  backend: BackendKind;
  stackName: string;
  region: string;
}

export interface BackendEnv {
  PULUMI_BACKEND_URL?: string;
  PULUMI_ORG?: string;
  PULUMI_ACCESS_TOKEN?: string;
  PULUMI_CONFIG_PASSPHRASE?: string;
  PULUMI_CONFIG_PASSPHRASE_FILE?: string;
}

interface StackFileDoc {
  secretsprovider?: string;
  config?: Record<string, unknown>;
}

/** The site's backend, stack name and Region; a Refusal names the setting to fix. */
export function siteBackend(projectDir: string, stack: string, env: BackendEnv, tokenSecret = "PULUMI_ACCESS_TOKEN"): SiteBackend {
  if (!NAME.test(stack)) throw new Refusal(`--stack "${stack}" is not a stack name (letters, digits, _ . -).`);
  const stackFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(stackFile)) throw new Refusal(`Pulumi.${stack}.yaml is not in ${projectDir}: --stack must name one of the project's sites.`);
  const doc = (parse(fs.readFileSync(stackFile, "utf8")) ?? {}) as StackFileDoc;
  const region = doc.config?.["eks-dr:region"];
  if (typeof region !== "string" || region === "") throw new Refusal(`Pulumi.${stack}.yaml has no eks-dr:region; set the site's Region.`);
  const project = (parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { name: string }).name;

  const backend = backendKind(env.PULUMI_BACKEND_URL);
  if (backend === "cloud") {
    const org = (env.PULUMI_ORG ?? "").trim();
    if (!NAME.test(org)) {
      throw new Refusal(
        `PULUMI_ORG ${org === "" ? "is empty" : `"${org}" is not an organization name`}: with Pulumi Cloud (PULUMI_BACKEND_URL empty or https://) ` +
          "set the repository variable PULUMI_ORG to the organization that owns the stacks, or set PULUMI_BACKEND_URL to your DIY backend (s3://...).",
      );
    }
    if (!env.PULUMI_ACCESS_TOKEN) {
      throw new Refusal(`the secret ${tokenSecret} is empty: Pulumi Cloud needs an access token for this job (see the README, CI/CD: tokens).`);
    }
    return { backend, stackName: `${org}/${project}/${stack}`, region };
  }

  const provider = (doc.secretsprovider ?? "passphrase").trim();
  if (provider.startsWith("passphrase") && !env.PULUMI_CONFIG_PASSPHRASE && !env.PULUMI_CONFIG_PASSPHRASE_FILE) {
    throw new Refusal(
      `Pulumi.${stack}.yaml encrypts secrets with a passphrase (the DIY default) and PULUMI_CONFIG_PASSPHRASE is empty: add the secret PULUMI_CONFIG_PASSPHRASE, ` +
        "or move the stack to a KMS secrets provider (pulumi stack change-secrets-provider awskms://...).",
    );
  }
  return { backend, stackName: stack, region };
}

export async function main(
  argv: string[],
  env: BackendEnv & { GITHUB_OUTPUT?: string } = process.env,
  out: (line: string) => void = console.log,
): Promise<number> {
  const program = new Command("pulumi-backend")
    .requiredOption("--stack <site>", "the site's stack name (Pulumi.<site>.yaml)")
    .option("--token-secret <name>", "name of the secret holding the Pulumi access token, for messages", "PULUMI_ACCESS_TOKEN")
    .option("--project-dir <dir>", "directory holding Pulumi.yaml", process.cwd())
    .exitOverride()
    .parse(argv, { from: "user" });
  const opts = program.opts<{ stack: string; tokenSecret: string; projectDir: string }>();
  const site = siteBackend(opts.projectDir, opts.stack, env, opts.tokenSecret);
  setOutputs({ backend: site.backend, "stack-name": site.stackName, region: site.region }, env.GITHUB_OUTPUT);
  out(`${opts.stack}: ${site.backend === "cloud" ? "Pulumi Cloud" : "DIY backend"}, stack ${site.stackName}, Region ${site.region}`);
  return EXIT.ok;
}

if (require.main === module) runMain(() => main(process.argv.slice(2)));
