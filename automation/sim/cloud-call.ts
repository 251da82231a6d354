/**
 * One API call on the simulated Regions, shared by every service's simulated adapter
 * (cloud/<service>/sim.ts).
 *
 * Each call takes an API round trip of virtual time (`api-call` latency). A call into an impaired
 * Region (Route 53 calls: its control plane, us-east-1) gets no answer: it hangs until its
 * `timeoutMs` (or `defaultTimeoutMs`) and then rejects with a TimeoutError; never forever.
 * Long actions return once AWS accepted them and converge later, as on AWS: the status fields
 * (GlobalCluster.failoverState, replication DELETING, node group UPDATING) show them in progress.
 * Every call is recorded in `world.calls()`; side-effecting ones also in `world.sideEffects()`.
 */
import type { CallOptions, Clock, CloudMethod } from "../ports";
import { AwsError, SimTimeoutError } from "./errors";
import type { Faults } from "./faults";
import type { LatencyModel } from "./latency";
import { DriverProcess, sleepInProcess } from "./process";
import { type AwsService, ROUTE53, type World } from "./world";

export interface SimCloudOptions {
  world: World;
  /** The root (virtual) clock. */
  clock: Clock;
  latency: LatencyModel;
  faults?: Faults;
  process?: DriverProcess;
  /** Bound for calls made without `timeoutMs` (the SDK's own timeouts and retries). @default 120000 */
  defaultTimeoutMs?: number;
  /** How far back `auroraLag` looks, as the real adapter's `lagLookbackMs`. @default 3600000 */
  lagLookbackMs?: number;
  /** The lag metric's name, as the real adapter's `lagMetricName` (the sim models its semantics, see LagMetric.sampleLagThrough in world/aurora-lag.ts). @default AuroraGlobalDBRPOLag */
  lagMetricName?: string;
}

export interface CallSpec {
  method: CloudMethod;
  api: string;
  /**
   * The control plane the call goes to ("route53" with the ROUTE53 pseudo-Region; "http" for the
   * data plane; "s3" a bucket in its Region; "kubernetes" a cluster's API server in its Region).
   */
  service: AwsService | "route53" | "http" | "s3" | "kubernetes";
  region: string;
  args: Record<string, unknown>;
  sideEffect: boolean;
}

export class SimCall {
  readonly world: World;
  private readonly clock: Clock;
  private readonly latency: LatencyModel;
  private readonly faults?: Faults;
  private readonly process: DriverProcess;
  private readonly defaultTimeoutMs: number;

  constructor(opts: SimCloudOptions) {
    this.world = opts.world;
    this.clock = opts.clock;
    this.latency = opts.latency;
    this.faults = opts.faults;
    this.process = opts.process ?? new DriverProcess();
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? 120_000;
  }

  private unreachable(spec: CallSpec): boolean {
    if (spec.region === ROUTE53) return this.world.isRoute53Impaired();
    if (spec.service === "route53" || spec.service === "http" || spec.service === "s3" || spec.service === "kubernetes")
      return this.world.isImpaired(spec.region);
    return !this.world.serviceAnswers(spec.region, spec.service);
  }

  /**
   * One API call: fault injection, the unreachable-Region hang, the round trip, then `fn` against
   * the world at the moment the request lands. `onTimeout` turns a timeout into a value (probes).
   */
  async call<T>(spec: CallSpec, opts: CallOptions | undefined, fn: () => T, onTimeout?: () => T): Promise<T> {
    this.process.assertAlive();
    const signal = opts?.signal;
    if (signal?.aborted) throw signal.reason;
    const sleep = (ms: number) => sleepInProcess(this.clock, this.process, ms, signal);
    const timeoutMs = opts?.timeoutMs ?? this.defaultTimeoutMs;
    const started = this.clock.now();
    const record = (outcome: string) =>
      this.world.recordCall({
        origin: "cloud",
        api: spec.api,
        method: spec.method,
        region: spec.region,
        args: spec.args,
        sideEffect: spec.sideEffect,
        outcome,
      });
    const timeOut = async (): Promise<T> => {
      await sleep(Math.max(0, started + timeoutMs - this.clock.now()));
      record("TimeoutError");
      if (onTimeout) return onTimeout();
      throw new SimTimeoutError(spec.api, spec.region, timeoutMs);
    };
    // Credentials are checked by the SDK before anything is sent: "missing" fails at once, Region or not.
    const auth =
      spec.service === "http" || spec.service === "s3" || spec.service === "kubernetes"
        ? undefined
        : this.faults?.authFault(spec.method, spec.api, spec.service, spec.region);
    if (auth?.local) {
      record(auth.error.name);
      throw auth.error;
    }
    const fault = this.faults?.takeCallFault(spec.method, spec.region);
    if (fault === "timeout" || this.unreachable(spec)) return timeOut();
    const roundTrip = this.latency.sample("api-call");
    if (roundTrip > timeoutMs) return timeOut();
    await sleep(roundTrip);
    if (this.unreachable(spec)) return timeOut();
    if (auth) {
      record(auth.error.name);
      throw auth.error;
    }
    if (fault === "throttle") {
      record("ThrottlingException");
      throw new AwsError("ThrottlingException", `Rate exceeded (${spec.api})`, { throttling: true });
    }
    try {
      const result = fn();
      record("ok");
      this.faults?.callSucceeded(spec.method, spec.region);
      return result;
    } catch (err) {
      record(err instanceof Error ? err.name : "Error");
      throw err;
    }
  }
}
