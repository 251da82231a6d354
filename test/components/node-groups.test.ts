import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { amiTypeFor, NodeGroups, TIER_LABEL, type NodeGroupsArgs } from "../../components/node-groups";
import { NODE_GROUPS, parseSiteConfig, type NodeGroupName, type SiteConfig } from "../../stacks/config";
import { componentChildren, evaluateComponent } from "../harness/component";
import { resolve, siteRawConfig } from "../../automation/sim/program/evaluate";
import type { MockCloud, RecordedResource } from "../../automation/sim/program/mock-cloud";
import { recordResourceOptions } from "../../automation/sim/program/resource-options";

const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const CLUSTER_SG = "sg-cluster-0123";
const NODE_SG = "sg-nodes-0123";

/** The primary stack file's real config, with the role flipped when asked. */
const primaryAs = (role: "active" | "standby", overrides: Record<string, unknown> = {}): SiteConfig =>
  parseSiteConfig("primary", siteRawConfig("primary", { role, ...overrides }));

function args(config: SiteConfig, extra: Partial<NodeGroupsArgs> = {}): NodeGroupsArgs {
  return {
    config,
    clusterName: "site-cluster",
    kubernetesVersion: config.kubernetesVersion,
    vpcId: "vpc-site",
    subnetIds: ["subnet-a", "subnet-b", "subnet-c"],
    clusterSecurityGroupId: CLUSTER_SG,
    nodeSecurityGroupId: NODE_SG,
    ...extra,
  };
}

async function evaluateNodeGroups(a: NodeGroupsArgs, region = a.config.region) {
  return evaluateComponent((ctx) => new NodeGroups("site", a, { providers: [ctx.aws] }), { region });
}

const group = (cloud: MockCloud, name: NodeGroupName): RecordedResource => cloud.one(NODE_GROUP, `site-${name}`);
const templateOf = (cloud: MockCloud, ng: RecordedResource): RecordedResource => {
  const found = cloud.ofType(LAUNCH_TEMPLATE).filter((t) => t.id === ng.inputs.launchTemplate.id);
  expect(found, `launch template of ${ng.name}`).to.have.length(1);
  return found[0];
};

describe("NodeGroups", () => {
  describe("on the primary site's config, active", () => {
    let cfg: SiteConfig;
    let cloud: MockCloud;
    let nodes: NodeGroups;

    before(async () => {
      cfg = primaryAs("active");
      ({ cloud, value: nodes } = await evaluateNodeGroups(args(cfg, { instanceTags: { project: "eks-dr" } })));
    });

    it("creates the system, web and app managed node groups on the given subnets", () => {
      expect(cloud.ofType(NODE_GROUP).map((g) => g.name)).to.have.members(NODE_GROUPS.map((g) => `site-${g}`));
      for (const ng of cloud.ofType(NODE_GROUP)) {
        expect(ng.inputs.subnetIds).to.deep.equal(["subnet-a", "subnet-b", "subnet-c"]);
        expect(ng.inputs).to.include({ clusterName: "site-cluster", version: cfg.kubernetesVersion, amiType: "AL2023_x86_64_STANDARD" });
      }
    });

    it("sizes every group with the active sizes from config", () => {
      for (const name of NODE_GROUPS) {
        const want = cfg.nodeGroups[name].active;
        expect(group(cloud, name).inputs.scalingConfig, name).to.deep.equal({ minSize: want.min, desiredSize: want.desired, maxSize: want.max });
      }
      expect(group(cloud, "web").inputs.scalingConfig.desiredSize).to.be.greaterThan(0);
    });

    it("takes instance and capacity types from config", () => {
      for (const name of NODE_GROUPS) {
        expect(group(cloud, name).inputs.instanceTypes, name).to.deep.equal(cfg.nodeGroups[name].instanceTypes);
        expect(group(cloud, name).inputs.capacityType, name).to.equal(cfg.nodeGroups[name].capacityType);
      }
    });

    it("labels each group with its tier and taints web and app so controllers stay on system nodes", () => {
      for (const name of NODE_GROUPS) expect(group(cloud, name).inputs.labels).to.deep.equal({ [TIER_LABEL]: name });
      expect(group(cloud, "system").inputs.taints ?? []).to.have.length(0);
      for (const name of ["web", "app"] as const) {
        expect(group(cloud, name).inputs.taints).to.deep.equal([{ key: TIER_LABEL, value: name, effect: "NO_SCHEDULE" }]);
      }
    });

    it("launches nodes from a template per group: IMDSv2 only, encrypted gp3 root volume of diskSizeGib", () => {
      const templates = new Set(cloud.ofType(NODE_GROUP).map((ng) => templateOf(cloud, ng).id));
      expect(templates.size).to.equal(NODE_GROUPS.length);
      for (const name of NODE_GROUPS) {
        const ng = group(cloud, name);
        const lt = templateOf(cloud, ng);
        expect(ng.inputs.launchTemplate.version).to.equal(String(lt.state.latestVersion));
        expect(lt.inputs.metadataOptions).to.include({ httpTokens: "required", httpEndpoint: "enabled" });
        const root = lt.inputs.blockDeviceMappings[0];
        expect(root.deviceName).to.equal("/dev/xvda");
        expect(root.ebs).to.include({ volumeType: "gp3", encrypted: "true", volumeSize: cfg.nodeGroups[name].diskSizeGib });
        // The node group must not also set a disk size: EKS rejects it next to a launch template.
        expect(ng.inputs.diskSize).to.equal(undefined);
      }
    });

    it("puts the cluster and node security groups on every template, and the app-tier group on app's only", async () => {
      const appSg = cloud.one("aws:ec2/securityGroup:SecurityGroup", "site-app-tier");
      expect(appSg.inputs.vpcId).to.equal("vpc-site");
      for (const name of NODE_GROUPS) {
        const sgs = templateOf(cloud, group(cloud, name)).inputs.vpcSecurityGroupIds;
        expect(sgs, name).to.include.members([CLUSTER_SG, NODE_SG]);
        if (name === "app") expect(sgs).to.include(appSg.id);
        else expect(sgs, name).to.not.include(appSg.id);
      }
      expect(await resolve(nodes.tierSecurityGroupIds.app)).to.equal(appSg.id);
    });

    it("tags what the templates launch, since provider default tags do not reach it", () => {
      for (const name of NODE_GROUPS) {
        const specs = templateOf(cloud, group(cloud, name)).inputs.tagSpecifications;
        expect(specs.map((s: any) => s.resourceType)).to.include.members(["instance", "volume"]);
        for (const s of specs) expect(s.tags).to.include({ project: "eks-dr", Name: `site-cluster-${name}`, [TIER_LABEL]: name });
      }
    });

    it("runs nodes under one role with the worker, CNI, ECR pull and SSM policies", async () => {
      const role = cloud.one("aws:iam/role:Role");
      expect(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal).to.deep.equal({ Service: "ec2.amazonaws.com" });
      const policies = cloud.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => {
        expect(a.inputs.role).to.equal(role.state.name);
        return a.inputs.policyArn;
      });
      expect(policies).to.have.members(
        ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryPullOnly", "AmazonSSMManagedInstanceCore"].map((p) => `arn:aws:iam::aws:policy/${p}`),
      );
      for (const ng of cloud.ofType(NODE_GROUP)) expect(ng.inputs.nodeRoleArn).to.equal(role.state.arn);
      expect(await resolve(nodes.nodeRoleArn)).to.equal(role.state.arn);
    });

    it("names the node policies in the partition of the site's provider (GovCloud)", async () => {
      const { cloud: gov } = await evaluateNodeGroups(args(cfg), "us-gov-west-1");
      expect(gov.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => a.inputs.policyArn)).to.have.members(
        ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryPullOnly", "AmazonSSMManagedInstanceCore"].map((p) => `arn:aws-us-gov:iam::aws:policy/${p}`),
      );
      const lookups = gov.calls.filter((c) => c.token === "aws:index/getPartition:getPartition");
      expect(lookups.map((c) => c.region)).to.deep.equal(["us-gov-west-1"]);
    });

    it("exposes node group names and URNs by tier, for the failover driver", async () => {
      for (const name of NODE_GROUPS) {
        const ng = group(cloud, name);
        expect(await resolve(nodes.nodeGroupNames[name])).to.equal(ng.state.nodeGroupName);
        const urn = await resolve(nodes.nodeGroupUrns[name]);
        expect(urn).to.equal(ng.urn);
        expect(urn).to.match(/eks-dr:index:NodeGroups\$aws:eks\/nodeGroup:NodeGroup::site-/);
      }
    });

    it("parents every child under NodeGroups and registers it in the site's Region", () => {
      const children = componentChildren(cloud).filter((r) => r.type !== "eks-dr:index:NodeGroups");
      expect(children.length).to.be.greaterThan(10);
      for (const r of children) {
        expect(r.urn, r.name).to.contain("eks-dr:index:NodeGroups$");
        expect(r.region, r.name).to.equal(cfg.region);
      }
    });
  });

  describe("on the same config as standby (pilot light)", () => {
    let cfg: SiteConfig;
    let cloud: MockCloud;

    before(async () => {
      cfg = primaryAs("standby");
      ({ cloud } = await evaluateNodeGroups(args(cfg)));
    });

    it("runs web and app at the standby sizes and keeps at least two system nodes", () => {
      for (const name of ["web", "app"] as const) {
        const want = cfg.nodeGroups[name].standby;
        expect(group(cloud, name).inputs.scalingConfig, name).to.deep.equal({ minSize: want.min, desiredSize: want.desired, maxSize: want.max });
        expect(group(cloud, name).inputs.scalingConfig.desiredSize, name).to.equal(0);
        // Room to scale up on failover without touching maxSize.
        expect(group(cloud, name).inputs.scalingConfig.maxSize, name).to.equal(cfg.nodeGroups[name].active.max);
      }
      expect(group(cloud, "system").inputs.scalingConfig.minSize).to.be.at.least(2);
      expect(group(cloud, "system").inputs.scalingConfig.desiredSize).to.be.at.least(2);
    });

    it("waits for the cluster's prerequisites and does not ignore scaling changes (decision 4: the driver refreshes)", async () => {
      const recorder = recordResourceOptions();
      let cni: pulumi.Resource | undefined;
      await evaluateComponent((ctx) => {
        cni = new pulumi.ComponentResource("test:index:VpcCni", "vpc-cni", {}, { providers: [ctx.aws] });
        return new NodeGroups("site", args(cfg, { prerequisites: [cni] }), { providers: [ctx.aws], transformations: [recorder.transformation] });
      });
      const groups = recorder.ofType(NODE_GROUP);
      expect(groups).to.have.length(NODE_GROUPS.length);
      for (const g of groups) {
        expect(g.ignoreChanges ?? []).to.deep.equal([]);
        expect(g.dependsOn).to.include(cni);
      }
    });
  });

  it("uses a warm-standby size when config asks for one", async () => {
    const raw = siteRawConfig("primary", { role: "standby" });
    const nodeGroups = raw.nodeGroups as any;
    const cfg = parseSiteConfig("primary", { ...raw, nodeGroups: { ...nodeGroups, web: { ...nodeGroups.web, standby: { min: 1, desired: 1, max: 6 } } } });
    const { cloud } = await evaluateNodeGroups(args(cfg));
    expect(group(cloud, "web").inputs.scalingConfig).to.deep.equal({ minSize: 1, desiredSize: 1, maxSize: 6 });
    expect(group(cloud, "app").inputs.scalingConfig.desiredSize).to.equal(0);
  });

  it("follows the Region, disk size and instance types it is given: nothing is hard-coded", async () => {
    const raw = siteRawConfig("dr");
    const nodeGroups = raw.nodeGroups as any;
    const cfg = parseSiteConfig("dr", {
      ...raw,
      nodeGroups: { ...nodeGroups, app: { ...nodeGroups.app, instanceTypes: ["m7g.xlarge", "c7gn.xlarge"], diskSizeGib: 120, capacityType: "SPOT" } },
    });
    const { cloud } = await evaluateNodeGroups(args(cfg, { clusterName: "shop-dr" }), "sa-east-1");
    const app = group(cloud, "app");
    expect(app.inputs).to.include({ amiType: "AL2023_ARM_64_STANDARD", capacityType: "SPOT", clusterName: "shop-dr" });
    expect(templateOf(cloud, app).inputs.blockDeviceMappings[0].ebs.volumeSize).to.equal(120);
    expect(group(cloud, "web").inputs.amiType).to.equal("AL2023_x86_64_STANDARD");
    for (const r of componentChildren(cloud).filter((c) => c.type.startsWith("aws:"))) expect(r.region, r.name).to.equal("sa-east-1");
    expect(JSON.stringify(componentChildren(cloud).map((r) => r.inputs))).to.not.match(/us-east-1|us-west-2|eu-west-3|site-cluster/);
  });

  describe("amiTypeFor", () => {
    it("picks the Arm AMI for Graviton families and x86 otherwise", () => {
      expect(amiTypeFor("web", ["m7g.large", "r8gd.xlarge", "t4g.medium", "c6gn.large"])).to.equal("AL2023_ARM_64_STANDARD");
      expect(amiTypeFor("web", ["m6i.large", "m5.large", "g5.xlarge", "c7i-flex.large"])).to.equal("AL2023_x86_64_STANDARD");
    });

    it("rejects a group that mixes architectures, naming the key", () => {
      expect(() => amiTypeFor("app", ["m6i.large", "m7g.large"])).to.throw(/eks-dr:nodeGroups\.app\.instanceTypes mixes Arm \(m7g\.large\)/);
    });
  });
});
