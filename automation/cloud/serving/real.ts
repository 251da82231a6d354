/**
 * The real serving probe (HTTP): does a site's endpoint (its ALB + health path) serve? One GET
 * on a fresh connection, bounded by the call's `timeoutMs` (10 s without one) and the caller's
 * signal; 2xx is serving, anything else (status, refusal, timeout, TLS failure) is not.
 *
 * HTTPS: the URL names the site's ALB (`endpointUrl`), whose certificate names the application
 * hostname, never the ALB's own DNS name, so verifying the certificate against the URL's host
 * always fails. The probe connects to the ALB and presents the application hostname (output
 * `endpointHostname`) as the TLS server name (SNI, so the ALB picks that listener certificate) and
 * as the Host header, and verifies the certificate for that name: exactly what a user's browser
 * checks once DNS points at this site. (Route 53 HTTPS checks do not validate the certificate at
 * all and retry without SNI on a mismatch; Route 53 API Reference, HealthCheckConfig `EnableSNI`.)
 * Node verifies the server identity against `servername` when one is given (node:tls
 * `checkServerIdentity`).
 */
import * as http from "node:http";
import * as https from "node:https";
import { rootCertificates } from "node:tls";
import type { CallOptions } from "../call-options";
import { callBounds } from "../aws/context";
import type { ServingPort } from "./port";

export interface EndpointProbeOptions {
  /**
   * Extra certificate authorities (PEM) trusted besides Node's bundled roots, e.g. a private CA in
   * front of the ALB. Public ACM certificates need none.
   */
  ca?: string[];
}

export class EndpointProbe implements ServingPort {
  private readonly ca?: string[];

  constructor(opts: EndpointProbeOptions = {}) {
    // Giving `ca` replaces the bundled roots, so they are added back.
    this.ca = opts.ca && opts.ca.length > 0 ? [...rootCertificates, ...opts.ca] : undefined;
  }

  async checkEndpoint(url: string, hostname: string | undefined, opts?: CallOptions): Promise<boolean> {
    const { timeoutMs, signal: callerSignal } = callBounds(opts, 10_000);
    if (callerSignal?.aborted) throw callerSignal.reason;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
    try {
      return await this.get(new URL(url), hostname, signal);
    } catch {
      if (callerSignal?.aborted) throw callerSignal.reason;
      return false; // timeout, DNS, connection refused, TLS: the site does not serve
    }
  }

  private get(url: URL, hostname: string | undefined, signal: AbortSignal): Promise<boolean> {
    const tls = url.protocol === "https:";
    const headers: http.OutgoingHttpHeaders = { "user-agent": "eks-dr-driver", "cache-control": "no-cache" };
    // The app hostname matters for TLS only; over HTTP the ALB answers any Host, as for Route 53.
    if (tls && hostname) headers.host = hostname;
    const options: https.RequestOptions = {
      method: "GET",
      headers,
      signal,
      // A fresh connection each time: a pooled one could still point at an address the ALB left.
      agent: false,
      ...(tls ? { ...(hostname ? { servername: hostname } : {}), ...(this.ca ? { ca: this.ca } : {}) } : {}),
    };
    return new Promise((resolve, reject) => {
      const req = (tls ? https : http).request(url, options, (res) => {
        res.resume(); // the body is not needed; drain it so the socket closes
        resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300);
        res.on("error", () => undefined);
      });
      req.on("error", reject);
      req.end();
    });
  }
}
