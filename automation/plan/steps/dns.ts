/**
 * DNS step: the target's Route 53 failover record made PRIMARY in one change batch.
 */
import { PRIORITY } from "../priorities";
import { errorMessage } from "../../errors";
import { formatDuration } from "../../util/duration";
import type { PairView } from "../sites";
import type { Step, StepContext, SwitchMode } from "../types";
import { id, MARK, opts } from "./shared";

/** The names of the steps that move the failover record (`swap-dns`, and `reconcile-dns` at failback), with any plan prefix. */
const DNS_STEP_NAMES = ["swap-dns", "reconcile-dns"];
export const isDnsStepId = (stepId: string): boolean => DNS_STEP_NAMES.some((name) => stepId === name || stepId.endsWith(`:${name}`));

/**
 * Route 53: make the target's record PRIMARY and the other SECONDARY in one change batch
 * (decision 6). In an unplanned failover the call is bounded and its failure is not fatal:
 * health-check failover answers with the target once the source's check fails, and the converge
 * `up` leaves the target's record out.
 */
export function swapDnsStep(pair: PairView, mode: SwitchMode, prefix: string, dependsOn: string[], name = "swap-dns"): Step | undefined {
  const dns = pair.target.config.dns ?? pair.source.config.dns;
  if (!dns) return undefined;
  const { target } = pair;
  const isPrimary = async (ctx: StepContext) => {
    const records = await ctx.cloud.route53.getFailoverRecords(dns.hostedZoneId, dns.hostname, opts(ctx, ctx.timeouts.dnsChangeMs));
    return records.find((r) => r.failover === "PRIMARY")?.setIdentifier === target.stack;
  };
  return {
    id: id(prefix, name),
    title: `Make ${target.stack}'s record PRIMARY for ${dns.hostname} (one change batch)`,
    dependsOn,
    effect:
      `Route 53 ChangeResourceRecordSets ${dns.hostedZoneId} ${dns.hostname}: ${target.stack} PRIMARY, ${pair.source.stack} SECONDARY` +
      (mode === "unplanned" ? ` (bounded ${formatDuration(30_000)}; on failure health-check failover)` : ""),
    priority: PRIORITY.dnsSwap,
    // Unplanned: Route 53's control plane may be down with the source Region; reading it would
    // cost the whole bound, so the postcondition is the journaled outcome of the swap.
    check: async (ctx) => (mode === "unplanned" ? ctx.marks.has(MARK.dnsSwapped) || ctx.marks.has(MARK.dnsSwapFailed) : isPrimary(ctx)),
    run: async (ctx) => {
      try {
        // A backup-only standby has a health check only once its up made it a full site (before this step).
        const healthCheckId = target.backupOnly ? (await ctx.stacks.outputs(target.stack))?.healthCheckId : target.outputs.healthCheckId;
        const primary = { setIdentifier: target.stack, ...(healthCheckId ? { healthCheckId } : {}) };
        await ctx.cloud.route53.setPrimaryRecord(dns.hostedZoneId, dns.hostname, primary, opts(ctx, ctx.timeouts.dnsChangeMs));
        await ctx.mark(MARK.dnsSwapped, { primary: target.stack });
        return { detail: `${target.stack} is PRIMARY` };
      } catch (err) {
        if (mode === "planned" || ctx.signal.aborted) throw err;
        await ctx.mark(MARK.dnsSwapFailed, { error: errorMessage(err) });
        return {
          detail: `Route 53 change failed (${errorMessage(err)}); relying on health-check failover, converge up leaves the record out`,
          data: { fallback: "health-check" },
        };
      }
    },
  };
}
