/**
 * The node groups: what each `eks.ManagedNodeGroup` is given (sizes, AMI type, taints, labels, the
 * launch template, the site's provider), the launch templates, role and tier security group written
 * by hand, and the URNs and names the driver uses, those of the EKS node group pulumi-eks registers
 * inside each component (modelled by the mocks: automation/sim/program/packaged-components.ts).
 */
import { expect } from "chai";
import * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import { amiTypeFor, NodeGroups, TIER_LABEL, type NodeGroupSpec, type NodeGroupsArgs } from "../../components/node-groups";
import { NODE_GROUPS, parseSiteConfig, type NodeGroupName, type SiteConfig } from "../../stacks/config";
import { nodeGroupSizes } from "../../stacks/roles";
import { componentChildren, evaluateComponent, type ComponentContext } from "../harness/component";
import { resolve, siteRawConfig } from "../../automation/sim/program/evaluate";
import type { MockCloud, RecordedResource } from "../../automation/sim/program/mock-cloud";
import { recordResourceOptions } from "../../automation/sim/program/resource-options";

const MNG = "eks:index:ManagedNodeGroup";
const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const NODE_SG = "sg-nodes-0123";

/** Each tier's spec from a site config, at the sizes of its role (as the program resolves them). */
function groupsOf(cfg: SiteConfig): Record<NodeGroupName, NodeGroupSpec> {
  return Object.fromEntries(
    NODE_GROUPS.map((g) => {
      const { instanceTypes, diskSizeGib, capacityType } = cfg.nodeGroups[g];
      return [g, { instanceTypes, diskSizeGib, capacityType, sizes: nodeGroupSizes(cfg, g) }];
    }),
  ) as Record<NodeGroupName, NodeGroupSpec>;
}

/** The primary stack file's real config, with the role flipped when asked. */
const primaryAs = (role: "active" | "standby", overrides: Record<string, unknown> = {}): SiteConfig =>
  parseSiteConfig("primary", siteRawConfig("primary", { role, ...overrides }));

/** A pulumi-eks cluster for the groups to join, on the test's provider. */
const libraryCluster = (ctx: ComponentContext) =>
  new eks.Cluster(
    "lib",
    { name: "site-cluster", vpcId: "vpc-site", subnetIds: ["subnet-a", "subnet-b"], skipDefaultNodeGroup: true },
    { providers: [ctx.aws] },
  );

function args(ctx: ComponentContext, groups: Record<NodeGroupName, NodeGroupSpec>, extra: Partial<NodeGroupsArgs> = {}): NodeGroupsArgs {
  return {
    cluster: libraryCluster(ctx),
    clusterName: "site-cluster",
    kubernetesVersion: "1.33",
    groups,
    vpcId: "vpc-site",
    subnetIds: ["subnet-a", "subnet-b", "subnet-c"],
    nodeSecurityGroupId: NODE_SG,
    ...extra,
  };
}

async function evaluateNodeGroups(
  groups: Record<NodeGroupName, NodeGroupSpec>,
  region: string,
  extra: (ctx: ComponentContext) => Partial<NodeGroupsArgs> = () => ({}),
) {
  const { options, transformation } = recordResourceOptions();
  const evaluation = await evaluateComponent(
    (ctx) => new NodeGroups("site", args(ctx, groups, extra(ctx)), { providers: [ctx.aws], transformations: [transformation] }),
    { region },
  );
  return { ...evaluation, options };
}

const managed = (cloud: MockCloud, tier: NodeGroupName): RecordedResource => cloud.one(MNG, `site-${tier}`);
const eksGroup = (cloud: MockCloud, tier: NodeGroupName): RecordedResource => cloud.one(NODE_GROUP, `site-${tier}`);
const templateOf = (cloud: MockCloud, mng: RecordedResource): RecordedResource => {
  const found = cloud.ofType(LAUNCH_TEMPLATE).filter((t) => t.id === mng.inputs.launchTemplate.id);
  expect(found, `launch template of ${mng.name}`).to.have.length(1);
  return found[0];
};

describe("NodeGroups", () => {
  describe("on the primary site's config, active", () => {
    let cfg: SiteConfig;
    let cloud: MockCloud;
    let nodes: NodeGroups;
    let options: Awaited<ReturnType<typeof evaluateNodeGroups>>["options"];

    before(async () => {
      cfg = primaryAs("active");
      ({ cloud, value: nodes, options } = await evaluateNodeGroups(groupsOf(cfg), cfg.region, () => ({ instanceTags: { project: "eks-dr" } })));
    });

    it("builds one eks.ManagedNodeGroup per tier on the given cluster, subnets and version", () => {
      const cluster = cloud.one("eks:index:Cluster");
      expect(cloud.ofType(MNG).map((g) => g.name)).to.deep.equal(NODE_GROUPS.map((g) => `site-${g}`));
      for (const tier of NODE_GROUPS) {
        const mng = managed(cloud, tier);
        expect(mng.urn).to.contain("eks-dr:index:NodeGroups$eks:index:ManagedNodeGroup::site-");
        expect(mng.inputs).to.include({ cluster: cluster.urn, clusterName: "site-cluster", version: "1.33", amiType: "AL2023_x86_64_STANDARD" });
        expect(mng.inputs.subnetIds).to.deep.equal(["subnet-a", "subnet-b", "subnet-c"]);
      }
    });

    it("gives each group the sizes it is given, and does not ignore scaling changes (a role change must resize it)", () => {
      for (const tier of NODE_GROUPS) {
        const want = cfg.nodeGroups[tier].active;
        expect(managed(cloud, tier).inputs.scalingConfig, tier).to.deep.equal({ minSize: want.min, desiredSize: want.desired, maxSize: want.max });
        expect(managed(cloud, tier).inputs.ignoreScalingChanges, tier).to.equal(false);
        // What pulumi-eks then registers: the EKS node group at those sizes, nothing ignored.
        expect(eksGroup(cloud, tier).inputs.scalingConfig, tier).to.deep.equal({ minSize: want.min, desiredSize: want.desired, maxSize: want.max });
        expect(eksGroup(cloud, tier).options.ignoreChanges, tier).to.deep.equal([]);
      }
    });

    it("takes instance and capacity types from what it is given", () => {
      for (const tier of NODE_GROUPS) {
        expect(managed(cloud, tier).inputs.instanceTypes, tier).to.deep.equal(cfg.nodeGroups[tier].instanceTypes);
        expect(managed(cloud, tier).inputs.capacityType, tier).to.equal(cfg.nodeGroups[tier].capacityType);
      }
    });

    it("labels each group with its tier and taints web and app so controllers stay on system nodes", () => {
      for (const tier of NODE_GROUPS) expect(managed(cloud, tier).inputs.labels).to.deep.equal({ [TIER_LABEL]: tier });
      expect(managed(cloud, "system").inputs.taints ?? []).to.have.length(0);
      for (const tier of ["web", "app"] as const) {
        expect(managed(cloud, tier).inputs.taints).to.deep.equal([{ key: TIER_LABEL, value: tier, effect: "NO_SCHEDULE" }]);
      }
    });

    it("launches nodes from its own template per group: IMDSv2 only, encrypted gp3 root volume of diskSizeGib", () => {
      const templates = new Set(cloud.ofType(MNG).map((mng) => templateOf(cloud, mng).id));
      expect(templates.size).to.equal(NODE_GROUPS.length);
      for (const tier of NODE_GROUPS) {
        const mng = managed(cloud, tier);
        const lt = templateOf(cloud, mng);
        expect(mng.inputs.launchTemplate.version).to.equal(String(lt.state.latestVersion));
        expect(lt.inputs.metadataOptions).to.include({ httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 2 });
        const root = lt.inputs.blockDeviceMappings[0];
        expect(root.deviceName).to.equal("/dev/xvda");
        expect(root.ebs).to.include({ volumeType: "gp3", encrypted: "true", volumeSize: cfg.nodeGroups[tier].diskSizeGib });
        // pulumi-eks builds a template of its own (and EKS refuses a disk size beside ours) for these:
        for (const key of ["diskSize", "enableIMDSv2", "kubeletExtraArgs", "bootstrapExtraArgs", "userData", "amiId"])
          expect(mng.inputs[key], `${tier} ${key}`).to.equal(undefined);
      }
    });

    it("puts the node security group on every template, the app-tier group on app's only, and not EKS's cluster group", async () => {
      const appSg = cloud.one("aws:ec2/securityGroup:SecurityGroup", "site-app-tier");
      expect(appSg.inputs.vpcId).to.equal("vpc-site");
      for (const tier of NODE_GROUPS) {
        const sgs = templateOf(cloud, managed(cloud, tier)).inputs.vpcSecurityGroupIds;
        // One security group tagged kubernetes.io/cluster/<name> per ENI for the load balancer controller.
        expect(sgs, tier).to.deep.equal(tier === "app" ? [NODE_SG, appSg.id] : [NODE_SG]);
      }
      expect(await resolve(nodes.tierSecurityGroupIds.app)).to.equal(appSg.id);
    });

    it("tags what the templates launch, since provider default tags do not reach it", () => {
      for (const tier of NODE_GROUPS) {
        const specs = templateOf(cloud, managed(cloud, tier)).inputs.tagSpecifications;
        expect(specs.map((s: any) => s.resourceType)).to.include.members(["instance", "volume"]);
        for (const s of specs) expect(s.tags).to.include({ project: "eks-dr", Name: `site-cluster-${tier}`, [TIER_LABEL]: tier });
      }
    });

    it("runs nodes under one role with the worker, CNI, ECR pull and SSM policies", async () => {
      const role = cloud.one("aws:iam/role:Role", "site-node");
      expect(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal).to.deep.equal({ Service: "ec2.amazonaws.com" });
      const policies = cloud
        .ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        .filter((a) => a.urn.includes("eks-dr:index:NodeGroups$"))
        .map((a) => {
          expect(a.inputs.role).to.equal(role.state.name);
          return a.inputs.policyArn;
        });
      expect(policies).to.have.members(
        ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryPullOnly", "AmazonSSMManagedInstanceCore"].map(
          (p) => `arn:aws:iam::aws:policy/${p}`,
        ),
      );
      for (const mng of cloud.ofType(MNG)) expect(mng.inputs.nodeRoleArn).to.equal(role.state.arn);
      expect(await resolve(nodes.nodeRoleArn)).to.equal(role.state.arn);
    });

    it("waits for the role's policies and the cluster's prerequisites, and gives each group the site's provider", () => {
      const provider = cloud.one("pulumi:providers:aws");
      const attachments = cloud.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => a.urn.includes("eks-dr:index:NodeGroups$"));
      for (const mng of cloud.ofType(MNG)) {
        expect(mng.providers?.aws, mng.name).to.equal(`${provider.urn}::${provider.id}`);
        expect(mng.dependencies, mng.name).to.include.members(attachments.map((a) => a.urn));
        expect(options.get(`${MNG}::${mng.name}`)?.dependsOn).to.have.length(attachments.length);
      }
      for (const r of componentChildren(cloud).filter((c) => c.urn.includes("eks-dr:index:NodeGroups$") && c.custom))
        expect(r.region, r.name).to.equal(cfg.region);
    });

    it("names the node policies in the partition of the site's provider (GovCloud)", async () => {
      const { cloud: gov } = await evaluateNodeGroups(groupsOf(cfg), "us-gov-west-1");
      const mine = gov.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => a.urn.includes("eks-dr:index:NodeGroups$"));
      expect(mine.map((a) => a.inputs.policyArn)).to.have.members(
        ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryPullOnly", "AmazonSSMManagedInstanceCore"].map(
          (p) => `arn:aws-us-gov:iam::aws:policy/${p}`,
        ),
      );
      const lookups = gov.calls.filter((c) => c.token === "aws:index/getPartition:getPartition");
      expect(lookups.map((c) => c.region)).to.deep.equal(["us-gov-west-1"]);
    });

    it("exposes, by tier, the EKS node group names and the URNs of the node groups pulumi-eks registers inside each component", async () => {
      for (const tier of NODE_GROUPS) {
        const inner = eksGroup(cloud, tier);
        expect(inner.parent).to.equal(managed(cloud, tier).urn);
        expect(await resolve(nodes.nodeGroupNames[tier])).to.equal(inner.state.nodeGroupName);
        const urn = await resolve(nodes.nodeGroupUrns[tier]);
        expect(urn).to.equal(inner.urn);
        expect(urn).to.match(new RegExp(`eks-dr:index:NodeGroups\\$eks:index:ManagedNodeGroup\\$aws:eks/nodeGroup:NodeGroup::site-${tier}$`));
      }
    });
  });

  describe("at a pilot-light standby's sizes", () => {
    let cfg: SiteConfig;
    let cloud: MockCloud;

    before(async () => {
      cfg = primaryAs("standby");
      ({ cloud } = await evaluateNodeGroups(groupsOf(cfg), cfg.region));
    });

    it("runs web and app at 0 with room to scale, and at least two system nodes", () => {
      for (const tier of ["web", "app"] as const) {
        const want = cfg.nodeGroups[tier].standby;
        expect(managed(cloud, tier).inputs.scalingConfig, tier).to.deep.equal({ minSize: want.min, desiredSize: want.desired, maxSize: want.max });
        expect(eksGroup(cloud, tier).inputs.scalingConfig.desiredSize, tier).to.equal(0);
        // Room to scale up on failover without touching maxSize.
        expect(managed(cloud, tier).inputs.scalingConfig.maxSize, tier).to.equal(cfg.nodeGroups[tier].active.max);
      }
      expect(managed(cloud, "system").inputs.scalingConfig.minSize).to.be.at.least(2);
    });

    it("waits for the prerequisites it is given", async () => {
      const recorder = recordResourceOptions();
      let cni: pulumi.Resource | undefined;
      await evaluateComponent((ctx) => {
        cni = new pulumi.ComponentResource("test:index:VpcCni", "vpc-cni", {}, { providers: [ctx.aws] });
        return new NodeGroups("site", args(ctx, groupsOf(cfg), { prerequisites: [cni] }), { providers: [ctx.aws], transformations: [recorder.transformation] });
      });
      const groups = recorder.ofType(MNG);
      expect(groups).to.have.length(NODE_GROUPS.length);
      for (const g of groups) expect(g.dependsOn).to.include(cni);
    });
  });

  it("rejects sizes EKS would refuse, naming the tier", async () => {
    const groups = groupsOf(primaryAs("active"));
    let error: unknown;
    try {
      await evaluateNodeGroups({ ...groups, web: { ...groups.web, sizes: { min: 3, desired: 2, max: 6 } } }, "eu-west-3");
    } catch (e) {
      error = e;
    }
    expect((error as Error)?.message).to.match(/the web sizes must be whole numbers with 0 <= min <= desired <= max.*\(min 3, desired 2, max 6\)/);
  });

  it("follows the Region, disk size and instance types it is given: nothing is hard-coded", async () => {
    const groups = groupsOf(parseSiteConfig("dr", siteRawConfig("dr")));
    const { cloud } = await evaluateNodeGroups(
      { ...groups, app: { ...groups.app, instanceTypes: ["m7g.xlarge", "c7gn.xlarge"], diskSizeGib: 120, capacityType: "SPOT" } },
      "sa-east-1",
      () => ({ clusterName: "shop-dr" }),
    );
    const app = managed(cloud, "app");
    expect(app.inputs).to.include({ amiType: "AL2023_ARM_64_STANDARD", capacityType: "SPOT", clusterName: "shop-dr" });
    expect(templateOf(cloud, app).inputs.blockDeviceMappings[0].ebs.volumeSize).to.equal(120);
    expect(managed(cloud, "web").inputs.amiType).to.equal("AL2023_x86_64_STANDARD");
    const mine = componentChildren(cloud).filter((c) => c.urn.includes("eks-dr:index:NodeGroups$"));
    for (const r of mine.filter((c) => c.custom)) expect(r.region, r.name).to.equal("sa-east-1");
    expect(JSON.stringify(mine.map((r) => r.inputs))).to.not.match(/us-east-1|us-west-2|eu-west-3|site-cluster/);
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
