/**
 * The site's VPC: a public and a private subnet per Availability Zone, an internet gateway, NAT
 * gateways (one per AZ or a single one), route tables and an S3 gateway endpoint.
 *
 * Subnets are carved from the VPC block by a fixed plan (`subnetLayout`): the same CIDR always
 * gives the same subnets, and raising `azCount` adds subnets without moving existing ones.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as ipaddr from "ipaddr.js";

/** The plan has room for this many AZs (three private quarters of the VPC block). */
export const MAX_AZS = 3;

export interface NetworkArgs {
  /** VPC IPv4 CIDR block, /16 to /20 (config `vpcCidr`), e.g. `10.0.0.0/16`. */
  cidrBlock: string;
  /** Availability Zones to spread subnets and NAT gateways over, 1 to 3 (config `azCount`). */
  azCount: number;
  /**
   * `perAz`: a NAT gateway in each AZ, so egress survives the loss of one AZ. `single`: one NAT
   * gateway in the first AZ for every private subnet (cheaper; a standby site's default).
   * Use `natGatewayMode(config)`.
   */
  natGateways: "perAz" | "single";
  /**
   * Adds an S3 gateway endpoint to the private route tables. Gateway endpoints are free, and ECR
   * image layers are served from S3, so node image pulls stop paying NAT data processing.
   * @default true
   */
  s3GatewayEndpoint?: boolean;
}

/** CIDR blocks of one AZ's subnets. */
export interface AzSubnets {
  publicCidr: string;
  privateCidr: string;
}

const toNumber = (a: ipaddr.IPv4): number => a.toByteArray().reduce((n, byte) => n * 256 + byte, 0);
const toAddress = (n: number): string => ipaddr.fromByteArray([24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256)).toString();

/** The `index`-th block of length `prefix` inside `parent`. */
function nthBlock(parent: string, prefix: number, index: number): string {
  const [address, parentPrefix] = ipaddr.IPv4.parseCIDR(parent);
  const size = 2 ** (32 - prefix);
  if ((index + 1) * size > 2 ** (32 - parentPrefix)) throw new Error(`${parent} has no block ${index} of /${prefix}`);
  return `${toAddress(toNumber(address) + index * size)}/${prefix}`;
}

/**
 * The subnet plan for a VPC block of /16 to /20. The block is cut in quarters: each of the first
 * three is one AZ's private subnet (the VPC CNI gives every pod a VPC address, so private subnets
 * get the room); the last quarter is cut in four, one public subnet per AZ (ALBs and NAT gateways
 * only) and one spare. For 10.0.0.0/16: private /18s at .0, .64, .128; public /20s at .192, .208, .224.
 */
export function subnetLayout(cidrBlock: string, azCount: number): AzSubnets[] {
  if (!ipaddr.IPv4.isValidCIDRFourPartDecimal(cidrBlock)) {
    throw new Error(`eks-dr:vpcCidr: "${cidrBlock}" is not an IPv4 CIDR block; use e.g. 10.0.0.0/16`);
  }
  const [address, prefix] = ipaddr.IPv4.parseCIDR(cidrBlock);
  if (prefix < 16 || prefix > 20 || ipaddr.IPv4.networkAddressFromCIDR(cidrBlock).toString() !== address.toString()) {
    throw new Error(`eks-dr:vpcCidr: "${cidrBlock}" must be a network block of /16 to /20, e.g. 10.0.0.0/16`);
  }
  if (!Number.isInteger(azCount) || azCount < 1 || azCount > MAX_AZS) {
    throw new Error(`eks-dr:azCount: ${azCount} is not supported; the subnet plan holds 1 to ${MAX_AZS} AZs`);
  }
  const publicQuarter = nthBlock(cidrBlock, prefix + 2, 3);
  return Array.from({ length: azCount }, (_, i) => ({
    privateCidr: nthBlock(cidrBlock, prefix + 2, i),
    publicCidr: nthBlock(publicQuarter, prefix + 4, i),
  }));
}

export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  /** The VPC's CIDR block. */
  readonly cidrBlock: pulumi.Output<string>;
  /** AZ names, index i holding public and private subnet i. */
  readonly availabilityZones: pulumi.Output<string[]>;
  /** One per AZ, in AZ order; tagged for internet-facing load balancers. */
  readonly publicSubnetIds: pulumi.Output<string[]>;
  /** One per AZ, in AZ order; nodes, pods, the EKS control plane ENIs and internal load balancers. */
  readonly privateSubnetIds: pulumi.Output<string[]>;
  /** One per private subnet, in AZ order. */
  readonly privateRouteTableIds: pulumi.Output<string[]>;
  /** One per AZ with `perAz`, one with `single`. */
  readonly natGatewayIds: pulumi.Output<string[]>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("eks-dr:index:Network", name, {}, opts);
    const layout = subnetLayout(args.cidrBlock, args.azCount);

    // Local Zones and Wavelength Zones are excluded: EKS and NAT gateways need regular AZs.
    const zones = aws.getAvailabilityZonesOutput(
      { state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] },
      { parent: this },
    );
    const azNames = zones.names.apply((names) => {
      if (names.length < args.azCount) {
        throw new Error(
          `eks-dr:azCount is ${args.azCount} but this Region has ${names.length} available AZs (${names.join(", ")}); ` +
            `set eks-dr:azCount to ${names.length} or less`,
        );
      }
      return names.slice(0, args.azCount);
    });

    const vpc = new aws.ec2.Vpc(
      name,
      { cidrBlock: args.cidrBlock, enableDnsHostnames: true, enableDnsSupport: true, tags: { Name: name } },
      { parent: this },
    );
    const igw = new aws.ec2.InternetGateway(name, { vpcId: vpc.id, tags: { Name: name } }, { parent: this });

    // If AWS later reports an AZ as impaired, the lookup above shifts; a subnet must stay where
    // it is rather than be replaced under running nodes, so its AZ is fixed at creation.
    const subnetOpts: pulumi.CustomResourceOptions = { parent: this, ignoreChanges: ["availabilityZone"] };
    const publicSubnets = layout.map(
      (plan, i) =>
        new aws.ec2.Subnet(
          `${name}-public-${i}`,
          {
            vpcId: vpc.id,
            cidrBlock: plan.publicCidr,
            availabilityZone: azNames[i],
            // The AWS Load Balancer Controller picks internet-facing subnets by this tag. The
            // kubernetes.io/cluster/<name> tag is not needed since controller v2.1.2.
            tags: { Name: `${name}-public-${i}`, "kubernetes.io/role/elb": "1" },
          },
          subnetOpts,
        ),
    );
    const privateSubnets = layout.map(
      (plan, i) =>
        new aws.ec2.Subnet(
          `${name}-private-${i}`,
          {
            vpcId: vpc.id,
            cidrBlock: plan.privateCidr,
            availabilityZone: azNames[i],
            tags: { Name: `${name}-private-${i}`, "kubernetes.io/role/internal-elb": "1" },
          },
          subnetOpts,
        ),
    );

    const publicRoutes = new aws.ec2.RouteTable(`${name}-public`, { vpcId: vpc.id, tags: { Name: `${name}-public` } }, { parent: this });
    new aws.ec2.Route(`${name}-public-internet`, { routeTableId: publicRoutes.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id }, { parent: this });
    publicSubnets.forEach(
      (subnet, i) => new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: subnet.id, routeTableId: publicRoutes.id }, { parent: this }),
    );

    // NAT gateway 0 (in AZ 0) exists in both modes, so switching mode when the site's role
    // changes adds or removes the others and repoints routes, without replacing it.
    const natCount = args.natGateways === "perAz" ? args.azCount : 1;
    const natGateways = publicSubnets.slice(0, natCount).map((subnet, i) => {
      const eip = new aws.ec2.Eip(`${name}-nat-${i}`, { domain: "vpc", tags: { Name: `${name}-nat-${i}` } }, { parent: this });
      return new aws.ec2.NatGateway(
        `${name}-nat-${i}`,
        { allocationId: eip.id, subnetId: subnet.id, tags: { Name: `${name}-nat-${i}` } },
        { parent: this, dependsOn: [igw] },
      );
    });

    // One route table per private subnet in both modes; only the NAT it points at changes.
    const privateRouteTables = privateSubnets.map((subnet, i) => {
      const table = new aws.ec2.RouteTable(`${name}-private-${i}`, { vpcId: vpc.id, tags: { Name: `${name}-private-${i}` } }, { parent: this });
      const nat = natGateways[args.natGateways === "perAz" ? i : 0];
      new aws.ec2.Route(`${name}-private-${i}-egress`, { routeTableId: table.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: nat.id }, { parent: this });
      new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: subnet.id, routeTableId: table.id }, { parent: this });
      return table;
    });

    if (args.s3GatewayEndpoint ?? true) {
      const region = aws.getRegionOutput({}, { parent: this }).region;
      new aws.ec2.VpcEndpoint(
        `${name}-s3`,
        {
          vpcId: vpc.id,
          serviceName: pulumi.interpolate`com.amazonaws.${region}.s3`,
          vpcEndpointType: "Gateway",
          routeTableIds: privateRouteTables.map((t) => t.id),
          tags: { Name: `${name}-s3` },
        },
        { parent: this },
      );
    }

    this.vpcId = vpc.id;
    this.cidrBlock = vpc.cidrBlock;
    // Read back from the subnets, so the output names where the subnets really are.
    this.availabilityZones = pulumi.all(privateSubnets.map((s) => s.availabilityZone));
    this.publicSubnetIds = pulumi.all(publicSubnets.map((s) => s.id));
    this.privateSubnetIds = pulumi.all(privateSubnets.map((s) => s.id));
    this.privateRouteTableIds = pulumi.all(privateRouteTables.map((t) => t.id));
    this.natGatewayIds = pulumi.all(natGateways.map((n) => n.id));
    this.registerOutputs({
      vpcId: this.vpcId,
      cidrBlock: this.cidrBlock,
      availabilityZones: this.availabilityZones,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
      natGatewayIds: this.natGatewayIds,
    });
  }
}
