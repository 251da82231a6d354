/** The serving probe: does a site's endpoint (its ALB + health path) serve? */
import type { CallOptions } from "../call-options";

export interface ServingPort {
  /**
   * HTTP GET of a site's endpoint: does it serve? `hostname` (output `endpointHostname`) is the
   * application hostname an HTTPS endpoint's certificate names: sent as TLS server name and Host,
   * and the certificate verified for it.
   */
  checkEndpoint(url: string, hostname: string | undefined, opts?: CallOptions): Promise<boolean>;
}
