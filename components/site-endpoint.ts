/**
 * The site's own endpoint: the ALB every Ingress of the site shares (an IngressGroup), with a
 * health path the ALB answers by itself. Route 53's health check and failover record and the
 * driver's serving probe point at it, so failover DNS exists whether or not an application is
 * deployed (docs/decisions.md, "The site owns the endpoint failover DNS checks").
 *
 * AWS Load Balancer Controller facts this relies on (docs/guide/ingress/annotations.md of the
 * controller release the chart installs, v2.11):
 * - Ingresses with the same `group.name` share one ALB; `group.order` (-1000..1000, default 0)
 *   orders their rules, smaller first. This Ingress is last (1000): an application's Ingress in
 *   the group (order 0) matches the health path first, so with an application its pods answer the
 *   health check (pilot light: no web pods, 503, unhealthy, as before), and without one the ALB's
 *   fixed 200 does.
 * - `actions.<name>` with `{"type":"fixed-response",...}` and a backend `<name>` on port
 *   `use-annotation` is a listener rule that answers without any target (ELB API reference,
 *   FixedResponseActionConfig: status 2XX/4XX/5XX).
 * - `scheme` and `ssl-redirect` must be the same on every Ingress of a group, and `listen-ports`
 *   apply to each Ingress's own rules: every Ingress of the site takes `siteAlbAnnotations`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { DnsConfig } from "../stacks/config";
import { ALB_INGRESS_CLASS } from "./ingress-controller";

/** The IngressGroup of a site's ALB; one site per cluster, so one name serves every site. */
export const SITE_ALB_GROUP = "eks-dr-site";
/** Evaluated after every other Ingress of the group (the controller's maximum order). */
export const SITE_ENDPOINT_ORDER = 1000;
const DEFAULT_HEALTH_PATH = "/healthz";
/** The listener rule action answering the health path (its name is the rule's backend service name). */
const HEALTH_ACTION = "site-health";

/**
 * Listener settings of the site's ALB, the same on every Ingress in its group: internet-facing,
 * HTTP (and HTTPS with `dns.certificateArn`), HTTP redirected to HTTPS only when Route 53 checks
 * over HTTPS (it counts any 2xx/3xx as healthy, so an HTTP check would pass on the redirect alone).
 */
export function siteAlbAnnotations(dns: DnsConfig | undefined, groupName: string | undefined): Record<string, string> {
  const annotations: Record<string, string> = {
    ...(groupName ? { "alb.ingress.kubernetes.io/group.name": groupName } : {}),
    "alb.ingress.kubernetes.io/scheme": "internet-facing",
  };
  if (dns?.certificateArn === undefined) {
    annotations["alb.ingress.kubernetes.io/listen-ports"] = JSON.stringify([{ HTTP: 80 }]);
    return annotations;
  }
  // Listen on both: the controller's default with a certificate is HTTPS only.
  annotations["alb.ingress.kubernetes.io/listen-ports"] = JSON.stringify([{ HTTP: 80 }, { HTTPS: 443 }]);
  annotations["alb.ingress.kubernetes.io/certificate-arn"] = dns.certificateArn;
  if (dns.healthCheck.protocol === "HTTPS") annotations["alb.ingress.kubernetes.io/ssl-redirect"] = "443";
  return annotations;
}

export interface SiteEndpointArgs {
  /** Namespace of the site's own Ingress (the site's application namespace). */
  namespace: pulumi.Input<string>;
  /** `eks-dr:dns`: health path, certificate and health-check protocol. @default HTTP on /healthz */
  dns?: DnsConfig;
  /** IngressGroup the site's Ingresses share. @default SITE_ALB_GROUP */
  groupName?: string;
}

export class SiteEndpoint extends pulumi.ComponentResource {
  /** DNS name of the site's ALB (`albHostname` output): what the failover record and health check point at. */
  readonly albHostname: pulumi.Output<string>;
  /** What the driver probes to know the site serves: `<scheme>://<alb><health path>` (`endpointUrl` output). */
  readonly endpointUrl: pulumi.Output<string>;
  /** For an HTTPS endpoint: the application hostname the probe presents (the name on the ALB's certificate). */
  readonly endpointHostname?: string;
  readonly ingress: k8s.networking.v1.Ingress;

  constructor(name: string, args: SiteEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
    super("eks-dr:index:SiteEndpoint", name, {}, opts);
    const healthPath = args.dns?.healthCheck.path ?? DEFAULT_HEALTH_PATH;
    const listener = siteAlbAnnotations(args.dns, args.groupName ?? SITE_ALB_GROUP);

    this.ingress = new k8s.networking.v1.Ingress(
      name,
      {
        metadata: {
          name: "site-endpoint",
          namespace: args.namespace,
          labels: { "app.kubernetes.io/name": "site-endpoint", "app.kubernetes.io/part-of": "eks-dr" },
          annotations: {
            ...listener,
            "alb.ingress.kubernetes.io/group.order": String(SITE_ENDPOINT_ORDER),
            [`alb.ingress.kubernetes.io/actions.${HEALTH_ACTION}`]: JSON.stringify({
              type: "fixed-response",
              fixedResponseConfig: { contentType: "text/plain", statusCode: "200", messageBody: "ok" },
            }),
          },
        },
        spec: {
          ingressClassName: ALB_INGRESS_CLASS,
          rules: [
            { http: { paths: [{ path: healthPath, pathType: "Exact", backend: { service: { name: HEALTH_ACTION, port: { name: "use-annotation" } } } }] } },
          ],
        },
      },
      { parent: this },
    );

    // Every Ingress of the group reports the group's ALB in its status.
    this.albHostname = this.ingress.status.apply((status) => {
      const hostname = status?.loadBalancer?.ingress?.[0]?.hostname;
      if (!hostname) throw new Error(`Ingress ${name} has no load balancer hostname; check the AWS Load Balancer Controller's logs in kube-system`);
      return hostname;
    });
    const scheme = listener["alb.ingress.kubernetes.io/ssl-redirect"] ? "https" : "http";
    this.endpointUrl = pulumi.interpolate`${scheme}://${this.albHostname}${healthPath}`;
    this.endpointHostname = scheme === "https" ? args.dns?.hostname : undefined;
    this.registerOutputs({ albHostname: this.albHostname, endpointUrl: this.endpointUrl, endpointHostname: this.endpointHostname });
  }
}
