/**
 * Serving step: the wait until the new active site serves and is healthy, the end of the RTO.
 */
import { siteServes } from "../../cloud/serving/site";
import { isTimeout } from "../../errors";
import { isoTime } from "../../util/duration";
import type { SiteOutputs } from "../../../stacks/outputs";
import type { PairView } from "../sites";
import type { Step, StepContext, SwitchMode } from "../types";
import { id, MARK, opts, waitFor } from "./shared";

/**
 * Does the target serve: its endpoint answers and its health check is healthy.
 *
 * Health-check status is a Route 53 control-plane read (us-east-1). In an unplanned run each read
 * is bounded by the short probe timeout, and once one times out the wait stops asking
 * (`route53.unreachable`): repeating it would only burn the timeout on every poll, while Route 53's
 * data plane keeps evaluating the checks. The endpoint probe is then the evidence.
 */
async function serving(ctx: StepContext, pair: PairView, t: Partial<SiteOutputs>, mode: SwitchMode, route53: { unreachable: boolean }): Promise<boolean> {
  if ((await siteServes(ctx.cloud.serving, t, opts(ctx))) === false) return false;
  if (route53.unreachable) return true;
  const read = (healthCheckId: string): Promise<string> =>
    ctx.cloud.route53
      .healthCheckStatus(healthCheckId, opts(ctx, mode === "unplanned" ? ctx.timeouts.probeMs : ctx.timeouts.dnsChangeMs))
      .catch((err: unknown) => {
        if (mode !== "unplanned" || !t.endpointUrl) return Promise.reject(err);
        if (isTimeout(err)) route53.unreachable = true;
        return "unknown";
      });
  if (t.healthCheckId && (await read(t.healthCheckId)) === "unhealthy") return false;
  const s = pair.source.outputs;
  // Without the swap, Route 53 answers with the target only once the source's check fails.
  if (ctx.marks.has(MARK.dnsSwapFailed) && s.healthCheckId && !route53.unreachable && (await read(s.healthCheckId)) === "healthy") return false;
  return true;
}

/** Waits until the new active site serves and is healthy; its time is the end of the RTO. */
export function waitServingStep(pair: PairView, mode: SwitchMode, prefix: string, dependsOn: string[]): Step {
  const probesOf = (t: Partial<SiteOutputs>) =>
    [t.endpointUrl ? `GET ${t.endpointUrl}` : undefined, t.healthCheckId ? `health check ${t.healthCheckId}` : undefined].filter(Boolean);
  // A backup-only standby exports its endpoint only once the up before this step made it a full
  // site: then the probes are read from its outputs when the step runs.
  const afterUp = pair.target.backupOnly === true;
  const probes = probesOf(pair.target.outputs);
  return {
    id: id(prefix, "wait-serving"),
    title: `Wait until ${pair.target.stack} serves and is healthy`,
    dependsOn,
    effect: probes.length
      ? `poll ${probes.join(" and ")}`
      : afterUp
        ? `poll the endpoint and health check ${pair.target.stack} exports after its up`
        : "nothing to poll: the site exports neither endpointUrl nor healthCheckId",
    // The postcondition is "serving was observed and its time recorded" (the RTO's end).
    check: async (ctx) => ctx.marks.has(MARK.serving),
    run: async (ctx) => {
      const t = afterUp ? ((await ctx.stacks.outputs(pair.target.stack)) ?? pair.target.outputs) : pair.target.outputs;
      if (probesOf(t).length === 0) throw new Error(`${pair.target.stack} exports neither endpointUrl nor healthCheckId; cannot tell when it serves`);
      const route53 = { unreachable: false };
      await waitFor(ctx, `${pair.target.stack} to serve`, () => serving(ctx, pair, t, mode, route53), ctx.timeouts.servingMs);
      // What bounds when clients resolving the name reach it (the report's users' RTO estimate).
      const dns = pair.target.config.dns ?? pair.source.config.dns;
      const users = dns && {
        hostname: dns.hostname,
        ttlSeconds: dns.ttlSeconds,
        requestIntervalSeconds: dns.healthCheck.requestIntervalSeconds,
        failureThreshold: dns.healthCheck.failureThreshold,
        // Route 53 answers with the target: the swap made it PRIMARY, or (swap failed) the source's
        // check was read unhealthy and the target's SECONDARY record carries none.
        answerSeen: ctx.marks.has(MARK.dnsSwapped) || (ctx.marks.has(MARK.dnsSwapFailed) && !!pair.source.outputs.healthCheckId && !route53.unreachable),
      };
      await ctx.mark(MARK.serving, { stack: pair.target.stack, ...(t.albHostname ? { albHostname: t.albHostname } : {}), ...(users ? { dns: users } : {}) });
      return { detail: `serving since ${isoTime(ctx.clock.now())}` };
    },
  };
}

/**
 * After a planned switch, the old site keeps serving reads in read-only mode until clients resolving
 * the name have moved: Route 53 answers with the target once its check is healthy (the serving
 * mark), and clients follow within the record's TTL. So the old site's converge `up` (which scales
 * it down) waits one TTL after the serving mark. Off the critical path: the RTO ended at that mark.
 */
export function clientsMovedStep(pair: PairView, prefix: string, dependsOn: string[]): Step {
  const ttlSeconds = (pair.target.config.dns ?? pair.source.config.dns)?.ttlSeconds ?? 0;
  const movedAt = (ctx: StepContext) => {
    const serving = ctx.marks.get(MARK.serving);
    return serving === undefined ? undefined : serving.at + ttlSeconds * 1000;
  };
  return {
    id: id(prefix, "wait-clients-moved"),
    title: `Wait until clients reading from ${pair.source.stack} have moved to ${pair.target.stack} (the record's TTL after it serves)`,
    dependsOn,
    effect: ttlSeconds > 0 ? `sleep until ${ttlSeconds}s after ${pair.target.stack} served` : "nothing to wait for: no failover DNS",
    check: async (ctx) => {
      const at = movedAt(ctx);
      return at !== undefined && ctx.clock.now() >= at;
    },
    run: async (ctx) => {
      const at = movedAt(ctx);
      if (at === undefined) throw new Error(`${pair.target.stack} has no serving mark; wait-serving must come first`);
      const left = at - ctx.clock.now();
      if (left > 0) await ctx.clock.sleep(left, ctx.signal);
      return { detail: ttlSeconds > 0 ? `clients had the ${ttlSeconds}s TTL to move` : "no failover DNS" };
    },
  };
}
