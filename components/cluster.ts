/**
 * The site's EKS control plane, built with `eks.Cluster` (pulumi-eks): the cluster and its service
 * role, the cluster and node security groups, API authentication mode, the vpc-cni and kube-proxy
 * add-ons and a kubeconfig that runs `aws eks get-token`. Node groups are not created here
 * (`NodeGroups`); CoreDNS is added with `addCoreDns(nodeGroups)` once they exist.
 *
 * Written by hand beside it, each for a reason the library cannot express:
 * - The access entries and their policy associations are plain resources, deleted before they are
 *   replaced: a principal has one entry, and an association is keyed by cluster, principal and
 *   policy with every field forcing replacement (terraform-provider-aws
 *   internal/service/eks/access_policy_association.go), so a replacement created first would
 *   collide, or be disassociated when the old one is deleted. `eks.Cluster`'s `accessEntries`
 *   creates them with the component's options only (pulumi-eks nodejs/eks/cluster/authenticationMode.ts
 *   `createAccessEntries`), and a packaged component's children take no other option.
 * - CoreDNS is a Deployment: it needs nodes. pulumi-eks installs it only with its default node group
 *   or Fargate (nodejs/eks/cluster/cluster.ts, `corednsAddonOptions`), so it is added here after the
 *   managed node groups.
 * - The `eks-pod-identity-agent` add-on (EKS Pod Identity for the app, the CSI drivers, Velero and
 *   the load balancer controller) is not among the cluster's options.
 * - The control plane log group exists before the cluster, so it has a retention instead of EKS's
 *   "never expire".
 */
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CLUSTER_ACCESS_POLICIES, type ClusterAccessEntry } from "../stacks/config";
import { awsProvidersOf } from "./packaged";

export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;
export type ControlPlaneLogType = (typeof CONTROL_PLANE_LOG_TYPES)[number];

export interface ClusterArgs {
  /** EKS cluster name, unique in the account and Region. @default the component's name */
  clusterName?: string;
  /** Kubernetes minor version, e.g. "1.33" (config `kubernetesVersion`). */
  kubernetesVersion: string;
  /** VPC of the cluster (`Network.vpcId`); the security groups are created in it. */
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

/** A stable resource name for an IAM principal ARN (`arn:aws:iam::1234:role/ops/admin` -> `1234-role-ops-admin`). */
const principalSlug = (arn: string): string =>
  arn
    .split(":")
    .slice(4)
    .join("-")
    .replace(/[^A-Za-z0-9-]/g, "-");

export class Cluster extends pulumi.ComponentResource {
  readonly clusterName: pulumi.Output<string>;
  readonly clusterArn: pulumi.Output<string>;
  /** Kubernetes API server URL. */
  readonly endpoint: pulumi.Output<string>;
  readonly kubernetesVersion: pulumi.Output<string>;
  /** Secret. Authenticates with `aws eks get-token --cluster-name <name>` in the cluster's Region. */
  readonly kubeconfig: pulumi.Output<string>;
  /** The security group EKS creates for the control plane (the cluster security group). */
  readonly clusterSecurityGroupId: pulumi.Output<string>;
  /**
   * Carried by every node (pulumi-eks's node security group: node to node, control plane to kubelet
   * and webhooks, nodes to the API server); EFS and other in-VPC services admit traffic from it.
   */
  readonly nodeSecurityGroupId: pulumi.Output<string>;
  readonly oidcIssuerUrl: pulumi.Output<string>;
  /** The pulumi-eks component; managed node groups take it as their `cluster`. */
  readonly eks: eks.Cluster;
  /** Kubernetes provider for this cluster; pass it to components that create cluster objects. */
  readonly k8sProvider: k8s.Provider;
  /**
   * What node groups must wait for: the cluster with its vpc-cni add-on and security group rules
   * (depending on a packaged component waits for all its children: pulumi/pulumi#7541) and the Pod
   * Identity agent. Pass to `NodeGroups` as `prerequisites`.
   */
  readonly nodePrerequisites: pulumi.Resource[];
  /** Set by `addCoreDns`. */
  coreDns?: aws.eks.Addon;

  private readonly baseName: string;

  constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("eks-dr:index:Cluster", name, {}, opts);
    this.baseName = name;
    const clusterName = args.clusterName ?? name;
    const partition = aws.getPartitionOutput({}, { parent: this }).partition;

    // EKS writes to this group name; creating it first gives it a retention instead of "never expire".
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-control-plane`,
      { name: `/aws/eks/${clusterName}/cluster`, retentionInDays: args.logRetentionDays ?? 30 },
      { parent: this },
    );

    this.eks = new eks.Cluster(
      name,
      {
        name: clusterName,
        version: args.kubernetesVersion,
        vpcId: args.vpcId,
        subnetIds: args.subnetIds,
        endpointPrivateAccess: true,
        endpointPublicAccess: args.endpointPublicAccess ?? true,
        publicAccessCidrs: args.publicAccessCidrs ?? ["0.0.0.0/0"],
        enabledClusterLogTypes: args.controlPlaneLogTypes ?? ["api", "audit", "authenticator"],
        // Access entries only: who may administer the cluster is in this program, not in a ConfigMap.
        authenticationMode: "API",
        // The add-ons are EKS-managed (vpc-cni and kube-proxy by pulumi-eks, the others here); the
        // self-managed copies EKS would otherwise install are invisible to IaC and conflict with them.
        bootstrapSelfManagedAddons: false,
        // Managed node groups only, from NodeGroups; their nodes' IAM role is NodeGroups' own.
        skipDefaultNodeGroup: true,
        createInstanceRole: false,
        // Pods get AWS credentials through EKS Pod Identity, not IAM roles for service accounts.
        createOidcProvider: false,
        corednsAddonOptions: { enabled: false },
      },
      { parent: this, providers: awsProvidersOf(this, `Cluster ${name}`), dependsOn: [logGroup] },
    );
    const cluster = this.eks.eksCluster;

    // Access entries (EKS User Guide, "Create access entries"): deleted before replaced (see above).
    for (const access of args.access ?? []) {
      const slug = principalSlug(access.principalArn);
      const entry = new aws.eks.AccessEntry(
        `${name}-access-${slug}`,
        { clusterName: cluster.name, principalArn: access.principalArn, type: "STANDARD" },
        { parent: this, deleteBeforeReplace: true },
      );
      new aws.eks.AccessPolicyAssociation(
        `${name}-access-${slug}-${access.policy}`,
        {
          clusterName: cluster.name,
          principalArn: entry.principalArn,
          policyArn: pulumi.interpolate`arn:${partition}:eks::aws:cluster-access-policy/${CLUSTER_ACCESS_POLICIES[access.policy]}`,
          accessScope: access.namespaces ? { type: "namespace", namespaces: access.namespaces } : { type: "cluster" },
        },
        { parent: this, deleteBeforeReplace: true },
      );
    }

    // A DaemonSet: ACTIVE without nodes, and nodes need it for Pod Identity. OVERWRITE: this
    // program, not manual edits, decides add-on configuration; the version is EKS's default.
    const podIdentityAgent = new aws.eks.Addon(
      `${name}-eks-pod-identity-agent`,
      { clusterName: cluster.name, addonName: "eks-pod-identity-agent", resolveConflictsOnCreate: "OVERWRITE", resolveConflictsOnUpdate: "OVERWRITE" },
      { parent: this, dependsOn: [this.eks] },
    );
    this.nodePrerequisites = [this.eks, podIdentityAgent];

    this.kubeconfig = pulumi.secret(this.eks.kubeconfigJson);
    this.k8sProvider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig }, { parent: this });

    this.clusterName = cluster.name;
    this.clusterArn = cluster.arn;
    this.endpoint = cluster.endpoint;
    this.kubernetesVersion = cluster.version;
    this.clusterSecurityGroupId = cluster.vpcConfig.clusterSecurityGroupId;
    this.nodeSecurityGroupId = this.eks.nodeSecurityGroupId;
    this.oidcIssuerUrl = cluster.identities.apply((ids) => ids[0].oidcs[0].issuer);
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
      { clusterName: this.clusterName, addonName: "coredns", resolveConflictsOnCreate: "OVERWRITE", resolveConflictsOnUpdate: "OVERWRITE" },
      { parent: this, dependsOn: nodes },
    );
    return this.coreDns;
  }
}
