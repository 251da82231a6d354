/** CloudWatch: the replication lag of an Aurora secondary, the evidence behind the Aurora RPO. */
import type { CallOptions } from "../call-options";

/**
 * The newest CloudWatch datapoint of a secondary cluster's cross-Region lag metric (AWS/RDS,
 * milliseconds, one-minute periods, statistic Maximum). It is evidence about the past, not a
 * reading of now: everything committed on the primary before `periodStart - maxMs` had reached the
 * secondary (see `auroraEvidencedUpTo`); nothing is known about later writes.
 */
export interface AuroraLagDatapoint {
  /** The metric read: AuroraGlobalDBRPOLag (the default) or AuroraGlobalDBReplicationLag. */
  metric: string;
  /** Worst value in the period, ms. */
  maxMs: number;
  /** Start of the period (the datapoint's timestamp), ms since the epoch. */
  periodStart: number;
  periodMs: number;
}

export interface CloudWatchPort {
  /**
   * The newest datapoint of the cluster's lag metric within the lookback (an hour by default), read
   * in the cluster's own Region, the only one that publishes it (secondaries only). Undefined when
   * there is none, e.g. the link to the primary's Region has been down longer than the lookback.
   */
  auroraLag(region: string, clusterIdentifier: string, opts?: CallOptions): Promise<AuroraLagDatapoint | undefined>;
}
