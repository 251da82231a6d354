/**
 * What every step module shares: the marks the steps leave for the report and each other, the
 * bound of a cloud call, the wait for a postcondition, and the step id with its plan's prefix.
 */
import type { CallOptions } from "../../ports";
import { waitUntil } from "../../util/time";
import type { StepContext } from "../types";

/** Marks the report reads. */
export const MARK = {
  quiesced: "quiesced",
  auroraPromoted: "aurora-promoted",
  /** The target was seen as the writer: the old primary takes no more writes (Aurora demotes or fences it). */
  auroraWriter: "aurora-writer",
  efsPromoted: "efs-promoted",
  /** An unplanned detach fell back to LOCAL_CONFIGURATION_ONLY; `reason` says why. */
  efsLocalFallback: "efs-local-fallback",
  dnsSwapped: "dns-swapped",
  dnsSwapFailed: "dns-swap-failed",
  serving: "serving",
  /** A planned run crossed its point of no return: from here it finishes forward, never rolls back. */
  pointOfNoReturn: "point-of-no-return",
  /** A planned run failed before its point of no return and started putting the source back. */
  rollbackStarted: "rollback-started",
  readersOriginal: (stack: string) => `readers-standby-original:${stack}`,
} as const;

export const opts = (ctx: StepContext, timeoutMs = ctx.timeouts.callMs): CallOptions => ({ timeoutMs, signal: ctx.signal });

export function waitFor(ctx: StepContext, what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  return waitUntil(ctx.clock, what, probe, { intervalMs: ctx.timeouts.pollMs, timeoutMs, signal: ctx.signal });
}

/** A step id: the plan's prefix (e.g. "back:") and the step's name. */
export const id = (prefix: string, name: string) => `${prefix}${name}`;
