/**
 * Failover DNS does not depend on the sample workload: every site owns its load balancer (an
 * IngressGroup the site's own Ingress defines, with a health endpoint the ALB answers itself), the
 * Route 53 health check and failover record point at it, and an application joins the same ALB
 * with rules evaluated before the site's, so with an application its pods answer the health path.
 */
import { expect } from "chai";
import { evaluateSite, type Evaluation } from "../../automation/sim/program/evaluate";
import type { RecordedResource } from "../../automation/sim/program/mock-cloud";

const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck";
const RECORD = "aws:route53/record:Record";
const GROUP = "alb.ingress.kubernetes.io/group.name";
const ORDER = "alb.ingress.kubernetes.io/group.order";

const annotations = (r: RecordedResource): Record<string, string> => r.inputs.metadata?.annotations ?? {};
/** The rule paths of an Ingress and the backend each goes to. */
const rules = (r: RecordedResource) =>
  (r.inputs.spec.rules as { http: { paths: { path: string; pathType: string; backend: { service: { name: string; port: { name?: string } } } }[] } }[]).flatMap(
    (rule) => rule.http.paths,
  );

function siteIngress(ev: Evaluation): RecordedResource {
  const own = ev.cloud.ofType(INGRESS).filter((i) => Object.keys(annotations(i)).some((k) => k.startsWith("alb.ingress.kubernetes.io/actions.")));
  expect(own, "exactly one Ingress of the site's own (with a fixed-response action)").to.have.length(1);
  return own[0];
}

describe("site endpoint: failover DNS without the sample workload", function () {
  this.timeout(60_000);
  let withoutWorkload: Evaluation;
  let withWorkload: Evaluation;
  before(async () => {
    withoutWorkload = await evaluateSite({ stack: "primary", overrides: { workload: undefined } });
    withWorkload = await evaluateSite({ stack: "primary" });
  });

  it("keeps the health check and the failover record when the workload block is removed", () => {
    const hc = withoutWorkload.cloud.one(HEALTH_CHECK);
    const record = withoutWorkload.cloud.one(RECORD);
    expect(hc.inputs.fqdn).to.equal(withoutWorkload.outputs.albHostname);
    expect(record.inputs.records).to.deep.equal([withoutWorkload.outputs.albHostname]);
    expect(record.inputs.failoverRoutingPolicies).to.deep.equal([{ type: "PRIMARY" }]);
    expect(withoutWorkload.outputs.healthCheckId).to.equal(hc.id);
    expect(withoutWorkload.outputs.dnsRecordUrn).to.be.a("string");
    expect(withoutWorkload.outputs.endpointUrl).to.equal(`http://${withoutWorkload.outputs.albHostname}/healthz`);
    expect(withoutWorkload.cloud.ofType("kubernetes:apps/v1:Deployment"), "no sample workload").to.have.length(0);
  });

  it("the site's own Ingress answers the health path from the ALB itself (a fixed 200), last in its group", () => {
    const ingress = siteIngress(withoutWorkload);
    const a = annotations(ingress);
    expect(a[GROUP])
      .to.be.a("string")
      .and.match(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
    expect(a[ORDER]).to.equal("1000");
    expect(a["alb.ingress.kubernetes.io/scheme"]).to.equal("internet-facing");
    const [path] = rules(ingress);
    expect(path.path).to.equal("/healthz");
    expect(path.pathType).to.equal("Exact");
    expect(path.backend.service.port.name).to.equal("use-annotation");
    const action = JSON.parse(a[`alb.ingress.kubernetes.io/actions.${path.backend.service.name}`]);
    expect(action).to.deep.include({ type: "fixed-response" });
    expect(action.fixedResponseConfig.statusCode).to.equal("200");
  });

  it("with the workload, its Ingress joins the same ALB ahead of the site's rule, so the web tier answers the health path", () => {
    const own = siteIngress(withWorkload);
    const app = withWorkload.cloud.ofType(INGRESS).filter((i) => i !== own);
    expect(app).to.have.length(1);
    const appAnnotations = annotations(app[0]);
    expect(appAnnotations[GROUP]).to.equal(annotations(own)[GROUP]);
    // Smaller order is evaluated first; no order is 0.
    expect(Number(appAnnotations[ORDER] ?? "0")).to.be.lessThan(Number(annotations(own)[ORDER]));
    expect(rules(app[0]).map((p) => [p.path, p.pathType, p.backend.service.name])).to.deep.equal([["/", "Prefix", "web"]]);
    // Settings the controller wants equal across a group (scheme, ssl-redirect) or merged per port (listen-ports) agree.
    for (const key of ["scheme", "listen-ports", "ssl-redirect", "certificate-arn"].map((k) => `alb.ingress.kubernetes.io/${k}`)) {
      expect(appAnnotations[key], key).to.equal(annotations(own)[key]);
    }
    expect(withWorkload.cloud.one(HEALTH_CHECK).inputs.fqdn).to.equal(withWorkload.outputs.albHostname);
    // One group, one ALB: every Ingress of it reports the same load balancer hostname.
    const hostname = (r: RecordedResource) => r.state.status?.loadBalancer?.ingress?.[0]?.hostname as string | undefined;
    expect(hostname(app[0])).to.be.a("string");
    expect(hostname(app[0])).to.equal(hostname(own));
  });

  it("a standby without the workload keeps its SECONDARY record", async () => {
    const dr = await evaluateSite({ stack: "dr", overrides: { workload: undefined }, stackOutputs: { primary: withoutWorkload.outputs } });
    expect(dr.cloud.one(RECORD).inputs.failoverRoutingPolicies).to.deep.equal([{ type: "SECONDARY" }]);
    expect(dr.cloud.one(HEALTH_CHECK).inputs.fqdn).to.equal(dr.outputs.albHostname);
  });
});
