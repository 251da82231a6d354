/**
 * The simulated serving probe: a site in an impaired Region does not answer, which reads as "does
 * not serve" at the timeout; an HTTPS endpoint serves only a probe presenting the application
 * hostname (its certificate's name), as the real probe (serving/real.ts) verifies it.
 */
import type { SimCall } from "../../sim/cloud-call";
import type { CallOptions } from "../call-options";
import type { ServingPort } from "./port";

export class SimServing implements ServingPort {
  constructor(private readonly sim: SimCall) {}

  checkEndpoint(url: string, hostname: string | undefined, opts?: CallOptions): Promise<boolean> {
    const region = this.sim.world.endpointRegion(url) ?? "internet";
    return this.sim.call(
      { method: "checkEndpoint", service: "http", api: "HTTP GET", region, args: { url }, sideEffect: false },
      opts,
      () => this.sim.world.endpointServes(url, hostname),
      () => false,
    );
  }
}
