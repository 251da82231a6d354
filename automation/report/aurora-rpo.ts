/**
 * What an Aurora lag datapoint proves, and the RPO figure the driver derives from it.
 *
 * The driver reads `AuroraGlobalDBRPOLag` by default: "how far the secondary cluster is behind the
 * primary cluster for user transactions" (Aurora User Guide, cluster-level metrics), the metric
 * the guide's switchover/failover page says to check for Aurora MySQL 3.04+ (the project pins
 * 3.08); `AuroraGlobalDBReplicationLag` is the older one. Both are published only by the secondary,
 * in its Region, as one-minute datapoints, read with the statistic Maximum.
 *
 * A datapoint with maximum M over the minute starting at P says: at every sample s in that minute
 * the secondary had every transaction committed before s - M, so before P - M. That is all it
 * proves. When the primary's Region is impaired, what the metric shows is not documented: a lag
 * measured on updates that arrive has nothing to measure once none arrive (datapoints stop, the
 * newest one predates the incident), and "how far behind" may keep growing (the guide's
 * cross-Region resiliency page: the lag "may continue to increase until the resolution of the
 * unplanned event"). Either way the value read just before an unplanned promotion is not the data
 * lost; `P - M` is a lower bound on what the secondary had, so the lost window is at most
 * `end - (P - M)`, where `end` is when writes on the old primary stopped: when the target was seen
 * as the writer (Aurora's write fencing at the failover is best effort; the old primary is demoted
 * when the promotion completes). An `--incident-at` is not that evidence (rpo.ts).
 */
import type { AuroraLagDatapoint } from "../ports";
import { formatDuration, isoTime } from "../util/duration";

/** Everything committed on the primary before this time had reached the secondary. */
export function auroraEvidencedUpTo(d: AuroraLagDatapoint): number {
  return d.periodStart - d.maxMs;
}

/** Upper bound on the window of Aurora writes lost when writes on the old primary stopped at `writesEndAt`. */
export function auroraLossBoundMs(d: AuroraLagDatapoint, writesEndAt: number): number {
  return Math.max(0, writesEndAt - auroraEvidencedUpTo(d));
}

/** "AuroraGlobalDBRPOLag max 300ms in the minute from 2025-01-01T00:00:00.000Z" */
export function describeAuroraLag(d: Pick<AuroraLagDatapoint, "metric" | "maxMs" | "periodStart">): string {
  return `${d.metric} max ${formatDuration(d.maxMs)} in the minute from ${isoTime(d.periodStart)}`;
}
