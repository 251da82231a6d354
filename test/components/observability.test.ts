import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { CONTAINER_INSIGHTS_LOG_GROUPS, Observability, type ObservabilityArgs } from "../../components/observability";
import { componentChildren, evaluateComponent } from "../harness/component";
import { resolve } from "../../automation/sim/program/evaluate";
import type { MockCloud } from "../../automation/sim/program/mock-cloud";
import { recordResourceOptions, type ResourceOptionsRecorder } from "../../automation/sim/program/resource-options";

const ADDON = "aws:eks/addon:Addon";

/** Evaluates the component with stand-in nodes, recording each child's dependsOn. */
async function evaluateObservability(args: Omit<ObservabilityArgs, "nodes">, region: string) {
  const recorder = recordResourceOptions();
  let nodes: pulumi.ComponentResource | undefined;
  const evaluation = await evaluateComponent(
    (ctx) => {
      nodes = new pulumi.ComponentResource("test:index:Nodes", "nodes", {}, { providers: [ctx.aws] });
      return new Observability("site", { ...args, nodes }, { providers: [ctx.aws], transformations: [recorder.transformation] });
    },
    { region },
  );
  return { ...evaluation, recorder, nodes: nodes! };
}

describe("Observability", () => {
  let cloud: MockCloud;
  let observability: Observability;
  let recorder: ResourceOptionsRecorder;
  let nodes: pulumi.ComponentResource;

  before(async () => {
    ({ cloud, value: observability, recorder, nodes } = await evaluateObservability({ clusterName: "primary-cluster" }, "us-east-1"));
  });

  it("installs the amazon-cloudwatch-observability add-on on the cluster", () => {
    const addon = cloud.one(ADDON);
    expect(addon.inputs).to.include({ clusterName: "primary-cluster", addonName: "amazon-cloudwatch-observability", resolveConflictsOnUpdate: "OVERWRITE" });
  });

  it("grants the add-on's cloudwatch-agent service account its role through Pod Identity", async () => {
    const association = cloud.one("aws:eks/podIdentityAssociation:PodIdentityAssociation");
    expect(association.inputs).to.include({ clusterName: "primary-cluster", namespace: "amazon-cloudwatch", serviceAccount: "cloudwatch-agent" });
    const role = cloud.one("aws:iam/role:Role");
    expect(association.inputs.roleArn).to.equal(role.state.arn);
    expect(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal).to.deep.equal({ Service: "pods.eks.amazonaws.com" });
    const policies = cloud.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => a.inputs.policyArn);
    expect(policies).to.include("arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy");
    expect(await resolve(observability.agentRoleArn)).to.equal(role.state.arn);
  });

  it("names the managed policies in the partition of the site's provider (GovCloud)", async () => {
    const { cloud: gov } = await evaluateObservability({ clusterName: "gov-cluster" }, "us-gov-west-1");
    const policies = gov.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => a.inputs.policyArn);
    expect(policies).to.have.members(["arn:aws-us-gov:iam::aws:policy/CloudWatchAgentServerPolicy", "arn:aws-us-gov:iam::aws:policy/AWSXrayWriteOnlyAccess"]);
    const lookups = gov.calls.filter((c) => c.token === "aws:index/getPartition:getPartition");
    expect(lookups.map((c) => c.region)).to.deep.equal(["us-gov-west-1"]);
  });

  it("creates the Container Insights log groups with a retention before the agents write to them", async () => {
    const groups = cloud.ofType("aws:cloudwatch/logGroup:LogGroup");
    expect(groups.map((g) => g.inputs.name)).to.have.members(CONTAINER_INSIGHTS_LOG_GROUPS.map((k) => `/aws/containerinsights/primary-cluster/${k}`));
    for (const g of groups) expect(g.inputs.retentionInDays).to.equal(30);
    expect(await resolve(observability.logGroupNames.application)).to.equal("/aws/containerinsights/primary-cluster/application");
  });

  it("installs the add-on after the nodes, the Pod Identity association and the log groups", () => {
    const addon = recorder.ofType(ADDON);
    expect(addon).to.have.length(1);
    const deps = addon[0].dependsOn;
    expect(deps).to.include(nodes);
    expect(
      deps.filter((d) => d instanceof pulumi.CustomResource && (d as any).__pulumiType === "aws:eks/podIdentityAssociation:PodIdentityAssociation"),
    ).to.have.length(1);
    expect(deps.filter((d) => d instanceof pulumi.CustomResource && (d as any).__pulumiType === "aws:cloudwatch/logGroup:LogGroup")).to.have.length(
      CONTAINER_INSIGHTS_LOG_GROUPS.length,
    );
  });

  it("parents every child under Observability and registers it in the site's Region", () => {
    const children = componentChildren(cloud).filter((r) => !["eks-dr:index:Observability", "test:index:Nodes"].includes(r.type));
    expect(children.length).to.be.greaterThan(6);
    // The mock monitor's URNs name only the direct parent's type, so the role's own children show
    // PodIdentityRole, and the PodIdentityRole shows Observability.
    expect(cloud.one("eks-dr:index:PodIdentityRole").urn).to.contain("eks-dr:index:Observability$");
    for (const r of children) {
      expect(r.urn, r.name).to.match(/eks-dr:index:(Observability|PodIdentityRole)\$/);
      if (r.type.startsWith("aws:")) expect(r.region, r.name).to.equal("us-east-1");
    }
  });

  it("follows the cluster, Region and retention it is given: nothing is hard-coded", async () => {
    const { cloud: other } = await evaluateObservability({ clusterName: "shop-dr", logRetentionDays: 90, addonVersion: "v4.4.0-eksbuild.1" }, "eu-central-1");
    expect(other.one(ADDON).inputs).to.include({ clusterName: "shop-dr", addonVersion: "v4.4.0-eksbuild.1" });
    for (const g of other.ofType("aws:cloudwatch/logGroup:LogGroup")) {
      expect(g.inputs.name).to.match(/^\/aws\/containerinsights\/shop-dr\//);
      expect(g.inputs.retentionInDays).to.equal(90);
    }
    for (const r of componentChildren(other).filter((c) => c.type.startsWith("aws:"))) expect(r.region, r.name).to.equal("eu-central-1");
    expect(JSON.stringify(componentChildren(other).map((r) => r.inputs))).to.not.match(/primary-cluster|us-east-1/);
  });
});
