/**
 * The site's EKS control plane, built from plain `@pulumi/aws` resources so every piece a
 * failover depends on (access, add-ons, security groups) is visible in a preview and in tests.
 *
 * Node groups are not created here (see `NodeGroups`). CoreDNS is the one add-on that needs
 * nodes to become ACTIVE, so the caller adds it with `addCoreDns(nodeGroups)` once they exist.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CLUSTER_ACCESS_POLICIES, type ClusterAccessEntry } from "../stacks/config";
import { managedPolicyArn } from "./pod-identity";

export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;
export type ControlPlaneLogType = (typeof CONTROL_PLANE_LOG_TYPES)[number];

/** Add-ons that run as DaemonSets: they are ACTIVE without nodes and nodes need them to become Ready. */
export const NODE_ADDONS = ["vpc-cni", "kube-proxy", "eks-pod-identity-agent"] as const;
export type NodeAddonName = (typeof NODE_ADDONS)[number];

export interface ClusterArgs {
  /** EKS cluster name, unique in the account and Region. @default the component's name */
  clusterName?: string;
  /** Kubernetes minor version, e.g. "1.33" (config `kubernetesVersion`). */
  kubernetesVersion: string;
  /** VPC of the cluster (`Network.vpcId`); the node security group is created in it. */
  vpcId: pulumi.Input<string>;
  /** Subnets for the control plane's network interfaces, in at least two AZs (`Network.privateSubnetIds`). */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Who else may use the Kubernetes API (config `clusterAccess`): per IAM principal, one access
   * entry and the access policy it needs, for the cluster or some namespaces. The identity that
   * creates the cluster is already admin (EKS bootstraps its entry, and a principal can have only
   * one), so it must not be listed.
   * @default []
   */
  access?: ClusterAccessEntry[];
  /** Serve the Kubernetes API on a public endpoint too (for a deployer outside the VPC). @default true */
  endpointPublicAccess?: boolean;
  /** CIDR blocks allowed to reach the public endpoint. @default ["0.0.0.0/0"] */
  publicAccessCidrs?: string[];
  /** Control plane log types sent to CloudWatch Logs. @default ["api", "audit", "authenticator"] */
  controlPlaneLogTypes?: ControlPlaneLogType[];
  /** Retention of the control plane log group, in days. @default 30 */
  logRetentionDays?: number;
}

/** A kubeconfig whose user runs `aws eks get-token` for this cluster and Region (no stored credentials). */
export function kubeconfigFor(clusterName: string, endpoint: string, caData: string, region: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: clusterName, cluster: { server: endpoint, "certificate-authority-data": caData } }],
    contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
    "current-context": clusterName,
    users: [
      {
        name: clusterName,
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "aws",
            args: ["eks", "get-token", "--cluster-name", clusterName, "--region", region, "--output", "json"],
            interactiveMode: "Never",
          },
        },
      },
    ],
  });
}

/** A stable resource name for an IAM principal ARN (`arn:aws:iam::1234:role/ops/admin` -> `1234-role-ops-admin`). */
const principalSlug = (arn: string): string => arn.split(":").slice(4).join("-").replace(/[^A-Za-z0-9-]/g, "-");

export class Cluster extends pulumi.ComponentResource {
  readonly clusterName: pulumi.Output<string>;
  readonly clusterArn: pulumi.Output<string>;
  /** Kubernetes API server URL. */
  readonly endpoint: pulumi.Output<string>;
  readonly kubernetesVersion: pulumi.Output<string>;
  /** Secret. Authenticates with `aws eks get-token --cluster-name <name> --region <region>`. */
  readonly kubeconfig: pulumi.Output<string>;
  /** The security group EKS creates for the control plane and managed nodes. */
  readonly clusterSecurityGroupId: pulumi.Output<string>;
  /** Shared by every node; EFS and other in-VPC services admit traffic from it. */
  readonly nodeSecurityGroupId: pulumi.Output<string>;
  readonly oidcIssuerUrl: pulumi.Output<string>;
  /** Kubernetes provider for this cluster; pass it to components that create cluster objects. */
  readonly k8sProvider: k8s.Provider;
  /** The DaemonSet add-ons, installed with the cluster. */
  readonly addons: Record<NodeAddonName, aws.eks.Addon>;
  /**
   * What node groups must wait for: nodes without the VPC CNI never become Ready, and the node
   * security group rules let them reach the API server. Pass to `NodeGroups` as `dependsOn`.
   */
  readonly nodePrerequisites: pulumi.Resource[];
  /** Set by `addCoreDns`. */
  coreDns?: aws.eks.Addon;

  private readonly eksCluster: aws.eks.Cluster;
  private readonly baseName: string;

  constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("eks-dr:index:Cluster", name, {}, opts);
    this.baseName = name;
    const clusterName = args.clusterName ?? name;
    const partition = aws.getPartitionOutput({}, { parent: this }).partition;
    const region = aws.getRegionOutput({}, { parent: this }).region;

    const role = new aws.iam.Role(
      `${name}-cluster`,
      {
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
      },
      { parent: this },
    );
    const rolePolicy = new aws.iam.RolePolicyAttachment(
      `${name}-cluster`,
      { role: role.name, policyArn: managedPolicyArn(partition, "AmazonEKSClusterPolicy") },
      { parent: this },
    );

    // EKS writes to this group name; creating it first gives it a retention instead of "never expire".
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-control-plane`,
      { name: `/aws/eks/${clusterName}/cluster`, retentionInDays: args.logRetentionDays ?? 30 },
      { parent: this },
    );

    this.eksCluster = new aws.eks.Cluster(
      name,
      {
        name: clusterName,
        version: args.kubernetesVersion,
        roleArn: role.arn,
        vpcConfig: {
          subnetIds: args.subnetIds,
          endpointPrivateAccess: true,
          endpointPublicAccess: args.endpointPublicAccess ?? true,
          publicAccessCidrs: args.publicAccessCidrs ?? ["0.0.0.0/0"],
        },
        // Access entries only: who may administer the cluster is in this program, not in a ConfigMap.
        accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
        // The add-ons below are EKS-managed; the self-managed copies EKS would otherwise install
        // are invisible to IaC and conflict with them.
        bootstrapSelfManagedAddons: false,
        enabledClusterLogTypes: args.controlPlaneLogTypes ?? ["api", "audit", "authenticator"],
      },
      // The policy must outlive the cluster: EKS needs it to delete the ENIs and security group it made.
      { parent: this, dependsOn: [rolePolicy, logGroup] },
    );
    const clusterSecurityGroupId = this.eksCluster.vpcConfig.clusterSecurityGroupId;

    const nodeSg = new aws.ec2.SecurityGroup(
      `${name}-nodes`,
      { vpcId: args.vpcId, description: `Nodes of EKS cluster ${clusterName}`, tags: { Name: `${clusterName}-nodes` } },
      { parent: this },
    );
    const sgRules: pulumi.Resource[] = [
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-nodes-from-nodes`,
        { securityGroupId: nodeSg.id, referencedSecurityGroupId: nodeSg.id, ipProtocol: "-1", description: "Node to node (pods, DNS)" },
        { parent: this },
      ),
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-nodes-from-cluster`,
        { securityGroupId: nodeSg.id, referencedSecurityGroupId: clusterSecurityGroupId, ipProtocol: "-1", description: "Control plane to kubelet and webhooks" },
        { parent: this },
      ),
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-cluster-from-nodes`,
        { securityGroupId: clusterSecurityGroupId, referencedSecurityGroupId: nodeSg.id, ipProtocol: "-1", description: "Nodes to the API server" },
        { parent: this },
      ),
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-nodes-egress`,
        { securityGroupId: nodeSg.id, cidrIpv4: "0.0.0.0/0", ipProtocol: "-1", description: "Nodes reach AWS APIs, registries and peers" },
        { parent: this },
      ),
    ];

    // Access entries (EKS User Guide, "Create access entries"; terraform-provider-aws
    // internal/service/eks/access_policy_association.go): a principal has one entry, and an
    // association is keyed by cluster, principal and policy with every field forcing replacement.
    // Both are therefore deleted before they are replaced: created first, the new one would collide
    // with the old (ResourceInUseException), or be disassociated when the old one is deleted.
    for (const access of args.access ?? []) {
      const slug = principalSlug(access.principalArn);
      const entry = new aws.eks.AccessEntry(
        `${name}-access-${slug}`,
        { clusterName: this.eksCluster.name, principalArn: access.principalArn, type: "STANDARD" },
        { parent: this, deleteBeforeReplace: true },
      );
      new aws.eks.AccessPolicyAssociation(
        `${name}-access-${slug}-${access.policy}`,
        {
          clusterName: this.eksCluster.name,
          principalArn: entry.principalArn,
          policyArn: pulumi.interpolate`arn:${partition}:eks::aws:cluster-access-policy/${CLUSTER_ACCESS_POLICIES[access.policy]}`,
          accessScope: access.namespaces ? { type: "namespace", namespaces: access.namespaces } : { type: "cluster" },
        },
        { parent: this, deleteBeforeReplace: true },
      );
    }

    // Versions are left to EKS (the default for the cluster's Kubernetes version at creation).
    // OVERWRITE: this program, not manual edits, decides add-on configuration.
    this.addons = Object.fromEntries(
      NODE_ADDONS.map((addonName) => [
        addonName,
        new aws.eks.Addon(
          `${name}-${addonName}`,
          { clusterName: this.eksCluster.name, addonName, resolveConflictsOnCreate: "OVERWRITE", resolveConflictsOnUpdate: "OVERWRITE" },
          { parent: this },
        ),
      ]),
    ) as Record<NodeAddonName, aws.eks.Addon>;
    this.nodePrerequisites = [...Object.values(this.addons), ...sgRules];

    this.kubeconfig = pulumi.secret(
      pulumi
        .all([this.eksCluster.name, this.eksCluster.endpoint, this.eksCluster.certificateAuthority.data, region])
        .apply(([n, endpoint, ca, r]) => kubeconfigFor(n, endpoint, ca, r)),
    );
    this.k8sProvider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig }, { parent: this });

    this.clusterName = this.eksCluster.name;
    this.clusterArn = this.eksCluster.arn;
    this.endpoint = this.eksCluster.endpoint;
    this.kubernetesVersion = this.eksCluster.version;
    this.clusterSecurityGroupId = clusterSecurityGroupId;
    this.nodeSecurityGroupId = nodeSg.id;
    this.oidcIssuerUrl = this.eksCluster.identities.apply((ids) => ids[0].oidcs[0].issuer);
    this.registerOutputs({
      clusterName: this.clusterName,
      clusterArn: this.clusterArn,
      endpoint: this.endpoint,
      kubeconfig: this.kubeconfig,
      clusterSecurityGroupId: this.clusterSecurityGroupId,
      nodeSecurityGroupId: this.nodeSecurityGroupId,
      oidcIssuerUrl: this.oidcIssuerUrl,
    });
  }

  /**
   * Installs the CoreDNS add-on after `nodes` (e.g. the `NodeGroups` component): CoreDNS is a
   * Deployment, and without a node to run on the add-on stays DEGRADED until creation times out.
   * Call once.
   */
  addCoreDns(nodes: pulumi.Resource | pulumi.Resource[]): aws.eks.Addon {
    if (this.coreDns) throw new Error(`CoreDNS is already added to cluster ${this.baseName}`);
    this.coreDns = new aws.eks.Addon(
      `${this.baseName}-coredns`,
      { clusterName: this.eksCluster.name, addonName: "coredns", resolveConflictsOnCreate: "OVERWRITE", resolveConflictsOnUpdate: "OVERWRITE" },
      { parent: this, dependsOn: nodes },
    );
    return this.coreDns;
  }
}
