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

/** The operator stopped the run (Ctrl-C) at a step boundary; the journal lets `resumeCommand` resume it. */
export class StoppedError extends Error {
  override name = "StoppedError";
  constructor(readonly resumeCommand: string) {
    super(`Stopped at a step boundary, as asked (Ctrl-C); no step was cut in the middle and the journal keeps the run. Resume with: \`${resumeCommand}\``);
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

/** HTTP statuses and socket errors the AWS SDK's standard retry mode treats as transient (@smithy/core, service-error-classification constants). */
const TRANSIENT_STATUSES = new Set([500, 502, 503, 504]);
const TRANSIENT_NETWORK_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);

/**
 * Worth another attempt of the same call: throttling, or a transient failure as the SDK's standard
 * mode classifies it (a 500/502/503/504 answer, a reset or refused connection). Never a timeout:
 * the call's bound is spent (an impaired Region is not retried into).
 */
export function isRetryableCallError(err: unknown): boolean {
  if (isThrottling(err)) return true;
  if (typeof err !== "object" || err === null || isTimeout(err)) return false;
  const e = err as { httpStatus?: unknown; $metadata?: { httpStatusCode?: unknown }; code?: unknown; cause?: unknown };
  const status = e.httpStatus ?? e.$metadata?.httpStatusCode;
  if (typeof status === "number" && TRANSIENT_STATUSES.has(status)) return true;
  const cause = e.cause as { code?: unknown } | undefined;
  return [e.code, cause?.code].some((c) => typeof c === "string" && TRANSIENT_NETWORK_CODES.has(c));
}

/** A call that got no answer in time (ours, the adapters' AwsCallTimeoutError, the SDK's or the simulation's TimeoutError). */
export function isTimeout(err: unknown): boolean {
  return err instanceof TimeoutError || (err instanceof Error && /Timeout/.test(err.name));
}

/** Worth another try of the (idempotent) step: for now, exactly the timeouts. */
export function isTransient(err: unknown): boolean {
  return isTimeout(err);
}

// ---------------------------------------------------------------------------------------------
// The environment the driver runs in: tools, logins, credentials, permissions

/**
 * The driver cannot work from here: a missing or too old tool, no login, no usable credentials, a
 * missing permission or stack. Nothing was changed. The message is one line: the cause, then the
 * command that fixes it.
 */
export class SetupError extends Error {
  override name = "SetupError";
  constructor(
    /** What is wrong, e.g. "aws-credentials-expired", "pulumi-cli-missing". */
    readonly kind: string,
    /** The cause, for people. */
    readonly problem: string,
    /** The command or step that fixes it. */
    readonly fix: string,
    options?: { cause?: unknown },
  ) {
    super(`${problem}. Fix: ${fix}`, options);
  }
}

export type AuthProblemKind = "no-credentials" | "expired" | "invalid" | "access-denied";

export interface AuthProblem {
  kind: AuthProblemKind;
  /** The AWS error code or the SDK's local error name, e.g. "ExpiredToken", "CredentialsProviderError". */
  code: string;
  /** AWS's or the SDK's own message. */
  detail: string;
}

/*
 * The codes AWS answers with when it cannot authenticate a request or denies it (the "Common
 * Errors" page of each service's API reference: AccessDeniedException, ExpiredTokenException,
 * IncompleteSignature, InvalidClientTokenId, MissingAuthenticationToken, NotAuthorized,
 * UnrecognizedClientException...). JSON-protocol services (EKS, EFS) use the ...Exception names,
 * query and XML ones (RDS, CloudWatch, Route 53, STS) the short ones; AWS SDK v3 turns the code
 * into the error's `name`.
 */
const EXPIRED_CODES = new Set(["ExpiredToken", "ExpiredTokenException"]);
const INVALID_CODES = new Set([
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
  "MissingAuthenticationToken",
  "MissingAuthenticationTokenException",
  "AuthFailure",
]);
const DENIED_CODES = new Set(["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "NotAuthorized"]);
/**
 * Raised by the SDK before any request when it cannot get credentials (@smithy/property-provider):
 * "Could not load credentials from any providers" with none, "The SSO session associated with this
 * profile has expired" (credential-provider-sso) or "Token is expired" (token-providers) for SSO.
 */
const LOCAL_CREDENTIAL_ERRORS = new Set(["CredentialsProviderError", "TokenProviderError"]);

/**
 * When `err` (or an error it wraps) says AWS could not authenticate the caller or denied it: a
 * problem of the credentials, never a sign that a Region is down.
 */
export function authProblem(err: unknown): AuthProblem | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && typeof e === "object" && e !== null; depth++) {
    const x = e as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown };
    const message = typeof x.message === "string" ? x.message : "";
    for (const code of [x.code, x.name]) {
      if (typeof code !== "string") continue;
      if (LOCAL_CREDENTIAL_ERRORS.has(code)) return { kind: /expired/i.test(message) ? "expired" : "no-credentials", code, detail: message };
      if (EXPIRED_CODES.has(code)) return { kind: "expired", code, detail: message };
      if (INVALID_CODES.has(code)) return { kind: "invalid", code, detail: message };
      if (DENIED_CODES.has(code)) return { kind: "access-denied", code, detail: message };
    }
    e = x.cause;
  }
  return undefined;
}

/**
 * The one-line SetupError for an authentication or permission problem met while doing `what`
 * (e.g. "probing us-east-1"). It never points at --mode unplanned: nothing is known about the Region.
 */
export function authSetupError(problem: AuthProblem, what: string, env: { AWS_PROFILE?: string } = process.env): SetupError {
  const profile = env.AWS_PROFILE ? ` --profile ${env.AWS_PROFILE}` : "";
  const notOutage = "a credentials problem, not a Region outage";
  const detail = problem.detail ? `: ${problem.detail.split("\n")[0]}` : "";
  switch (problem.kind) {
    case "no-credentials":
      return new SetupError(
        "aws-no-credentials",
        `Cannot authenticate to AWS while ${what}: no credentials found (${problem.code}${detail}); ${notOutage}`,
        `sign in with \`aws sso login${profile}\` and export AWS_PROFILE (or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), then run the command again`,
      );
    case "expired":
      return new SetupError(
        "aws-credentials-expired",
        `Cannot authenticate to AWS while ${what}: the credentials have expired (${problem.code}${detail}); ${notOutage}`,
        `refresh them with \`aws sso login${profile}\` (or assume the role again and export the new AWS_SESSION_TOKEN), then run the command again`,
      );
    case "invalid":
      return new SetupError(
        "aws-credentials-invalid",
        `Cannot authenticate to AWS while ${what}: AWS rejected the credentials (${problem.code}${detail}); ${notOutage}`,
        `check AWS_PROFILE, AWS_ACCESS_KEY_ID and AWS_SESSION_TOKEN (\`aws sts get-caller-identity${profile}\` shows who you are), sign in again with \`aws sso login${profile}\`, then run the command again`,
      );
    case "access-denied":
      return new SetupError(
        "aws-access-denied",
        `AWS denied access while ${what} (${problem.code}${detail}); the credentials work but lack a permission, which says nothing about the Region's health`,
        `use a profile or role allowed to do it (\`aws sts get-caller-identity${profile}\` shows which one you use; the driver's permissions are in the README), then run the command again`,
      );
  }
}

/** Rethrows `err` as a SetupError when it is an authentication or permission problem; otherwise returns. */
export function rethrowAuth(err: unknown, what: string): void {
  const problem = authProblem(err);
  if (problem) throw authSetupError(problem, what);
}

/** An error's message for a report; an authentication or permission problem gets its cause and fix. */
export function failureMessage(err: unknown, what: string): string {
  const problem = err instanceof SetupError ? undefined : authProblem(err);
  return problem ? authSetupError(problem, what).message : errorMessage(err);
}
