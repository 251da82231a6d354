/**
 * What every service module of the AWS adapter shares: the client pool, the bound of a call made
 * without its own `timeoutMs`, and reading a field the response must have.
 */
import type { CallOptions } from "../call-options";
import { AwsCallError, type CallSite } from "./call";
import type { AwsClients } from "./clients";

/** The deadline and cancellation `boundedCall` takes. */
export interface CallBounds {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** The call's own `timeoutMs`, else `fallbackMs`; the caller's signal. */
export function callBounds(opts: CallOptions | undefined, fallbackMs: number): CallBounds {
  return { timeoutMs: opts?.timeoutMs ?? fallbackMs, signal: opts?.signal };
}

export class AwsContext {
  constructor(
    readonly clients: AwsClients,
    /** Bound for calls made without `timeoutMs`, in ms. */
    readonly defaultTimeoutMs: number,
  ) {}

  bound(opts: CallOptions | undefined, fallbackMs = this.defaultTimeoutMs): CallBounds {
    return callBounds(opts, fallbackMs);
  }
}

/** A field the response must have; its absence is an `AwsCallError` naming the call. */
export function required<T>(site: CallSite, value: T | undefined | null, field: string): T {
  if (value === undefined || value === null) throw new AwsCallError(site, new Error(`the response has no ${field}`));
  return value;
}
