/**
 * Packaged (multi-language) components under Pulumi mocks: `awsx.ec2.Vpc`, `eks.Cluster` and
 * `eks.ManagedNodeGroup`.
 *
 * For the mocks a packaged component is one registration: its provider, which registers the
 * children in a real deployment, never runs. Yet the program reads those children through the
 * component's outputs (resource references: `Cluster.eksCluster`, `ManagedNodeGroup.nodeGroup`), the
 * driver refreshes the node groups by URN, the simulated Regions act on them and the policies check
 * them. So each component is modelled here as its provider builds it, from the provider's source:
 * the children, their names, parents, inputs and resource options, for the options this program
 * uses. An option the model does not cover fails loudly instead of being guessed.
 *
 * A child's dependencies are those its provider's SDK would record: its `dependsOn` and the
 * children its inputs come from.
 *
 * Sources: pulumi-awsx awsx/ec2/vpc.ts (subnets, route tables, NAT gateways, endpoints),
 * subnetNaming.ts; pulumi-eks v4.3.0 nodejs/eks/cluster/cluster.ts (`createCore`, `Cluster`),
 * servicerole.ts, nodes/securitygroup.ts, addons/cni-addon.ts, nodes/nodegroup.ts
 * (`createManagedNodeGroup`).
 *
 * Not modelled, as nothing here reads them: the Kubernetes provider pulumi-eks creates for its own
 * children, and the add-on versions it looks up (`aws.eks.getAddonVersion`).
 */
import { createHash } from "node:crypto";
import type { Props } from "./mock-cloud";

/** A child to register, as the component's provider registers it. */
export interface ChildSpec {
  type: string;
  name: string;
  /** The parent child; the component itself when absent. */
  parent?: RegisteredChild;
  /** Components (the provider's own ComponentResources) are not custom. @default true */
  custom?: boolean;
  inputs: Props;
  ignoreChanges?: string[];
  dependsOn?: RegisteredChild[];
}

/** A child once registered: its URN, id and state (inputs plus what AWS computes). */
export interface RegisteredChild {
  urn: string;
  id: string;
  state: Props;
  /** A resource reference to it, as a component output carries it. */
  ref: Props;
}

export interface ComponentModelContext {
  name: string;
  /** The component's inputs (resource references as URNs). */
  inputs: Props;
  /** Region and partition of the AWS provider the component was given. */
  region: string;
  partition: string;
  /** Registers a child and returns it. */
  child(spec: ChildSpec): RegisteredChild;
  /** Inputs of a registration by URN (e.g. the cluster a node group joins). */
  inputsOf(urn: string): Props | undefined;
}

/** Builds the children and returns the component's outputs. */
export type ComponentModel = (ctx: ComponentModelContext) => Props;

const notModelled = (what: string): Error =>
  new Error(`the Pulumi mocks do not model ${what}; model it in automation/sim/program/packaged-components.ts from the provider's source before using it`);

const definedOnly = (o: Props): Props => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

// ---------------------------------------------------------------------------------------------
// awsx.ec2.Vpc (awsx/ec2/vpc.ts `initialize`)

const SUBNET_ORDER: Record<string, number> = { public: 0, private: 1, isolated: 2 };

function awsxVpc(ctx: ComponentModelContext): Props {
  const { name, inputs } = ctx;
  const azs = inputs.availabilityZoneNames as string[] | undefined;
  if (!Array.isArray(azs) || azs.length === 0) throw notModelled("an awsx.ec2.Vpc without availabilityZoneNames (awsx looks the AZs up itself)");
  if (inputs.numberOfAvailabilityZones !== undefined) throw notModelled("awsx.ec2.Vpc numberOfAvailabilityZones");
  const specs = ((inputs.subnetSpecs ?? []) as Props[])
    .slice()
    .sort((a, b) => SUBNET_ORDER[String(a.type).toLowerCase()] - SUBNET_ORDER[String(b.type).toLowerCase()]);
  if (specs.length === 0 || specs.some((s) => !Array.isArray(s.cidrBlocks) || s.cidrBlocks.length !== azs.length)) {
    throw notModelled("an awsx.ec2.Vpc without explicit cidrBlocks for every subnet spec and AZ (awsx's CIDR allocators)");
  }
  const strategy = String(inputs.natGateways?.strategy ?? "OnePerAz");
  if (inputs.natGateways?.elasticIpAllocationIds) throw notModelled("awsx.ec2.Vpc natGateways.elasticIpAllocationIds");
  const sharedTags = { Name: name, ...(inputs.tags ?? {}) };

  const vpc = ctx.child({
    type: "aws:ec2/vpc:Vpc",
    name,
    inputs: definedOnly({
      cidrBlock: inputs.cidrBlock,
      enableDnsHostnames: inputs.enableDnsHostnames,
      enableDnsSupport: inputs.enableDnsSupport,
      tags: sharedTags,
    }),
  });
  const igw = ctx.child({ type: "aws:ec2/internetGateway:InternetGateway", name, parent: vpc, dependsOn: [vpc], inputs: { vpcId: vpc.id, tags: sharedTags } });

  const subnets: RegisteredChild[] = [];
  const publicSubnets: RegisteredChild[] = [];
  const privateSubnets: RegisteredChild[] = [];
  const routeTables: RegisteredChild[] = [];
  const routes: RegisteredChild[] = [];
  const associations: RegisteredChild[] = [];
  const natGateways: RegisteredChild[] = [];
  const eips: RegisteredChild[] = [];
  azs.forEach((az, i) => {
    for (const spec of specs) {
      const type = String(spec.type);
      const kind = type.toLowerCase();
      // The resource name is the index-based legacy name whatever subnetNameTagStrategy (subnetNaming.ts).
      const resourceName = `${name}-${spec.name ?? kind}-${i + 1}`;
      const subnet = ctx.child({
        type: "aws:ec2/subnet:Subnet",
        name: resourceName,
        parent: vpc,
        dependsOn: [vpc],
        inputs: {
          vpcId: vpc.id,
          availabilityZone: az,
          mapPublicIpOnLaunch: kind === "public",
          cidrBlock: spec.cidrBlocks[i],
          assignIpv6AddressOnCreation: spec.assignIpv6AddressOnCreation ?? false,
          tags: { ...sharedTags, ...(spec.tags ?? {}), Name: resourceName, SubnetType: type },
        },
      });
      subnets.push(subnet);
      if (kind === "public") publicSubnets.push(subnet);
      else if (kind === "private") privateSubnets.push(subnet);
      else throw notModelled(`awsx.ec2.Vpc ${type} subnets`);
      const table = ctx.child({
        type: "aws:ec2/routeTable:RouteTable",
        name: resourceName,
        parent: subnet,
        dependsOn: [subnet, vpc],
        inputs: { vpcId: vpc.id, tags: { ...sharedTags, Name: resourceName, SubnetType: type } },
      });
      routeTables.push(table);
      associations.push(
        ctx.child({
          type: "aws:ec2/routeTableAssociation:RouteTableAssociation",
          name: resourceName,
          parent: table,
          dependsOn: [table, subnet],
          inputs: { routeTableId: table.id, subnetId: subnet.id },
        }),
      );
      // shouldCreateNatGateway: OnePerAz one per AZ, Single only the first AZ's.
      const wantsNat = strategy === "OnePerAz" ? natGateways.length < i + 1 : strategy === "Single" ? natGateways.length < 1 : false;
      if (kind === "public" && wantsNat) {
        const natName = `${name}-${i + 1}`;
        const eip = ctx.child({
          type: "aws:ec2/eip:Eip",
          name: natName,
          parent: subnet,
          dependsOn: [subnet],
          inputs: { tags: { ...(inputs.tags ?? {}), Name: natName } },
        });
        eips.push(eip);
        natGateways.push(
          ctx.child({
            type: "aws:ec2/natGateway:NatGateway",
            name: natName,
            parent: subnet,
            dependsOn: [subnet, eip],
            inputs: { subnetId: subnet.id, allocationId: eip.state.allocationId, tags: { ...(inputs.tags ?? {}), Name: natName } },
          }),
        );
      }
      // The default route: public subnets through the internet gateway, private ones through their NAT gateway.
      const nat = kind === "public" || strategy === "None" ? undefined : strategy === "Single" ? natGateways[0] : natGateways[i];
      const via = kind === "public" ? { target: igw, inputs: { gatewayId: igw.id } } : nat ? { target: nat, inputs: { natGatewayId: nat.id } } : undefined;
      if (via) {
        routes.push(
          ctx.child({
            type: "aws:ec2/route:Route",
            name: resourceName,
            parent: table,
            dependsOn: [table, via.target],
            inputs: { routeTableId: table.id, ...via.inputs, destinationCidrBlock: "0.0.0.0/0" },
          }),
        );
      }
    }
  });

  const endpointStrategy = inputs.vpcEndpointStrategy ?? "Legacy";
  const endpoints = ((inputs.vpcEndpointSpecs ?? []) as Props[]).map((spec) => {
    const gateway = (spec.vpcEndpointType ?? "Gateway").toLowerCase() === "gateway";
    if (!gateway) throw notModelled("awsx.ec2.Vpc interface endpoints");
    // Auto: a gateway endpoint without routeTableIds goes on every route table of the VPC.
    const routeTableIds = endpointStrategy === "Auto" && spec.routeTableIds === undefined ? routeTables.map((t) => t.id) : spec.routeTableIds;
    return ctx.child({
      type: "aws:ec2/vpcEndpoint:VpcEndpoint",
      name: String(spec.serviceName),
      parent: vpc,
      dependsOn: [vpc, ...(routeTableIds === undefined ? [] : routeTables)],
      inputs: definedOnly({
        serviceName: spec.serviceName,
        vpcEndpointType: spec.vpcEndpointType,
        routeTableIds,
        vpcId: vpc.id,
        tags: { ...sharedTags, ...(spec.tags ?? {}) },
      }),
    });
  });

  const refs = (children: RegisteredChild[]) => children.map((c) => c.ref);
  return {
    vpcId: vpc.id,
    vpc: vpc.ref,
    internetGateway: igw.ref,
    subnets: refs(subnets),
    publicSubnets: refs(publicSubnets),
    privateSubnets: refs(privateSubnets),
    isolatedSubnets: [],
    publicSubnetIds: publicSubnets.map((s) => s.id),
    privateSubnetIds: privateSubnets.map((s) => s.id),
    isolatedSubnetIds: [],
    routeTables: refs(routeTables),
    routes: refs(routes),
    routeTableAssociations: refs(associations),
    natGateways: refs(natGateways),
    eips: refs(eips),
    vpcEndpoints: refs(endpoints),
    subnetLayout: specs.map((s) => definedOnly({ type: s.type, name: s.name, cidrBlocks: s.cidrBlocks })),
  };
}

// ---------------------------------------------------------------------------------------------
// eks.Cluster (nodejs/eks/cluster/cluster.ts `createCore` and `Cluster`)

/** A partial SHA1, as pulumi-eks servicerole.ts names policy attachments. */
const sha1hash = (s: string): string => createHash("sha1").update(s).digest("hex").substring(0, 8);

/** The kubeconfig pulumi-eks generates (`generateKubeconfig`, without a profile or role). */
function eksKubeconfig(clusterName: string, endpoint: string, caData: string, region: string): Props {
  return {
    apiVersion: "v1",
    clusters: [{ cluster: { server: endpoint, "certificate-authority-data": caData }, name: "kubernetes" }],
    contexts: [{ context: { cluster: "kubernetes", user: "aws" }, name: "aws" }],
    "current-context": "aws",
    kind: "Config",
    users: [
      {
        name: "aws",
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "aws",
            args: ["--region", region, "eks", "get-token", "--cluster-name", clusterName, "--output", "json"],
            env: [{ name: "KUBERNETES_EXEC_INFO", value: '{"apiVersion": "client.authentication.k8s.io/v1beta1"}' }],
          },
        },
      },
    ],
  };
}

function eksCluster(ctx: ComponentModelContext): Props {
  const { name, inputs, partition } = ctx;
  if (inputs.skipDefaultNodeGroup !== true) throw notModelled("eks.Cluster's default node group");
  for (const option of [
    "accessEntries",
    "fargate",
    "autoMode",
    "serviceRole",
    "instanceRole",
    "instanceRoles",
    "roleMappings",
    "userMappings",
    "clusterSecurityGroup",
    "creationRoleProvider",
  ]) {
    if (inputs[option] !== undefined) throw notModelled(`eks.Cluster ${option}`);
  }
  if (inputs.createOidcProvider === true) throw notModelled("eks.Cluster createOidcProvider");
  if (inputs.createInstanceRole === true) throw notModelled("eks.Cluster createInstanceRole");
  const tags = (inputs.tags ?? {}) as Props;
  const policyArn = `arn:${partition}:iam::aws:policy/AmazonEKSClusterPolicy`;

  const serviceRole = ctx.child({ type: "eks:index:ServiceRole", name: `${name}-eksRole`, custom: false, inputs: {} });
  const role = ctx.child({
    type: "aws:iam/role:Role",
    name: `${name}-eksRole-role`,
    parent: serviceRole,
    inputs: {
      description: "Allows EKS to manage clusters on your behalf.",
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Action: ["sts:AssumeRole", "sts:TagSession"], Effect: "Allow", Principal: { Service: ["eks.amazonaws.com"] } }],
      }),
      tags,
    },
  });
  const attachment = ctx.child({
    type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    name: `${name}-eksRole-${sha1hash("arn:aws:iam::aws:policy/AmazonEKSClusterPolicy")}`,
    parent: serviceRole,
    dependsOn: [role],
    inputs: { policyArn, role: role.state.name },
  });

  const clusterSg = ctx.child({
    type: "aws:ec2/securityGroup:SecurityGroup",
    name: `${name}-eksClusterSecurityGroup`,
    inputs: {
      vpcId: inputs.vpcId,
      revokeRulesOnDelete: true,
      tags: { Name: `${name}-eksClusterSecurityGroup`, ...(inputs.clusterSecurityGroupTags ?? {}), ...tags },
    },
  });
  ctx.child({
    type: "aws:ec2/securityGroupRule:SecurityGroupRule",
    name: `${name}-eksClusterInternetEgressRule`,
    dependsOn: [clusterSg],
    inputs: {
      description: "Allow internet access.",
      type: "egress",
      fromPort: 0,
      toPort: 0,
      protocol: "-1",
      cidrBlocks: ["0.0.0.0/0"],
      securityGroupId: clusterSg.id,
    },
  });

  const subnetIds = inputs.subnetIds ?? [...(inputs.publicSubnetIds ?? []), ...(inputs.privateSubnetIds ?? [])];
  const cluster = ctx.child({
    type: "aws:eks/cluster:Cluster",
    name: `${name}-eksCluster`,
    dependsOn: [role, attachment, clusterSg],
    inputs: definedOnly({
      name: inputs.name,
      roleArn: role.state.arn,
      bootstrapSelfManagedAddons: inputs.bootstrapSelfManagedAddons ?? true,
      vpcConfig: definedOnly({
        securityGroupIds: [clusterSg.id],
        subnetIds,
        endpointPrivateAccess: inputs.endpointPrivateAccess,
        endpointPublicAccess: inputs.endpointPublicAccess,
        publicAccessCidrs: inputs.publicAccessCidrs,
      }),
      version: inputs.version,
      enabledClusterLogTypes: inputs.enabledClusterLogTypes,
      tags: { Name: `${name}-eksCluster`, ...(inputs.clusterTags ?? {}), ...tags },
      // Set whenever a mode is given: the component deploys into the cluster as its creator.
      accessConfig: inputs.authenticationMode ? { authenticationMode: inputs.authenticationMode, bootstrapClusterCreatorAdminPermissions: true } : undefined,
      deletionProtection: inputs.deletionProtection,
    }),
    ignoreChanges: ["accessConfig.bootstrapClusterCreatorAdminPermissions", "bootstrapSelfManagedAddons"],
  });
  const clusterName = String(cluster.state.name);

  if (inputs.kubeProxyAddonOptions?.enabled !== false) {
    ctx.child({
      type: "aws:eks/addon:Addon",
      name: `${name}-kube-proxy`,
      dependsOn: [cluster],
      inputs: { clusterName, addonName: "kube-proxy", preserve: true, tags, resolveConflictsOnCreate: "OVERWRITE", resolveConflictsOnUpdate: "OVERWRITE" },
    });
  }
  if (inputs.useDefaultVpcCni !== true) {
    const cni = ctx.child({ type: "eks:index:VpcCniAddon", name: `${name}-vpc-cni`, custom: false, inputs: { clusterName, tags } });
    ctx.child({
      type: "aws:eks/addon:Addon",
      name: `${name}-vpc-cni`,
      parent: cni,
      dependsOn: [cluster],
      inputs: {
        clusterName,
        addonName: "vpc-cni",
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "OVERWRITE",
        preserve: true,
        configurationValues: "{}",
        tags,
      },
    });
  }
  if (inputs.corednsAddonOptions?.enabled === true) throw notModelled("eks.Cluster's CoreDNS add-on");

  // The default security groups (createNodeGroupSecurityGroup), unless skipped.
  let nodeSecurityGroupId = String(cluster.state.vpcConfig.clusterSecurityGroupId);
  if (inputs.skipDefaultSecurityGroups !== true) {
    const nodeSg = ctx.child({
      type: "aws:ec2/securityGroup:SecurityGroup",
      name: `${name}-nodeSecurityGroup`,
      inputs: {
        vpcId: inputs.vpcId,
        revokeRulesOnDelete: true,
        tags: { Name: `${name}-nodeSecurityGroup`, [`kubernetes.io/cluster/${clusterName}`]: "owned", ...(inputs.nodeSecurityGroupTags ?? {}), ...tags },
      },
    });
    const rule = (suffix: string, rest: Props) =>
      ctx.child({ type: "aws:ec2/securityGroupRule:SecurityGroupRule", name: `${name}-${suffix}`, dependsOn: [nodeSg, clusterSg], inputs: rest });
    rule("eksNodeIngressRule", {
      description: "Allow nodes to communicate with each other",
      type: "ingress",
      fromPort: 0,
      toPort: 0,
      protocol: "-1",
      securityGroupId: nodeSg.id,
      self: true,
    });
    rule("eksNodeClusterIngressRule", {
      description: "Allow worker Kubelets and pods to receive communication from the cluster control plane",
      type: "ingress",
      fromPort: 1025,
      toPort: 65535,
      protocol: "tcp",
      securityGroupId: nodeSg.id,
      sourceSecurityGroupId: clusterSg.id,
    });
    rule("eksExtApiServerClusterIngressRule", {
      description: "Allow pods running extension API servers on port 443 to receive communication from cluster control plane",
      type: "ingress",
      fromPort: 443,
      toPort: 443,
      protocol: "tcp",
      securityGroupId: nodeSg.id,
      sourceSecurityGroupId: clusterSg.id,
    });
    rule("eksNodeInternetEgressRule", {
      description: "Allow internet access.",
      type: "egress",
      fromPort: 0,
      toPort: 0,
      protocol: "-1",
      cidrBlocks: ["0.0.0.0/0"],
      securityGroupId: nodeSg.id,
    });
    rule("eksClusterIngressRule", {
      description: "Allow pods to communicate with the cluster API Server",
      type: "ingress",
      fromPort: 443,
      toPort: 443,
      protocol: "tcp",
      securityGroupId: clusterSg.id,
      sourceSecurityGroupId: nodeSg.id,
    });
    nodeSecurityGroupId = nodeSg.id;
  }

  // The kubeconfig's Region comes from the cluster's ARN (cluster.ts `getRegionFromArn`).
  const arnRegion = String(cluster.state.arn).split(":")[3];
  const kubeconfig = eksKubeconfig(clusterName, String(cluster.state.endpoint), String(cluster.state.certificateAuthority.data), arnRegion);
  const issuer = String(cluster.state.identities[0].oidcs[0].issuer);
  return {
    eksCluster: cluster.ref,
    kubeconfig,
    kubeconfigJson: JSON.stringify(kubeconfig),
    clusterSecurityGroupId: inputs.skipDefaultSecurityGroups === true ? cluster.state.vpcConfig.clusterSecurityGroupId : clusterSg.id,
    nodeSecurityGroupId,
    instanceRoles: [],
    defaultNodeGroupAsgName: "",
    fargateProfileId: "",
    fargateProfileStatus: "",
    oidcProviderArn: "",
    oidcProviderUrl: issuer,
    oidcIssuer: issuer.replace("https://", ""),
    autoModeNodeRoleName: "",
  };
}

// ---------------------------------------------------------------------------------------------
// eks.ManagedNodeGroup (nodejs/eks/nodes/nodegroup.ts `createManagedNodeGroup`)

/** ManagedNodeGroup inputs that are aws.eks.NodeGroup inputs, passed through to the child. */
const NODE_GROUP_INPUTS = [
  "amiType",
  "capacityType",
  "diskSize",
  "forceUpdateVersion",
  "instanceTypes",
  "labels",
  "nodeGroupName",
  "nodeGroupNamePrefix",
  "releaseVersion",
  "remoteAccess",
  "tags",
  "taints",
  "version",
];
/** Options that make pulumi-eks build a launch template or user data of its own. */
const CUSTOM_LAUNCH_TEMPLATE_INPUTS = [
  "kubeletExtraArgs",
  "bootstrapExtraArgs",
  "bottlerocketSettings",
  "nodeadmExtraOptions",
  "enableIMDSv2",
  "userData",
  "amiId",
  "enableEfaSupport",
  "gpu",
  "operatingSystem",
];

function managedNodeGroup(ctx: ComponentModelContext): Props {
  const { name, inputs } = ctx;
  for (const option of CUSTOM_LAUNCH_TEMPLATE_INPUTS) if (inputs[option] !== undefined) throw notModelled(`eks.ManagedNodeGroup ${option}`);
  if (!inputs.nodeRoleArn) throw notModelled("an eks.ManagedNodeGroup without nodeRoleArn");
  const cluster = typeof inputs.cluster === "string" ? ctx.inputsOf(inputs.cluster) : undefined;
  const scaling = (inputs.scalingConfig ?? {}) as Props;
  const nodeGroup = ctx.child({
    type: "aws:eks/nodeGroup:NodeGroup",
    name,
    inputs: definedOnly({
      ...Object.fromEntries(NODE_GROUP_INPUTS.map((k) => [k, inputs[k]])),
      // Without a launch template the version defaults to the cluster's.
      version: inputs.version ?? (inputs.launchTemplate ? undefined : cluster?.version),
      clusterName: inputs.clusterName || cluster?.name,
      nodeRoleArn: inputs.nodeRoleArn,
      scalingConfig: { desiredSize: scaling.desiredSize ?? 2, minSize: scaling.minSize ?? 1, maxSize: scaling.maxSize ?? 2 },
      subnetIds: inputs.subnetIds ?? cluster?.subnetIds,
      launchTemplate: inputs.launchTemplate,
    }),
    // ignoreScalingChanges ignores the desired size only.
    ignoreChanges: inputs.ignoreScalingChanges === true ? ["scalingConfig.desiredSize"] : [],
  });
  return { nodeGroup: nodeGroup.ref, placementGroupName: "" };
}

/** The packaged components the mocks model, by type token. */
export const PACKAGED_COMPONENTS: Record<string, ComponentModel> = {
  "awsx:ec2:Vpc": awsxVpc,
  "eks:index:Cluster": eksCluster,
  "eks:index:ManagedNodeGroup": managedNodeGroup,
};
