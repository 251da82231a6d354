/**
 * The network: what it passes to `awsx.ec2.Vpc` (the CIDR plan, AZs, NAT strategy, tags, the S3
 * endpoint, the site's provider), and, through the mocks' model of awsx's layout
 * (automation/sim/program/packaged-components.ts), that a NAT strategy change moves no subnet.
 */
import { expect } from "chai";
import * as ipaddr from "ipaddr.js";
import { availabilityZonesFor, MAX_AZS, Network, subnetLayout, type NetworkArgs } from "../../components/network";
import { cidrsOverlap, parseSiteConfig, type SiteConfig } from "../../stacks/config";
import { natGatewayMode } from "../../stacks/roles";
import { componentChildren, evaluateComponent } from "../harness/component";
import { resolve, siteRawConfig } from "../../automation/sim/program/evaluate";
import { MockCloud, type RecordedResource } from "../../automation/sim/program/mock-cloud";

const VPC = "awsx:ec2:Vpc";
const SUBNET = "aws:ec2/subnet:Subnet";
const NAT = "aws:ec2/natGateway:NatGateway";
const ROUTE = "aws:ec2/route:Route";

const siteConfig = (stack: string, overrides: Record<string, unknown> = {}): SiteConfig => parseSiteConfig(stack, siteRawConfig(stack, overrides));
const zones = (region: string, count: number) => Array.from({ length: count }, (_, i) => `${region}${"abc"[i]}`);

function networkArgs(cfg: SiteConfig): NetworkArgs {
  return {
    cidrBlock: cfg.vpcCidr,
    availabilityZoneNames: zones(cfg.region, cfg.azCount),
    natGateways: natGatewayMode(cfg),
    s3GatewayEndpointRegion: cfg.region,
  };
}

async function evaluateNetwork(args: NetworkArgs, region: string) {
  return evaluateComponent((ctx) => new Network("site", args, { providers: [ctx.aws] }), { region });
}

const prefixOf = (cidr: string): number => ipaddr.IPv4.parseCIDR(cidr)[1];
const inside = (inner: string, outer: string): boolean => {
  const [addr] = ipaddr.IPv4.parseCIDR(inner);
  return prefixOf(inner) >= prefixOf(outer) && addr.match(ipaddr.IPv4.parseCIDR(outer));
};
const specOf = (vpc: RecordedResource, type: "Public" | "Private") => vpc.inputs.subnetSpecs.find((s: { type: string }) => s.type === type);

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

  describe("availabilityZonesFor", () => {
    it("takes the first AZs of the provider's Region by name, regular AZs only, whatever their state", async () => {
      const { cloud, value } = await evaluateComponent((ctx) => availabilityZonesFor(2, { provider: ctx.aws }), { region: "eu-central-1" });
      expect(await value).to.deep.equal(["eu-central-1a", "eu-central-1b"]);
      const lookup = cloud.calls.find((c) => c.token === "aws:index/getAvailabilityZones:getAvailabilityZones")!;
      expect(lookup.region).to.equal("eu-central-1");
      expect(lookup.inputs.filters).to.deep.equal([{ name: "opt-in-status", values: ["opt-in-not-required"] }]);
      // An AZ later reported impaired must not shift the list (and move a subnet): no state filter.
      expect(lookup.inputs.state).to.equal(undefined);
    });

    describe("in a Region with fewer AZs than asked", () => {
      const originalCall = MockCloud.prototype.call;
      before(() => {
        MockCloud.prototype.call = function (this: MockCloud, args) {
          const result = originalCall.call(this, args);
          if (args.token === "aws:index/getAvailabilityZones:getAvailabilityZones") return { ...result, names: ["ca-west-1b", "ca-west-1a"] };
          return result;
        };
      });
      after(() => {
        MockCloud.prototype.call = originalCall;
      });

      it("fails naming eks-dr:azCount and what to set it to, before anything is built", async () => {
        const { value } = await evaluateComponent((ctx) => availabilityZonesFor(3, { provider: ctx.aws }), { region: "ca-west-1" });
        const error = await value.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect((error as Error)?.message).to.equal("eks-dr:azCount is 3 but this Region has 2 AZs (ca-west-1a, ca-west-1b); set eks-dr:azCount to 2 or less");
      });
    });
  });

  describe("on the primary site's config (active: a NAT gateway per AZ)", () => {
    let cloud: MockCloud;
    let network: Network;
    let cfg: SiteConfig;
    let vpc: RecordedResource;

    before(async () => {
      cfg = siteConfig("primary");
      expect(natGatewayMode(cfg)).to.equal("perAz");
      ({ cloud, value: network } = await evaluateNetwork(networkArgs(cfg), cfg.region));
      vpc = cloud.one(VPC);
    });

    it("builds the VPC with awsx on the configured block, DNS on, through the site's AWS provider", () => {
      expect(vpc.inputs).to.include({ cidrBlock: cfg.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true });
      expect(vpc.urn).to.contain("eks-dr:index:Network$awsx:ec2:Vpc::site");
      const provider = cloud.one("pulumi:providers:aws");
      expect(vpc.providers?.aws, "a packaged component does not inherit its parent's providers").to.equal(`${provider.urn}::${provider.id}`);
    });

    it("gives awsx the subnet plan as explicit blocks, one public and one private subnet per AZ, in AZ order", () => {
      const layout = subnetLayout(cfg.vpcCidr, cfg.azCount);
      expect(vpc.inputs.availabilityZoneNames).to.deep.equal(zones(cfg.region, cfg.azCount));
      // "Auto" with explicit blocks is awsx's explicit allocator, which keeps the plan's spare block.
      expect(vpc.inputs.subnetStrategy).to.equal("Auto");
      expect(vpc.inputs.subnetSpecs).to.have.length(2);
      expect(specOf(vpc, "Public").cidrBlocks).to.deep.equal(layout.map((l) => l.publicCidr));
      expect(specOf(vpc, "Private").cidrBlocks).to.deep.equal(layout.map((l) => l.privateCidr));
      const all = [...specOf(vpc, "Public").cidrBlocks, ...specOf(vpc, "Private").cidrBlocks] as string[];
      for (const cidr of all) expect(inside(cidr, cfg.vpcCidr), `${cidr} inside ${cfg.vpcCidr}`).to.equal(true);
      for (let i = 0; i < all.length; i++)
        for (let j = i + 1; j < all.length; j++) expect(cidrsOverlap(all[i], all[j]), `${all[i]} vs ${all[j]}`).to.equal(false);
    });

    it("tags subnets for the AWS Load Balancer Controller", () => {
      expect(specOf(vpc, "Public").tags).to.deep.equal({ "kubernetes.io/role/elb": "1" });
      expect(specOf(vpc, "Private").tags).to.deep.equal({ "kubernetes.io/role/internal-elb": "1" });
    });

    it("asks for a NAT gateway per AZ and a free S3 gateway endpoint for the Region on every route table", () => {
      expect(vpc.inputs.natGateways).to.deep.equal({ strategy: "OnePerAz" });
      expect(vpc.inputs.vpcEndpointStrategy).to.equal("Auto");
      expect(vpc.inputs.vpcEndpointSpecs).to.deep.equal([{ serviceName: `com.amazonaws.${cfg.region}.s3`, vpcEndpointType: "Gateway" }]);
    });

    it("exposes awsx's subnet ids in AZ order, the AZs and the block", async () => {
      const subnets = (kind: string) => cloud.ofType(SUBNET).filter((s) => s.name.startsWith(`site-${kind}-`));
      expect(await resolve(network.privateSubnetIds)).to.deep.equal(subnets("private").map((s) => s.id));
      expect(await resolve(network.publicSubnetIds)).to.deep.equal(subnets("public").map((s) => s.id));
      expect(subnets("private").map((s) => s.inputs.availabilityZone)).to.deep.equal(zones(cfg.region, cfg.azCount));
      expect(await resolve(network.availabilityZones)).to.deep.equal(zones(cfg.region, cfg.azCount));
      expect(await resolve(network.cidrBlock)).to.equal(cfg.vpcCidr);
      expect(await resolve(network.vpcId)).to.equal(cloud.one("aws:ec2/vpc:Vpc").id);
    });

    it("lands every AWS resource awsx creates in the site's Region, under the Network", () => {
      const children = componentChildren(cloud).filter((r) => r.type.startsWith("aws:"));
      expect(children.length).to.be.greaterThan(20);
      for (const r of children) {
        expect(r.urn, r.name).to.contain("eks-dr:index:Network$awsx:ec2:Vpc$");
        expect(r.region, r.name).to.equal(cfg.region);
      }
    });
  });

  describe("switching the NAT strategy with the role (perAz <-> single)", () => {
    let perAz: MockCloud;
    let single: MockCloud;
    const args = (natGateways: NetworkArgs["natGateways"]): NetworkArgs => ({
      cidrBlock: "10.1.0.0/16",
      availabilityZoneNames: zones("us-west-2", 3),
      natGateways,
      s3GatewayEndpointRegion: "us-west-2",
    });

    before(async () => {
      ({ cloud: perAz } = await evaluateNetwork(args("perAz"), "us-west-2"));
      ({ cloud: single } = await evaluateNetwork(args("single"), "us-west-2"));
    });

    it("passes awsx the same network apart from the NAT strategy", () => {
      const { natGateways: a, ...restA } = perAz.one(VPC).inputs;
      const { natGateways: b, ...restB } = single.one(VPC).inputs;
      expect([a, b]).to.deep.equal([{ strategy: "OnePerAz" }, { strategy: "Single" }]);
      expect(restB).to.deep.equal(restA);
    });

    it("moves no subnet, route table or association, so no EFS mount target goes with them", () => {
      for (const type of [
        SUBNET,
        "aws:ec2/routeTable:RouteTable",
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "aws:ec2/vpc:Vpc",
        "aws:ec2/vpcEndpoint:VpcEndpoint",
      ]) {
        const before = perAz.ofType(type);
        const after = single.ofType(type);
        expect(
          after.map((r) => r.urn),
          type,
        ).to.deep.equal(before.map((r) => r.urn));
        after.forEach((r, i) => expect(r.inputs, r.name).to.deep.equal(before[i].inputs));
      }
    });

    it("keeps the first AZ's NAT gateway and repoints the other private routes at it", () => {
      const nats = (cloud: MockCloud) => cloud.ofType(NAT);
      expect(nats(perAz).map((n) => n.name)).to.deep.equal(["site-1", "site-2", "site-3"]);
      expect(nats(single).map((n) => n.name)).to.deep.equal(["site-1"]);
      expect(nats(single)[0].urn).to.equal(nats(perAz)[0].urn);
      expect(nats(single)[0].inputs).to.deep.equal(nats(perAz)[0].inputs);
      const privateRoutes = (cloud: MockCloud) => cloud.ofType(ROUTE).filter((r) => r.name.includes("-private-"));
      expect(privateRoutes(single).map((r) => r.urn)).to.deep.equal(privateRoutes(perAz).map((r) => r.urn));
      expect(privateRoutes(perAz).map((r) => r.inputs.natGatewayId)).to.deep.equal(nats(perAz).map((n) => n.id));
      expect(privateRoutes(single).map((r) => r.inputs.natGatewayId)).to.deep.equal([nats(single)[0].id, nats(single)[0].id, nats(single)[0].id]);
    });
  });

  it("follows the given Region, AZs and block: nothing is hard-coded", async () => {
    const args: NetworkArgs = {
      cidrBlock: "172.20.32.0/19",
      availabilityZoneNames: ["ap-southeast-2b", "ap-southeast-2c"],
      natGateways: "perAz",
      s3GatewayEndpointRegion: "ap-southeast-2",
    };
    const { cloud } = await evaluateNetwork(args, "ap-southeast-2");
    const vpc = cloud.one(VPC);
    expect(vpc.inputs.availabilityZoneNames).to.deep.equal(["ap-southeast-2b", "ap-southeast-2c"]);
    for (const cidr of [...specOf(vpc, "Public").cidrBlocks, ...specOf(vpc, "Private").cidrBlocks]) expect(inside(cidr, args.cidrBlock), cidr).to.equal(true);
    expect(vpc.inputs.vpcEndpointSpecs[0].serviceName).to.equal("com.amazonaws.ap-southeast-2.s3");
    for (const r of componentChildren(cloud).filter((c) => c.type.startsWith("aws:"))) expect(r.region, r.name).to.equal("ap-southeast-2");
    const everything = JSON.stringify(componentChildren(cloud).map((r) => r.inputs));
    for (const foreign of ["us-east-1", "us-west-2", "eu-west-3", "10.0.", "10.1."]) expect(everything).to.not.contain(foreign);
  });

  it("can leave out the S3 endpoint", async () => {
    const { cloud } = await evaluateNetwork(
      { cidrBlock: "10.9.0.0/16", availabilityZoneNames: zones("eu-central-1", 2), natGateways: "single" },
      "eu-central-1",
    );
    expect(cloud.one(VPC).inputs.vpcEndpointSpecs).to.deep.equal([]);
    expect(cloud.ofType("aws:ec2/vpcEndpoint:VpcEndpoint")).to.have.length(0);
  });

  it("refuses to build without the site's AWS provider instead of letting awsx use the default one", async () => {
    let error: unknown;
    try {
      await evaluateComponent(() => new Network("site", { cidrBlock: "10.9.0.0/16", availabilityZoneNames: zones("eu-central-1", 2), natGateways: "single" }), {
        region: "eu-central-1",
      });
    } catch (e) {
      error = e;
    }
    expect((error as Error)?.message).to.match(/^Network site: no AWS provider to give its packaged components; pass the site's provider in `providers`/);
  });
});
