/**
 * The real CloudWatch port (AWS SDK v3): the replication lag of an Aurora secondary.
 *
 * `AuroraGlobalDBRPOLag` and `AuroraGlobalDBReplicationLag` (AWS/RDS, milliseconds) are "available
 * only in secondary AWS Regions" (Aurora User Guide, cluster-level metrics table): the secondary
 * cluster's own Region publishes them. The user guide's switchover/failover page says to read
 * `AuroraGlobalDBRPOLag` for Aurora MySQL 3.04+ ("how far the secondary cluster is behind the
 * primary cluster for user transactions"), and `AuroraGlobalDBReplicationLag` on older versions;
 * the project pins 3.08, so RPOLag is the default (`lagMetricName` picks the other).
 *
 * Which dimensions: the Aurora User Guide lists the dimensions Aurora metrics can carry
 * (`DBClusterIdentifier`, `SourceRegion`, ...) but not which set each global-database metric is
 * published with, and CloudWatch "treats each unique combination of dimensions as a separate
 * metric ... you must specify the same dimensions that were used when the metrics were created"
 * (CloudWatch API Reference, GetMetricStatistics `Dimensions`). AWS's Aurora workshop finds the lag
 * under `SourceRegion` (the primary's Region) and the Neptune guide documents
 * `DBClusterIdentifier, SourceRegion` for the same global-database metrics, so a query on
 * `DBClusterIdentifier` alone may match nothing. The adapter therefore discovers the series with
 * ListMetrics (every metric carrying this cluster's `DBClusterIdentifier`, whatever its other
 * dimensions) and reads each one found; when the lag metric is not there it fails with an error
 * that names the metric and what ListMetrics did find, instead of returning "no datapoint" forever.
 * When only the other lag metric is published (an engine older than the driver assumed) it reads
 * that one, and the datapoint says which metric it is.
 *
 * RDS publishes one datapoint a minute; the adapter returns the newest one-minute Maximum with its
 * period, since a lag value is only evidence about that minute (automation/report/aurora-rpo.ts
 * says what it proves).
 */
import { type Dimension, GetMetricDataCommand, ListMetricsCommand, type Metric } from "@aws-sdk/client-cloudwatch";
import type { Clock } from "../../ports";
import type { CallOptions } from "../call-options";
import { boundedCall, type CallSite } from "../aws/call";
import type { AwsContext, CallBounds } from "../aws/context";
import type { AuroraLagDatapoint, CloudWatchPort } from "./port";

/** Period of the lag query: RDS publishes its metrics to CloudWatch once a minute. */
const LAG_PERIOD_MS = 60_000;
/** The two lag metrics of an Aurora global secondary, in the order tried when the configured one is absent. */
export const AURORA_LAG_METRICS = ["AuroraGlobalDBRPOLag", "AuroraGlobalDBReplicationLag"] as const;
/**
 * ListMetrics looks back this far: series that got a datapoint in the last 3 hours (its only
 * `RecentlyActive` value), which covers the lag lookback and drops a stale `SourceRegion` series
 * from before a failover.
 */
const RECENTLY_ACTIVE = "PT3H";

/** The lag metric is not published for the cluster: the message names it and what CloudWatch has. */
export class LagMetricNotFoundError extends Error {
  override name = "LagMetricNotFoundError";
  constructor(
    readonly metricName: string,
    readonly clusterIdentifier: string,
    readonly region: string,
    /** What ListMetrics returned for the cluster, e.g. `CPUUtilization{DBClusterIdentifier}`. */
    readonly found: string[],
  ) {
    const seen = found.length === 0 ? "no AWS/RDS metric at all with that DBClusterIdentifier" : found.join(", ");
    super(
      `CloudWatch in ${region} has no ${metricName} (nor ${AURORA_LAG_METRICS.filter((m) => m !== metricName).join(", ")}) for DB cluster ` +
        `"${clusterIdentifier}" in the last 3 hours; ListMetrics found ${seen}. Aurora publishes the lag only for a secondary cluster ` +
        `of a global database, in the secondary's Region, and a new series can take up to 15 minutes to be listed: check that ` +
        `"${clusterIdentifier}" is a secondary member (aws rds describe-global-clusters) and that its engine version publishes the metric.`,
    );
  }
}

/** `Name{Dim1=..., Dim2=...}` for messages, dimension values left out when long lists would follow. */
function describeSeries(m: Metric): string {
  const dims = (m.Dimensions ?? []).map((d) => (d.Name === "DBClusterIdentifier" ? d.Name : `${d.Name}=${d.Value}`));
  return `${m.MetricName}{${dims.join(", ")}}`;
}

export class CloudWatchApi implements CloudWatchPort {
  constructor(
    private readonly ctx: AwsContext,
    private readonly clock: Clock,
    /** How far back `auroraLag` looks for a datapoint, in ms. */
    private readonly lagLookbackMs: number,
    /** The lag metric read first (see the header). */
    private readonly lagMetricName: string,
  ) {}

  async auroraLag(region: string, clusterIdentifier: string, opts?: CallOptions): Promise<AuroraLagDatapoint | undefined> {
    // One bound for discovery and query together: the caller's backstop allows one call's worth.
    const bounds = this.ctx.bound(opts);
    const started = performance.now();
    const remaining = (): CallBounds => ({ ...bounds, timeoutMs: Math.max(1, bounds.timeoutMs - (performance.now() - started)) });

    const listed = await this.listClusterMetrics(region, clusterIdentifier, bounds);
    const candidates = [this.lagMetricName, ...AURORA_LAG_METRICS.filter((m) => m !== this.lagMetricName)];
    const metricName = candidates.find((name) => listed.some((m) => m.MetricName === name));
    if (metricName === undefined) {
      throw new LagMetricNotFoundError(this.lagMetricName, clusterIdentifier, region, [...new Set(listed.map(describeSeries))].sort());
    }
    const series = listed.filter((m) => m.MetricName === metricName).map((m) => m.Dimensions ?? []);
    return this.newestDatapoint(region, clusterIdentifier, metricName, series, remaining());
  }

  /** Every AWS/RDS series carrying `DBClusterIdentifier = clusterIdentifier`, recently active, all pages. */
  private async listClusterMetrics(region: string, clusterIdentifier: string, bounds: CallBounds): Promise<Metric[]> {
    const site: CallSite = { service: "CloudWatch", api: "ListMetrics", region, resource: `AWS/RDS metrics of DB cluster "${clusterIdentifier}"` };
    return boundedCall(site, bounds, async (abortSignal) => {
      const metrics: Metric[] = [];
      let NextToken: string | undefined;
      do {
        const page = await this.ctx.clients.client("cloudWatch", region).send(
          new ListMetricsCommand({
            Namespace: "AWS/RDS",
            // A dimension filter matches every series that has this dimension, whatever else it has.
            Dimensions: [{ Name: "DBClusterIdentifier", Value: clusterIdentifier }],
            RecentlyActive: RECENTLY_ACTIVE,
            NextToken,
          }),
          { abortSignal },
        );
        metrics.push(...(page.Metrics ?? []));
        NextToken = page.NextToken;
      } while (NextToken);
      return metrics;
    });
  }

  /** The newest one-minute Maximum over all series of the metric (a series per dimension set found). */
  private async newestDatapoint(
    region: string,
    clusterIdentifier: string,
    metricName: string,
    series: Dimension[][],
    bounds: CallBounds,
  ): Promise<AuroraLagDatapoint | undefined> {
    const site: CallSite = { service: "CloudWatch", api: "GetMetricData", region, resource: `${metricName} of DB cluster "${clusterIdentifier}"` };
    const end = this.clock.now();
    const out = await boundedCall(site, bounds, (abortSignal) =>
      this.ctx.clients.client("cloudWatch", region).send(
        new GetMetricDataCommand({
          MetricDataQueries: series.map((Dimensions, i) => ({
            Id: `lag${i}`,
            MetricStat: {
              Metric: { Namespace: "AWS/RDS", MetricName: metricName, Dimensions },
              // One-minute buckets, worst value in each: RPO evidence should not average a spike away.
              Period: LAG_PERIOD_MS / 1000,
              Stat: "Maximum",
            },
            ReturnData: true,
          })),
          StartTime: new Date(end - this.lagLookbackMs),
          EndTime: new Date(end),
          ScanBy: "TimestampDescending",
        }),
        { abortSignal },
      ),
    );
    // The newest minute any series reports; where two series report it, the worse value.
    let latest: { at: number; value: number } | undefined;
    for (const result of out.MetricDataResults ?? []) {
      const timestamps = result.Timestamps ?? [];
      const values = result.Values ?? [];
      for (let i = 0; i < Math.min(timestamps.length, values.length); i++) {
        const at = new Date(timestamps[i]).getTime();
        if (!latest || at > latest.at || (at === latest.at && values[i] > latest.value)) latest = { at, value: values[i] };
      }
    }
    return latest && { metric: metricName, maxMs: latest.value, periodStart: latest.at, periodMs: LAG_PERIOD_MS };
  }
}
