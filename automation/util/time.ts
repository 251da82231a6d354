/**
 * Bounded calls and polling on the driver's Clock (virtual in simulations, so never setTimeout).
 */
import type { Clock } from "../ports";
import { authProblem, TimeoutError, WaitExpiredError } from "../errors";
import { formatDuration } from "./duration";

/**
 * An AbortSignal that fires when any of `signals` does (no listener left behind on them). One
 * distinct signal is returned as it is: a step's calls usually pass the step's own signal again, and
 * combining a signal with itself (AbortSignal.any) was a large share of a simulated run's CPU time.
 */
export function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal {
  const present = signals.filter((s, i): s is AbortSignal => s !== undefined && signals.indexOf(s) === i);
  return present.length === 1 ? present[0] : AbortSignal.any(present);
}

/** Why a settled call's timer is stopped: never seen (its sleep's rejection is dropped), so one shared value, not a new DOMException per call. */
const SETTLED = new Error("settled");

/**
 * Runs `fn` and gives up after `timeoutMs` on the clock, aborting the signal passed to `fn`.
 * The bound holds even when the callee ignores its signal (an impaired Region may never answer).
 */
export async function withTimeout<T>(clock: Clock, timeoutMs: number, what: string, fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
  if (signal?.aborted) throw signal.reason;
  const inner = new AbortController();
  let rejectAborted: (reason: unknown) => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => (rejectAborted = reject));
  const onOuterAbort = () => {
    inner.abort(signal?.reason);
    rejectAborted(signal?.reason);
  };
  signal?.addEventListener("abort", onOuterAbort, { once: true });
  const timer = new AbortController();
  let timedOut = false;
  const timeout = clock.sleep(timeoutMs, timer.signal).then(
    () => {
      timedOut = true;
      const err = new TimeoutError(`${what} did not answer within ${formatDuration(timeoutMs)}`);
      inner.abort(err);
      throw err;
    },
    () => new Promise<never>(() => undefined),
  );
  try {
    return await Promise.race([fn(inner.signal), timeout, aborted]);
  } catch (err) {
    if (timedOut && !(err instanceof TimeoutError)) throw new TimeoutError(`${what} did not answer within ${formatDuration(timeoutMs)}`);
    throw err;
  } finally {
    timer.abort(SETTLED);
    signal?.removeEventListener("abort", onOuterAbort);
  }
}

export interface WaitOptions {
  /** Poll interval. */
  intervalMs: number;
  /** Give up after this long. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Polls `probe` until it returns true. Probe errors other than an abort or an authentication or
 * permission problem are retried until the deadline (a transient read failure must not fail a step
 * that is otherwise progressing).
 */
export async function waitUntil(clock: Clock, what: string, probe: () => Promise<boolean>, opts: WaitOptions): Promise<void> {
  const deadline = clock.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    try {
      if (await probe()) return;
      lastError = undefined;
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      if (err instanceof Error && err.name === "SimulatedCrash") throw err;
      // Credentials that stopped working will not start again by waiting: fail now, with the fix.
      if (authProblem(err)) throw err;
      lastError = err;
    }
    if (clock.now() >= deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      throw new WaitExpiredError(`gave up waiting for ${what} after ${formatDuration(opts.timeoutMs)}${why}`);
    }
    await clock.sleep(Math.min(opts.intervalMs, Math.max(1, deadline - clock.now())), opts.signal);
  }
}
