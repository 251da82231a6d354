/**
 * The Aurora lag metric (AuroraGlobalDBRPOLag) as CloudWatch has it: one datapoint a minute per
 * secondary cluster, published from the world's state at the time. The world's settle samples it
 * before each transition, so a datapoint sees the state of its minute, not a later one.
 */
import { AwsError } from "../errors";
import type { Aurora } from "./aurora";
import { type Core, Part } from "./core";
import type { Writes } from "./writes";

/** Period of the Aurora lag metric's datapoints: RDS publishes its metrics to CloudWatch once a minute. */
export const LAG_METRIC_PERIOD_MS = 60_000;
/** How long the world keeps lag datapoints (CloudWatch keeps them for weeks; readers look back an hour). */
const LAG_HISTORY_MS = 3 * 3_600_000;

export class LagMetric extends Part {
  /** Published datapoints of each cluster's lag metric (see `sampleLagThrough`), oldest first. */
  private readonly lagSeries = new Map<string, { at: number; ms: number }[]>();
  /** The last period start sampled. */
  private lagSampledUpTo: number;

  constructor(
    core: Core,
    private readonly aurora: Aurora,
    private readonly writes: Writes,
  ) {
    super(core);
    // CloudWatch already holds the datapoints of the steady state before the start (the world
    // samples them once it has settled its initial state).
    const firstPeriod = Math.floor((this.t - LAG_HISTORY_MS) / LAG_METRIC_PERIOD_MS) * LAG_METRIC_PERIOD_MS;
    this.lagSampledUpTo = firstPeriod - LAG_METRIC_PERIOD_MS;
  }

  auroraLag(region: string, clusterIdentifier: string, lookbackMs: number): { periodStart: number; maxMs: number } | undefined {
    const site = this.siteInRegion(region);
    if (!site || site.names.dbClusterIdentifier !== clusterIdentifier)
      throw new AwsError("DBClusterNotFoundFault", `DBCluster ${clusterIdentifier} not found.`, { status: 404 });
    const from = Math.floor((this.t - lookbackMs) / LAG_METRIC_PERIOD_MS) * LAG_METRIC_PERIOD_MS;
    const series = this.lagSeries.get(site.stack) ?? [];
    const last = series[series.length - 1];
    return last && last.at >= from ? { periodStart: last.at, maxMs: last.ms } : undefined;
  }

  /**
   * Publishes the lag datapoints of every minute that began by `until`, from the state at that
   * time (the state is constant between transitions). Modelled on AWS as far as it documents it:
   * - only a secondary cluster has the metric, in its own Region (metrics table: "available only
   *   in secondary AWS Regions"); one datapoint a minute (RDS publishes to CloudWatch each minute);
   * - its value is how far the secondary is behind for user transactions (AuroraGlobalDBRPOLag):
   *   the time since the oldest write it has not received, 0 when it has them all;
   * - while the link to the primary's Region is down, no datapoint is published. AWS does not say
   *   what the metric shows then; this is the case that leaves the driver least evidence (the newest
   *   datapoint predates the incident), which is what its RPO bound must survive. A promotion in
   *   progress (the target detached) publishes none either.
   */
  sampleLagThrough(until: number): void {
    for (let at = this.lagSampledUpTo + LAG_METRIC_PERIOD_MS; at <= until; at += LAG_METRIC_PERIOD_MS) {
      this.lagSampledUpTo = at;
      const writer = this.siteOf(this.aurora.writer());
      for (const site of this.sites) {
        // A cluster being rebuilt replicates nothing yet: no datapoint either.
        if (site.stack === writer.stack || site.db.role === "writer" || site.db.status === "failing-over" || site.db.rebuilding) continue;
        // Not a secondary of the writer's global cluster (left behind by a restore): it replicates nothing of the data served.
        if (!this.aurora.inGlobalCluster(writer.stack) || !this.aurora.inGlobalCluster(site.stack)) continue;
        if (this.impaired.has(site.region) || this.impaired.has(writer.region)) continue;
        const upTo = site.db.frozenAt ?? at - this.aurora.lagMs();
        const ms = this.writes.countWrites(writer.stack, "db", upTo, at) > 0 ? Math.round(at - upTo) : 0;
        const series = this.lagSeries.get(site.stack) ?? [];
        series.push({ at, ms });
        while (series.length > 0 && series[0].at < at - LAG_HISTORY_MS) series.shift();
        this.lagSeries.set(site.stack, series);
      }
    }
  }
}
