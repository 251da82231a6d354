/**
 * The mocks' models of the packaged components (automation/sim/program/packaged-components.ts): the
 * children each registers as its provider does, references to them resolve, an AWS provider is
 * required, and `ignoreScalingChanges` does what pulumi-eks makes of it, with the consequence that
 * keeps it off in this program.
 */
import * as awsxEc2 from "@pulumi/awsx/ec2";
import * as eks from "@pulumi/eks";
import { expect } from "chai";
import { evaluateComponent } from "../../harness/component";
import { resolve } from "../../../automation/sim/program/evaluate";
import { runProgram } from "../../../automation/sim/program/run";
import { deployPair } from "../../../automation/sim/stacks/deploy";
import { planUp } from "../../../automation/sim/stacks/diff";
import { configs } from "./helpers";

const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";

/** Rejections of registrations (they surface as unhandled) while `work` runs. */
async function registrationFailures(work: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const listener = (reason: unknown) => void seen.push(String(reason));
  process.on("unhandledRejection", listener);
  try {
    await work().catch((e: unknown) => seen.push(String(e)));
    for (let waited = 0; waited < 2000 && seen.length === 0; waited += 50) await new Promise((ok) => setTimeout(ok, 50));
  } finally {
    process.off("unhandledRejection", listener);
    // Forget the failed registrations: they never settle under mocks, and the runtime's exit-time leak
    // check would otherwise fail the whole mocha process.
    await new Promise((ok) => setTimeout(ok, 200));
    const debuggable = (await import("@pulumi/pulumi/runtime/debuggable.js")) as unknown as { leakedPromises: () => unknown };
    debuggable.leakedPromises();
  }
  return seen;
}

describe("sim: packaged components under the Pulumi mocks", () => {
  it("refuse to register without an AWS provider: the children would use the disabled default provider", async () => {
    const failures = await registrationFailures(() =>
      evaluateComponent(
        () =>
          new awsxEc2.Vpc("bare", {
            cidrBlock: "10.0.0.0/16",
            availabilityZoneNames: ["eu-west-1a"],
            subnetSpecs: [{ type: "Private", cidrBlocks: ["10.0.0.0/18"] }],
          }),
        {
          region: "eu-west-1",
        },
      ),
    );
    expect(failures.join("\n")).to.match(/awsx:ec2:Vpc bare was registered without an AWS provider in its `providers`/);
  });

  it("eks.ManagedNodeGroup registers its EKS node group under its own name, with pulumi-eks's defaults, on the cluster it joins", async () => {
    const { cloud, value } = await evaluateComponent(
      (ctx) => {
        const cluster = new eks.Cluster(
          "c",
          { name: "shop", version: "1.32", subnetIds: ["subnet-1", "subnet-2"], vpcId: "vpc-1", skipDefaultNodeGroup: true },
          { providers: [ctx.aws] },
        );
        return new eks.ManagedNodeGroup("ng", { cluster, nodeRoleArn: "arn:aws:iam::123456789012:role/nodes" }, { providers: [ctx.aws] });
      },
      { region: "eu-west-1" },
    );
    const mng = cloud.one("eks:index:ManagedNodeGroup");
    const group = cloud.one(NODE_GROUP);
    expect(group.name).to.equal("ng");
    expect(group.parent).to.equal(mng.urn);
    expect(group.urn).to.equal(`${mng.urn.replace(/::ng$/, "")}$${NODE_GROUP}::ng`);
    expect(group.region).to.equal("eu-west-1");
    expect(group.inputs).to.deep.include({ clusterName: "shop", version: "1.32", nodeRoleArn: "arn:aws:iam::123456789012:role/nodes" });
    expect(group.inputs.scalingConfig).to.deep.equal({ desiredSize: 2, minSize: 1, maxSize: 2 });
    expect(group.inputs.subnetIds).to.deep.equal(["subnet-1", "subnet-2"]);
    expect(group.options.ignoreChanges).to.deep.equal([]);
    // The component's output is a reference to that node group.
    expect(await resolve(value.nodeGroup.nodeGroupName)).to.equal(group.state.nodeGroupName);
    expect(await resolve(value.nodeGroup.urn)).to.equal(group.urn);
  });

  it("ignoreScalingChanges puts the desired size, and only it, in the node group's ignoreChanges", async () => {
    const { cloud } = await evaluateComponent(
      (ctx) => {
        const cluster = new eks.Cluster("c", { name: "shop", subnetIds: ["subnet-1"], skipDefaultNodeGroup: true }, { providers: [ctx.aws] });
        return new eks.ManagedNodeGroup(
          "ng",
          { cluster, nodeRoleArn: "arn:role", ignoreScalingChanges: true, scalingConfig: { minSize: 0, desiredSize: 0, maxSize: 4 } },
          { providers: [ctx.aws] },
        );
      },
      { region: "eu-west-1" },
    );
    expect(cloud.one(NODE_GROUP).options.ignoreChanges).to.deep.equal(["scalingConfig.desiredSize"]);
  });

  it("resolve the references the program reads: the EKS cluster, the VPC's NAT gateways", async () => {
    const { cloud, value } = await evaluateComponent(
      (ctx) => ({
        cluster: new eks.Cluster("c", { name: "shop", subnetIds: ["subnet-1"], skipDefaultNodeGroup: true }, { providers: [ctx.aws] }),
        vpc: new awsxEc2.Vpc(
          "v",
          {
            cidrBlock: "10.0.0.0/16",
            availabilityZoneNames: ["eu-west-1a", "eu-west-1b"],
            subnetSpecs: [
              { type: "Public", cidrBlocks: ["10.0.192.0/20", "10.0.208.0/20"] },
              { type: "Private", cidrBlocks: ["10.0.0.0/18", "10.0.64.0/18"] },
            ],
            natGateways: { strategy: "OnePerAz" },
          },
          { providers: [ctx.aws] },
        ),
      }),
      { region: "eu-west-1" },
    );
    expect(await resolve(value.cluster.eksCluster.arn)).to.equal(cloud.one("aws:eks/cluster:Cluster").state.arn);
    expect(await resolve(value.cluster.eksCluster.name)).to.equal("shop");
    expect(await resolve(value.vpc.natGateways.apply((n) => n.map((g) => g.id)))).to.deep.equal(cloud.ofType("aws:ec2/natGateway:NatGateway").map((n) => n.id));
  });

  it("refuse an option they do not model instead of guessing what the provider does", async () => {
    const failures = await registrationFailures(() =>
      evaluateComponent((ctx) => new eks.Cluster("c", { name: "shop" }, { providers: [ctx.aws] }), { region: "eu-west-1" }),
    );
    expect(failures.join("\n")).to.match(/the Pulumi mocks do not model eks\.Cluster's default node group/);
  });

  it("show why ignoreScalingChanges stays off: the up after a role change would keep the old active site's node count", async function () {
    this.timeout(30_000);
    const raw = configs();
    const pair = await deployPair(raw, { deployedBy: "arn:aws:iam::123456789012:role/ci" });
    // After a failover primary is the standby: its program asks for web at the standby size (0).
    const run = await runProgram({
      stack: "primary",
      config: { ...raw.primary, role: "standby" },
      stackFiles: { dr: { ...raw.dr, role: "active" } },
      peerOutputs: { dr: pair.outputs.dr },
    });
    const web = (steps: ReturnType<typeof planUp>["steps"]) => steps.find((s) => s.type === NODE_GROUP && s.urn.endsWith("-web"));
    const asRegistered = web(planUp(run.resources, pair.state.primary).steps)!;
    expect(asRegistered.op).to.equal("update");
    expect(asRegistered.inputs?.scalingConfig).to.deep.include({ desiredSize: 0 });
    // The same registrations as with ignoreScalingChanges: the engine keeps the old desired size.
    const ignoring = run.resources.map((r) => (r.type === NODE_GROUP ? { ...r, options: { ...r.options, ignoreChanges: ["scalingConfig.desiredSize"] } } : r));
    const kept = web(planUp(ignoring, pair.state.primary).steps)!;
    const before = pair.state.primary.find((r) => r.urn === kept.urn)!.inputs.scalingConfig as { desiredSize: number };
    expect(before.desiredSize).to.be.greaterThan(0);
    expect(kept.inputs?.scalingConfig).to.deep.include({ desiredSize: before.desiredSize, minSize: 0 });
  });
});
