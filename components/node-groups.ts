/**
 * The site's managed node groups, one `eks.ManagedNodeGroup` (pulumi-eks) per tier: `system`
 * (controllers, CoreDNS), `web` and `app` (the workload), at the sizes they are given.
 *
 * During a failover the driver scales the groups through the EKS API (UpdateNodegroupConfig) and
 * refreshes `nodeGroupUrns` before its next `up` (docs/decisions.md, 3-4). Those URNs are the
 * `aws:eks/nodeGroup:NodeGroup` each ManagedNodeGroup registers under its own name as its child
 * (pulumi-eks nodejs/eks/nodes/nodegroup.ts `createManagedNodeGroup`: `new aws.eks.NodeGroup(name,
 * ..., { parent })`). `ignoreScalingChanges` stays off: it puts `scalingConfig.desiredSize` of that
 * child in `ignoreChanges`, so an `up` would keep the desired size last applied and a role change
 * would never scale the old active site down to its standby size (nor a standby up, where EKS then
 * refuses a desired size below the new minimum). The driver's scaling is not reverted without it:
 * the role in config changes before the converge `up`, which then asks for the sizes the driver set.
 *
 * Written by hand beside the library, each for a reason it cannot express:
 * - A launch template per tier: the nodes' security groups (pulumi-eks's node group, plus the app
 *   tier's own group that the database admits), an encrypted gp3 root volume, IMDSv2 with hop limit
 *   2, and tags on what it launches. ManagedNodeGroup's own template sets only the disk size and
 *   IMDS, and a managed node group takes no security group outside a launch template.
 * - The app tier's security group (decision 8: MySQL only from app nodes).
 * - The nodes' IAM role, with the SSM policy (shell access without SSH) and ECR pull-only; EKS gives a
 *   managed node group's role its access entry itself.
 */
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import { NODE_GROUPS, type NodeGroupName } from "../stacks/config";
import { awsProvidersOf } from "./packaged";
import { managedPolicyArn } from "./pod-identity-role";

/** Label (and taint key) that names a node's tier. */
export const TIER_LABEL = "eks-dr/tier";
/** Tiers whose nodes are tainted: only pods tolerating `eks-dr/tier=<tier>:NoSchedule` land there. */
export const TAINTED_TIERS: readonly NodeGroupName[] = ["web", "app"];

/** One tier's nodes. */
export interface NodeGroupSpec {
  /** EC2 instance types, first one preferred; one architecture per group. */
  instanceTypes: string[];
  /** Root volume size, in GiB. */
  diskSizeGib: number;
  capacityType: "ON_DEMAND" | "SPOT";
  /** Node counts; `min <= desired <= max`. */
  sizes: { min: number; desired: number; max: number };
}

export interface NodeGroupsArgs {
  /** `Cluster.eks`, the pulumi-eks cluster the groups join. */
  cluster: eks.Cluster;
  /** `Cluster.clusterName`. */
  clusterName: pulumi.Input<string>;
  /** Kubernetes version of the nodes; pass `Cluster.kubernetesVersion` so nodes follow control plane upgrades. */
  kubernetesVersion: pulumi.Input<string>;
  /** Each tier's nodes. */
  groups: Record<NodeGroupName, NodeGroupSpec>;
  /** `Network.vpcId`; the app-tier security group is created in it. */
  vpcId: pulumi.Input<string>;
  /** `Network.privateSubnetIds`: every group spans all AZs. */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * `Cluster.nodeSecurityGroupId`, carried by every node. It is the only one of the cluster's
   * security groups on the nodes: the AWS Load Balancer Controller expects exactly one security group
   * tagged `kubernetes.io/cluster/<name>` on a pod's ENI, and EKS tags its cluster security group too.
   */
  nodeSecurityGroupId: pulumi.Input<string>;
  /** What the groups wait for: `Cluster.nodePrerequisites` (nodes without the VPC CNI never become Ready). @default [] */
  prerequisites?: pulumi.Resource[];
  /** Tags for instances, volumes and ENIs; the provider's defaultTags do not reach what a launch template launches. @default {} */
  instanceTags?: Record<string, string>;
}

const AMI_X86 = "AL2023_x86_64_STANDARD";
const AMI_ARM = "AL2023_ARM_64_STANDARD";
/** Graviton families: a `g` right after the generation digit (m7g, c6gn, r8gd, t4g, hpc7g, is4gen) or a1. */
const GRAVITON = /^(a1|[a-z]+\d+g[a-z]*)\./;

/** The AL2023 AMI type for a group's instance types; a group cannot mix architectures. */
export function amiTypeFor(group: NodeGroupName, instanceTypes: string[]): typeof AMI_X86 | typeof AMI_ARM {
  const arm = instanceTypes.filter((t) => GRAVITON.test(t));
  if (arm.length === 0) return AMI_X86;
  if (arm.length === instanceTypes.length) return AMI_ARM;
  throw new Error(
    `eks-dr:nodeGroups.${group}.instanceTypes mixes Arm (${arm.join(", ")}) and x86 types; one node group runs one architecture, so list only one kind`,
  );
}

/** The type of the node group each `eks.ManagedNodeGroup` registers as its child, under the component's name. */
export const MANAGED_NODE_GROUP_CHILD_TYPE = "aws:eks/nodeGroup:NodeGroup";

export class NodeGroups extends pulumi.ComponentResource {
  /** The pulumi-eks components by tier. */
  readonly nodeGroups: Record<NodeGroupName, eks.ManagedNodeGroup>;
  /** EKS node group names by tier (what `UpdateNodegroupConfig` takes). */
  readonly nodeGroupNames: Record<NodeGroupName, pulumi.Output<string>>;
  /** URNs of the EKS node groups by tier: the driver refreshes exactly these after scaling them directly. */
  readonly nodeGroupUrns: Record<NodeGroupName, pulumi.Output<string>>;
  readonly nodeRoleArn: pulumi.Output<string>;
  readonly nodeRoleName: pulumi.Output<string>;
  /** Security groups carried by one tier's nodes only: the database admits 3306 from `app` alone. */
  readonly tierSecurityGroupIds: { app: pulumi.Output<string> };

  constructor(name: string, args: NodeGroupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("eks-dr:index:NodeGroups", name, {}, opts);
    // Bad instance types or sizes fail here, before anything is registered.
    const amiTypes = Object.fromEntries(NODE_GROUPS.map((g) => [g, amiTypeFor(g, args.groups[g].instanceTypes)]));
    for (const g of NODE_GROUPS) {
      const s = args.groups[g].sizes;
      if (!(Number.isInteger(s.min) && s.min >= 0 && s.min <= s.desired && s.desired <= s.max && s.max >= 1)) {
        throw new Error(
          `NodeGroups ${name}: the ${g} sizes must be whole numbers with 0 <= min <= desired <= max and max >= 1 (min ${s.min}, desired ${s.desired}, max ${s.max})`,
        );
      }
    }
    const partition = aws.getPartitionOutput({}, { parent: this }).partition;

    const role = new aws.iam.Role(
      `${name}-node`,
      {
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
      },
      { parent: this },
    );
    // Worker: join the cluster (and the Pod Identity agent); CNI: pod IPs on the node's ENIs;
    // ECR pull: add-on and workload images; SSM: shell access without SSH or a bastion.
    const policies = ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryPullOnly", "AmazonSSMManagedInstanceCore"];
    const attachments = policies.map(
      (policy) =>
        new aws.iam.RolePolicyAttachment(`${name}-node-${policy}`, { role: role.name, policyArn: managedPolicyArn(partition, policy) }, { parent: this }),
    );

    const appSg = new aws.ec2.SecurityGroup(
      `${name}-app-tier`,
      {
        vpcId: args.vpcId,
        description: "App tier nodes; the database admits MySQL from this group only",
        tags: { Name: pulumi.interpolate`${args.clusterName}-app-tier` },
      },
      { parent: this },
    );
    const tierSecurityGroups: Partial<Record<NodeGroupName, pulumi.Input<string>>> = { app: appSg.id };

    const groups = NODE_GROUPS.map((group) => {
      const spec = args.groups[group];
      const nameTag = pulumi.interpolate`${args.clusterName}-${group}`;
      const instanceTags = { ...(args.instanceTags ?? {}), Name: nameTag, [TIER_LABEL]: group };

      const template = new aws.ec2.LaunchTemplate(
        `${name}-${group}`,
        {
          description: `EKS ${group} nodes`,
          updateDefaultVersion: true,
          vpcSecurityGroupIds: [args.nodeSecurityGroupId, ...(tierSecurityGroups[group] ? [tierSecurityGroups[group]] : [])],
          // IMDSv2 only. Hop limit 2 (the EKS default) keeps IMDS reachable from pods that need
          // instance metadata (region, VPC); AWS credentials for pods come from Pod Identity.
          metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 2 },
          blockDeviceMappings: [
            { deviceName: "/dev/xvda", ebs: { volumeSize: spec.diskSizeGib, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } },
          ],
          tagSpecifications: ["instance", "volume", "network-interface"].map((resourceType) => ({ resourceType, tags: instanceTags })),
          tags: { Name: nameTag },
        },
        { parent: this },
      );

      return new eks.ManagedNodeGroup(
        `${name}-${group}`,
        {
          cluster: args.cluster,
          clusterName: args.clusterName,
          // With a launch template of its own, pulumi-eks leaves the version to the caller.
          version: args.kubernetesVersion,
          nodeRoleArn: role.arn,
          subnetIds: args.subnetIds,
          amiType: amiTypes[group],
          instanceTypes: spec.instanceTypes,
          capacityType: spec.capacityType,
          scalingConfig: { minSize: spec.sizes.min, desiredSize: spec.sizes.desired, maxSize: spec.sizes.max },
          ignoreScalingChanges: false,
          launchTemplate: { id: template.id, version: template.latestVersion.apply((v) => String(v)) },
          labels: { [TIER_LABEL]: group },
          taints: TAINTED_TIERS.includes(group) ? [{ key: TIER_LABEL, value: group, effect: "NO_SCHEDULE" }] : undefined,
          tags: { Name: nameTag },
          // No updateConfig input: EKS replaces one node at a time by default (EKS User Guide,
          // "Managed node update behavior": "The default value is one node").
        },
        // The role's policies must be attached before nodes join, and stay until they have left.
        { parent: this, providers: awsProvidersOf(this, `NodeGroups ${name}`), dependsOn: [...attachments, ...(args.prerequisites ?? [])] },
      );
    });

    const byTier = <T>(f: (g: eks.ManagedNodeGroup, tier: NodeGroupName) => T) =>
      Object.fromEntries(NODE_GROUPS.map((tier, i) => [tier, f(groups[i], tier)])) as Record<NodeGroupName, T>;
    this.nodeGroups = byTier((g) => g);
    this.nodeGroupNames = byTier((g) => g.nodeGroup.nodeGroupName);
    this.nodeGroupUrns = byTier((g, tier) => pulumi.createUrn(`${name}-${tier}`, MANAGED_NODE_GROUP_CHILD_TYPE, g));
    this.nodeRoleArn = role.arn;
    this.nodeRoleName = role.name;
    this.tierSecurityGroupIds = { app: appSg.id };
    this.registerOutputs({
      nodeGroupNames: this.nodeGroupNames,
      nodeGroupUrns: this.nodeGroupUrns,
      nodeRoleArn: this.nodeRoleArn,
      tierSecurityGroupIds: this.tierSecurityGroupIds,
    });
  }
}
