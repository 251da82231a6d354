/**
 * The driver's one retry layer for cloud calls: throttling and transient failures, with
 * exponential backoff and jitter, on the driver's Clock (virtual in simulations, so a drill shows
 * the delays). The SDK clients make one attempt each (cloud/aws/clients.ts): see
 * docs/decisions.md, "One retry layer".
 */
import type { Clock } from "../ports";
import { isRetryableCallError } from "../errors";

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Delay cap before the first retry; doubles per retry. */
  baseDelayMs: number;
  /** Cap on one delay. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 1000, maxDelayMs: 30_000 };

/**
 * Delay before retry number `retry` (1 for the first retry): "equal jitter", i.e. half the
 * exponential cap plus a random part of the other half, so delays grow and spread out.
 */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(cap / 2 + random() * (cap / 2));
}

export interface RetryHooks {
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  signal?: AbortSignal;
}

/** Calls `fn`, retrying throttling and transient errors (`isRetryableCallError`); others and the last one propagate. */
export async function retryCall<T>(clock: Clock, policy: RetryPolicy, random: () => number, fn: () => Promise<T>, hooks: RetryHooks = {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isRetryableCallError(err) || attempt >= policy.maxAttempts || hooks.signal?.aborted) throw err;
      const delayMs = backoffDelay(policy, attempt, random);
      hooks.onRetry?.({ attempt, delayMs, error: err });
      await clock.sleep(delayMs, hooks.signal);
    }
  }
}
