/**
 * Route 53: the failover records, the sites' health checks, the answer Route 53 gives, what clients
 * resolve once their cached answer expires (the TTL), and so whether users reach a serving site.
 * A health check follows its site's serving state after the detection time; the answer follows the
 * health checks at once; clients follow the answer after the TTL.
 */
import type { FailoverRecord } from "../../ports";
import { AwsError } from "../errors";
import type { HealthCheckTiming } from "../latency";
import { type Core, Part, type SiteRec, type WorldDns, type WorldSiteSpec } from "./core";

/** Pseudo-Region naming Route 53's control plane alone (it lives in us-east-1). */
export const ROUTE53 = "route53";

export class Route53 extends Part {
  private readonly records = new Map<string, FailoverRecord>();
  private readonly zone?: { hostedZoneId: string; hostname: string; ttlSeconds: number; healthCheck: HealthCheckTiming };
  private lastAnswer?: string;
  private readonly answerLog: { at: number; setIdentifier?: string }[] = [];
  private clientsTarget?: string;
  private clientsGen = 0;
  private readonly clientsLog: { at: number; setIdentifier?: string }[] = [];
  private userUp = false;
  /** Without failover DNS: the load balancer the application's name was pointed at (the site serving at the start). */
  private unmanagedTarget?: string;
  private readonly userLog: { at: number; up: boolean }[] = [];
  /** Whether users resolving the name can read (a site in read-only mode serves reads, no writes). */
  private readsUp = false;
  private readonly readsLog: { at: number; up: boolean }[] = [];
  /** Per stack: when its health check's status changed (what GetHealthCheckStatus would read from then on). */
  private readonly hcLog = new Map<string, { at: number; healthy: boolean }[]>();

  constructor(core: Core, specs: WorldSiteSpec[], dns: WorldDns | undefined) {
    super(core);
    if (dns) {
      this.zone = { ...dns };
      for (const spec of specs) {
        const site = this.siteOf(spec.stack);
        if (!spec.record || !site.names.albHostname) continue;
        this.records.set(spec.stack, {
          setIdentifier: spec.stack,
          failover: spec.record.failover,
          value: site.names.albHostname,
          ...(spec.record.withHealthCheck && site.names.healthCheckId ? { healthCheckId: site.names.healthCheckId } : {}),
        });
      }
    }
  }

  /** Steady state at the start: health checks agree with serving, and clients already resolve the answer. */
  start(): void {
    for (const site of this.sites) this.setHealthy(site, site.servesReads);
    this.unmanagedTarget = this.sites.find((s) => s.serving)?.names.albHostname;
    this.lastAnswer = this.computeAnswer();
    this.clientsTarget = this.lastAnswer;
    this.answerLog.push({ at: this.t, setIdentifier: this.lastAnswer });
    this.clientsLog.push({ at: this.t, setIdentifier: this.clientsTarget });
    this.userUp = this.computeUserUp();
    this.userLog.push({ at: this.t, up: this.userUp });
    this.readsUp = this.computeUserUp("reads");
    this.readsLog.push({ at: this.t, up: this.readsUp });
  }

  /** Whether the site serves (reads, at least) changed: its health check follows, after its detection time. */
  followServing(site: SiteRec, serving: boolean): void {
    const gen = ++site.hcGen;
    if (site.hcHealthy !== serving) {
      this.schedule(
        this.t + this.latency.sample("route53-unhealthy", { healthCheck: this.zone?.healthCheck }),
        `${site.stack}: health check ${serving ? "healthy" : "unhealthy"}`,
        () => {
          if (gen === site.hcGen) this.setHealthy(site, serving);
        },
      );
    }
  }

  private setHealthy(site: SiteRec, healthy: boolean): void {
    const log = this.hcLog.get(site.stack) ?? [];
    if (log.length === 0 || log[log.length - 1].healthy !== healthy) log.push({ at: this.t, healthy });
    this.hcLog.set(site.stack, log);
    site.hcHealthy = healthy;
  }

  /** When the site's health check turned healthy or unhealthy, oldest first (from the world's start). */
  healthCheckLog(stack: string): { at: number; healthy: boolean }[] {
    this.siteOf(stack);
    return [...(this.hcLog.get(stack) ?? [])];
  }

  /** Recompute step: Route 53's answer, then what clients resolve (after their cached answer expires). */
  trackAnswer(): void {
    const answer = this.computeAnswer();
    if (answer !== this.lastAnswer) {
      this.lastAnswer = answer;
      this.answerLog.push({ at: this.t, setIdentifier: answer });
      const gen = ++this.clientsGen;
      const delay = this.latency.sample("dns-ttl", { ttlSeconds: this.zone?.ttlSeconds });
      this.schedule(this.t + delay, `clients resolve ${answer}`, () => {
        if (gen !== this.clientsGen) return;
        this.clientsTarget = answer;
        this.clientsLog.push({ at: this.t, setIdentifier: answer });
      });
    }
    const up = this.computeUserUp();
    if (up !== this.userUp) {
      this.userUp = up;
      this.userLog.push({ at: this.t, up });
    }
    const reads = this.computeUserUp("reads");
    if (reads !== this.readsUp) {
      this.readsUp = reads;
      this.readsLog.push({ at: this.t, up: reads });
    }
  }

  /** Route 53's control plane answers unless its Region (or it alone) is impaired. */
  controlPlaneImpaired(): boolean {
    return this.impaired.has(this.tuning.route53ControlRegion) || this.impaired.has(ROUTE53);
  }

  private requireZone(hostedZoneId: string, hostname: string): void {
    if (!this.zone || this.zone.hostedZoneId !== hostedZoneId)
      throw new AwsError("NoSuchHostedZone", `No hosted zone found with ID: ${hostedZoneId}`, { status: 404 });
    if (this.zone.hostname !== hostname.replace(/\.$/, "")) throw new AwsError("InvalidInput", `${hostname} has no failover records in ${hostedZoneId}`);
  }

  getFailoverRecords(hostedZoneId: string, hostname: string): FailoverRecord[] {
    this.requireZone(hostedZoneId, hostname);
    return [...this.records.values()].map((r) => ({ ...r }));
  }

  private validateRecords(next: Map<string, FailoverRecord>): void {
    const primaries = [...next.values()].filter((r) => r.failover === "PRIMARY");
    if (primaries.length > 1) {
      throw new AwsError(
        "InvalidChangeBatch",
        `[A failover group holds one PRIMARY record; ${primaries.map((r) => r.setIdentifier).join(" and ")} would both be PRIMARY. Change both designations in one change batch]`,
      );
    }
    for (const r of primaries) {
      if (!r.healthCheckId) throw new AwsError("InvalidChangeBatch", `[The non-alias PRIMARY failover record ${r.setIdentifier} needs a health check]`);
    }
  }

  setPrimaryRecord(hostedZoneId: string, hostname: string, primarySetIdentifier: string, primaryHealthCheckId?: string): void {
    this.requireZone(hostedZoneId, hostname);
    if (!this.records.has(primarySetIdentifier)) {
      throw new AwsError(
        "InvalidChangeBatch",
        `[No failover record with SetIdentifier ${primarySetIdentifier}; records are ${[...this.records.keys()].join(", ")}]`,
      );
    }
    if (primaryHealthCheckId !== undefined && !this.sites.some((s) => s.names.healthCheckId === primaryHealthCheckId)) {
      throw new AwsError("InvalidChangeBatch", `[No health check with ID ${primaryHealthCheckId}]`);
    }
    // The batch as the driver writes it: the new PRIMARY carries the check given (else its own), the new SECONDARY keeps its own.
    const next = new Map(
      [...this.records].map(([k, r]) => {
        const { healthCheckId, ...rest } = r;
        const check = k === primarySetIdentifier ? (primaryHealthCheckId ?? healthCheckId) : healthCheckId;
        return [k, { ...rest, failover: k === primarySetIdentifier ? "PRIMARY" : "SECONDARY", ...(check ? { healthCheckId: check } : {}) } as FailoverRecord];
      }),
    );
    this.validateRecords(next);
    for (const [k, r] of next) this.records.set(k, r);
    this.recompute();
  }

  upsertRecord(stack: string, failover: "PRIMARY" | "SECONDARY", opts: { withHealthCheck?: boolean } = {}): void {
    const site = this.siteOf(stack);
    if (!this.zone) throw new AwsError("NoSuchHostedZone", "the sites have no dns config", { status: 404 });
    const next = new Map(this.records);
    const healthCheckId = opts.withHealthCheck === false ? undefined : site.names.healthCheckId;
    if (!site.names.albHostname) throw new AwsError("InvalidChangeBatch", `[${stack} has no load balancer to point its record at]`);
    next.set(stack, { setIdentifier: stack, failover, value: site.names.albHostname, ...(healthCheckId ? { healthCheckId } : {}) });
    this.validateRecords(next);
    this.records.set(stack, next.get(stack) as FailoverRecord);
    this.recompute();
  }

  healthCheckStatus(healthCheckId: string): "healthy" | "unhealthy" {
    const site = this.sites.find((s) => s.names.healthCheckId === healthCheckId);
    if (!site) throw new AwsError("NoSuchHealthCheck", `No health check exists with the ID ${healthCheckId}`, { status: 404 });
    return site.hcHealthy ? "healthy" : "unhealthy";
  }

  private computeAnswer(): string | undefined {
    const recs = [...this.records.values()];
    const primary = recs.find((r) => r.failover === "PRIMARY");
    const secondary = recs.find((r) => r.failover === "SECONDARY");
    const healthy = (r: FailoverRecord) => r.healthCheckId === undefined || this.hcOf(r.healthCheckId);
    if (primary && healthy(primary)) return primary.setIdentifier;
    if (secondary && healthy(secondary)) return secondary.setIdentifier;
    // Both unhealthy: Route 53 answers as if both were healthy, i.e. with the primary.
    return primary?.setIdentifier ?? secondary?.setIdentifier;
  }

  private hcOf(healthCheckId: string): boolean {
    return this.sites.find((s) => s.names.healthCheckId === healthCheckId)?.hcHealthy ?? false;
  }

  /** Whether users are served (reads and writes; with `reads`, reads at least) by the site they resolve. */
  private computeUserUp(what: "all" | "reads" = "all"): boolean {
    const up = (s: SiteRec | undefined) => (what === "reads" ? s?.servesReads : s?.serving) ?? false;
    // Without failover records nothing moves the name: users keep reaching the site that served at the start.
    if (!this.zone) return up(this.sites.find((s) => s.names.albHostname === this.unmanagedTarget));
    const target = this.clientsTarget && this.records.get(this.clientsTarget);
    if (!target) return false;
    return up(this.sites.find((s) => s.names.albHostname === target.value));
  }

  dns(): { answer?: string; clients?: string; answerLog: { at: number; setIdentifier?: string }[]; clientsLog: { at: number; setIdentifier?: string }[] } {
    return { answer: this.lastAnswer, clients: this.clientsTarget, answerLog: [...this.answerLog], clientsLog: [...this.clientsLog] };
  }

  /** Users served (reads and writes) through the name; with `reads`, users able to read. */
  userView(what: "all" | "reads" = "all"): { up: boolean; outages: { from: number; to?: number; durationMs: number }[] } {
    const outages: { from: number; to?: number; durationMs: number }[] = [];
    for (const entry of what === "reads" ? this.readsLog : this.userLog) {
      if (!entry.up) outages.push({ from: entry.at, durationMs: this.t - entry.at });
      else if (outages.length > 0 && outages[outages.length - 1].to === undefined) {
        const o = outages[outages.length - 1];
        o.to = entry.at;
        o.durationMs = entry.at - o.from;
      }
    }
    return { up: what === "reads" ? this.readsUp : this.userUp, outages };
  }
}
