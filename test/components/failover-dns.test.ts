import { expect } from "chai";
import { FailoverDns, type FailoverDnsArgs } from "../../components/failover-dns";
import { siteConfigSchema, type DnsConfig } from "../../stacks/config";
import { componentChildren, evaluateComponent } from "../harness/component";
import { resolve } from "../../automation/sim/program/evaluate";

/** A `dns` block as the schema parses it, defaults included. */
function dnsConfig(raw: Record<string, unknown> = {}): DnsConfig {
  return siteConfigSchema.shape.dns.unwrap().parse({ hostedZoneId: "Z0123456789ABCDEFGHIJ", hostname: "shop.example.com", ...raw });
}

const ALB = "k8s-shop-web-0123456789.eu-west-3.elb.amazonaws.com";

async function build(designation: FailoverDnsArgs["designation"], opts: { dns?: DnsConfig; stack?: string; region?: string; albHostname?: string } = {}) {
  const args: FailoverDnsArgs = { dns: opts.dns ?? dnsConfig(), designation, albHostname: opts.albHostname ?? ALB };
  return evaluateComponent((ctx) => new FailoverDns("dns", args, { providers: [ctx.aws] }), { stack: opts.stack ?? "primary", region: opts.region });
}

describe("FailoverDns", () => {
  it("makes a PRIMARY record, with its health check, named by the stack", async () => {
    const { cloud, value } = await build("PRIMARY", { stack: "primary" });
    const record = cloud.one("aws:route53/record:Record");
    const check = cloud.one("aws:route53/healthCheck:HealthCheck");
    expect(record.inputs.failoverRoutingPolicies).to.deep.equal([{ type: "PRIMARY" }]);
    expect(record.inputs.healthCheckId).to.equal(check.id).and.to.match(/^hc-/);
    expect(record.inputs.setIdentifier).to.equal("primary");
    expect(record.inputs).to.include({ zoneId: "Z0123456789ABCDEFGHIJ", name: "shop.example.com", type: "CNAME", ttl: 60 });
    expect(record.inputs.records).to.deep.equal([ALB]);
    expect(await resolve(value.healthCheckId)).to.equal(check.id);
  });

  it("makes a SECONDARY record without a health check (answered as soon as the PRIMARY fails), and still checks the site", async () => {
    const { cloud, value } = await build("SECONDARY", { stack: "dr" });
    const record = cloud.one("aws:route53/record:Record");
    expect(record.inputs.failoverRoutingPolicies).to.deep.equal([{ type: "SECONDARY" }]);
    expect(record.inputs.setIdentifier).to.equal("dr");
    expect(record.inputs.healthCheckId).to.equal(undefined);
    // The check exists for the driver (is the standby serving?) and for the swap to attach.
    expect(await resolve(value.healthCheckId)).to.equal(cloud.one("aws:route53/healthCheck:HealthCheck").id);
  });

  it("never creates over an existing record; updates (the designation swap) are UPSERTs by the provider", async () => {
    const { cloud } = await build("PRIMARY");
    expect(cloud.one("aws:route53/record:Record").inputs.allowOverwrite).to.equal(false);
  });

  it("takes TTL, path, protocol, interval and threshold from config", async () => {
    const dns = dnsConfig({ ttlSeconds: 15, healthCheck: { path: "/ready", requestIntervalSeconds: 30, failureThreshold: 5 } });
    const { cloud } = await build("PRIMARY", { dns });
    expect(cloud.one("aws:route53/record:Record").inputs.ttl).to.equal(15);
    const check = cloud.one("aws:route53/healthCheck:HealthCheck").inputs;
    expect(check).to.include({ type: "HTTP", fqdn: ALB, port: 80, resourcePath: "/ready", requestInterval: 30, failureThreshold: 5 });
    expect(check.enableSni).to.equal(undefined);
  });

  it("uses the schema defaults (10 s interval, 3 failures, /healthz) when the block is minimal", async () => {
    const { cloud } = await build("PRIMARY");
    expect(cloud.one("aws:route53/healthCheck:HealthCheck").inputs).to.include({ resourcePath: "/healthz", requestInterval: 10, failureThreshold: 3 });
  });

  it("checks HTTPS on 443 with SNI when configured", async () => {
    const dns = dnsConfig({ certificateArn: "arn:aws:acm:eu-west-3:123456789012:certificate/abc", healthCheck: { protocol: "HTTPS" } });
    const { cloud } = await build("SECONDARY", { dns });
    expect(cloud.one("aws:route53/healthCheck:HealthCheck").inputs).to.include({ type: "HTTPS", port: 443, enableSni: true });
  });

  for (const site of [
    { region: "eu-west-3", stack: "primary" },
    { region: "ap-southeast-2", stack: "dr" },
  ]) {
    it(`parents both children and uses the site's provider (${site.region})`, async () => {
      const alb = `k8s-shop-web-1.${site.region}.elb.amazonaws.com`;
      const { cloud, value } = await build("PRIMARY", { region: site.region, stack: site.stack, albHostname: alb });
      const children = componentChildren(cloud).filter((r) => r.type !== "eks-dr:index:FailoverDns");
      expect(children.map((r) => r.type).sort()).to.deep.equal(["aws:route53/healthCheck:HealthCheck", "aws:route53/record:Record"]);
      for (const r of children) {
        expect(r.region, r.name).to.equal(site.region);
        expect(r.urn, r.name).to.contain("eks-dr:index:FailoverDns$");
      }
      const record = cloud.one("aws:route53/record:Record");
      expect(record.inputs.records).to.deep.equal([alb]);
      expect(record.inputs.setIdentifier).to.equal(site.stack);
      expect(await resolve(value.recordUrn)).to.equal(record.urn);
    });
  }
});
