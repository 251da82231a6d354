/**
 * Previews report exactly when they matter: a preview that fails on a mandatory policy or a
 * provider error still produces a report naming the violations, the stack's PR comment shows it,
 * and every earlier comment of the stack is marked stale as soon as a newer commit is previewed.
 * The Automation API stack and `gh api` are replaced by recording fakes; the events are shaped as
 * the engine's (`policyEvent`, `diagnosticEvent`).
 */
import type { EngineEvent, PreviewOptions } from "@pulumi/pulumi/automation";
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { Refusal } from "../../scripts/lib/actions";
import type { GhRequest } from "../../scripts/lib/gh";
import { isStale, marker, markStale, MAX_COMMENT_CHARS, renderReport, type PreviewReport } from "../../scripts/lib/preview-report";
import { BOT_LOGIN, main as commentMain, type IssueComment } from "../../scripts/pr-comment";
import { main as previewMain, runPreview, type PreviewStack } from "../../scripts/preview";
import { REPO_ROOT } from "../../automation/sim/program/evaluate";
import { projectWith } from "../harness/project";
import { tempDir } from "../harness/temp-dir";

const URN = (type: string, name: string) => `urn:pulumi:primary::eks-dr::${type}::${name}`;
const ctx = { sha: "0123456789abcdef", runUrl: "https://github.com/acme/eks-dr/actions/runs/42" };

function policyEvent(policyName: string, enforcementLevel: string, name: string, message: string): EngineEvent {
  return {
    sequence: 1,
    timestamp: 0,
    policyEvent: {
      policyName,
      enforcementLevel: enforcementLevel as "mandatory",
      resourceUrn: URN("aws:ec2/securityGroup:SecurityGroup", name),
      message: `\u001b[31m${message}\u001b[0m`,
      color: "raw",
      policyPackName: "eks-dr",
      policyPackVersion: "0.1.0",
      policyPackVersionTag: "0.1.0",
    },
  };
}

/** A stack whose preview emits the events, prints the output, then fails or succeeds. */
function fakeStack(events: EngineEvent[], result: { fail?: string; stdout?: string }, seen: PreviewOptions[] = []): PreviewStack {
  return {
    preview: async (opts) => {
      seen.push(opts);
      events.forEach((e) => opts.onEvent?.(e));
      opts.onOutput?.(result.stdout ?? "Previewing update (primary)\n");
      if (result.fail) throw new Error(result.fail);
      return { stdout: result.stdout ?? "", changeSummary: { create: 2, update: 1, same: 130 } };
    },
  };
}

const args = { stack: "primary", stackName: "acme/eks-dr/primary", projectDir: REPO_ROOT };

describe("preview: a failed preview still reports", () => {
  it("a mandatory violation: failed, the violation named with its resource and fix, colors stripped", async () => {
    const seen: PreviewOptions[] = [];
    const report = await runPreview(args, async () =>
      fakeStack(
        [
          policyEvent(
            "no-public-data-ports",
            "mandatory",
            "efs-sg",
            "efs-sg opens NFS (EFS) port 2049 to public addresses 0.0.0.0/1. Fix: admit the port only from the nodes' security group",
          ),
        ],
        { fail: "code: 255\n stderr: error: preview failed" },
        seen,
      ),
    );
    expect(report.status).to.equal("failed");
    expect(report.violations).to.deep.equal([
      {
        policy: "no-public-data-ports",
        level: "mandatory",
        resource: "efs-sg",
        message: "efs-sg opens NFS (EFS) port 2049 to public addresses 0.0.0.0/1. Fix: admit the port only from the nodes' security group",
      },
    ]);
    // The violation says why; the CLI's generic failure line is not repeated.
    expect(report.errors).to.deep.equal([]);
    expect(seen[0].policyPacks).to.deep.equal([path.join(REPO_ROOT, "policy")]);
    expect(seen[0].diff).to.equal(true);
  });

  it("a provider error: failed with the error diagnostic; no diagnostic: the command's own last lines", async () => {
    const diag: EngineEvent = {
      sequence: 2,
      timestamp: 0,
      diagnosticEvent: {
        urn: URN("aws:eks/cluster:Cluster", "primary-eks"),
        message: "operation error EKS: DescribeCluster, AccessDeniedException",
        color: "raw",
        severity: "error",
      },
    };
    expect((await runPreview(args, async () => fakeStack([diag], { fail: "preview failed" }))).errors).to.deep.equal([
      "primary-eks: operation error EKS: DescribeCluster, AccessDeniedException",
    ]);
    expect((await runPreview(args, async () => fakeStack([], { fail: "line 1\nerror: could not find plugin aws" }))).errors).to.deep.equal([
      "line 1\nerror: could not find plugin aws",
    ]);
    // The stack could not even be selected (no backend login, no stack): still a report.
    const unselectable = await runPreview(args, async () => {
      throw new Error("error: no stack named 'acme/eks-dr/primary' found");
    });
    expect(unselectable).to.deep.include({ status: "failed", errors: ["error: no stack named 'acme/eks-dr/primary' found"] });
  });

  it("main writes the report and exits 1 on failure, 0 on success, passing the generated pack config", async () => {
    const dir = tempDir("preview");
    const config = path.join(dir, "config.json");
    fs.writeFileSync(config, "{}");
    const seen: PreviewOptions[] = [];
    const argv = [
      "--stack",
      "primary",
      "--stack-name",
      "acme/eks-dr/primary",
      "--report",
      path.join(dir, "r.json"),
      "--policy-pack-config",
      config,
      "--project-dir",
      REPO_ROOT,
    ];
    const failing = async () => fakeStack([policyEvent("no-public-data-ports", "mandatory", "efs-sg", "bad")], { fail: "preview failed" }, seen);
    const summary = path.join(dir, "summary.md");
    expect(await previewMain(argv, failing, () => undefined, summary)).to.equal(1);
    expect(fs.readFileSync(summary, "utf8")).to.match(/❌ `pulumi preview` of \*\*primary\*\* failed/);
    expect((JSON.parse(fs.readFileSync(path.join(dir, "r.json"), "utf8")) as PreviewReport).status).to.equal("failed");
    expect(seen[0].policyPackConfigs).to.deep.equal([config]);
    const passing = async () => fakeStack([policyEvent("ecr-replication", "advisory", "web-repo", "no replication")], {});
    expect(await previewMain(argv, passing, () => undefined, summary)).to.equal(0);

    // A stack file without disable-default-providers is refused before any preview (exit 2).
    const unfit = projectWith({});
    const file = path.join(unfit, "Pulumi.primary.yaml");
    const doc = parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
    delete doc.config["pulumi:disable-default-providers"];
    fs.writeFileSync(file, stringify(doc));
    let refusal: unknown;
    try {
      await previewMain([...argv.slice(0, -1), unfit, "--report", path.join(dir, "unfit.json")], failing, () => undefined, summary);
    } catch (e) {
      refusal = e;
    }
    expect(refusal).to.be.instanceOf(Refusal);
    expect(String(refusal)).to.match(/pulumi:disable-default-providers does not list aws, kubernetes/);
    expect(fs.existsSync(path.join(dir, "unfit.json"))).to.equal(false);
  });
});

describe("the preview comment", () => {
  const report = (over: Partial<PreviewReport> = {}): PreviewReport => ({
    stack: "primary",
    stackName: "acme/eks-dr/primary",
    status: "failed",
    violations: [
      { policy: "ecr-replication", level: "advisory", resource: "web-repo", message: "no replication" },
      { policy: "no-public-data-ports", level: "mandatory", resource: "efs-sg", message: "opens 2049 | to 0.0.0.0/1\nFix: ..." },
    ],
    errors: [],
    changes: {},
    relaxed: [],
    output: "Previewing update (primary)",
    ...over,
  });

  it("names the verdict, lists mandatory violations first, escapes table cells and carries the stack's marker", () => {
    const body = renderReport(report(), ctx);
    expect(body.startsWith(marker("primary"))).to.equal(true);
    expect(body).to.match(/### ❌ `pulumi preview` of \*\*primary\*\* failed: 1 mandatory policy violation\(s\)/);
    const rows = body.split("\n").filter((l) => l.startsWith("| mandatory") || l.startsWith("| advisory"));
    expect(rows[0]).to.equal("| mandatory | `no-public-data-ports` | `efs-sg` | opens 2049 \\| to 0.0.0.0/1<br>Fix: ... |");
    expect(rows[1]).to.match(/^\| advisory \| `ecr-replication`/);
    expect(body).to.include("Commit `0123456` · stack `acme/eks-dr/primary` · [run](https://github.com/acme/eks-dr/actions/runs/42)");
  });

  it("a pass shows the planned changes and the policies the recorded DR state relaxed; a huge diff is cut to fit a comment", () => {
    const body = renderReport(
      report({
        status: "succeeded",
        violations: [],
        changes: { create: 2, same: 100 },
        relaxed: [{ policy: "efs-replication-follows-role", because: ["Pulumi.dr.yaml records replicateToPeer: false on the active site"] }],
        output: "x".repeat(200_000),
      }),
      ctx,
    );
    expect(body).to.match(/### ✅ `pulumi preview` of \*\*primary\*\* passed\n/);
    expect(body).to.include("**Changes:** 2 to create");
    expect(body).to.include("- `efs-replication-follows-role`: Pulumi.dr.yaml records replicateToPeer: false on the active site");
    expect(body.length).to.be.below(MAX_COMMENT_CHARS);
    expect(body).to.match(/characters cut/);
  });

  it("marking stale is idempotent and keeps the old result readable", () => {
    const once = markStale(renderReport(report(), ctx), "primary", { sha: "fedcba9876543210", runUrl: "https://x/1" });
    const twice = markStale(once, "primary", { sha: "aaaaaaa000", runUrl: "https://x/2" });
    expect(isStale(twice)).to.equal(true);
    expect(twice.match(/\*\*Stale\.\*\*/g)).to.have.length(1);
    expect(twice).to.include("`aaaaaaa`").and.include("no-public-data-ports").and.not.include("`fedcba9`");
    expect(twice.startsWith(marker("primary"))).to.equal(true);
  });
});

describe("pr-comment: one current comment per stack, earlier ones stale", () => {
  /** A PR's comments behind a fake `gh api`, recording writes. */
  function fakeGh(comments: IssueComment[]) {
    const writes: GhRequest[] = [];
    const gh = async (r: GhRequest) => {
      if (r.method === "PATCH") {
        writes.push(r);
        const c = comments.find((x) => r.path.endsWith(`/comments/${x.id}`));
        if (c) c.body = (r.body as { body: string }).body;
        return {};
      }
      if (r.method === "POST") {
        writes.push(r);
        comments.push({ id: 99, body: (r.body as { body: string }).body, user: { login: BOT_LOGIN } });
        return { id: 99 };
      }
      expect(r).to.deep.include({ path: "repos/acme/eks-dr/issues/7/comments", paginate: true });
      return comments.map((c) => ({ ...c }));
    };
    return { gh, writes, comments };
  }
  const bot = { login: BOT_LOGIN };
  const common = ["--stack", "primary", "--pr", "7", "--repo", "acme/eks-dr", "--sha", "fedcba9876543210", "--run-url", "https://x/2"];

  it("stale: marks this stack's earlier comments (ours and the action's green one), never dr's or a person's", async () => {
    const { gh, writes, comments } = fakeGh([
      {
        id: 1,
        body: renderReport({ stack: "primary", stackName: "p", status: "succeeded", violations: [], errors: [], changes: {}, relaxed: [], output: "" }, ctx),
        user: bot,
      },
      { id: 2, body: `${marker("dr")}\n### ✅ dr`, user: bot },
      { id: 3, body: "#### :tropical_drink: `preview` on eks-dr/acme/primary\n\n<details>...</details>", user: bot },
      { id: 4, body: `${marker("primary")}\nquoted by a person`, user: { login: "alice" } },
      { id: 5, body: "#### :tropical_drink: `preview` on eks-dr/acme/dr", user: bot },
    ]);
    expect(await commentMain(["stale", ...common], gh, () => undefined)).to.equal(0);
    expect(writes.map((w) => w.path)).to.deep.equal(["repos/acme/eks-dr/issues/comments/1", "repos/acme/eks-dr/issues/comments/3"]);
    expect(isStale(comments[0].body as string) && isStale(comments[2].body as string)).to.equal(true);
    // Run again (a second push): the action's comment is not bannered twice.
    await commentMain(["stale", ...common], gh, () => undefined);
    expect((comments[2].body as string).match(/\*\*Stale\.\*\*/g)).to.have.length(1);
  });

  it("publish: a failed preview replaces the stack's comment with its violations; creates it when absent; no report says 'did not run'", async () => {
    const dir = tempDir("comment");
    const file = path.join(dir, "report.json");
    const failed: PreviewReport = {
      stack: "primary",
      stackName: "acme/eks-dr/primary",
      status: "failed",
      violations: [{ policy: "no-default-providers", level: "mandatory", resource: "db", message: "db goes through the default aws provider" }],
      errors: [],
      changes: {},
      relaxed: [],
      output: "",
    };
    fs.writeFileSync(file, JSON.stringify(failed));
    const { gh, comments } = fakeGh([{ id: 1, body: markStale(`${marker("primary")}\n### ✅ passed`, "primary", ctx), user: bot }]);
    await commentMain(["publish", ...common, "--report", file], gh, () => undefined);
    expect(comments[0].body)
      .to.match(/❌ `pulumi preview` of \*\*primary\*\* failed: 1 mandatory/)
      .and.include("no-default-providers");
    expect(isStale(comments[0].body as string)).to.equal(false);

    const empty = fakeGh([]);
    await commentMain(["publish", ...common, "--report", path.join(dir, "missing.json")], empty.gh, () => undefined);
    expect(empty.writes.map((w) => w.method)).to.deep.equal(["POST"]);
    expect(empty.comments[0].body).to.match(/did not run to the end/);
  });
});
