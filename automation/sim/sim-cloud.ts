/**
 * `CloudPort` over the simulated world: each service's simulated adapter (cloud/<service>/sim.ts)
 * on one shared call model (cloud-call.ts: round trips, unreachable Regions, fault injection).
 */
import type { CloudPort } from "../ports";
import { SimCloudWatch } from "../cloud/cloudwatch/sim";
import { SimEfs } from "../cloud/efs/sim";
import { SimEks } from "../cloud/eks/sim";
import { SimKubernetes } from "../cloud/kubernetes/sim";
import { SimRds } from "../cloud/rds/sim";
import { SimRoute53 } from "../cloud/route53/sim";
import { SimServing } from "../cloud/serving/sim";
import { SimVelero } from "../cloud/velero/sim";
import { SimCall, type SimCloudOptions } from "./cloud-call";

export type { CloudMethod } from "../ports";
export type { SimCloudOptions } from "./cloud-call";

export class SimCloud implements CloudPort {
  readonly eks: SimEks;
  readonly rds: SimRds;
  readonly cloudWatch: SimCloudWatch;
  readonly efs: SimEfs;
  readonly route53: SimRoute53;
  readonly serving: SimServing;
  readonly velero: SimVelero;
  readonly kubernetes: SimKubernetes;

  constructor(opts: SimCloudOptions) {
    const sim = new SimCall(opts);
    this.eks = new SimEks(sim);
    this.rds = new SimRds(sim);
    this.cloudWatch = new SimCloudWatch(sim, opts.lagLookbackMs ?? 3_600_000, opts.lagMetricName ?? "AuroraGlobalDBRPOLag");
    this.efs = new SimEfs(sim);
    this.route53 = new SimRoute53(sim);
    this.serving = new SimServing(sim);
    this.velero = new SimVelero(sim);
    this.kubernetes = new SimKubernetes(sim);
  }
}
