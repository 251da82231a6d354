/**
 * The real Route 53 port (AWS SDK v3): the failover record pair and health-check status. Route 53's
 * control plane is global and answers from us-east-1.
 *
 * A change batch is transactional ("either makes all or none of the changes"). A record whose
 * designation changes is replaced by a DELETE of the record exactly as listed plus a CREATE of it
 * with the new `Failover` value, both in the one batch: DELETE needs every value as it is, so a
 * record changed by someone else since the read fails the whole batch instead of being
 * overwritten, and no UPSERT that flips PRIMARY/SECONDARY in place is relied on (boto3#1347 reports
 * that being rejected). Route 53 considers a health check healthy when more than 18% of its
 * checkers report the endpoint healthy (Developer Guide, "How Route 53 determines whether a health
 * check is healthy"); `healthCheckStatus` applies the same rule, so it predicts what Route 53 will
 * answer.
 */
import {
  type Change,
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  GetHealthCheckStatusCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
  type RRType,
} from "@aws-sdk/client-route-53";
import type { Clock } from "../../ports";
import type { CallOptions } from "../call-options";
import { boundedCall, type CallSite } from "../aws/call";
import type { AwsContext } from "../aws/context";
import {
  primaryChoice,
  type FailoverDesignation,
  type FailoverRecord,
  type FailoverRecordType,
  type HealthCheckVerdict,
  type PrimaryRecordChoice,
  type Route53Port,
} from "./port";

export interface Route53Settings {
  /** Record type of the failover records. */
  recordType: FailoverRecordType;
  /** After the swap, poll GetChange until INSYNC within what is left of the call's bound. */
  waitForDnsSync: boolean;
  /** Interval between GetChange polls, in ms. */
  dnsSyncPollMs: number;
  /** Fraction of Route 53 checkers that must report Success for "healthy". */
  healthyCheckerFraction: number;
  clock: Clock;
  /** Progress notes (e.g. a DNS change still PENDING when the bound ran out). */
  log: (message: string) => void;
}

export class Route53Api implements Route53Port {
  private readonly recordType: FailoverRecordType;
  private readonly waitForDnsSync: boolean;
  private readonly dnsSyncPollMs: number;
  private readonly healthyCheckerFraction: number;
  private readonly clock: Clock;
  private readonly log: (message: string) => void;

  constructor(
    private readonly ctx: AwsContext,
    settings: Route53Settings,
  ) {
    this.recordType = settings.recordType;
    this.waitForDnsSync = settings.waitForDnsSync;
    this.dnsSyncPollMs = settings.dnsSyncPollMs;
    this.healthyCheckerFraction = settings.healthyCheckerFraction;
    this.clock = settings.clock;
    this.log = settings.log;
  }

  async getFailoverRecords(hostedZoneId: string, hostname: string, opts?: CallOptions): Promise<FailoverRecord[]> {
    const deadline = this.deadline(opts);
    const records = await this.listFailoverRecordSets(hostedZoneId, hostname, deadline);
    return records.map(toFailoverRecord);
  }

  async setPrimaryRecord(hostedZoneId: string, hostname: string, primary: PrimaryRecordChoice, opts?: CallOptions): Promise<void> {
    const { setIdentifier: primarySetIdentifier, healthCheckId: primaryHealthCheckId } = primaryChoice(primary);
    const deadline = this.deadline(opts);
    const records = await this.listFailoverRecordSets(hostedZoneId, hostname, deadline);
    const resource = `failover records ${hostname} ${this.recordType} in zone ${hostedZoneId}`;
    const target = records.find((r) => r.SetIdentifier === primarySetIdentifier);
    if (!target) {
      throw new Error(
        `Route 53: no failover record with set identifier "${primarySetIdentifier}" among ${resource} ` +
          `(found: ${records.map((r) => `"${r.SetIdentifier}"`).join(", ") || "none"}); run \`pulumi up\` on that site first`,
      );
    }
    const others = records.filter((r) => r !== target);
    if (others.length > 1) {
      throw new Error(`Route 53: ${resource} hold ${records.length} records; a failover pair holds one PRIMARY and one SECONDARY`);
    }
    // The new PRIMARY needs a health check to fail over (the standby's SECONDARY record carries
    // none). The new SECONDARY keeps the one it had: while the new PRIMARY's check is not healthy
    // yet, Route 53 must not answer with the old site (a SECONDARY without a check would be), but
    // with the PRIMARY, as it does when both are unhealthy (API reference, ResourceRecordSet
    // `Failover`). The old site's next `up` as standby drops it.
    const wanted = new Map<ResourceRecordSet, ResourceRecordSet>([
      [
        target,
        {
          ...target,
          Failover: "PRIMARY",
          ...((primaryHealthCheckId ?? target.HealthCheckId) ? { HealthCheckId: primaryHealthCheckId ?? target.HealthCheckId } : {}),
        },
      ],
      ...others.map((o): [ResourceRecordSet, ResourceRecordSet] => [o, { ...o, Failover: "SECONDARY" }]),
    ]);
    const toChange = records.filter((r) => r.Failover !== wanted.get(r)!.Failover || r.HealthCheckId !== wanted.get(r)!.HealthCheckId);
    if (toChange.length === 0) return; // already as asked

    const changes: Change[] = [
      ...toChange.map((r): Change => ({ Action: "DELETE", ResourceRecordSet: r })),
      ...toChange.map((r): Change => ({ Action: "CREATE", ResourceRecordSet: wanted.get(r) })),
    ];
    const site: CallSite = { service: "Route 53", api: "ChangeResourceRecordSets", region: this.route53Region, resource, mutating: true };
    const out = await boundedCall(site, deadline.bound(), (abortSignal) =>
      this.ctx.clients.route53().send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: hostedZoneId,
          ChangeBatch: { Comment: `eks-dr: make "${primarySetIdentifier}" PRIMARY`, Changes: changes },
        }),
        { abortSignal },
      ),
    );
    // The batch is committed from here on: whatever happens while waiting, the swap is done.
    const changeId = out.ChangeInfo?.Id;
    if (this.waitForDnsSync && changeId && out.ChangeInfo?.Status !== "INSYNC") {
      await this.waitInsync(changeId, deadline, opts?.signal);
    }
  }

  async healthCheckStatus(healthCheckId: string, opts?: CallOptions): Promise<HealthCheckVerdict> {
    const site: CallSite = { service: "Route 53", api: "GetHealthCheckStatus", region: this.route53Region, resource: `health check ${healthCheckId}` };
    const out = await boundedCall(site, this.ctx.bound(opts), (abortSignal) =>
      this.ctx.clients.route53().send(new GetHealthCheckStatusCommand({ HealthCheckId: healthCheckId }), { abortSignal }),
    );
    const observations = out.HealthCheckObservations ?? [];
    if (observations.length === 0) return "unhealthy"; // no checker has reported: nothing proves it healthy
    // Each checker's report starts with "Success" or "Failure" (e.g. "Success: HTTP Status Code 200, OK").
    const healthy = observations.filter((o) => /^success/i.test(o.StatusReport?.Status ?? "")).length;
    return healthy / observations.length > this.healthyCheckerFraction ? "healthy" : "unhealthy";
  }

  /** Route 53's control plane is in us-east-1 (named in error messages). */
  private readonly route53Region = "us-east-1";

  /** One deadline shared by the calls a port method makes. */
  private deadline(opts: CallOptions | undefined): Deadline {
    const timeoutMs = opts?.timeoutMs ?? this.ctx.defaultTimeoutMs;
    const endsAt = this.clock.now() + timeoutMs;
    return {
      endsAt,
      remainingMs: () => Math.max(0, endsAt - this.clock.now()),
      bound: () => ({ timeoutMs: Math.max(1, endsAt - this.clock.now()), signal: opts?.signal }),
    };
  }

  /** The failover records of one name and type (Route 53 lists in name/type order, paginated). */
  private async listFailoverRecordSets(hostedZoneId: string, hostname: string, deadline: Deadline): Promise<ResourceRecordSet[]> {
    const name = normalizeName(hostname);
    const site: CallSite = {
      service: "Route 53",
      api: "ListResourceRecordSets",
      region: this.route53Region,
      resource: `${hostname} ${this.recordType} in zone ${hostedZoneId}`,
    };
    const found: ResourceRecordSet[] = [];
    let start: { name: string; type: string; identifier?: string } | undefined = { name: `${name}.`, type: this.recordType };
    for (let page = 0; start && page < 20; page++) {
      const from: { name: string; type: string; identifier?: string } = start;
      const out = await boundedCall(site, deadline.bound(), (abortSignal) =>
        this.ctx.clients.route53().send(
          new ListResourceRecordSetsCommand({
            HostedZoneId: hostedZoneId,
            StartRecordName: from.name,
            StartRecordType: from.type as RRType,
            StartRecordIdentifier: from.identifier,
            MaxItems: 100,
          }),
          { abortSignal },
        ),
      );
      let pastTheName = false;
      for (const r of out.ResourceRecordSets ?? []) {
        if (normalizeName(r.Name ?? "") !== name || r.Type !== this.recordType) {
          pastTheName = true;
          break;
        }
        if (r.Failover) found.push(r);
      }
      start =
        !pastTheName && out.IsTruncated && out.NextRecordName && out.NextRecordType
          ? { name: out.NextRecordName, type: out.NextRecordType, identifier: out.NextRecordIdentifier }
          : undefined;
    }
    return found;
  }

  private async waitInsync(changeId: string, deadline: Deadline, signal?: AbortSignal): Promise<void> {
    const site: CallSite = { service: "Route 53", api: "GetChange", region: this.route53Region, resource: `change ${changeId}` };
    for (;;) {
      if (deadline.remainingMs() <= this.dnsSyncPollMs || signal?.aborted) {
        this.log(`Route 53 change ${changeId} is committed but still PENDING (not yet on every Route 53 name server); not waiting longer`);
        return;
      }
      try {
        await this.clock.sleep(this.dnsSyncPollMs, signal);
        const out = await boundedCall(site, deadline.bound(), (abortSignal) =>
          this.ctx.clients.route53().send(new GetChangeCommand({ Id: changeId }), { abortSignal }),
        );
        if (out.ChangeInfo?.Status === "INSYNC") return;
      } catch (err) {
        // The swap itself succeeded; a failed or cut-short status poll does not undo it.
        this.log(`Route 53 change ${changeId}: could not confirm INSYNC (${err instanceof Error ? err.message : String(err)}); the change is committed`);
        return;
      }
    }
  }
}

interface Deadline {
  endsAt: number;
  remainingMs(): number;
  bound(): { timeoutMs: number; signal?: AbortSignal };
}

/** Route 53 names are absolute (trailing dot) and case-insensitive. */
function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}

function toFailoverRecord(r: ResourceRecordSet): FailoverRecord {
  return {
    setIdentifier: r.SetIdentifier ?? "",
    failover: r.Failover as FailoverDesignation,
    value: r.ResourceRecords?.[0]?.Value ?? r.AliasTarget?.DNSName ?? "",
    healthCheckId: r.HealthCheckId,
  };
}
