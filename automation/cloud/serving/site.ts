/**
 * The one way the driver asks whether a site serves: a GET of its `endpointUrl`, presenting its
 * `endpointHostname` (the application hostname an HTTPS endpoint's certificate names, see real.ts).
 * Callers pass the site's outputs, never the URL alone: a probe of an HTTPS ALB without the
 * hostname fails certificate verification, and would call a serving site down.
 */
import type { SiteOutputs } from "../../../stacks/outputs";
import type { CallOptions } from "../call-options";
import type { ServingPort } from "./port";

/** The outputs the probe reads. */
export type SiteEndpoint = Pick<SiteOutputs, "endpointUrl" | "endpointHostname">;

/** Does the site serve? `undefined` when it exports no `endpointUrl` (nothing to probe). */
export async function siteServes(serving: ServingPort, outputs: SiteEndpoint, opts?: CallOptions): Promise<boolean | undefined> {
  return outputs.endpointUrl ? serving.checkEndpoint(outputs.endpointUrl, outputs.endpointHostname, opts) : undefined;
}
