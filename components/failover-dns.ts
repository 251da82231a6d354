/**
 * This site's half of the Route 53 failover pair (decision 6): a health check on the site's ALB and
 * ONE failover CNAME for the application hostname, identified by the stack name and designated
 * PRIMARY when the site is active, SECONDARY when it is standby.
 *
 * Route 53 facts this relies on (Route 53 API reference, ResourceRecordSet `Failover` and
 * `HealthCheckId`; Developer Guide, "How Route 53 determines whether a health check is healthy"):
 * - A failover group is the records with the same name and type; one is PRIMARY, one SECONDARY.
 *   A record without a health check counts as always healthy, so a PRIMARY without one would never
 *   fail over: the PRIMARY carries this site's check.
 * - "If you omit the HealthCheckId element for the secondary resource record set, and if the
 *   primary resource record set is unhealthy, Route 53 always responds to DNS queries with the
 *   applicable value from the secondary resource record set" (API reference, ResourceRecordSet
 *   `Failover`). The SECONDARY carries none: users move to the standby as soon as the PRIMARY
 *   fails, and reach it the moment it serves; the price is that a blip of the PRIMARY's check
 *   sends them to a standby that does not serve yet (docs/decisions.md, "DNS tail"). The check is
 *   still created for the standby: the driver reads it, and the swap attaches it to the new PRIMARY
 *   (the new SECONDARY keeps its check until its `up` as standby, so mid-swap Route 53 never
 *   answers with the site just quiesced).
 * - HTTP/HTTPS checks pass on any status from 200 to 399, and Route 53 does not validate the TLS
 *   certificate (the ALB's certificate is for the application hostname, not the ALB's own name).
 * - Health checks and records are global; the Route 53 API is served from us-east-1 whatever
 *   provider Region is used, so the site's provider is fine here.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DnsConfig } from "../stacks/config";

export interface FailoverDnsArgs {
  /** The `dns` block of the site's config (zone, hostname, TTL, health check settings). */
  dns: DnsConfig;
  /** This record's designation in the failover group: PRIMARY while the site serves, SECONDARY otherwise. */
  designation: "PRIMARY" | "SECONDARY";
  /** DNS name of this site's ALB (from the Ingress status). */
  albHostname: pulumi.Input<string>;
  /**
   * Identifies this site's record within the failover group. It never changes with the role, so a
   * role swap is an in-place update of the same record. @default the stack name
   */
  setIdentifier?: string;
}

export class FailoverDns extends pulumi.ComponentResource {
  /** This site's health check (attached to the record only while it is PRIMARY). */
  readonly healthCheckId: pulumi.Output<string>;
  /** URN of the record, so the driver can leave it out of an `up` (`dnsRecordUrn` output). */
  readonly recordUrn: pulumi.Output<string>;
  readonly healthCheck: aws.route53.HealthCheck;
  readonly record: aws.route53.Record;

  constructor(name: string, args: FailoverDnsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("eks-dr:index:FailoverDns", name, {}, opts);
    const { dns } = args;
    const setIdentifier = args.setIdentifier ?? pulumi.getStack();
    const https = dns.healthCheck.protocol === "HTTPS";

    this.healthCheck = new aws.route53.HealthCheck(
      name,
      {
        type: dns.healthCheck.protocol,
        fqdn: args.albHostname,
        port: https ? 443 : 80,
        resourcePath: dns.healthCheck.path,
        requestInterval: dns.healthCheck.requestIntervalSeconds,
        failureThreshold: dns.healthCheck.failureThreshold,
        // SNI makes the ALB pick the listener certificate; Route 53 retries without SNI when the
        // certificate does not match the ALB name, and does not validate it either way.
        ...(https ? { enableSni: true } : {}),
        tags: { Name: `${setIdentifier}-${dns.hostname}` },
      },
      { parent: this },
    );

    this.record = new aws.route53.Record(
      name,
      {
        zoneId: dns.hostedZoneId,
        name: dns.hostname,
        type: "CNAME",
        ttl: dns.ttlSeconds,
        records: [args.albHostname],
        setIdentifier,
        failoverRoutingPolicies: [{ type: args.designation }],
        // Only the PRIMARY is health-checked: a SECONDARY without one counts as healthy, so Route 53
        // answers with it as soon as the PRIMARY's check fails, instead of waiting for the
        // standby's own check to turn healthy after it serves (docs/decisions.md, "DNS tail").
        ...(args.designation === "PRIMARY" ? { healthCheckId: this.healthCheck.id } : {}),
        // The driver swaps both designations in one change batch before any `up` (decision 6). This
        // site's next `up` then sees state (old designation) differ from config (new one) and
        // updates the record; the provider sends an UPSERT for every update, which restates what
        // Route 53 already holds, so it neither fails nor reverts the swap. `allowOverwrite` only
        // changes *creation* from CREATE to UPSERT: left off, a first `up` refuses to silently take
        // over a record someone else created under this set identifier (import it instead).
        allowOverwrite: false,
      },
      { parent: this },
    );

    this.healthCheckId = this.healthCheck.id;
    this.recordUrn = this.record.urn;
    this.registerOutputs({ healthCheckId: this.healthCheckId, recordUrn: this.recordUrn });
  }
}
