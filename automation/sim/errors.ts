/**
 * Errors the simulated Regions raise, shaped like the ones the real adapters see, so that driver
 * code written against `name` (the AWS error code) behaves the same on both.
 */

/** An AWS service error: `name` is the error code (as in AWS SDK v3 ServiceException). */
export class AwsError extends Error {
  readonly $fault: "client" | "server";
  readonly $metadata: { httpStatusCode: number; attempts: number };
  /** Set on throttling errors, as the SDK's retry strategy reads it. */
  readonly $retryable?: { throttling: boolean };

  constructor(code: string, message: string, opts: { status?: number; throttling?: boolean } = {}) {
    super(message);
    this.name = code;
    const status = opts.status ?? 400;
    this.$fault = status >= 500 ? "server" : "client";
    this.$metadata = { httpStatusCode: status, attempts: 1 };
    if (opts.throttling) this.$retryable = { throttling: true };
  }
}

/** A call that got no answer within its `timeoutMs` (as the SDK's request timeout raises it). */
export class SimTimeoutError extends Error {
  constructor(
    readonly operation: string,
    readonly region: string,
    readonly timeoutMs: number,
  ) {
    super(`${operation} in ${region}: no response within ${timeoutMs} ms`);
    this.name = "TimeoutError";
  }
}

/** A write the data plane refuses: the file system is read-only, or the DB cluster is a secondary. */
export class DataPlaneError extends Error {
  constructor(
    readonly code: "EROFS" | "ER_OPTION_PREVENTS_STATEMENT",
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/** The driver process "dies" here: thrown at a step boundary, and by every port of the dead process. */
export class SimulatedCrash extends Error {
  constructor(message = "simulated crash of the driver process") {
    super(message);
    this.name = "SimulatedCrash";
  }
}

/** A `pulumi up` that failed; `cause` is the resource error, `changes` what was applied before it. */
export class StackUpError extends Error {
  constructor(
    readonly stack: string,
    message: string,
    readonly changes: Record<string, number>,
    readonly cause?: unknown,
  ) {
    super(message);
    this.name = "StackUpError";
  }
}

/**
 * The model stopped making progress (transitions or wake-ups at one instant without end, or time
 * past its horizon): a bug or a latency figure too small. Raised instead of spinning forever.
 */
export class SimulationStalledError extends Error {
  override name = "SimulationStalledError";
}

/** True when `err` is an error with this name/code (AwsError, TimeoutError, ...). */
export function isErrorNamed(err: unknown, name: string): boolean {
  return err instanceof Error && err.name === name;
}
