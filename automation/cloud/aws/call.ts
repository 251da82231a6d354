/**
 * Bounded AWS calls and the errors they raise.
 *
 * Every call the real cloud adapter makes goes through `boundedCall`: one deadline covers the
 * whole call, SDK retries and credential resolution included, and the caller's `AbortSignal`
 * cancels it. AWS failures come back as errors that name the API, the Region and the resource,
 * so a failover report says what failed where without a stack trace.
 */
import { TimeoutError } from "../../errors";

/** What a call is about, for error messages. */
export interface CallSite {
  /** Service short name, e.g. "EKS", "RDS", "Route 53". */
  service: string;
  /** API operation, e.g. "DescribeNodegroup". */
  api: string;
  /** Region the request went to ("global" is never used: Route 53 names us-east-1). */
  region: string;
  /** Human description of the resource, e.g. `node group "web" of cluster "dr"`. */
  resource?: string;
  /**
   * True for calls that change something: when they time out the request may still have been
   * applied, and the message says so.
   */
  mutating?: boolean;
}

const describe = (site: CallSite): string => `${site.service} ${site.api} in ${site.region}${site.resource ? ` for ${site.resource}` : ""}`;

/** An AWS call failed with a service or network error. */
export class AwsCallError extends Error {
  override name = "AwsCallError";
  readonly service: string;
  readonly api: string;
  readonly region: string;
  readonly resource?: string;
  /** AWS error code (the SDK exception name), e.g. "ResourceNotFoundException"; undefined for network errors. */
  readonly code?: string;
  readonly httpStatus?: number;
  /** True when AWS throttled the request (read by `isThrottling` in automation/errors). */
  readonly throttling: boolean;

  constructor(site: CallSite, cause: unknown) {
    const info = errorInfo(cause);
    super(`${describe(site)} failed: ${info.code ? `${info.code}: ` : ""}${info.message}`, { cause });
    this.service = site.service;
    this.api = site.api;
    this.region = site.region;
    this.resource = site.resource;
    this.code = info.code;
    this.httpStatus = info.httpStatus;
    this.throttling = info.throttling;
  }
}

/** An AWS call did not complete within its bound (SDK retries included). */
export class AwsCallTimeoutError extends TimeoutError {
  override name = "AwsCallTimeoutError";
  readonly service: string;
  readonly api: string;
  readonly region: string;
  readonly resource?: string;

  constructor(
    site: CallSite,
    readonly timeoutMs: number,
  ) {
    super(
      `${describe(site)} did not complete within ${timeoutMs} ms (SDK retries included); ` +
        (site.mutating
          ? `the request may still have been applied, so read the resource's state before retrying`
          : `the Region's control plane may be impaired`),
    );
    this.service = site.service;
    this.api = site.api;
    this.region = site.region;
    this.resource = site.resource;
  }
}

interface ErrorInfo {
  code?: string;
  message: string;
  httpStatus?: number;
  throttling: boolean;
}

/** Reads the parts of an SDK v3 error that matter (ServiceException or a network error). */
export function errorInfo(err: unknown): ErrorInfo {
  if (typeof err !== "object" || err === null) return { message: String(err), throttling: false };
  const e = err as {
    name?: string;
    message?: string;
    $fault?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: { throttling?: boolean };
  };
  const httpStatus = e.$metadata?.httpStatusCode;
  // Service errors carry $fault ("client" | "server") and an HTTP status; network errors do not.
  const isServiceError = e.$fault !== undefined || httpStatus !== undefined;
  return {
    code: isServiceError ? e.name : undefined,
    message: e.message || e.name || "unknown error",
    httpStatus,
    throttling: e.$retryable?.throttling === true || /throttl|TooManyRequests|RequestLimitExceeded/i.test(e.name ?? ""),
  };
}

/** True when the error is AWS's answer (an HTTP response came back), not a timeout or network failure. */
export function isServiceAnswer(err: unknown): boolean {
  return err instanceof AwsCallError && err.httpStatus !== undefined;
}

/** The code of an AWS error, if it is one. */
export function awsErrorCode(err: unknown): string | undefined {
  return err instanceof AwsCallError ? err.code : undefined;
}

/**
 * Runs `fn` with a signal that fires at the deadline or when the caller aborts, and makes sure the
 * returned promise settles by then even if something inside ignores the signal.
 *
 * - deadline: rejects with `AwsCallTimeoutError`;
 * - caller abort: rejects with the caller signal's reason (as `Clock.sleep` does);
 * - AWS error: rejects with `AwsCallError`.
 */
export async function boundedCall<T>(site: CallSite, bound: { timeoutMs: number; signal?: AbortSignal }, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const { timeoutMs, signal: callerSignal } = bound;
  if (callerSignal?.aborted) throw callerSignal.reason;

  const deadline = new AbortController();
  const timeoutError = new AwsCallTimeoutError(site, timeoutMs);
  const timer = setTimeout(() => deadline.abort(timeoutError), timeoutMs);
  const signal = callerSignal ? AbortSignal.any([callerSignal, deadline.signal]) : deadline.signal;

  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([fn(signal), aborted]);
  } catch (err) {
    if (deadline.signal.aborted) throw timeoutError;
    if (callerSignal?.aborted) throw callerSignal.reason;
    if (err instanceof AwsCallError || err instanceof AwsCallTimeoutError) throw err;
    throw new AwsCallError(site, err);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener("abort", onAbort);
    // The race's loser must not surface as an unhandled rejection.
    aborted.catch(() => undefined);
  }
}
