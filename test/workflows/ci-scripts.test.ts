/**
 * The scripts the workflows run: backend and stack names from one setting, the role-drift
 * refusal, the production-environment and dispatch checks, the pack config from the DR state.
 * Each is driven through its `main` with the arguments the workflow passes, and checked on its
 * exit code, outputs and message.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { Refusal } from "../../scripts/lib/actions";
import { GhError, type GhRequest } from "../../scripts/lib/gh";
import { main as backendMain, siteBackend } from "../../scripts/pulumi-backend";
import { checkRoleDrift, main as roleDriftMain } from "../../scripts/check-role-drift";
import { checkDispatch, environmentProblems, main as preflightMain } from "../../scripts/deploy-preflight";
import { main as packConfigMain } from "../../scripts/policy-pack-config";
import { REPO_ROOT } from "../../automation/sim/program/evaluate";
import { projectWith } from "../harness/project";
import { tempDir } from "../harness/temp-dir";

const tmp = (name: string) => path.join(tempDir("ci"), name);

/** Runs an async main and returns its exit code or the Refusal it threw (what runMain maps to 2). */
async function outcome(run: () => Promise<number>): Promise<number | Refusal> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof Refusal) return e;
    throw e;
  }
}

function parseOutputs(file: string): Record<string, string> {
  return Object.fromEntries(
    fs
      .readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split("=", 2) as [string, string]),
  );
}

describe("pulumi-backend: Pulumi Cloud or a DIY backend from PULUMI_BACKEND_URL", () => {
  it("Pulumi Cloud: <org>/<project>/<stack>, the site's own Region for STS", async () => {
    const file = tmp("outputs");
    const code = await backendMain(
      ["--stack", "dr", "--project-dir", REPO_ROOT],
      { PULUMI_ORG: "acme", PULUMI_ACCESS_TOKEN: "pul-x", GITHUB_OUTPUT: file },
      () => undefined,
    );
    expect(code).to.equal(0);
    expect(parseOutputs(file)).to.deep.equal({ backend: "cloud", "stack-name": "acme/eks-dr/dr", region: "us-west-2" });
  });

  it("a DIY backend (s3://): the bare stack name, which the fixed `organization` and legacy DIY layouts both resolve", () => {
    const env = { PULUMI_BACKEND_URL: "s3://state-bucket?region=eu-central-1", PULUMI_ORG: "acme", PULUMI_CONFIG_PASSPHRASE: "x" };
    expect(siteBackend(REPO_ROOT, "primary", env)).to.deep.equal({ backend: "diy", stackName: "primary", region: "us-east-1" });
    for (const url of ["gs://b", "azblob://c", "file:///srv/state", "postgres://db/state"])
      expect(siteBackend(REPO_ROOT, "dr", { ...env, PULUMI_BACKEND_URL: url }).backend).to.equal("diy");
    expect(
      siteBackend(REPO_ROOT, "dr", { PULUMI_BACKEND_URL: "https://api.pulumi.example.com", PULUMI_ORG: "acme", PULUMI_ACCESS_TOKEN: "t" }).backend,
    ).to.equal("cloud");
  });

  it("refuses, naming the setting: no org for Pulumi Cloud, no token, no passphrase for a DIY passphrase stack, an unknown scheme", () => {
    const refuse = (env: Parameters<typeof siteBackend>[2], token?: string) => () => siteBackend(REPO_ROOT, "dr", env, token);
    expect(refuse({ PULUMI_ACCESS_TOKEN: "t" })).to.throw(Refusal, /PULUMI_ORG is empty.*set the repository variable PULUMI_ORG.*or set PULUMI_BACKEND_URL/);
    expect(refuse({ PULUMI_ORG: "acme" }, "PULUMI_PREVIEW_TOKEN")).to.throw(Refusal, /the secret PULUMI_PREVIEW_TOKEN is empty/);
    expect(refuse({ PULUMI_BACKEND_URL: "s3://b" })).to.throw(Refusal, /passphrase .* PULUMI_CONFIG_PASSPHRASE is empty.*change-secrets-provider/);
    expect(refuse({ PULUMI_BACKEND_URL: "ftp://b" })).to.throw(Refusal, /PULUMI_BACKEND_URL "ftp:\/\/b" is neither/);
    expect(() => siteBackend(REPO_ROOT, "qa", { PULUMI_ORG: "acme", PULUMI_ACCESS_TOKEN: "t" })).to.throw(Refusal, /Pulumi\.qa\.yaml is not in/);
  });

  it("a DIY stack on a KMS secrets provider needs no passphrase", () => {
    const dir = projectWith({});
    fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    const file = path.join(dir, "Pulumi.dr.yaml");
    fs.writeFileSync(file, `secretsprovider: awskms://alias/state?region=eu-central-1\n${fs.readFileSync(file, "utf8")}`);
    expect(siteBackend(dir, "dr", { PULUMI_BACKEND_URL: "s3://b" }).stackName).to.equal("dr");
  });
});

describe("check-role-drift: a deploy never undoes a failover", () => {
  const committed = (role: string) => ({ role, region: "us-east-1" });

  it("passes when the committed role is the one the stack reports, or the stack has none yet", () => {
    expect(checkRoleDrift("primary", committed("active"), { role: "active" })).to.match(/matches/);
    expect(checkRoleDrift("primary", committed("active"), {})).to.match(/first deploy/);
  });

  it("refuses when the stack reports another role than the commit, with the fix", () => {
    expect(() => checkRoleDrift("primary", committed("active"), { role: "standby" })).to.throw(
      Refusal,
      /refusing to deploy primary: Pulumi\.primary\.yaml in this commit says role active, but stack primary reports role standby.*would undo.*Fix: commit the stack files the failover driver rewrote/,
    );
  });

  it("from the workflow's arguments: exit 0 on a match, a refusal (exit 2) on drift or unusable outputs", async () => {
    const outputs = tmp("outputs.json");
    fs.writeFileSync(outputs, JSON.stringify({ role: "standby", region: "us-west-2", kubeconfig: "[secret]" }));
    expect(await outcome(() => roleDriftMain(["--stack", "dr", "--outputs", outputs, "--project-dir", REPO_ROOT], () => undefined))).to.equal(0);

    const failedOver = projectWith({ primary: { role: "standby" }, dr: { role: "active" } });
    fs.writeFileSync(outputs, JSON.stringify({ role: "standby" }));
    expect(String(await outcome(() => roleDriftMain(["--stack", "dr", "--outputs", outputs, "--project-dir", failedOver], () => undefined)))).to.match(
      /Pulumi\.dr\.yaml in this commit says role active, but stack dr reports role standby/,
    );
    fs.writeFileSync(outputs, "not json");
    expect(String(await outcome(() => roleDriftMain(["--stack", "dr", "--outputs", outputs, "--project-dir", REPO_ROOT], () => undefined)))).to.match(
      /not readable JSON/,
    );
  });
});

describe("the scripts as processes: exit 2 with one line naming the problem", function () {
  this.timeout(30_000);

  it("check-role-drift refuses a drifted site with exit code 2 and the fix on stderr; bad flags exit 2 too", () => {
    const outputs = tmp("outputs.json");
    fs.writeFileSync(outputs, JSON.stringify({ role: "active" }));
    const run = (...a: string[]) =>
      spawnSync(process.execPath, [require.resolve("tsx/cli"), path.join(REPO_ROOT, "scripts", "check-role-drift.ts"), ...a], {
        cwd: REPO_ROOT,
        encoding: "utf8",
      });
    const drift = run("--stack", "dr", "--outputs", outputs);
    expect(drift.status).to.equal(2);
    expect(drift.stderr).to.match(/^error: refusing to deploy dr: Pulumi\.dr\.yaml in this commit says role standby, but stack dr reports role active/);
    expect(run("--stack", "dr").status).to.equal(2);
  });
});

describe("deploy-preflight: production really gates, a single-site deploy says why", () => {
  const reviewers = { type: "required_reviewers", reviewers: [{ type: "Team", reviewer: { name: "platform" } }] };
  const branches = { protected_branches: false, custom_branch_policies: true };

  it("a protected environment passes; no reviewers, an empty reviewer list or any-branch deploys are refused with the fix", () => {
    expect(environmentProblems("production", { protection_rules: [reviewers], deployment_branch_policy: branches })).to.deep.equal([]);
    expect(environmentProblems("production", { protection_rules: [{ type: "wait_timer" }], deployment_branch_policy: branches })[0]).to.match(
      /no required reviewers.*Fix: Settings > Environments > production > Required reviewers/,
    );
    expect(
      environmentProblems("production", { protection_rules: [{ type: "required_reviewers", reviewers: [] }], deployment_branch_policy: branches }),
    ).to.have.length(1);
    expect(environmentProblems("production", { protection_rules: [reviewers], deployment_branch_policy: null })[0]).to.match(
      /any branch.*Selected branches, main only/,
    );
  });

  it("reads the environment with GET /repos/{owner}/{repo}/environments/{name}; a missing environment is refused", async () => {
    const requests: GhRequest[] = [];
    const gh = async (r: GhRequest) => (requests.push(r), { protection_rules: [reviewers], deployment_branch_policy: branches });
    expect(await outcome(() => preflightMain(["environment", "--name", "production", "--repo", "acme/eks-dr"], () => undefined, gh, tmp("summary")))).to.equal(
      0,
    );
    expect(requests).to.deep.equal([{ path: "repos/acme/eks-dr/environments/production" }]);

    const missing = async () => {
      throw new GhError("gh api GET ...: HTTP 404: Not Found", 404);
    };
    expect(
      String(await outcome(() => preflightMain(["environment", "--name", "production", "--repo", "acme/eks-dr"], () => undefined, missing, tmp("summary")))),
    ).to.match(/environment production does not exist in acme\/eks-dr/);
    const open = async () => ({ protection_rules: [], deployment_branch_policy: null });
    expect(
      String(await outcome(() => preflightMain(["environment", "--name", "production", "--repo", "acme/eks-dr"], () => undefined, open, tmp("summary")))),
    ).to.match(/no required reviewers[\s\S]*any branch/);
  });

  it("a dispatch names a known site and a reason, and runs from main", () => {
    expect(checkDispatch("dr", "us-east-1 impaired, converge dr", "refs/heads/main", REPO_ROOT)).to.match(/deploying dr alone from main/);
    expect(() => checkDispatch("qa", "us-east-1 impaired", "refs/heads/main", REPO_ROOT)).to.throw(Refusal, /site "qa" is not one of primary, dr/);
    expect(() => checkDispatch("dr", "  ", "refs/heads/main", REPO_ROOT)).to.throw(Refusal, /reason is missing/);
    expect(() => checkDispatch("dr", "us-east-1 impaired", "refs/heads/feature", REPO_ROOT)).to.throw(Refusal, /runs from main, not refs\/heads\/feature/);
  });
});

describe("policy-pack-config: the pack config CI passes to preview and up", () => {
  it("writes {} for a healthy pair and the relaxations after an unplanned failover, each with its reason", async () => {
    const out = tmp("config.json");
    const lines: string[] = [];
    const outputs = tmp("outputs");
    expect(await packConfigMain(["--stack", "primary", "--out", out, "--project-dir", REPO_ROOT], (l) => lines.push(l), tmp("summary"), outputs)).to.equal(0);
    expect(JSON.parse(fs.readFileSync(out, "utf8"))).to.deep.equal({});
    expect(parseOutputs(outputs)).to.deep.equal({ file: out });

    const dir = projectWith({ primary: { role: "standby" }, dr: { role: "active", replicateToPeer: false } });
    const summary = tmp("summary");
    await packConfigMain(["--stack", "dr", "--out", out, "--project-dir", dir], (l) => lines.push(l), summary, tmp("outputs"));
    expect(JSON.parse(fs.readFileSync(out, "utf8"))).to.deep.equal({
      "efs-replication-follows-role": "advisory",
      "aurora-global-membership": "advisory",
      "active-site-backup-copied-to-peer": "advisory",
    });
    expect(fs.readFileSync(summary, "utf8")).to.match(
      /#### Policy enforcement for dr\n\n- dr: efs-replication-follows-role runs as advisory: Pulumi\.dr\.yaml records replicateToPeer: false/,
    );
  });
});
