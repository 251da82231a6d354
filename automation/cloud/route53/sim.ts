/** The simulated Route 53 port: its control plane is the ROUTE53 pseudo-Region (us-east-1). */
import type { SimCall } from "../../sim/cloud-call";
import { ROUTE53 } from "../../sim/world";
import type { CallOptions } from "../call-options";
import { primaryChoice, type FailoverRecord, type HealthCheckVerdict, type PrimaryRecordChoice, type Route53Port } from "./port";

export class SimRoute53 implements Route53Port {
  constructor(private readonly sim: SimCall) {}

  getFailoverRecords(hostedZoneId: string, hostname: string, opts?: CallOptions): Promise<FailoverRecord[]> {
    return this.sim.call(
      { method: "getFailoverRecords", service: "route53", api: "ListResourceRecordSets", region: ROUTE53, args: { hostedZoneId, hostname }, sideEffect: false },
      opts,
      () => this.sim.world.getFailoverRecords(hostedZoneId, hostname),
    );
  }

  async setPrimaryRecord(hostedZoneId: string, hostname: string, primary: PrimaryRecordChoice, opts?: CallOptions): Promise<void> {
    const { setIdentifier: primarySetIdentifier, healthCheckId: primaryHealthCheckId } = primaryChoice(primary);
    await this.sim.call(
      {
        method: "setPrimaryRecord",
        service: "route53",
        api: "ChangeResourceRecordSets",
        region: ROUTE53,
        args: { hostedZoneId, hostname, primarySetIdentifier, ...(primaryHealthCheckId ? { primaryHealthCheckId } : {}) },
        sideEffect: true,
      },
      opts,
      () => this.sim.world.setPrimaryRecord(hostedZoneId, hostname, primarySetIdentifier, primaryHealthCheckId),
    );
  }

  healthCheckStatus(healthCheckId: string, opts?: CallOptions): Promise<HealthCheckVerdict> {
    return this.sim.call(
      { method: "healthCheckStatus", service: "route53", api: "GetHealthCheckStatus", region: ROUTE53, args: { healthCheckId }, sideEffect: false },
      opts,
      () => this.sim.world.healthCheckStatus(healthCheckId),
    );
  }
}
