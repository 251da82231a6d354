/**
 * The RTO as users experience it: from when they lost service until clients resolving the
 * application's name are served again. The site-level figure (the new site's load balancer
 * answers and its health check is healthy) is only where that path starts; after it:
 * - Route 53 answers with the new site once the swap made its record PRIMARY, or, when the swap
 *   failed, once the old PRIMARY's health check is unhealthy (the SECONDARY carries no health
 *   check, so it is answered then: API reference, ResourceRecordSet `Failover`). A check changes
 *   status after `failureThreshold` consecutive results, one every `requestIntervalSeconds`, from
 *   checkers that do not coordinate (up to one interval more): API reference, HealthCheckConfig
 *   FailureThreshold; Developer Guide, "How Amazon Route 53 determines whether a health check is
 *   healthy";
 * - clients keep the previous answer for up to the record's TTL.
 * On the real path these terms give an estimate (an upper bound, for resolvers that honour the
 * TTL); the simulation measures it (automation/sim/user-view.ts).
 */
import type { Mark } from "../journal/events";
import { formatDuration, isoTime } from "../util/duration";

/** What the serving step recorded about the path from the name to the site. */
export interface UsersDnsTerms {
  hostname: string;
  ttlSeconds: number;
  requestIntervalSeconds: number;
  failureThreshold: number;
  /** Route 53 was known to answer with the new site when it was seen serving (swap done, or the old PRIMARY's check read unhealthy). */
  answerSeen: boolean;
}

export interface UsersRto {
  /** The application's name users resolve. */
  hostname?: string;
  how: "estimate" | "measured";
  /** When users lost service. */
  lostAt: string;
  lostBasis: string;
  /** When clients resolving the name were (measured) or will be at the latest (estimate) served; null: not served at the run's end. */
  servedAt: string | null;
  /** lostAt .. servedAt; null when not served. */
  ms: number | null;
  /** What the figure is made of, for people. */
  terms: string[];
}

export function dnsTermsOf(serving: Mark | undefined): UsersDnsTerms | undefined {
  const d = serving?.data.dns as Partial<UsersDnsTerms> | undefined;
  if (!d || typeof d.ttlSeconds !== "number" || typeof d.requestIntervalSeconds !== "number" || typeof d.failureThreshold !== "number") return undefined;
  return {
    hostname: String(d.hostname ?? ""),
    ttlSeconds: d.ttlSeconds,
    requestIntervalSeconds: d.requestIntervalSeconds,
    failureThreshold: d.failureThreshold,
    answerSeen: d.answerSeen === true,
  };
}

/** Real path: the latest time clients resolving the name reach the site that served at `servingAt`. */
export function estimateUsersRto(terms: UsersDnsTerms, servingAt: number, lost: { at: number; basis: string }): UsersRto {
  const checkMs = (terms.failureThreshold + 1) * terms.requestIntervalSeconds * 1000;
  const ttlMs = terms.ttlSeconds * 1000;
  // Not seen: the old PRIMARY's check turns unhealthy at the latest one check window after it lost service.
  const answerBy = terms.answerSeen ? servingAt : Math.max(servingAt, lost.at + checkMs);
  const servedAt = answerBy + ttlMs;
  return {
    hostname: terms.hostname,
    how: "estimate",
    lostAt: isoTime(lost.at),
    lostBasis: lost.basis,
    servedAt: isoTime(servedAt),
    ms: servedAt - lost.at,
    terms: [
      terms.answerSeen
        ? `site served after ${formatDuration(servingAt - lost.at)}`
        : `the later of: site served after ${formatDuration(servingAt - lost.at)}, and Route 53 answering with it once the old PRIMARY's check failed ` +
          `(within ${formatDuration(checkMs)}: ${terms.failureThreshold} + 1 checks x ${terms.requestIntervalSeconds} s)`,
      `up to ${formatDuration(ttlMs)} for clients' cached answers to expire (TTL ${terms.ttlSeconds} s)`,
    ],
  };
}
