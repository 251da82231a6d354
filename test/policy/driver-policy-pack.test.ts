/**
 * The failover driver's `up`s run the DR policy pack (Automation API `UpOptions.policyPacks` and
 * `policyPackConfigs`, i.e. `--policy-pack` / `--policy-pack-config`), with the pack config
 * regenerated from the stack files at each `up`, so the driver's converge `up` after an unplanned
 * failover sees the state it has just recorded.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { PulumiStacks, type AutomationStack } from "../../automation/adapters/pulumi-stacks";
import { wire } from "../../automation/wiring";
import { driverPolicyPack } from "../../policy/lib/pack-config";
import { REPO_ROOT } from "../../automation/sim/program/evaluate";
import { projectWith } from "../harness/project";
import { tempDir } from "../harness/temp-dir";

type UpArgs = Parameters<AutomationStack["up"]>[0];

/** A stack whose `up` records what it was given; nothing else is used by these tests. */
function recordingStack(ups: UpArgs[]): AutomationStack {
  return {
    getAllConfig: async () => ({}),
    setConfig: async () => undefined,
    removeConfig: async () => undefined,
    refresh: async () => ({}),
    up: async (opts) => {
      ups.push(opts);
      return { summary: { resourceChanges: { same: 1 } } };
    },
    outputs: async () => ({}),
  };
}

function setStackKey(dir: string, stack: string, key: string, value: unknown): void {
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  const doc = parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
  if (value === undefined) delete doc.config[key];
  else doc.config[key] = value;
  fs.writeFileSync(file, stringify(doc));
}

describe("the driver's up runs the DR policy pack", function () {
  this.timeout(30_000);

  it("passes the project's pack and a config regenerated from the stack files at each up", async () => {
    const dir = projectWith({});
    fs.mkdirSync(path.join(dir, "policy"));
    fs.copyFileSync(path.join(REPO_ROOT, "policy", "PulumiPolicy.yaml"), path.join(dir, "policy", "PulumiPolicy.yaml"));
    const ups: UpArgs[] = [];
    const stacks = new PulumiStacks({
      projectDir: dir,
      selectStack: async () => recordingStack(ups),
      policyPack: driverPolicyPack(dir, tempDir("pack")),
    });

    await stacks.up("dr");
    expect(ups[0]?.policyPacks).to.deep.equal([path.join(dir, "policy")]);
    const [file] = ups[0]?.policyPackConfigs ?? [];
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).to.deep.equal({});

    // The driver records the unplanned failover in the stack files, then converges.
    setStackKey(dir, "dr", "eks-dr:role", "active");
    setStackKey(dir, "dr", "eks-dr:replicateToPeer", false);
    setStackKey(dir, "primary", "eks-dr:role", "standby");
    await stacks.up("dr", { exclude: ["urn:pulumi:dr::eks-dr::aws:route53/record:Record::dr-dns"] });
    expect(JSON.parse(fs.readFileSync(ups[1]?.policyPackConfigs?.[0] ?? "", "utf8"))).to.deep.equal({
      "efs-replication-follows-role": "advisory",
      "aurora-global-membership": "advisory",
      "active-site-backup-copied-to-peer": "advisory",
    });
    expect(ups[1]?.exclude).to.deep.equal(["urn:pulumi:dr::eks-dr::aws:route53/record:Record::dr-dns"]);
  });

  it("refuses the up, changing nothing, when a stack file dropped pulumi:disable-default-providers", async () => {
    const dir = projectWith({});
    fs.mkdirSync(path.join(dir, "policy"));
    fs.copyFileSync(path.join(REPO_ROOT, "policy", "PulumiPolicy.yaml"), path.join(dir, "policy", "PulumiPolicy.yaml"));
    setStackKey(dir, "primary", "pulumi:disable-default-providers", undefined);
    const ups: UpArgs[] = [];
    let refreshed = false;
    const stacks = new PulumiStacks({
      projectDir: dir,
      selectStack: async () => ({ ...recordingStack(ups), refresh: async () => ((refreshed = true), {}) }),
      policyPack: driverPolicyPack(dir),
    });
    let error: unknown;
    try {
      await stacks.up("primary", { refreshTargets: ["urn:pulumi:primary::eks-dr::aws:eks/nodeGroup:NodeGroup::web"] });
    } catch (e) {
      error = e;
    }
    expect(String(error)).to.match(/up on stack "primary" refused: Pulumi\.primary\.yaml: pulumi:disable-default-providers does not list aws, kubernetes/);
    expect(ups).to.deep.equal([]);
    expect(refreshed).to.equal(false);
  });

  it("the real wiring gives the driver the repository's pack; a project without one runs none", async () => {
    const w = await wire({ projectDir: REPO_ROOT });
    expect((w.stacks as unknown as { policyPack?: { path: string } }).policyPack?.path).to.equal(path.join(REPO_ROOT, "policy"));
    expect(driverPolicyPack(projectWith({}))).to.equal(undefined);
  });
});
