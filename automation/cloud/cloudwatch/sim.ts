/** The simulated CloudWatch port: the Aurora lag metric as the real adapter queries it. */
import type { SimCall } from "../../sim/cloud-call";
import { LAG_METRIC_PERIOD_MS } from "../../sim/world";
import type { CallOptions } from "../call-options";
import type { AuroraLagDatapoint, CloudWatchPort } from "./port";

export class SimCloudWatch implements CloudWatchPort {
  constructor(
    private readonly sim: SimCall,
    /** How far back `auroraLag` looks, as the real adapter's `lagLookbackMs`. */
    private readonly lagLookbackMs: number,
    /** The lag metric's name, as the real adapter's `lagMetricName`. */
    private readonly lagMetricName: string,
  ) {}

  /** GetMetricData of the lag metric, as the real adapter queries it (newest one-minute Maximum within the lookback). */
  auroraLag(region: string, clusterIdentifier: string, opts?: CallOptions): Promise<AuroraLagDatapoint | undefined> {
    return this.sim.call(
      { method: "auroraLag", service: "cloudwatch", api: `GetMetricData:${this.lagMetricName}`, region, args: { clusterIdentifier }, sideEffect: false },
      opts,
      () => {
        const d = this.sim.world.auroraLag(region, clusterIdentifier, this.lagLookbackMs);
        return d && { metric: this.lagMetricName, maxMs: d.maxMs, periodStart: d.periodStart, periodMs: LAG_METRIC_PERIOD_MS };
      },
    );
  }
}
