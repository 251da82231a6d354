/**
 * Errors the driver raises on purpose. Each carries a message written for the operator: what
 * happened and what to do. The CLI maps them to exit codes.
 */

/** A bad flag or value; nothing was changed. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The driver refuses to start (readiness, safety gate, lock, unfinished journal); nothing was changed. */
export class RefusedError extends Error {
  override name = "RefusedError";
}

/** A bounded wait or call ran out of time. */
export class TimeoutError extends Error {
  override name = "TimeoutError";
}

/**
 * A wait gave up: what it waited for did not happen within its bound. Not a call without an
 * answer, so not worth trying the step again (the executor retries only those).
 */
export class WaitExpiredError extends Error {
  override name = "WaitExpiredError";
}

/** A whole step ran past its bound (StepBound); it was aborted. */
export class StepBoundExceededError extends Error {
  override name = "StepBoundExceededError";
}

/** A step failed; the run stopped and can be resumed by running the same command again. */
export class StepFailedError extends Error {
  override name = "StepFailedError";
  constructor(
    readonly stepId: string,
    readonly cause: unknown,
  ) {
    super(`step "${stepId}" failed: ${errorMessage(cause)}`);
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * A simulated process crash (the simulation's `SimulatedCrash`): the run must stop as a killed
 * process would, without writing anything more to the journal. Matched by name so the engine
 * does not depend on the simulation module.
 */
export function isCrash(err: unknown): boolean {
  return err instanceof Error && err.name === "SimulatedCrash";
}

const THROTTLING_NAMES = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  "PriorRequestNotComplete",
  "ThrottlingError",
]);

/** AWS throttling, as the SDK reports it (error name or code) or as the simulation raises it. */
export function isThrottling(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const e = err as { name?: unknown; code?: unknown; Code?: unknown; throttling?: unknown; $retryable?: { throttling?: boolean } };
  if (e.throttling === true || e.$retryable?.throttling === true) return true;
  return [e.name, e.code, e.Code].some((v) => typeof v === "string" && THROTTLING_NAMES.has(v));
}

/** A call that got no answer in time (ours, the adapters' AwsCallTimeoutError, the SDK's or the simulation's TimeoutError). */
export function isTimeout(err: unknown): boolean {
  return err instanceof TimeoutError || (err instanceof Error && /Timeout/.test(err.name));
}

/** Worth another try of the (idempotent) step: for now, exactly the timeouts. */
export function isTransient(err: unknown): boolean {
  return isTimeout(err);
}
