/**
 * The site's VPC, built with `awsx.ec2.Vpc`: a public and a private subnet per Availability Zone on
 * a fixed CIDR plan, an internet gateway, NAT gateways (one per AZ or a single one), a route table
 * per subnet, and an S3 gateway endpoint.
 *
 * Subnets are carved from the VPC block by a fixed plan (`subnetLayout`, passed to awsx as explicit
 * `cidrBlocks`): the same CIDR always gives the same subnets, and raising the AZ count adds subnets
 * without moving existing ones.
 *
 * What awsx does that this component relies on (pulumi-awsx awsx/ec2/vpc.ts, subnetNaming.ts):
 * - A subnet is named `<vpc>-<type>-<AZ number>` whatever the subnet strategy or NAT strategy, and
 *   each subnet gets its own route table and association of the same name, parented to it. So
 *   switching the NAT strategy (`OnePerAz` while active, `Single` while standby) moves no subnet and
 *   no route table, and the EFS mount targets in the private subnets stay where they are.
 * - NAT gateway `<vpc>-1` (and its EIP) sits in the first AZ's public subnet under both strategies;
 *   `OnePerAz` adds `<vpc>-2..n` in the other AZs. A strategy change creates or deletes those and
 *   changes the private routes' `natGatewayId` in place.
 * - With `vpcEndpointStrategy: "Auto"`, a gateway endpoint without `routeTableIds` goes on every
 *   route table of the VPC.
 * - A packaged (multi-language) component does not inherit its parent's providers: only those given
 *   in its own `providers` reach the component provider (@pulumi/pulumi runtime/resource.js
 *   `prepareResource` sends `opts.providers` for remote components), so the site's AWS provider is
 *   passed explicitly, or awsx would create the VPC through a default provider.
 */
import * as aws from "@pulumi/aws";
// The ec2 module alone: the package index also loads awsx classic, a tenth of a second per process.
import * as awsxEc2 from "@pulumi/awsx/ec2";
import * as pulumi from "@pulumi/pulumi";
import * as ipaddr from "ipaddr.js";
import { awsProvidersOf } from "./packaged";

/** The plan has room for this many AZs (three private quarters of the VPC block). */
export const MAX_AZS = 3;

export interface NetworkArgs {
  /** VPC IPv4 CIDR block, /16 to /20 (config `vpcCidr`), e.g. `10.0.0.0/16`. */
  cidrBlock: string;
  /**
   * Availability Zones, in order: subnet i of each kind goes to AZ i (1 to `MAX_AZS` of them). Resolve
   * them with `availabilityZonesFor` before building the network: awsx takes plain names.
   */
  availabilityZoneNames: string[];
  /**
   * `perAz`: a NAT gateway in each AZ, so egress survives the loss of one AZ. `single`: one NAT
   * gateway in the first AZ for every private subnet (cheaper; a standby site's default).
   */
  natGateways: "perAz" | "single";
  /**
   * Region of the site, for the S3 gateway endpoint's service name (`com.amazonaws.<region>.s3`).
   * Gateway endpoints are free, and ECR image layers are served from S3, so node image pulls stop
   * paying NAT data processing. Undefined: no endpoint.
   */
  s3GatewayEndpointRegion?: string;
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

/**
 * The first `count` Availability Zones of the provider's Region, by name. Local and Wavelength Zones
 * are left out (EKS and NAT gateways need regular AZs); so is no AZ for its current state: an AZ
 * reported impaired later must not shift the list and move a subnet under running nodes.
 */
export async function availabilityZonesFor(count: number, opts: pulumi.InvokeOptions): Promise<string[]> {
  const zones = await aws.getAvailabilityZones({ filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] }, opts);
  const names = [...zones.names].sort();
  if (names.length < count) {
    throw new Error(`eks-dr:azCount is ${count} but this Region has ${names.length} AZs (${names.join(", ")}); set eks-dr:azCount to ${names.length} or less`);
  }
  return names.slice(0, count);
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
  /** The awsx component (its subnets, route tables and NAT gateways). */
  readonly vpc: awsxEc2.Vpc;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("eks-dr:index:Network", name, {}, opts);
    const layout = subnetLayout(args.cidrBlock, args.availabilityZoneNames.length);

    this.vpc = new awsxEc2.Vpc(
      name,
      {
        cidrBlock: args.cidrBlock,
        availabilityZoneNames: args.availabilityZoneNames,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        // Explicit blocks select awsx's explicit allocator (the plan above); "Auto" also keeps the
        // gaps the plan leaves ("Exact" refuses them).
        subnetStrategy: "Auto",
        subnetSpecs: [
          // The AWS Load Balancer Controller picks subnets by these tags. The
          // kubernetes.io/cluster/<name> tag is not needed since controller v2.1.2.
          { type: "Public", cidrBlocks: layout.map((l) => l.publicCidr), tags: { "kubernetes.io/role/elb": "1" } },
          { type: "Private", cidrBlocks: layout.map((l) => l.privateCidr), tags: { "kubernetes.io/role/internal-elb": "1" } },
        ],
        natGateways: { strategy: args.natGateways === "perAz" ? "OnePerAz" : "Single" },
        vpcEndpointStrategy: "Auto",
        vpcEndpointSpecs: args.s3GatewayEndpointRegion ? [{ serviceName: `com.amazonaws.${args.s3GatewayEndpointRegion}.s3`, vpcEndpointType: "Gateway" }] : [],
        tags: { Name: name },
      },
      { parent: this, providers: awsProvidersOf(this, `Network ${name}`) },
    );

    this.vpcId = this.vpc.vpcId;
    this.cidrBlock = pulumi.output(args.cidrBlock);
    this.availabilityZones = pulumi.output([...args.availabilityZoneNames]);
    this.publicSubnetIds = this.vpc.publicSubnetIds;
    this.privateSubnetIds = this.vpc.privateSubnetIds;
    this.registerOutputs({
      vpcId: this.vpcId,
      cidrBlock: this.cidrBlock,
      availabilityZones: this.availabilityZones,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
    });
  }
}
