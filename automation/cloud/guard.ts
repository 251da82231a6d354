/**
 * The cloud a step sees: every method of every service port, through one generic wrapper. Each
 * call is retried on throttling and transient failures (backoff + jitter on the Clock: the only
 * retry layer, see docs/decisions.md), bounded by a timeout even if the adapter ignores it (an impaired Region may
 * never answer), and aborted with the step.
 *
 * The wrapper relies on one convention of the ports (cloud/port.ts): a method's last parameter is
 * its `CallOptions`. It passes the adapter the call's bound there (`optionsIndex`), and names the
 * call in messages by service, method and its string arguments (`eks.describeNodeGroup us-west-2 ...`).
 */
import type { Clock } from "../ports";
import type { CallOptions } from "./call-options";
import type { CloudPort, CloudService } from "./port";
import { anySignal, withTimeout } from "../util/time";
import { retryCall, type RetryPolicy } from "../engine/retry";

/** How long after a call's own bound the backstop fires. */
export const BACKSTOP_GRACE_MS = 1000;

export interface GuardOptions {
  clock: Clock;
  policy: RetryPolicy;
  random: () => number;
  /** Bound used when a call passes none. */
  defaultTimeoutMs: number;
  signal: AbortSignal;
  onRetry?: (what: string, attempt: number, delayMs: number, error: unknown) => void;
}

type AnyMethod = (...args: unknown[]) => Promise<unknown>;

/** One call, bounded and retried: the whole guard. */
function guardedCall<T>(opts: GuardOptions, what: string, callOpts: CallOptions | undefined, fn: (o: CallOptions) => Promise<T>): Promise<T> {
  const { clock, policy, random, signal } = opts;
  const timeoutMs = callOpts?.timeoutMs ?? opts.defaultTimeoutMs;
  const outer = anySignal(signal, callOpts?.signal);
  return retryCall(
    clock,
    policy,
    random,
    // The adapter gets the bound; ours is a backstop a little later, for an adapter that ignores it.
    () => withTimeout(clock, timeoutMs + BACKSTOP_GRACE_MS, what, (s) => fn({ timeoutMs, signal: s }), outer),
    { signal: outer, onRetry: ({ attempt, delayMs, error }) => opts.onRetry?.(what, attempt, delayMs, error) },
  );
}

const isCallOptions = (x: unknown): boolean =>
  typeof x === "object" && x !== null && !Array.isArray(x) && Object.keys(x).every((k) => k === "timeoutMs" || k === "signal");

/**
 * Where a call's `CallOptions` go: after the arguments the method declares (its `length`, for the
 * adapters' methods), else (a test double declaring fewer) the caller's last argument when it is
 * options or left undefined, else after the caller's arguments.
 */
export function optionsIndex(method: { length: number }, args: unknown[]): number {
  if (method.length > args.length) return method.length - 1;
  const last = args.length - 1;
  return last >= 0 && (args[last] === undefined || isCallOptions(args[last])) ? last : args.length;
}

/** `port` with every method guarded; the method's last parameter receives the bound. */
export function guardPort<P extends object>(service: string, port: P, opts: GuardOptions): P {
  return new Proxy(port, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== "function" || typeof key !== "string") return value;
      const method = value as AnyMethod;
      return (...args: unknown[]) => {
        const optsAt = optionsIndex(method, args);
        const given = args.length > optsAt ? (args[optsAt] as CallOptions | undefined) : undefined;
        const what = [`${service}.${key}`, ...args.slice(0, optsAt).filter((a): a is string => typeof a === "string")].join(" ");
        return guardedCall(opts, what, given, (o) => {
          const call = args.slice(0, optsAt);
          call[optsAt] = o;
          return method.apply(target, call);
        });
      };
    },
  });
}

/** Every service of `cloud` guarded with the same options. */
export function guardCloud(cloud: CloudPort, opts: GuardOptions): CloudPort {
  const guarded = {} as Record<CloudService, object>;
  for (const service of Object.keys(cloud) as CloudService[]) guarded[service] = guardPort(service, cloud[service], opts);
  return guarded as CloudPort;
}
