/**
 * The site's managed node groups: `system` (controllers, CoreDNS), `web` and `app` (the workload).
 *
 * Sizes come from the site's role (`nodeGroupSizes`): a standby site keeps `system` at its
 * minimum of 2 and runs web/app at the pilot-light or warm-standby sizes. During a failover the
 * driver scales the groups through the EKS API and refreshes `nodeGroupUrns` before its next
 * `up` (decisions 3-4), so scaling is deliberately not in `ignoreChanges`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NODE_GROUPS, nodeGroupSizes, type NodeGroupName, type NodeGroupSize, type SiteConfig } from "../stacks/config";
import { managedPolicyArn } from "./pod-identity";

/** Label (and taint key) that names a node's tier. */
export const TIER_LABEL = "eks-dr/tier";
/** Tiers whose nodes are tainted: only pods tolerating `eks-dr/tier=<tier>:NoSchedule` land there. */
export const TAINTED_TIERS: readonly NodeGroupName[] = ["web", "app"];

/**
 * The sizes a group runs at in the site's current role: the role rule this component applies. A
 * seam: the simulation's link test replaces it to show that the simulated Regions follow the
 * program rather than a copy of its rules.
 */
export const nodeGroupRules = {
  sizes: (config: SiteConfig, group: NodeGroupName): NodeGroupSize => nodeGroupSizes(config, group),
};

export interface NodeGroupsArgs {
  /** The site's config: `nodeGroups` (instance types, capacity type, disk, sizes per role) and `role`. */
  config: SiteConfig;
  /** `Cluster.clusterName`. */
  clusterName: pulumi.Input<string>;
  /** Kubernetes version of the nodes; pass `Cluster.kubernetesVersion` so nodes follow control plane upgrades. */
  kubernetesVersion: pulumi.Input<string>;
  /** `Network.vpcId`; the app-tier security group is created in it. */
  vpcId: pulumi.Input<string>;
  /** `Network.privateSubnetIds`: every group spans all AZs. */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** `Cluster.clusterSecurityGroupId`. EKS does not add it when a launch template names security groups. */
  clusterSecurityGroupId: pulumi.Input<string>;
  /** `Cluster.nodeSecurityGroupId`, carried by every node. */
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

export class NodeGroups extends pulumi.ComponentResource {
  /** The node groups by tier. */
  readonly nodeGroups: Record<NodeGroupName, aws.eks.NodeGroup>;
  /** EKS node group names by tier (what `UpdateNodegroupConfig` takes). */
  readonly nodeGroupNames: Record<NodeGroupName, pulumi.Output<string>>;
  /** Pulumi URNs by tier: the driver refreshes exactly these after scaling them directly. */
  readonly nodeGroupUrns: Record<NodeGroupName, pulumi.Output<string>>;
  readonly nodeRoleArn: pulumi.Output<string>;
  readonly nodeRoleName: pulumi.Output<string>;
  /** Security groups carried by one tier's nodes only: the database admits 3306 from `app` alone. */
  readonly tierSecurityGroupIds: { app: pulumi.Output<string> };

  constructor(name: string, args: NodeGroupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("eks-dr:index:NodeGroups", name, {}, opts);
    // Bad instance types fail here, before anything is registered.
    const amiTypes = Object.fromEntries(NODE_GROUPS.map((g) => [g, amiTypeFor(g, args.config.nodeGroups[g].instanceTypes)]));
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
      { vpcId: args.vpcId, description: "App tier nodes; the database admits MySQL from this group only", tags: { Name: pulumi.interpolate`${args.clusterName}-app-tier` } },
      { parent: this },
    );
    const tierSecurityGroups: Partial<Record<NodeGroupName, pulumi.Input<string>>> = { app: appSg.id };

    const groups = NODE_GROUPS.map((group) => {
      const spec = args.config.nodeGroups[group];
      const sizes = nodeGroupRules.sizes(args.config, group);
      const nameTag = pulumi.interpolate`${args.clusterName}-${group}`;
      const instanceTags = { ...(args.instanceTags ?? {}), Name: nameTag, [TIER_LABEL]: group };

      const template = new aws.ec2.LaunchTemplate(
        `${name}-${group}`,
        {
          description: `EKS ${group} nodes`,
          updateDefaultVersion: true,
          vpcSecurityGroupIds: [args.clusterSecurityGroupId, args.nodeSecurityGroupId, ...(tierSecurityGroups[group] ? [tierSecurityGroups[group]] : [])],
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

      return new aws.eks.NodeGroup(
        `${name}-${group}`,
        {
          clusterName: args.clusterName,
          version: args.kubernetesVersion,
          nodeRoleArn: role.arn,
          subnetIds: args.subnetIds,
          amiType: amiTypes[group],
          instanceTypes: spec.instanceTypes,
          capacityType: spec.capacityType,
          scalingConfig: { minSize: sizes.min, desiredSize: sizes.desired, maxSize: sizes.max },
          updateConfig: { maxUnavailable: 1 },
          launchTemplate: { id: template.id, version: template.latestVersion.apply((v) => String(v)) },
          labels: { [TIER_LABEL]: group },
          taints: TAINTED_TIERS.includes(group) ? [{ key: TIER_LABEL, value: group, effect: "NO_SCHEDULE" }] : undefined,
          tags: { Name: nameTag },
        },
        // The role's policies must be attached before nodes join, and stay until they have left.
        { parent: this, dependsOn: [...attachments, ...(args.prerequisites ?? [])] },
      );
    });

    this.nodeGroups = Object.fromEntries(NODE_GROUPS.map((g, i) => [g, groups[i]])) as Record<NodeGroupName, aws.eks.NodeGroup>;
    this.nodeGroupNames = Object.fromEntries(NODE_GROUPS.map((g, i) => [g, groups[i].nodeGroupName])) as Record<NodeGroupName, pulumi.Output<string>>;
    this.nodeGroupUrns = Object.fromEntries(NODE_GROUPS.map((g, i) => [g, groups[i].urn])) as Record<NodeGroupName, pulumi.Output<string>>;
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
