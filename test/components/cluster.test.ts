/**
 * The cluster: what it passes to `eks.Cluster` (pulumi-eks), the resources it keeps by hand (access
 * entries, the Pod Identity agent, CoreDNS after the nodes, the log group) and the outputs the stack
 * contract reads through the library's outputs (the mocks model the EKS cluster pulumi-eks creates:
 * automation/sim/program/packaged-components.ts).
 */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { Cluster, type ClusterArgs } from "../../components/cluster";
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
const EKS = "eks:index:Cluster";
const EKS_CLUSTER = "aws:eks/cluster:Cluster";

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
  return { ...evaluation, options, nodes, coreDnsDependsOn: options.get("aws:eks/addon:Addon::site-coredns")?.dependsOn };
}

const ownAddons = (cloud: MockCloud): RecordedResource[] => cloud.ofType("aws:eks/addon:Addon").filter((a) => !a.urn.includes(`${EKS}$`));

describe("Cluster", () => {
  let cfg: SiteConfig;
  let cloud: MockCloud;
  let cluster: Cluster;
  let options: Awaited<ReturnType<typeof evaluateCluster>>["options"];
  let eks: RecordedResource;

  before(async () => {
    cfg = parseSiteConfig("primary", siteRawConfig("primary", { clusterAccess: ACCESS }));
    ({ cloud, value: cluster, options } = await evaluateCluster(clusterArgs(cfg), cfg.region));
    eks = cloud.one(EKS);
  });

  it("builds the cluster with eks.Cluster on the private subnets, API authentication only, version from config", () => {
    expect(eks.urn).to.contain("eks-dr:index:Cluster$eks:index:Cluster::site");
    expect(eks.inputs).to.include({ name: `eks-dr-${cfg.region}`, version: cfg.kubernetesVersion, vpcId: "vpc-site", authenticationMode: "API" });
    expect(eks.inputs.subnetIds).to.deep.equal(PRIVATE_SUBNETS);
    expect(eks.inputs).to.include({ endpointPrivateAccess: true, endpointPublicAccess: true });
    expect(eks.inputs.publicAccessCidrs).to.deep.equal(["0.0.0.0/0"]);
    expect(eks.inputs.enabledClusterLogTypes).to.deep.equal(["api", "audit", "authenticator"]);
    // EKS-managed add-ons only: the self-managed copies would be invisible to IaC and conflict with them.
    expect(eks.inputs.bootstrapSelfManagedAddons).to.equal(false);
  });

  it("asks for no default node group, instance role or IRSA provider (managed node groups and Pod Identity instead), and no CoreDNS before nodes", () => {
    expect(eks.inputs).to.include({ skipDefaultNodeGroup: true, createInstanceRole: false, createOidcProvider: false });
    expect(eks.inputs.corednsAddonOptions).to.include({ enabled: false });
    // Its own security groups (node, cluster) and the vpc-cni and kube-proxy add-ons stay on.
    for (const off of ["skipDefaultSecurityGroups", "useDefaultVpcCni", "kubeProxyAddonOptions", "accessEntries"])
      expect(eks.inputs[off], off).to.equal(undefined);
  });

  it("gives eks.Cluster the site's AWS provider, which a packaged component does not inherit, and creates it after its log group", () => {
    const provider = cloud.one("pulumi:providers:aws");
    expect(eks.providers?.aws).to.equal(`${provider.urn}::${provider.id}`);
    for (const r of componentChildren(cloud).filter((c) => c.urn.includes(`${EKS}$`) && c.custom)) expect(r.region, r.name).to.equal(cfg.region);
    const logGroup = cloud.one("aws:cloudwatch/logGroup:LogGroup");
    expect(eks.dependencies).to.include(logGroup.urn);
  });

  it("creates the control plane log group EKS writes to, with a retention", () => {
    const group = cloud.one("aws:cloudwatch/logGroup:LogGroup");
    expect(group.inputs.name).to.equal(`/aws/eks/eks-dr-${cfg.region}/cluster`);
    expect(group.inputs.retentionInDays).to.equal(30);
  });

  it("gives each configured principal one access entry and one association with its policy and scope, on the library's cluster", () => {
    const entries = cloud.ofType("aws:eks/accessEntry:AccessEntry");
    expect(entries.map((e) => e.inputs.principalArn)).to.have.members(ACCESS.map((a) => a.principalArn));
    for (const e of entries) expect(e.inputs).to.include({ clusterName: `eks-dr-${cfg.region}`, type: "STANDARD" });
    expect(cloud.one(EKS_CLUSTER).state.name).to.equal(`eks-dr-${cfg.region}`);
    const associations = cloud.ofType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation");
    const byPrincipal = Object.fromEntries(associations.map((a) => [a.inputs.principalArn, a.inputs]));
    expect(Object.keys(byPrincipal)).to.have.length(ACCESS.length);
    expect(byPrincipal["arn:aws:iam::123456789012:role/platform-admins"]).to.deep.include({
      policyArn: `${ACCESS_POLICY}AmazonEKSClusterAdminPolicy`,
      accessScope: { type: "cluster" },
    });
    expect(byPrincipal["arn:aws:iam::123456789012:role/ops/break-glass"]).to.deep.include({
      policyArn: `${ACCESS_POLICY}AmazonEKSClusterAdminPolicy`,
      accessScope: { type: "cluster" },
    });
    expect(byPrincipal["arn:aws:iam::123456789012:role/github-preview"]).to.deep.include({
      policyArn: `${ACCESS_POLICY}AmazonEKSViewPolicy`,
      accessScope: { type: "cluster" },
    });
    expect(byPrincipal["arn:aws:iam::123456789012:user/app-team"]).to.deep.include({
      policyArn: `${ACCESS_POLICY}AmazonEKSEditPolicy`,
      accessScope: { type: "namespace", namespaces: ["app", "jobs"] },
    });
  });

  it("deletes an access entry or association before replacing it: one entry per principal, one association per policy", () => {
    const recorded = [...options.entries()].filter(([key]) => /accessEntry:AccessEntry|accessPolicyAssociation:AccessPolicyAssociation/.test(key));
    expect(recorded).to.have.length(2 * ACCESS.length);
    for (const [key, opts] of recorded) expect(opts.deleteBeforeReplace, key).to.equal(true);
  });

  it("names the access policies in the partition of the site's provider (GovCloud)", async () => {
    const { cloud: gov } = await evaluateCluster(clusterArgs(cfg), "us-gov-west-1");
    const associations = gov.ofType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation");
    expect(associations).to.have.length(ACCESS.length);
    for (const a of associations)
      expect(a.inputs.policyArn).to.match(/^arn:aws-us-gov:eks::aws:cluster-access-policy\/AmazonEKS(ClusterAdmin|View|Edit)Policy$/);
    const lookups = gov.calls.filter((c) => c.token === "aws:index/getPartition:getPartition");
    expect(lookups.map((c) => c.region)).to.deep.equal(["us-gov-west-1"]);
    expect(gov.one(EKS).providers?.aws).to.match(/test-aws/);
  });

  it("installs the Pod Identity agent after the cluster, and CoreDNS only once asked, after the nodes", async () => {
    expect(ownAddons(cloud).map((a) => a.inputs.addonName)).to.deep.equal(["eks-pod-identity-agent"]);
    const agent = ownAddons(cloud)[0];
    expect(agent.inputs).to.include({ clusterName: `eks-dr-${cfg.region}`, resolveConflictsOnCreate: "OVERWRITE", resolveConflictsOnUpdate: "OVERWRITE" });
    expect(agent.dependencies).to.include(eks.urn);
    // Node groups wait for the library's cluster (and through it for its vpc-cni add-on) and the agent.
    expect(cluster.nodePrerequisites).to.have.length(2);
    expect(cluster.nodePrerequisites).to.include(cluster.eks);
    const { cloud: withDns, value, nodes, coreDnsDependsOn } = await evaluateCluster(clusterArgs(cfg), cfg.region, true);
    expect(ownAddons(withDns).map((a) => a.inputs.addonName)).to.have.members(["eks-pod-identity-agent", "coredns"]);
    // CoreDNS waits for the nodes it was given (a Deployment stays DEGRADED without them).
    expect(coreDnsDependsOn).to.deep.equal([nodes]);
    expect(value.coreDns).to.not.equal(undefined);
    expect(() => value.addCoreDns([])).to.throw(/already/);
  });

  it("exposes the library's kubeconfig as a secret: a token for this cluster in its Region", async () => {
    expect(await (cluster.kubeconfig as any).isSecret).to.equal(true);
    const kubeconfig = JSON.parse(await resolve(cluster.kubeconfig));
    const eksCluster = cloud.one(EKS_CLUSTER);
    expect(kubeconfig.clusters[0].cluster.server).to.equal(eksCluster.state.endpoint);
    expect(kubeconfig.clusters[0].cluster["certificate-authority-data"]).to.equal(eksCluster.state.certificateAuthority.data);
    const exec = kubeconfig.users[0].user.exec;
    expect(exec.command).to.equal("aws");
    expect(exec.args).to.deep.equal(["--region", cfg.region, "eks", "get-token", "--cluster-name", `eks-dr-${cfg.region}`, "--output", "json"]);
  });

  it("builds a Kubernetes provider from that kubeconfig, parented under the cluster", async () => {
    const provider = cloud.one("pulumi:providers:kubernetes", "site-k8s");
    expect(provider.urn).to.contain("eks-dr:index:Cluster$");
    expect(provider.region).to.equal(cfg.region);
    // The provider receives it as a secret too (Pulumi's secret envelope, not plain text).
    const input = provider.inputs.kubeconfig;
    expect(input[pulumi.runtime.specialSigKey], "kubeconfig input is a secret").to.equal(pulumi.runtime.specialSecretSig);
    expect(JSON.parse(input.value)).to.deep.equal(JSON.parse(await resolve(cluster.kubeconfig)));
    expect(cluster.k8sProvider).to.be.instanceOf((await import("@pulumi/kubernetes")).Provider);
  });

  it("exposes the outputs the stack contract needs, read from the library's cluster and node security group", async () => {
    const eksCluster = cloud.one(EKS_CLUSTER);
    expect(await resolve(cluster.clusterName)).to.equal(`eks-dr-${cfg.region}`);
    expect(await resolve(cluster.clusterArn)).to.equal(eksCluster.state.arn);
    expect(await resolve(cluster.endpoint)).to.equal(eksCluster.state.endpoint);
    expect(await resolve(cluster.kubernetesVersion)).to.equal(cfg.kubernetesVersion);
    expect(await resolve(cluster.clusterSecurityGroupId)).to.equal(eksCluster.state.vpcConfig.clusterSecurityGroupId);
    expect(await resolve(cluster.nodeSecurityGroupId)).to.equal(cloud.one("aws:ec2/securityGroup:SecurityGroup", "site-nodeSecurityGroup").id);
    expect(await resolve(cluster.oidcIssuerUrl)).to.equal(eksCluster.state.identities[0].oidcs[0].issuer);
  });

  it("parents every child under the Cluster and registers AWS children in the site's Region", () => {
    const children = componentChildren(cloud).filter((r) => r.type !== "eks-dr:index:Cluster");
    for (const r of children) expect(r.urn, r.name).to.contain("eks-dr:index:Cluster$");
    for (const r of children.filter((c) => c.type.startsWith("aws:"))) expect(r.region, r.name).to.equal(cfg.region);
  });

  it("follows the Region, name and version it is given: nothing is hard-coded", async () => {
    const dr = parseSiteConfig("dr", siteRawConfig("dr", { kubernetesVersion: "1.32" }));
    const { cloud: other, value } = await evaluateCluster(
      {
        ...clusterArgs(dr),
        clusterName: "shop-dr",
        access: [],
        logRetentionDays: 7,
        controlPlaneLogTypes: ["audit"],
        endpointPublicAccess: false,
        publicAccessCidrs: ["10.0.0.0/8"],
      },
      dr.region,
    );
    const lib = other.one(EKS);
    expect(lib.inputs).to.include({ name: "shop-dr", version: "1.32", endpointPublicAccess: false });
    expect(lib.inputs.enabledClusterLogTypes).to.deep.equal(["audit"]);
    expect(lib.inputs.publicAccessCidrs).to.deep.equal(["10.0.0.0/8"]);
    expect(other.one("aws:cloudwatch/logGroup:LogGroup").inputs).to.include({ name: "/aws/eks/shop-dr/cluster", retentionInDays: 7 });
    expect(other.ofType("aws:eks/accessEntry:AccessEntry")).to.have.length(0);
    const exec = JSON.parse(await resolve(value.kubeconfig)).users[0].user.exec;
    expect(exec.args).to.include.ordered.members(["--region", "us-west-2", "eks", "get-token", "--cluster-name", "shop-dr"]);
    const everything = JSON.stringify(
      componentChildren(other)
        .filter((r) => r.type.startsWith("aws:") || r.type.startsWith("eks:"))
        .map((r) => r.inputs),
    );
    for (const foreign of ["us-east-1", "eu-west-3", "1.33", `eks-dr-`]) expect(everything).to.not.contain(foreign);
  });

  it("refuses to build without the site's AWS provider instead of letting eks.Cluster use the default one", async () => {
    let error: unknown;
    try {
      await evaluateComponent(() => new Cluster("site", clusterArgs(cfg)), { region: cfg.region });
    } catch (e) {
      error = e;
    }
    expect((error as Error)?.message).to.match(/^Cluster site: no AWS provider to give its packaged components/);
  });
});
