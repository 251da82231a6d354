import type { ConfigMap, ConfigValue, OutputMap } from "@pulumi/pulumi/automation";
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { type AutomationStack, PulumiStacks } from "../../../automation/adapters/pulumi-stacks";
import { ConfigError } from "../../../stacks/config";
import { OUTPUTS_CONTRACT_VERSION } from "../../../stacks/outputs";

const PROJECT_DIR = path.resolve(__dirname, "../../..");

/** The stack's config as `pulumi config --json` gives it: objects as JSON text. */
function configFromStackFile(stack: string): ConfigMap {
  const doc = parse(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
  return Object.fromEntries(Object.entries(doc.config).map(([k, v]) => [k, { value: typeof v === "string" ? v : JSON.stringify(v), secret: false }]));
}

/** Stores a value as `pulumi config set` does: top level as a string, under --path bools and ints typed. */
function typed(text: string): unknown {
  if (text === "true" || text === "false") return text === "true";
  if (/^-?[1-9]\d*$|^0$/.test(text)) return Number(text);
  return text;
}

class FakeStack implements AutomationStack {
  readonly log: string[] = [];
  readonly refreshOpts: Parameters<AutomationStack["refresh"]>[0][] = [];
  readonly upOpts: Parameters<AutomationStack["up"]>[0][] = [];
  outputMap: OutputMap = {};
  failSetOf?: string;
  upChunks = ["Updating (dr)\n\n    pulumi:pu", "lumi:Stack eks-dr-dr running\r\n", "Resources:\n    ~ 3 updated"];

  constructor(public config: ConfigMap) {}

  async getAllConfig(): Promise<ConfigMap> {
    return structuredClone(this.config);
  }

  async setConfig(key: string, value: ConfigValue, isPath?: boolean): Promise<void> {
    this.log.push(`set ${key}=${value.value}${isPath ? " --path" : ""}`);
    if (key === this.failSetOf) throw new Error(`error: could not write Pulumi.dr.yaml`);
    if (!isPath) {
      this.config[key] = { value: value.value, secret: false };
      return;
    }
    const [head, ...rest] = key.split(".");
    const root = this.config[head] ? JSON.parse(this.config[head].value) : {};
    let node = root;
    for (const part of rest.slice(0, -1)) node = node[part] ??= {};
    node[rest[rest.length - 1]] = typed(value.value);
    this.config[head] = { value: JSON.stringify(root), secret: false };
  }

  async removeConfig(key: string, isPath?: boolean): Promise<void> {
    this.log.push(`rm ${key}${isPath ? " --path" : ""}`);
    delete this.config[key];
  }

  async refresh(opts?: Parameters<AutomationStack["refresh"]>[0]) {
    this.log.push("refresh");
    this.refreshOpts.push(opts);
    opts?.onOutput?.("Refreshing (dr)\n");
    return { summary: { resourceChanges: { same: 2 } } };
  }

  async up(opts?: Parameters<AutomationStack["up"]>[0]) {
    this.log.push("up");
    this.upOpts.push(opts);
    for (const chunk of this.upChunks) opts?.onOutput?.(chunk);
    return { summary: { resourceChanges: { update: 3, same: 120 } } };
  }

  async outputs(): Promise<OutputMap> {
    return this.outputMap;
  }
}

function setup(stack = "dr", qualifiedStackName?: (s: string) => string) {
  const fake = new FakeStack(configFromStackFile(stack));
  const selected: { stackName: string; workDir: string }[] = [];
  const stacks = new PulumiStacks({
    projectDir: PROJECT_DIR,
    qualifiedStackName,
    selectStack: async (args) => {
      selected.push(args);
      return fake;
    },
  });
  return { fake, stacks, selected };
}

const validOutputs = {
  contractVersion: OUTPUTS_CONTRACT_VERSION,
  stack: "dr",
  region: "us-west-2",
  role: "standby",
  vpcId: "vpc-1",
  vpcCidr: "10.1.0.0/16",
  availabilityZones: ["us-west-2a", "us-west-2b"],
  privateSubnetIds: ["subnet-1"],
  publicSubnetIds: ["subnet-2"],
  clusterName: "eks-dr-dr",
  clusterArn: "arn:aws:eks:us-west-2:123456789012:cluster/eks-dr-dr",
  clusterEndpoint: "https://x.eks.amazonaws.com",
  kubeconfig: "{}",
  clusterSecurityGroupId: "sg-1",
  nodeSecurityGroupId: "sg-2",
  oidcIssuerUrl: "https://oidc",
  nodeGroupNames: { system: "system", web: "web", app: "app" },
  outOfBandUrns: ["urn:pulumi:dr::eks-dr::aws:eks/nodeGroup:NodeGroup::web"],
  fileSystemId: "fs-0bbb",
  fileSystemArn: "arn:aws:elasticfilesystem:us-west-2:123456789012:file-system/fs-0bbb",
  kmsKeyArn: "arn:aws:kms:us-west-2:123456789012:key/mrk-1",
  dbClusterIdentifier: "eks-dr-dr",
  dbClusterArn: "arn:aws:rds:us-west-2:123456789012:cluster:eks-dr-dr",
  dbWriterEndpoint: "w",
  dbReaderEndpoint: "r",
  promotionInstanceUrn: "urn:pulumi:dr::eks-dr::aws:rds/clusterInstance:ClusterInstance::db-0",
  alarmTopicArn: "arn:aws:sns:us-west-2:123456789012:alarms",
  ecrRepositoryUrls: { web: "web", app: "app" },
};

const asOutputMap = (o: Record<string, unknown>): OutputMap =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, { value: v, secret: k === "kubeconfig" }]));

describe("PulumiStacks", () => {
  describe("stacks", () => {
    it("selects the stack by its short name in the project directory, once", async () => {
      const { stacks, selected } = setup();
      await stacks.readConfig("dr");
      await stacks.outputs("dr");
      expect(selected).to.deep.equal([{ stackName: "dr", workDir: PROJECT_DIR }]);
    });

    it("uses a qualified name when one is configured", async () => {
      const { stacks, selected } = setup("dr", (s) => `acme/eks-dr/${s}`);
      await stacks.readConfig("dr");
      expect(selected[0].stackName).to.equal("acme/eks-dr/dr");
    });
  });

  describe("readConfig", () => {
    it("parses the eks-dr keys with the shared schema and ignores other namespaces", async () => {
      const { stacks } = setup();
      const cfg = await stacks.readConfig("dr");
      expect(cfg.role).to.equal("standby");
      expect(cfg.region).to.equal("us-west-2");
      expect(cfg.nodeGroups.web.standby).to.deep.equal({ min: 0, desired: 0, max: 6 });
      expect(cfg.database.readers).to.deep.equal({ active: 1, standby: 1 });
      expect(cfg.ownsGlobalResources).to.equal(false);
    });

    it("fails with a ConfigError naming the key when the stack's config is invalid", async () => {
      const { stacks, fake } = setup();
      fake.config["eks-dr:role"] = { value: "primary", secret: false };
      const err = await stacks.readConfig("dr").catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ConfigError);
      expect((err as ConfigError).problems.map((p) => p.key)).to.include("eks-dr:role");
    });
  });

  describe("setConfig", () => {
    it("writes namespaced keys, --path only for dotted ones, values as the CLI takes them", async () => {
      const { stacks, fake } = setup();
      await stacks.setConfig("dr", [
        { key: "role", value: "active" },
        { key: "quiesced", value: false },
        { key: "database.readers.standby", value: 0 },
      ]);
      expect(fake.log).to.deep.equal(["set eks-dr:role=active", "set eks-dr:quiesced=false", "set eks-dr:database.readers.standby=0 --path"]);
      const cfg = await stacks.readConfig("dr");
      expect(cfg.role).to.equal("active");
      expect(cfg.quiesced).to.equal(false);
      expect(cfg.database.readers).to.deep.equal({ active: 1, standby: 0 });
    });

    it("writes restoredData as one JSON object value, which reads back through the schema", async () => {
      const { stacks, fake } = setup();
      const data = { fileSystemId: "fs-0123456789abcdef0", dbClusterIdentifier: "dr-restored-20250101t0500" };
      await stacks.setConfig("dr", [{ key: "restoredData", value: data }]);
      expect(fake.log).to.deep.equal([`set eks-dr:restoredData=${JSON.stringify(data)}`]);
      expect((await stacks.readConfig("dr")).restoredData).to.deep.equal(data);
    });

    it("validates the whole resulting config first and writes nothing when it is invalid", async () => {
      const { stacks, fake } = setup();
      const err = await stacks
        .setConfig("dr", [
          { key: "role", value: "active" },
          { key: "database.readers.active", value: 0 },
        ])
        .catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ConfigError);
      expect((err as ConfigError).problems.map((p) => p.key)).to.deep.equal(["eks-dr:database.readers.active"]);
      expect(fake.log).to.deep.equal([]);
    });

    it("rejects a value of the wrong type before writing", async () => {
      const { stacks, fake } = setup();
      const err = await stacks.setConfig("dr", [{ key: "replicateToPeer", value: "sometimes" }]).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ConfigError);
      expect(fake.log).to.deep.equal([]);
    });

    it("puts back the keys already written when a later write fails", async () => {
      const { stacks, fake } = setup();
      const before = structuredClone(fake.config);
      fake.failSetOf = "eks-dr:database.readers.standby";
      const err = await stacks
        .setConfig("dr", [
          { key: "role", value: "active" },
          { key: "replicateToPeer", value: false },
          { key: "database.readers.standby", value: 0 },
        ])
        .catch((e: Error) => e);
      expect((err as Error).message).to.contain('Setting config on stack "dr" failed');
      expect((err as Error).message).to.contain("restored");
      expect(fake.log).to.deep.equal([
        "set eks-dr:role=active",
        "set eks-dr:replicateToPeer=false",
        "set eks-dr:database.readers.standby=0 --path",
        "rm eks-dr:replicateToPeer", // was not set in Pulumi.dr.yaml
        "set eks-dr:role=standby",
      ]);
      expect(fake.config).to.deep.equal(before);
    });
  });

  describe("up", () => {
    it("refreshes exactly the given URNs first, then runs up with target and exclude and never with refresh", async () => {
      const { stacks, fake } = setup();
      const lines: string[] = [];
      const refreshTargets = ["urn:pulumi:dr::eks-dr::aws:eks/nodeGroup:NodeGroup::web", "urn:pulumi:dr::eks-dr::aws:eks/nodeGroup:NodeGroup::app"];
      const exclude = ["urn:pulumi:dr::eks-dr::aws:route53/record:Record::dns"];
      const ctl = new AbortController();
      const result = await stacks.up("dr", { refreshTargets, exclude, onOutput: (l) => lines.push(l), signal: ctl.signal });

      expect(fake.log).to.deep.equal(["refresh", "up"]);
      expect(fake.refreshOpts[0]?.target).to.deep.equal(refreshTargets);
      expect(fake.refreshOpts[0]?.signal).to.equal(ctl.signal);
      const up = fake.upOpts[0];
      expect(up?.refresh).to.not.equal(true);
      expect(up?.exclude).to.deep.equal(exclude);
      expect(up?.target).to.equal(undefined);
      expect(up?.signal).to.equal(ctl.signal);
      expect(result).to.deep.equal({ changes: { update: 3, same: 120 } });
      // The CLI's chunks arrive as whole lines.
      expect(lines).to.deep.equal(["Refreshing (dr)", "Updating (dr)", "", "    pulumi:pulumi:Stack eks-dr-dr running", "Resources:", "    ~ 3 updated"]);
    });

    it("passes a target list through and refreshes nothing without refreshTargets", async () => {
      const { stacks, fake } = setup();
      const target = ["urn:pulumi:dr::eks-dr::aws:rds/clusterInstance:ClusterInstance::db-0"];
      await stacks.up("dr", { target, refreshTargets: [] });
      expect(fake.log).to.deep.equal(["up"]);
      expect(fake.upOpts[0]?.target).to.deep.equal(target);
      expect(fake.upOpts[0]?.refresh).to.not.equal(true);
    });

    it("refuses an empty target list, which the CLI would read as the whole stack", async () => {
      const { stacks, fake } = setup();
      const err = await stacks.up("dr", { target: [] }).catch((e: Error) => e);
      expect((err as Error).message).to.contain("empty target list");
      expect(fake.log).to.deep.equal([]);
    });

    it("names the stack when up fails", async () => {
      const { stacks, fake } = setup();
      fake.up = async () => {
        throw new Error("code: 255\n stderr: error: update failed");
      };
      const err = await stacks.up("dr").catch((e: Error) => e);
      expect((err as Error).message).to.match(/^pulumi up on stack "dr" failed: code: 255/);
    });
  });

  describe("outputs", () => {
    it("is undefined for a stack without outputs", async () => {
      const { stacks } = setup();
      expect(await stacks.outputs("dr")).to.equal(undefined);
    });

    it("unwraps and validates outputs against the contract", async () => {
      const { stacks, fake } = setup();
      fake.outputMap = asOutputMap(validOutputs);
      const out = await stacks.outputs("dr");
      expect(out?.dbClusterArn).to.equal(validOutputs.dbClusterArn);
      expect(out?.outOfBandUrns).to.deep.equal(validOutputs.outOfBandUrns);
    });

    it("rejects outputs that break the contract, naming the key", async () => {
      const { stacks, fake } = setup();
      const { fileSystemId: _omit, ...broken } = validOutputs;
      fake.outputMap = asOutputMap(broken);
      const err = await stacks.outputs("dr").catch((e: Error) => e);
      expect((err as Error).message).to.contain("fileSystemId");
      expect((err as Error).message).to.contain('Stack "dr" does not export the eks-dr outputs contract');
    });
  });
});
