/**
 * The HTTP probe of the AWS adapter: does a site's endpoint (its ALB + health path) serve? A plain
 * GET through `fetch`, bounded by the call's `timeoutMs` (10 s without one) and the caller's signal.
 */
import type { CallOptions, CloudPort } from "../../ports";
import { callBounds } from "./context";

export type EndpointPort = Pick<CloudPort, "checkEndpoint">;

export class EndpointProbe implements EndpointPort {
  constructor(private readonly fetchImpl: typeof fetch) {}

  async checkEndpoint(url: string, opts?: CallOptions): Promise<boolean> {
    const { timeoutMs, signal: callerSignal } = callBounds(opts, 10_000);
    if (callerSignal?.aborted) throw callerSignal.reason;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
    try {
      const res = await this.fetchImpl(url, { signal, headers: { "user-agent": "eks-dr-driver", "cache-control": "no-cache" } });
      await res.body?.cancel().catch(() => undefined);
      return res.status >= 200 && res.status < 300;
    } catch {
      if (callerSignal?.aborted) throw callerSignal.reason;
      return false; // timeout, DNS, connection refused, TLS: the site does not serve
    }
  }
}
