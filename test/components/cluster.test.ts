import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { Cluster, NODE_ADDONS, type ClusterArgs } from "../../components/cluster";
import { parseSiteConfig, type SiteConfig } from "../../stacks/config";
import { componentChildren, evaluateComponent } from "../harness/component";
import { resolve, siteRawConfig } from "../../automation/sim/program/evaluate";
import type { MockCloud, RecordedResource } from "../../automation/sim/program/mock-cloud";
import { recordResourceOptions } from "../../automation/sim/program/resource-options";

const ACCESS: SiteConfig["clusterAccess"] = [
  { principalArn: "arn:aws:iam::123456789012:role/platform-admins", policy: "clusterAdmin" },
  { principalArn: "arn:aws:iam::123456789012:role/ops/break-glass", policy: "clusterAdmin" },
  { principalArn: "arn:aws:iam::123456789012:role/github-preview", policy: "view" },
  { principalArn: "arn:aws:iam::123456789012:user/app-team", policy: "edit", namespaces: ["app", "jobs"] },
];
const ACCESS_POLICY = "arn:aws:eks::aws:cluster-access-policy/";
const PRIVATE_SUBNETS = ["subnet-private-a", "subnet-private-b", "subnet-private-c"];

function clusterArgs(cfg: SiteConfig, extra: Partial<ClusterArgs> = {}): ClusterArgs {
  return {
    clusterName: `eks-dr-${cfg.region}`,
    kubernetesVersion: cfg.kubernetesVersion,
    vpcId: "vpc-site",
    subnetIds: PRIVATE_SUBNETS,
    access: cfg.clusterAccess,
    ...extra,
  };
}

/**
 * Evaluates the component; with `withNodes`, adds CoreDNS after a stand-in for the node groups and
 * returns that stand-in and the dependsOn CoreDNS was registered with.
 */
async function evaluateCluster(args: ClusterArgs, region: string, withNodes = false) {
  let nodes: pulumi.Resource | undefined;
  const { options, transformation } = recordResourceOptions();
  const evaluation = await evaluateComponent(
    (ctx) => {
      const cluster = new Cluster("site", args, { providers: [ctx.aws], transformations: [transformation] });
      if (withNodes) {
        nodes = new pulumi.ComponentResource("test:index:Nodes", "nodes", {}, { providers: [ctx.aws] });
        cluster.addCoreDns(nodes);
      }
      return cluster;
    },
    { region },
  );
  return { ...evaluation, nodes, coreDnsDependsOn: options.get("aws:eks/addon:Addon::site-coredns")?.dependsOn };
}

const addons = (cloud: MockCloud): RecordedResource[] => cloud.ofType("aws:eks/addon:Addon");

describe("Cluster", () => {
  let cfg: SiteConfig;
  let cloud: MockCloud;
  let cluster: Cluster;

  before(async () => {
    cfg = parseSiteConfig("primary", siteRawConfig("primary", { clusterAccess: ACCESS }));
    ({ cloud, value: cluster } = await evaluateCluster(clusterArgs(cfg), cfg.region));
  });

  it("creates the EKS cluster on the private subnets, API authentication only, version from config", () => {
    const eks = cloud.one("aws:eks/cluster:Cluster");
    expect(eks.inputs.name).to.equal(`eks-dr-${cfg.region}`);
    expect(eks.inputs.version).to.equal(cfg.kubernetesVersion);
    expect(eks.inputs.accessConfig.authenticationMode).to.equal("API");
    expect(eks.inputs.bootstrapSelfManagedAddons).to.equal(false);
    expect(eks.inputs.vpcConfig.subnetIds).to.deep.equal(PRIVATE_SUBNETS);
    expect(eks.inputs.vpcConfig.endpointPrivateAccess).to.equal(true);
    expect(eks.inputs.enabledClusterLogTypes).to.include.members(["api", "audit", "authenticator"]);
  });

  it("runs the control plane under a role EKS can assume, with the cluster policy", () => {
    const role = cloud.one("aws:iam/role:Role");
    expect(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal).to.deep.equal({ Service: "eks.amazonaws.com" });
    expect(cloud.one("aws:eks/cluster:Cluster").inputs.roleArn).to.equal(role.state.arn);
    const attachment = cloud.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment");
    expect(attachment.inputs).to.include({ role: role.state.name, policyArn: "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy" });
  });

  it("names the cluster and access policies in the partition of the site's provider (GovCloud)", async () => {
    const { cloud: gov } = await evaluateCluster(clusterArgs(cfg), "us-gov-west-1");
    expect(gov.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment").inputs.policyArn).to.equal("arn:aws-us-gov:iam::aws:policy/AmazonEKSClusterPolicy");
    const associations = gov.ofType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation");
    expect(associations).to.have.length(ACCESS.length);
    for (const a of associations) expect(a.inputs.policyArn).to.match(/^arn:aws-us-gov:eks::aws:cluster-access-policy\/AmazonEKS(ClusterAdmin|View|Edit)Policy$/);
    const lookups = gov.calls.filter((c) => c.token === "aws:index/getPartition:getPartition");
    expect(lookups.map((c) => c.region)).to.deep.equal(["us-gov-west-1"]);
  });

  it("creates the control plane log group EKS writes to, with a retention", () => {
    const group = cloud.one("aws:cloudwatch/logGroup:LogGroup");
    expect(group.inputs.name).to.equal(`/aws/eks/eks-dr-${cfg.region}/cluster`);
    expect(group.inputs.retentionInDays).to.equal(30);
  });

  it("gives each configured principal one access entry and one association with its policy and scope", () => {
    const entries = cloud.ofType("aws:eks/accessEntry:AccessEntry");
    expect(entries.map((e) => e.inputs.principalArn)).to.have.members(ACCESS.map((a) => a.principalArn));
    for (const e of entries) expect(e.inputs).to.include({ clusterName: `eks-dr-${cfg.region}`, type: "STANDARD" });
    const associations = cloud.ofType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation");
    const byPrincipal = Object.fromEntries(associations.map((a) => [a.inputs.principalArn, a.inputs]));
    expect(Object.keys(byPrincipal)).to.have.length(ACCESS.length);
    expect(byPrincipal["arn:aws:iam::123456789012:role/platform-admins"]).to.deep.include({ policyArn: `${ACCESS_POLICY}AmazonEKSClusterAdminPolicy`, accessScope: { type: "cluster" } });
    expect(byPrincipal["arn:aws:iam::123456789012:role/ops/break-glass"]).to.deep.include({ policyArn: `${ACCESS_POLICY}AmazonEKSClusterAdminPolicy`, accessScope: { type: "cluster" } });
    expect(byPrincipal["arn:aws:iam::123456789012:role/github-preview"]).to.deep.include({ policyArn: `${ACCESS_POLICY}AmazonEKSViewPolicy`, accessScope: { type: "cluster" } });
    expect(byPrincipal["arn:aws:iam::123456789012:user/app-team"]).to.deep.include({
      policyArn: `${ACCESS_POLICY}AmazonEKSEditPolicy`,
      accessScope: { type: "namespace", namespaces: ["app", "jobs"] },
    });
  });

  it("deletes an access entry or association before replacing it: one entry per principal, one association per policy", async () => {
    const { options, transformation } = recordResourceOptions();
    await evaluateComponent((ctx) => new Cluster("site", clusterArgs(cfg), { providers: [ctx.aws], transformations: [transformation] }), { region: cfg.region });
    const recorded = [...options.entries()].filter(([key]) => /accessEntry:AccessEntry|accessPolicyAssociation:AccessPolicyAssociation/.test(key));
    expect(recorded).to.have.length(2 * ACCESS.length);
    for (const [key, opts] of recorded) expect(opts.deleteBeforeReplace, key).to.equal(true);
  });

  it("creates a node security group that admits nodes and the cluster security group, and lets nodes reach the API", () => {
    const sg = cloud.one("aws:ec2/securityGroup:SecurityGroup");
    expect(sg.inputs.vpcId).to.equal("vpc-site");
    const clusterSg = cloud.one("aws:eks/cluster:Cluster").state.vpcConfig.clusterSecurityGroupId;
    const ingress = cloud.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r) => [r.inputs.securityGroupId, r.inputs.referencedSecurityGroupId]);
    expect(ingress).to.deep.include.members([
      [sg.id, sg.id],
      [sg.id, clusterSg],
      [clusterSg, sg.id],
    ]);
    const egress = cloud.one("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule");
    expect(egress.inputs).to.include({ securityGroupId: sg.id, cidrIpv4: "0.0.0.0/0", ipProtocol: "-1" });
  });

  it("installs the DaemonSet add-ons as managed add-ons, and CoreDNS only once asked (it needs nodes)", async () => {
    expect(addons(cloud).map((a) => a.inputs.addonName)).to.have.members([...NODE_ADDONS]);
    for (const a of addons(cloud)) expect(a.inputs.clusterName).to.equal(`eks-dr-${cfg.region}`);
    expect(cluster.nodePrerequisites).to.include.members(Object.values(cluster.addons));
    const { cloud: withDns, value, nodes, coreDnsDependsOn } = await evaluateCluster(clusterArgs(cfg), cfg.region, true);
    expect(addons(withDns).map((a) => a.inputs.addonName)).to.have.members([...NODE_ADDONS, "coredns"]);
    // CoreDNS waits for the nodes it was given (a Deployment stays DEGRADED without them).
    expect(coreDnsDependsOn).to.deep.equal([nodes]);
    expect(value.coreDns).to.not.equal(undefined);
    expect(() => value.addCoreDns([])).to.throw(/already/);
  });

  it("exposes a secret kubeconfig that gets a token for this cluster in this Region", async () => {
    expect(await (cluster.kubeconfig as any).isSecret).to.equal(true);
    const kubeconfig = JSON.parse(await resolve(cluster.kubeconfig));
    const eks = cloud.one("aws:eks/cluster:Cluster");
    expect(kubeconfig.clusters[0].cluster.server).to.equal(eks.state.endpoint);
    expect(kubeconfig.clusters[0].cluster["certificate-authority-data"]).to.equal(eks.state.certificateAuthority.data);
    const exec = kubeconfig.users[0].user.exec;
    expect(exec.command).to.equal("aws");
    expect(exec.args.join(" ")).to.contain(`eks get-token --cluster-name eks-dr-${cfg.region} --region ${cfg.region}`);
  });

  it("builds a Kubernetes provider from that kubeconfig, parented under the cluster", async () => {
    const provider = cloud.one("pulumi:providers:kubernetes", "site-k8s");
    expect(provider.urn).to.contain("eks-dr:index:Cluster$");
    // The provider receives it as a secret too (Pulumi's secret envelope, not plain text).
    const input = provider.inputs.kubeconfig;
    expect(input[pulumi.runtime.specialSigKey], "kubeconfig input is a secret").to.equal(pulumi.runtime.specialSecretSig);
    expect(JSON.parse(input.value)).to.deep.equal(JSON.parse(await resolve(cluster.kubeconfig)));
    expect(cluster.k8sProvider).to.be.instanceOf((await import("@pulumi/kubernetes")).Provider);
  });

  it("exposes the outputs the stack contract needs", async () => {
    const eks = cloud.one("aws:eks/cluster:Cluster");
    expect(await resolve(cluster.clusterName)).to.equal(`eks-dr-${cfg.region}`);
    expect(await resolve(cluster.clusterArn)).to.equal(eks.state.arn);
    expect(await resolve(cluster.endpoint)).to.equal(eks.state.endpoint);
    expect(await resolve(cluster.clusterSecurityGroupId)).to.equal(eks.state.vpcConfig.clusterSecurityGroupId);
    expect(await resolve(cluster.nodeSecurityGroupId)).to.equal(cloud.one("aws:ec2/securityGroup:SecurityGroup").id);
    expect(await resolve(cluster.oidcIssuerUrl)).to.equal(eks.state.identities[0].oidcs[0].issuer);
  });

  it("parents every child under the Cluster and registers AWS children in the site's Region", () => {
    const children = componentChildren(cloud).filter((r) => r.type !== "eks-dr:index:Cluster");
    for (const r of children) expect(r.urn, r.name).to.contain("eks-dr:index:Cluster$");
    for (const r of children.filter((c) => c.type.startsWith("aws:"))) expect(r.region, r.name).to.equal(cfg.region);
  });

  it("follows the Region, name and version it is given: nothing is hard-coded", async () => {
    const dr = parseSiteConfig("dr", siteRawConfig("dr", { kubernetesVersion: "1.32" }));
    const { cloud: other, value } = await evaluateCluster(
      { ...clusterArgs(dr), clusterName: "shop-dr", access: [], logRetentionDays: 7, controlPlaneLogTypes: ["audit"] },
      dr.region,
    );
    const eks = other.one("aws:eks/cluster:Cluster");
    expect(eks.inputs).to.include({ name: "shop-dr", version: "1.32" });
    expect(eks.inputs.enabledClusterLogTypes).to.deep.equal(["audit"]);
    expect(other.one("aws:cloudwatch/logGroup:LogGroup").inputs).to.include({ name: "/aws/eks/shop-dr/cluster", retentionInDays: 7 });
    expect(other.ofType("aws:eks/accessEntry:AccessEntry")).to.have.length(0);
    const exec = JSON.parse(await resolve(value.kubeconfig)).users[0].user.exec;
    expect(exec.args).to.include.ordered.members(["eks", "get-token", "--cluster-name", "shop-dr", "--region", "us-west-2"]);
    const everything = JSON.stringify(componentChildren(other).filter((r) => r.type.startsWith("aws:")).map((r) => r.inputs));
    for (const foreign of ["us-east-1", "eu-west-3", "1.33", `eks-dr-`]) expect(everything).to.not.contain(foreign);
  });
});
