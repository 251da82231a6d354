/**
 * The workflow linter (scripts/lint-workflows.ts) and the properties the CI/CD workflows promise:
 * previews that report failures and stale-mark older comments behind one merge gate, ordered and
 * gated pair deploys plus an independent single-site deploy, scoped tokens, either backend, the
 * role-drift refusal, least-privilege permissions, OIDC credentials in the site's own Region,
 * pinned actions on the current runtimes, no concurrent stack updates.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { formatFinding, lintWorkflow, main, workflowFiles } from "../../scripts/lint-workflows";
import { tempDir } from "../harness/temp-dir";
import { parseYamlText } from "../../stacks/yaml-text";

const ROOT = path.resolve(__dirname, "..", "..");
// Parsed once per file content (each test gets its own copy).
const load = (name: string): any => parseYamlText(fs.readFileSync(path.join(ROOT, ".github", "workflows", name), "utf8"));

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

    const dir = tempDir("lint-workflows");
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

const WORKFLOWS = ["checks.yml", "pull-request.yml", "deploy.yml"];
const SITE_SETUP = "./.github/actions/site-setup";
/** The Active LTS line of Node.js on 2026-11-29 (Node.js release schedule: 26 entered Active LTS on 2026-10-28). */
const NODE_LTS = 26;

const siteSetup = (): any => parseYamlText(fs.readFileSync(path.join(ROOT, ".github", "actions", "site-setup", "action.yml"), "utf8"));
const steps = (job: any): any[] => job.steps ?? [];
/** A job's steps with the site-setup composite action expanded in place. */
const expanded = (job: any): any[] => steps(job).flatMap((s) => (s.uses === SITE_SETUP ? siteSetup().runs.steps : [s]));
const pulumiStep = (job: any, command?: string) =>
  steps(job).find(
    (s) => String(s.uses).startsWith("pulumi/actions@") && s.with?.command !== undefined && (command === undefined || s.with.command === command),
  );
const runs = (job: any): string[] => steps(job).map((s) => String(s.run ?? ""));
/** Steps that talk to the Pulumi backend: pulumi/actions commands, the preview script, `pulumi stack output`. */
const backendSteps = (job: any): any[] =>
  steps(job).filter(
    (s) => (String(s.uses).startsWith("pulumi/actions@") && s.with?.command) || /scripts\/preview\.ts|pulumi stack output/.test(String(s.run ?? "")),
  );
const jobsOf = (name: string): [string, any][] => Object.entries<any>(load(name).jobs);
const usesSiteSetup = (job: any) => steps(job).some((s) => s.uses === SITE_SETUP);
const textOf = (name: string) => fs.readFileSync(path.join(ROOT, ".github", "workflows", name), "utf8");

describe("CI/CD workflows", () => {
  it("pins every third-party action to a full commit SHA with its version; AWS credentials on v6 (node24), not the node20 v5", () => {
    const files = [...WORKFLOWS.map((n) => path.join(ROOT, ".github", "workflows", n)), path.join(ROOT, ".github", "actions", "site-setup", "action.yml")];
    for (const file of files) {
      const text = fs.readFileSync(file, "utf8");
      for (const line of text.split("\n").filter((l) => /^\s*(- )?uses: /.test(l))) {
        const ref = line.replace(/^\s*(- )?uses: /, "");
        if (ref.startsWith("./")) continue;
        expect(ref, `${path.basename(file)}: ${line.trim()}`).to.match(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
        if (ref.startsWith("aws-actions/configure-aws-credentials@"))
          expect(ref).to.equal("aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3");
      }
    }
  });

  it(`runs every job on Node ${NODE_LTS}, the Active LTS line`, () => {
    const versions = WORKFLOWS.flatMap((n) =>
      jobsOf(n).flatMap(([, job]) =>
        steps(job)
          .filter((s) => String(s.uses).startsWith("actions/setup-node@"))
          .map((s) => s.with["node-version"]),
      ),
    );
    expect(versions.length).to.be.greaterThan(4);
    expect(new Set(versions)).to.deep.equal(new Set([NODE_LTS]));
  });

  it("grants no token permission at workflow level; writes only where needed (preview: id-token + pull-requests; deploys: id-token); the preflight reads environments", () => {
    for (const name of WORKFLOWS) {
      const wf = load(name);
      if (name !== "checks.yml") expect(wf.permissions, name).to.deep.equal({});
      for (const [jobName, job] of Object.entries<any>(wf.jobs)) {
        const perms = job.permissions ?? wf.permissions;
        expect(perms, `${name}/${jobName}`).to.be.an("object");
        const writes = Object.entries(perms)
          .filter(([, v]) => v === "write")
          .map(([k]) => k);
        const expected = jobName === "preview" ? ["id-token", "pull-requests"] : usesSiteSetup(job) ? ["id-token"] : [];
        expect(writes.sort(), `${name}/${jobName}`).to.deep.equal(expected);
      }
    }
    expect(load("deploy.yml").jobs.preflight.permissions).to.deep.equal({ contents: "read", actions: "read" });
  });

  it("runs the checks (lint, formatting, workflow lint, type-check, offline validation of the stack files, tests) from a clean npm ci", () => {
    const checkRuns = runs(load("checks.yml").jobs.checks).filter(Boolean);
    expect(checkRuns).to.deep.equal([
      "npm ci --no-audit --no-fund",
      "npm run lint",
      "npm run format:check",
      "npx --no-install tsx scripts/lint-workflows.ts",
      "npm run typecheck",
      "npm run validate",
      "npm test",
    ]);
  });

  it("site setup: every input a job passes is declared, every required one is passed; credentials use the site's own Region", () => {
    const action = siteSetup();
    const declared = Object.keys(action.inputs);
    const required = declared.filter((k) => action.inputs[k].required);
    for (const name of WORKFLOWS) {
      for (const [jobName, job] of jobsOf(name)) {
        for (const s of steps(job).filter((x) => x.uses === SITE_SETUP)) {
          expect(
            Object.keys(s.with).filter((k) => !declared.includes(k)),
            `${name}/${jobName}`,
          ).to.deep.equal([]);
          expect(
            required.filter((k) => !(k in s.with)),
            `${name}/${jobName}`,
          ).to.deep.equal([]);
          // The job installs dependencies before the composite runs the scripts.
          expect(runs(job).slice(0, steps(job).indexOf(s))).to.include("npm ci --no-audit --no-fund");
        }
      }
    }
    const order = action.runs.steps.map((s: any) => s.id ?? String(s.uses).split("@")[0]);
    expect(order).to.deep.equal(["site", "pack", "aws-actions/configure-aws-credentials", "pulumi/actions"]);
    const creds = action.runs.steps[2];
    expect(Object.keys(creds.with).sort()).to.deep.equal(["aws-region", "role-session-name", "role-to-assume"]);
    expect(creds.with["aws-region"]).to.equal("${{ steps.site.outputs.region }}");
    for (const name of WORKFLOWS) expect(textOf(name)).to.not.include("vars.AWS_REGION");
  });

  it("gets AWS credentials through OIDC only: the read-only role for previews, the deploy role for updates", () => {
    for (const name of WORKFLOWS) {
      for (const [jobName, job] of jobsOf(name)) {
        if (backendSteps(job).length === 0) continue;
        const setup = steps(job).find((s) => s.uses === SITE_SETUP);
        expect(setup, `${name}/${jobName}`).to.not.equal(undefined);
        const role = jobName === "preview" ? "${{ vars.AWS_PREVIEW_ROLE_ARN }}" : "${{ vars.AWS_DEPLOY_ROLE_ARN }}";
        expect(setup.with["role-to-assume"], `${name}/${jobName}`).to.equal(role);
        // Credentials (inside the setup) come before anything that talks to the backend.
        const all = expanded(job);
        const credsAt = all.findIndex((s) => String(s.uses).startsWith("aws-actions/configure-aws-credentials@"));
        for (const b of backendSteps(job)) expect(credsAt).to.be.lessThan(all.indexOf(b));
      }
    }
  });
});

describe("previews that always report, behind one merge gate", () => {
  const wf = load("pull-request.yml");
  const preview = wf.jobs.preview;
  const names = steps(preview).map((s) => String(s.name ?? s.uses ?? s.run));
  const at = (pattern: RegExp) => names.findIndex((n) => pattern.test(n));

  it("previews both stacks in parallel with the checks, through scripts/preview.ts with the pack and the DR-state config", () => {
    expect(Object.keys(wf.on)).to.deep.equal(["pull_request"]);
    expect(preview.needs).to.equal(undefined);
    expect(preview.strategy.matrix.stack).to.deep.equal(["primary", "dr"]);
    expect(preview.strategy["fail-fast"]).to.equal(false);
    const run = steps(preview).find((s) => /scripts\/preview\.ts/.test(String(s.run)));
    expect(run.run).to.include('--policy-pack-config "$PACK_CONFIG"').and.include('--stack-name "$STACK_NAME"');
    expect(run.env).to.deep.include({ STACK_NAME: "${{ steps.setup.outputs.stack-name }}", PACK_CONFIG: "${{ steps.setup.outputs.policy-pack-config }}" });
    // The action's own comment is gone: it is never written when the preview fails.
    expect(steps(preview).filter((s) => s.with?.["comment-on-pr"])).to.deep.equal([]);
  });

  it("marks earlier comments stale before previewing, and publishes the result even when the preview failed", () => {
    expect(at(/stale/i)).to.be.within(0, at(/Site setup/) - 1);
    expect(at(/Site setup/)).to.be.lessThan(at(/pulumi preview/));
    const publish = steps(preview)[at(/Post the result/)];
    expect(at(/Post the result/)).to.be.greaterThan(at(/pulumi preview/));
    expect(publish.if).to.match(/^always\(\) && /);
    expect(publish.run).to.match(/scripts\/pr-comment\.ts publish .*--report "\$RUNNER_TEMP\/preview-report\.json"/);
    expect(runs(preview).find((r) => /pr-comment\.ts stale/.test(r))).to.match(/--sha "\$SHA"/);
    expect(preview.env.SHA).to.equal("${{ github.event.pull_request.head.sha }}");
  });

  it("a fork's pull request fails its previews instead of skipping them (a skipped job passes a required check)", () => {
    expect(preview.if).to.equal(undefined);
    const guard = steps(preview)[0];
    expect(guard.if).to.equal("github.event.pull_request.head.repo.full_name != github.repository");
    expect(guard.run).to.match(/exit 1/);
  });

  it("the merge gate always runs and passes only when the checks and both previews succeeded", () => {
    const gate = wf.jobs.gate;
    expect(gate.name).to.equal("merge gate");
    expect(gate.if).to.equal("always()");
    expect(gate.needs).to.deep.equal(["checks", "preview"]);
    const check = steps(gate)[0];
    expect(check.env).to.deep.equal({ CHECKS: "${{ needs.checks.result }}", PREVIEWS: "${{ needs.preview.result }}" });
    expect(check.run).to.include('test "$CHECKS" = success && test "$PREVIEWS" = success');
  });

  it("a new push cancels a stale preview run; deployments are never cancelled half-way", () => {
    expect(wf.concurrency).to.deep.equal({ group: "pull-request-${{ github.event.pull_request.number }}", "cancel-in-progress": true });
    expect(load("deploy.yml").concurrency["cancel-in-progress"]).to.equal(false);
  });
});

describe("tokens: a narrow one for previews, the deploy token only behind production", () => {
  it("pull requests get the preview token and never the deploy token", () => {
    const text = textOf("pull-request.yml");
    expect(text).to.include("secrets.PULUMI_PREVIEW_TOKEN");
    expect(text).to.not.match(/PULUMI_DEPLOY_TOKEN|secrets\.PULUMI_ACCESS_TOKEN/);
    for (const b of backendSteps(load("pull-request.yml").jobs.preview)) expect(b.env.PULUMI_ACCESS_TOKEN).to.equal("${{ secrets.PULUMI_PREVIEW_TOKEN }}");
  });

  it("the deploy token is read only by jobs in the production environment, after the preflight", () => {
    for (const name of WORKFLOWS) expect(textOf(name), name).to.not.include("secrets.PULUMI_ACCESS_TOKEN");
    const jobs = load("deploy.yml").jobs;
    const needsOf = (id: string): string[] => [jobs[id].needs ?? []].flat().flatMap((n: string) => [n, ...needsOf(n)]);
    for (const [id, job] of Object.entries<any>(jobs)) {
      if (!JSON.stringify(job).includes("secrets.PULUMI_DEPLOY_TOKEN")) continue;
      expect(job.environment, id).to.equal("production");
      expect(needsOf(id), id).to.include("preflight");
      for (const b of backendSteps(job)) expect(b.env.PULUMI_ACCESS_TOKEN, `${id}: ${b.name}`).to.equal("${{ secrets.PULUMI_DEPLOY_TOKEN }}");
    }
    const check = steps(jobs.preflight).find((s) => /deploy-preflight\.ts environment/.test(String(s.run)));
    expect(check.run).to.include("--name production");
    expect(check.env).to.deep.equal({ GH_TOKEN: "${{ github.token }}" });
  });
});

describe("either backend from one setting", () => {
  it("every step that talks to the backend has its token and the DIY passphrase; names and login come from PULUMI_BACKEND_URL", () => {
    for (const name of ["pull-request.yml", "deploy.yml"]) {
      for (const [id, job] of jobsOf(name)) {
        if (backendSteps(job).length === 0) continue;
        expect(job.env?.PULUMI_BACKEND_URL, `${name}/${id}`).to.equal("${{ vars.PULUMI_BACKEND_URL }}");
        expect(job.env?.PULUMI_ORG, `${name}/${id}`).to.equal("${{ vars.PULUMI_ORG }}");
        for (const b of backendSteps(job)) {
          expect(b.env.PULUMI_CONFIG_PASSPHRASE, `${name}/${id}: ${b.name}`).to.equal("${{ secrets.PULUMI_CONFIG_PASSPHRASE }}");
          if (b.with?.command) {
            expect(b.with["cloud-url"]).to.equal("${{ vars.PULUMI_BACKEND_URL }}");
            expect(b.with["stack-name"]).to.match(/^\$\{\{ steps\.(setup|primary-site)\.outputs\.stack-name \}\}$/);
          }
        }
      }
      // Stack names are never built from PULUMI_ORG in the workflow (a DIY backend only knows `organization`).
      expect(textOf(name)).to.not.match(/vars\.PULUMI_ORG \}\}\//);
    }
  });
});

describe("deploys: the pair in order on push, one site alone on dispatch", () => {
  const wf = load("deploy.yml");
  const { checks, preflight, "up-primary": primary, "up-dr": dr, "reconcile-primary": again, "up-site": site } = wf.jobs;
  const setupStack = (job: any) => steps(job).find((s) => s.uses === SITE_SETUP).with.stack;

  it("push to main: checks and preflight, then primary, then dr, then primary again only when needed", () => {
    expect(Object.keys(wf.on)).to.deep.equal(["push", "workflow_dispatch"]);
    expect(wf.on.push).to.deep.equal({ branches: ["main"] });
    expect(checks.uses).to.equal("./.github/workflows/checks.yml");
    expect(primary.needs).to.deep.equal(["checks", "preflight"]);
    expect(dr.needs).to.equal("up-primary");
    expect(again.needs).to.equal("up-dr");
    for (const job of [primary, dr]) expect(job.if).to.equal("github.event_name == 'push'");
    expect(again.if).to.equal("github.event_name == 'push' && needs.up-dr.outputs.primary-needs-up == 'true'");
    for (const [job, stack] of [
      [primary, "primary"],
      [dr, "dr"],
      [again, "primary"],
    ] as const) {
      expect(job.environment).to.equal("production");
      expect(setupStack(job)).to.equal(stack);
      expect(job.concurrency).to.deep.equal({ group: `pulumi-stack-${stack}`, "cancel-in-progress": false });
    }
    const converged = steps(dr).find((s) => s.id === "primary-converged");
    expect(converged["continue-on-error"]).to.equal(true);
    expect(converged.with).to.include({ command: "preview", "stack-name": "${{ steps.primary-site.outputs.stack-name }}", "expect-no-changes": true });
    expect(dr.outputs["primary-needs-up"]).to.equal("${{ steps.primary-converged.outcome == 'failure' }}");
  });

  it("dispatch: one site with a reason, needing nothing from the other site, from main, behind production", () => {
    const inputs = wf.on.workflow_dispatch.inputs;
    expect(inputs.site).to.deep.include({ type: "choice", options: ["primary", "dr"], required: true });
    expect(inputs.reason).to.deep.include({ type: "string", required: true });
    expect(site.if).to.equal("github.event_name == 'workflow_dispatch'");
    expect(site.needs).to.deep.equal(["checks", "preflight"]);
    expect(site.environment).to.equal("production");
    expect(site.concurrency).to.deep.equal({ group: "pulumi-stack-${{ inputs.site }}", "cancel-in-progress": false });
    expect(setupStack(site)).to.equal("${{ inputs.site }}");
    expect(pulumiStep(site, "up").with.message).to.include("${{ inputs.reason }}");
    const dispatch = steps(preflight).find((s) => /deploy-preflight\.ts dispatch/.test(String(s.run)));
    expect(dispatch.if).to.equal("github.event_name == 'workflow_dispatch'");
    expect(dispatch.env).to.deep.equal({ SITE: "${{ inputs.site }}", REASON: "${{ inputs.reason }}" });
    expect(dispatch.run).to.include('--ref "$GITHUB_REF"');
    // One dispatch per site at a time; the pair's push deploys queue separately.
    expect(wf.concurrency).to.deep.equal({ group: "deploy-${{ github.event_name }}-${{ inputs.site }}", "cancel-in-progress": false });
  });

  it("every up refuses to undo a failover first (the site's committed role vs its stack's role output), then runs the pack at the DR-state levels", () => {
    for (const [id, job] of Object.entries<any>(wf.jobs)) {
      const up = pulumiStep(job, "up");
      if (!up) continue;
      const stack = setupStack(job);
      const drift = steps(job).find((s) => /check-role-drift\.ts/.test(String(s.run)));
      expect(drift, id).to.not.equal(undefined);
      expect(steps(job).indexOf(drift), id).to.be.lessThan(steps(job).indexOf(up));
      const [output, check] = String(drift.run).trim().split("\n");
      expect(output).to.equal('pulumi stack output --json --stack "$STACK_NAME" > "$RUNNER_TEMP/outputs.json"');
      expect(check).to.equal(
        `npx --no-install tsx scripts/check-role-drift.ts --stack ${stack === "${{ inputs.site }}" ? '"$SITE"' : stack} --outputs "$RUNNER_TEMP/outputs.json"`,
      );
      expect(drift.env.STACK_NAME).to.equal("${{ steps.setup.outputs.stack-name }}");
      expect(up.with).to.include({
        policyPacks: "policy",
        policyPackConfigs: "${{ steps.setup.outputs.policy-pack-config }}",
        "stack-name": "${{ steps.setup.outputs.stack-name }}",
      });
    }
    expect(site.env.SITE).to.equal("${{ inputs.site }}");
  });

  it("no user-controlled value is interpolated into a shell script (inputs and event fields go through env)", () => {
    for (const name of WORKFLOWS) {
      for (const [id, job] of jobsOf(name)) {
        for (const r of runs(job)) expect(r, `${name}/${id}`).to.not.match(/\$\{\{\s*(inputs|github\.event)\./);
      }
    }
    for (const s of siteSetup().runs.steps) expect(String(s.run ?? "")).to.not.match(/\$\{\{/);
  });
});
