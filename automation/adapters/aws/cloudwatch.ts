/**
 * CloudWatch calls of the AWS adapter: the replication lag of an Aurora secondary.
 *
 * `AuroraGlobalDBRPOLag` and `AuroraGlobalDBReplicationLag` (AWS/RDS, milliseconds, dimension
 * `DBClusterIdentifier`) are "available only in secondary AWS Regions" (cluster-level metrics
 * table): the secondary cluster's own Region publishes them. The user guide's switchover/failover
 * page says to read `AuroraGlobalDBRPOLag` for Aurora MySQL 3.04+ ("how far the secondary cluster
 * is behind the primary cluster for user transactions"), and `AuroraGlobalDBReplicationLag` on
 * older versions; the project pins 3.08, so RPOLag is the default (`lagMetricName` picks the
 * other). RDS publishes one datapoint a minute; the adapter returns the newest one-minute Maximum
 * with its period, since a lag value is only evidence about that minute
 * (automation/report/aurora-rpo.ts says what it proves).
 */
import { GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import type { AuroraLagDatapoint, CallOptions, Clock, CloudPort } from "../../ports";
import { boundedCall, type CallSite } from "../aws-call";
import type { AwsContext } from "./context";

/** Period of the lag query: RDS publishes its metrics to CloudWatch once a minute. */
const LAG_PERIOD_MS = 60_000;

export type CloudWatchPort = Pick<CloudPort, "auroraLag">;

export class CloudWatchApi implements CloudWatchPort {
  constructor(
    private readonly ctx: AwsContext,
    private readonly clock: Clock,
    /** How far back `auroraLag` looks for a datapoint, in ms. */
    private readonly lagLookbackMs: number,
    /** The lag metric read (see the header). */
    private readonly lagMetricName: string,
  ) {}

  async auroraLag(region: string, clusterIdentifier: string, opts?: CallOptions): Promise<AuroraLagDatapoint | undefined> {
    const site: CallSite = { service: "CloudWatch", api: "GetMetricData", region, resource: `${this.lagMetricName} of DB cluster "${clusterIdentifier}"` };
    const end = this.clock.now();
    const out = await boundedCall(site, this.ctx.bound(opts), (abortSignal) =>
      this.ctx.clients.client("cloudWatch", region).send(
        new GetMetricDataCommand({
          MetricDataQueries: [
            {
              Id: "lag",
              MetricStat: {
                Metric: {
                  Namespace: "AWS/RDS",
                  MetricName: this.lagMetricName,
                  Dimensions: [{ Name: "DBClusterIdentifier", Value: clusterIdentifier }],
                },
                // One-minute buckets, worst value in each: RPO evidence should not average a spike away.
                Period: LAG_PERIOD_MS / 1000,
                Stat: "Maximum",
              },
              ReturnData: true,
            },
          ],
          StartTime: new Date(end - this.lagLookbackMs),
          EndTime: new Date(end),
          ScanBy: "TimestampDescending",
        }),
        { abortSignal },
      ),
    );
    const result = out.MetricDataResults?.find((r) => r.Id === "lag");
    const timestamps = result?.Timestamps ?? [];
    const values = result?.Values ?? [];
    let latest: { at: number; value: number } | undefined;
    for (let i = 0; i < Math.min(timestamps.length, values.length); i++) {
      const at = new Date(timestamps[i]).getTime();
      if (!latest || at > latest.at) latest = { at, value: values[i] };
    }
    return latest && { metric: this.lagMetricName, maxMs: latest.value, periodStart: latest.at, periodMs: LAG_PERIOD_MS };
  }
}
