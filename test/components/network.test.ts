import { expect } from "chai";
import * as ipaddr from "ipaddr.js";
import { MAX_AZS, Network, subnetLayout, type NetworkArgs } from "../../components/network";
import { cidrsOverlap, natGatewayMode, parseSiteConfig, type SiteConfig } from "../../stacks/config";
import { componentChildren, evaluateComponent } from "../harness/component";
import { resolve, siteRawConfig } from "../../automation/sim/program/evaluate";
import { MockCloud, type RecordedResource } from "../../automation/sim/program/mock-cloud";

const SUBNET = "aws:ec2/subnet:Subnet";
const NAT = "aws:ec2/natGateway:NatGateway";
const ROUTE = "aws:ec2/route:Route";
const ROUTE_TABLE = "aws:ec2/routeTable:RouteTable";
const ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation";

const siteConfig = (stack: string, overrides: Record<string, unknown> = {}): SiteConfig => parseSiteConfig(stack, siteRawConfig(stack, overrides));

function networkArgs(cfg: SiteConfig): NetworkArgs {
  return { cidrBlock: cfg.vpcCidr, azCount: cfg.azCount, natGateways: natGatewayMode(cfg) };
}

async function evaluateNetwork(args: NetworkArgs, region: string) {
  return evaluateComponent((ctx) => new Network("site", args, { providers: [ctx.aws] }), { region });
}

const prefixOf = (cidr: string): number => ipaddr.IPv4.parseCIDR(cidr)[1];
const inside = (inner: string, outer: string): boolean => {
  const [addr] = ipaddr.IPv4.parseCIDR(inner);
  return prefixOf(inner) >= prefixOf(outer) && addr.match(ipaddr.IPv4.parseCIDR(outer));
};
const subnets = (cloud: MockCloud, kind: "public" | "private"): RecordedResource[] =>
  cloud.ofType(SUBNET).filter((s) => s.name.includes(`-${kind}-`));
/** The route table a subnet is associated with, and that table's default route. */
function defaultRouteOf(cloud: MockCloud, subnet: RecordedResource): RecordedResource {
  const association = cloud.ofType(ASSOCIATION).find((a) => a.inputs.subnetId === subnet.id);
  expect(association, `association of ${subnet.name}`).to.not.equal(undefined);
  const routes = cloud.ofType(ROUTE).filter((r) => r.inputs.routeTableId === association!.inputs.routeTableId && r.inputs.destinationCidrBlock === "0.0.0.0/0");
  expect(routes, `default route of ${subnet.name}`).to.have.length(1);
  return routes[0];
}

describe("Network", () => {
  describe("subnetLayout", () => {
    it("gives each AZ a private quarter of the VPC and a public /prefix+4 from the last quarter", () => {
      expect(subnetLayout("10.0.0.0/16", 3)).to.deep.equal([
        { privateCidr: "10.0.0.0/18", publicCidr: "10.0.192.0/20" },
        { privateCidr: "10.0.64.0/18", publicCidr: "10.0.208.0/20" },
        { privateCidr: "10.0.128.0/18", publicCidr: "10.0.224.0/20" },
      ]);
      expect(subnetLayout("172.31.16.0/20", 2)).to.deep.equal([
        { privateCidr: "172.31.16.0/22", publicCidr: "172.31.28.0/24" },
        { privateCidr: "172.31.20.0/22", publicCidr: "172.31.29.0/24" },
      ]);
    });

    it("keeps existing subnets in place when azCount grows", () => {
      expect(subnetLayout("10.1.0.0/17", 3).slice(0, 2)).to.deep.equal(subnetLayout("10.1.0.0/17", 2));
    });

    it("rejects blocks and AZ counts the plan cannot hold, naming the key", () => {
      expect(() => subnetLayout("10.0.0.0/24", 2)).to.throw(/eks-dr:vpcCidr.*\/16 to \/20/);
      expect(() => subnetLayout("10.0.1.0/16", 2)).to.throw(/eks-dr:vpcCidr/);
      expect(() => subnetLayout("not-a-cidr", 2)).to.throw(/eks-dr:vpcCidr/);
      expect(() => subnetLayout("10.0.0.0/16", MAX_AZS + 1)).to.throw(/eks-dr:azCount/);
    });
  });

  describe("on the primary site's config (active: a NAT gateway per AZ)", () => {
    let cloud: MockCloud;
    let network: Network;
    let cfg: SiteConfig;

    before(async () => {
      cfg = siteConfig("primary");
      expect(natGatewayMode(cfg)).to.equal("perAz");
      ({ cloud, value: network } = await evaluateNetwork(networkArgs(cfg), cfg.region));
    });

    it("creates one VPC with DNS support and hostnames on the configured block", () => {
      const vpc = cloud.one("aws:ec2/vpc:Vpc");
      expect(vpc.inputs).to.include({ cidrBlock: cfg.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true });
    });

    it("puts a public and a private subnet in each of azCount distinct AZs of the Region", () => {
      const pub = subnets(cloud, "public");
      const priv = subnets(cloud, "private");
      expect(pub).to.have.length(cfg.azCount);
      expect(priv).to.have.length(cfg.azCount);
      const azs = priv.map((s) => s.inputs.availabilityZone);
      expect(new Set(azs).size).to.equal(cfg.azCount);
      for (const az of azs) expect(az).to.match(new RegExp(`^${cfg.region}[a-z]$`));
      expect(pub.map((s) => s.inputs.availabilityZone)).to.deep.equal(azs);
      const lookup = cloud.calls.find((c) => c.token === "aws:index/getAvailabilityZones:getAvailabilityZones");
      expect(lookup?.inputs.state).to.equal("available");
      expect(lookup?.region).to.equal(cfg.region);
    });

    it("carves subnets inside the VPC block, without overlap, private ones larger", () => {
      const all = cloud.ofType(SUBNET).map((s) => s.inputs.cidrBlock as string);
      for (const cidr of all) expect(inside(cidr, cfg.vpcCidr), `${cidr} inside ${cfg.vpcCidr}`).to.equal(true);
      for (let i = 0; i < all.length; i++) {
        for (let j = i + 1; j < all.length; j++) expect(cidrsOverlap(all[i], all[j]), `${all[i]} vs ${all[j]}`).to.equal(false);
      }
      const privPrefix = prefixOf(subnets(cloud, "private")[0].inputs.cidrBlock);
      const pubPrefix = prefixOf(subnets(cloud, "public")[0].inputs.cidrBlock);
      expect(privPrefix).to.be.lessThan(pubPrefix);
    });

    it("tags subnets for the AWS Load Balancer Controller", () => {
      for (const s of subnets(cloud, "public")) {
        expect(s.inputs.tags).to.include({ "kubernetes.io/role/elb": "1" });
        expect(s.inputs.tags).to.not.have.property("kubernetes.io/role/internal-elb");
      }
      for (const s of subnets(cloud, "private")) {
        expect(s.inputs.tags).to.include({ "kubernetes.io/role/internal-elb": "1" });
        expect(s.inputs.tags).to.not.have.property("kubernetes.io/role/elb");
      }
    });

    it("routes public subnets to the internet gateway", () => {
      const igw = cloud.one("aws:ec2/internetGateway:InternetGateway");
      for (const s of subnets(cloud, "public")) expect(defaultRouteOf(cloud, s).inputs.gatewayId).to.equal(igw.id);
    });

    it("creates a NAT gateway with its own EIP in each AZ's public subnet", () => {
      const nats = cloud.ofType(NAT);
      expect(nats).to.have.length(cfg.azCount);
      expect(new Set(nats.map((n) => n.inputs.subnetId))).to.deep.equal(new Set(subnets(cloud, "public").map((s) => s.id)));
      const eips = cloud.ofType("aws:ec2/eip:Eip");
      expect(eips).to.have.length(cfg.azCount);
      expect(new Set(nats.map((n) => n.inputs.allocationId))).to.deep.equal(new Set(eips.map((e) => e.id)));
    });

    it("routes each private subnet through the NAT gateway in its own AZ", () => {
      const publicById = new Map(subnets(cloud, "public").map((s) => [s.id, s]));
      for (const priv of subnets(cloud, "private")) {
        const natId = defaultRouteOf(cloud, priv).inputs.natGatewayId;
        const nat = cloud.ofType(NAT).find((n) => n.id === natId);
        expect(nat, `NAT for ${priv.name}`).to.not.equal(undefined);
        expect(publicById.get(nat!.inputs.subnetId)?.inputs.availabilityZone).to.equal(priv.inputs.availabilityZone);
      }
    });

    it("adds a free S3 gateway endpoint for the Region on the private route tables", () => {
      const endpoint = cloud.one("aws:ec2/vpcEndpoint:VpcEndpoint");
      expect(endpoint.inputs).to.include({ serviceName: `com.amazonaws.${cfg.region}.s3`, vpcEndpointType: "Gateway" });
      const privateTables = cloud.ofType(ROUTE_TABLE).filter((t) => t.name.includes("-private-"));
      expect(endpoint.inputs.routeTableIds).to.have.members(privateTables.map((t) => t.id));
    });

    it("exposes ids in AZ order", async () => {
      expect(await resolve(network.privateSubnetIds)).to.deep.equal(subnets(cloud, "private").map((s) => s.id));
      expect(await resolve(network.publicSubnetIds)).to.deep.equal(subnets(cloud, "public").map((s) => s.id));
      expect(await resolve(network.availabilityZones)).to.deep.equal(subnets(cloud, "private").map((s) => s.inputs.availabilityZone));
      expect(await resolve(network.natGatewayIds)).to.deep.equal(cloud.ofType(NAT).map((n) => n.id));
      expect(await resolve(network.cidrBlock)).to.equal(cfg.vpcCidr);
      expect(await resolve(network.vpcId)).to.equal(cloud.one("aws:ec2/vpc:Vpc").id);
    });

    it("parents every child under the Network and registers it in the site's Region", () => {
      const children = componentChildren(cloud).filter((r) => r.type !== "eks-dr:index:Network");
      expect(children.length).to.be.greaterThan(20);
      for (const r of children) {
        expect(r.urn, r.name).to.contain("eks-dr:index:Network$");
        expect(r.region, r.name).to.equal(cfg.region);
      }
    });
  });

  describe("on the DR site's config (standby: a single NAT gateway)", () => {
    let cloud: MockCloud;
    let cfg: SiteConfig;

    before(async () => {
      cfg = siteConfig("dr");
      expect(natGatewayMode(cfg)).to.equal("single");
      ({ cloud } = await evaluateNetwork(networkArgs(cfg), cfg.region));
    });

    it("creates one NAT gateway and points every private subnet at it", () => {
      const nat = cloud.one(NAT);
      expect(cloud.ofType("aws:ec2/eip:Eip")).to.have.length(1);
      expect(nat.inputs.subnetId).to.equal(subnets(cloud, "public")[0].id);
      for (const priv of subnets(cloud, "private")) expect(defaultRouteOf(cloud, priv).inputs.natGatewayId).to.equal(nat.id);
    });

    it("keeps a route table per private subnet, so switching to perAz only repoints routes", () => {
      expect(cloud.ofType(ROUTE_TABLE).filter((t) => t.name.includes("-private-"))).to.have.length(cfg.azCount);
      expect(cloud.one(NAT).name).to.equal("site-nat-0");
    });
  });

  it("follows the given Region and block: nothing is hard-coded", async () => {
    const args: NetworkArgs = { cidrBlock: "172.20.32.0/19", azCount: 2, natGateways: "perAz", s3GatewayEndpoint: true };
    const { cloud } = await evaluateNetwork(args, "ap-southeast-2");
    const all = cloud.ofType(SUBNET);
    expect(all).to.have.length(4);
    for (const s of all) {
      expect(inside(s.inputs.cidrBlock, args.cidrBlock), s.inputs.cidrBlock).to.equal(true);
      expect(s.inputs.availabilityZone).to.match(/^ap-southeast-2[a-z]$/);
    }
    expect(cloud.ofType(NAT)).to.have.length(2);
    expect(cloud.one("aws:ec2/vpcEndpoint:VpcEndpoint").inputs.serviceName).to.equal("com.amazonaws.ap-southeast-2.s3");
    const everything = JSON.stringify(componentChildren(cloud).map((r) => r.inputs));
    for (const foreign of ["us-east-1", "us-west-2", "eu-west-3", "10.0.", "10.1."]) expect(everything).to.not.contain(foreign);
  });

  it("can leave out the S3 endpoint", async () => {
    const { cloud } = await evaluateNetwork({ cidrBlock: "10.9.0.0/16", azCount: 2, natGateways: "single", s3GatewayEndpoint: false }, "eu-central-1");
    expect(cloud.ofType("aws:ec2/vpcEndpoint:VpcEndpoint")).to.have.length(0);
  });

  describe("in a Region with fewer AZs than azCount", () => {
    const originalCall = MockCloud.prototype.call;
    before(() => {
      // A Region that offers two AZs (e.g. a new Region, or opt-in zones filtered out).
      MockCloud.prototype.call = function (this: MockCloud, args) {
        const result = originalCall.call(this, args);
        if (args.token === "aws:index/getAvailabilityZones:getAvailabilityZones") return { ...result, names: result.names.slice(0, 2) };
        return result;
      };
    });
    after(() => {
      MockCloud.prototype.call = originalCall;
    });

    it("fails with a message naming eks-dr:azCount", async () => {
      // The lookup answers after registration starts, so the failure surfaces as the program's
      // error (the subnets' AZ input rejects), which is how `pulumi preview` reports it too.
      const seen: string[] = [];
      const listener = (reason: unknown) => void seen.push(String(reason));
      process.on("unhandledRejection", listener);
      try {
        void evaluateNetwork({ cidrBlock: "10.0.0.0/16", azCount: 3, natGateways: "perAz" }, "ca-west-1");
        const wanted = /eks-dr:azCount is 3 but this Region has 2 available AZs \(ca-west-1a, ca-west-1b\); set eks-dr:azCount to 2 or less/;
        for (let waited = 0; waited < 5000 && !seen.some((m) => wanted.test(m)); waited += 50) await new Promise((ok) => setTimeout(ok, 50));
        expect(seen.find((m) => wanted.test(m)), seen[0]).to.not.equal(undefined);
      } finally {
        process.off("unhandledRejection", listener);
        // The failed registrations never settle under mocks (a real run exits on the first
        // error). Once they have all failed, forget them: the runtime's exit-time leak check
        // would otherwise set a non-zero exit code for the whole mocha process.
        await new Promise((ok) => setTimeout(ok, 500));
        const debuggable = (await import("@pulumi/pulumi/runtime/debuggable.js")) as unknown as { leakedPromises: () => unknown };
        debuggable.leakedPromises();
      }
    });
  });
});
