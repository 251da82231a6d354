/**
 * Fault injection for the simulated Regions: throttled and timed-out calls, an impaired Region or
 * one impaired service of a Region (and their recovery) at a chosen virtual time, credentials that
 * are missing, expired or invalid, access denied to a call, Velero restores that do not complete,
 * and a crash of the driver process at a step
 * boundary. Faults are not slow steps: durations come from the latency table, faults come from here.
 *
 * Crash protocol for the executor: after each step ends (and its journal event is written), call
 * `faults.onStepBoundary(stepIndex, stepId)`, with `stepIndex` the number of steps ended so far in
 * this run (1 after the first). With `crashAfterStep(n)` (or a step id) armed, that call kills the driver process
 * (its ports reject every later call with SimulatedCrash) and throws SimulatedCrash. Each armed
 * crash fires once; `Simulation.restart()` gives the new process its ports.
 */
import type { Clock } from "../ports";
import { AwsError, SimulatedCrash } from "./errors";
import type { DriverProcess } from "./process";
import type { CloudMethod } from "./sim-cloud";
import { type AwsService, ROUTE53, type SimVeleroRestoreOutcome, type World } from "./world";

export { SimulatedCrash } from "./errors";

interface CallFault {
  kind: "throttle" | "timeout";
  method: CloudMethod | "*";
  region?: string;
  remaining: number;
}

/**
 * The caller's credentials, as the SDK meets them: none at all (the SDK fails before sending
 * anything), or sent and refused by AWS because they expired or are not valid.
 */
export type CredentialsFault = "missing" | "expired" | "invalid";

/**
 * The AWS protocol family of each simulated service, which decides the error codes it answers with:
 * JSON services use ...Exception names (EKS, EFS), query and XML services the short ones (RDS,
 * CloudWatch, Route 53), as each API reference's "Common Errors" lists them.
 */
const JSON_PROTOCOL = new Set(["eks", "efs"]);

/** The error a call meets with these credentials (the SDK's own, or AWS's 403 answer). */
function credentialsError(fault: CredentialsFault, service: string): Error {
  const json = JSON_PROTOCOL.has(service);
  switch (fault) {
    case "missing":
      // @smithy/property-provider's CredentialsProviderError, raised by the default chain before any request.
      return Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError", tryNextLink: false });
    case "expired":
      return new AwsError(json ? "ExpiredTokenException" : "ExpiredToken", "The security token included in the request is expired", { status: 403 });
    case "invalid":
      return new AwsError(json ? "UnrecognizedClientException" : "InvalidClientTokenId", "The security token included in the request is invalid.", {
        status: 403,
      });
  }
}

/** When a fault starts: `at` (virtual ms since epoch) or `afterMs` from now; default now. */
export interface FaultTiming {
  at?: number;
  afterMs?: number;
}

export class Faults {
  private readonly callFaults: CallFault[] = [];
  private readonly crashes: (number | string)[] = [];
  private readonly triggers: { method: CloudMethod; region?: string; action: () => void }[] = [];
  private credentialsFault?: { fault: CredentialsFault; from: number };
  private readonly denials: { method: CloudMethod | "*"; region?: string }[] = [];
  private readonly boundaries: { stepIndex: number; stepId?: string; at: number }[] = [];

  constructor(
    private readonly world: World,
    private readonly clock: Clock,
    private readonly currentProcess: () => DriverProcess,
  ) {}

  /** The next `times` calls of `method` (in `region` if given) fail with ThrottlingException, then calls succeed. */
  throttle(method: CloudMethod | "*", times = 1, opts: { region?: string } = {}): this {
    this.callFaults.push({ kind: "throttle", method, region: opts.region && this.regionOf(opts.region), remaining: times });
    return this;
  }

  /** The next `times` calls of `method` get no answer: they hang until their timeoutMs, then fail with TimeoutError. */
  timeout(method: CloudMethod | "*", times = 1, opts: { region?: string } = {}): this {
    this.callFaults.push({ kind: "timeout", method, region: opts.region && this.regionOf(opts.region), remaining: times });
    return this;
  }

  /** Consumed by SimCloud for each call: the fault this call gets, if any. */
  takeCallFault(method: CloudMethod, region: string): "throttle" | "timeout" | undefined {
    const fault = this.callFaults.find((f) => f.remaining > 0 && (f.method === "*" || f.method === method) && (f.region === undefined || f.region === region));
    if (!fault) return undefined;
    fault.remaining--;
    return fault.kind;
  }

  /**
   * Runs `action` (e.g. impairing a service) once, right after the first successful call of
   * `method` (in `region` if given): an outage that starts just after the driver looked.
   */
  afterCall(method: CloudMethod, action: () => void, opts: { region?: string } = {}): this {
    this.triggers.push({ method, region: opts.region && this.regionOf(opts.region), action });
    return this;
  }

  /** Consumed by SimCloud after each successful call. */
  callSucceeded(method: CloudMethod, region: string): void {
    const i = this.triggers.findIndex((t) => t.method === method && (t.region === undefined || t.region === region));
    if (i < 0) return;
    const [trigger] = this.triggers.splice(i, 1);
    trigger.action();
  }

  /**
   * From `at` (default now) every AWS call fails for lack of usable credentials, until
   * `restoreCredentials()`: "missing" before anything is sent (no round trip), "expired" and
   * "invalid" as AWS's 403 answer. The Regions themselves are fine.
   */
  credentials(fault: CredentialsFault, opts: FaultTiming = {}): this {
    this.credentialsFault = { fault, from: this.when(opts) };
    return this;
  }

  restoreCredentials(): this {
    this.credentialsFault = undefined;
    return this;
  }

  /** AWS denies `method` (in `region` if given) to the caller: 403 AccessDenied(Exception), every time. */
  denyAccess(method: CloudMethod | "*", opts: { region?: string } = {}): this {
    this.denials.push({ method, region: opts.region && this.regionOf(opts.region) });
    return this;
  }

  /**
   * Consumed by SimCloud for each AWS call: the authentication or authorization error it meets, if
   * any, and whether it is raised before sending (no round trip) or as AWS's answer.
   */
  authFault(method: CloudMethod, api: string, service: string, region: string): { error: Error; local: boolean } | undefined {
    const c = this.credentialsFault;
    if (c && this.clock.now() >= c.from) return { error: credentialsError(c.fault, service), local: c.fault === "missing" };
    if (this.denials.some((d) => (d.method === "*" || d.method === method) && (d.region === undefined || d.region === region))) {
      const json = JSON_PROTOCOL.has(service);
      return {
        error: new AwsError(
          json ? "AccessDeniedException" : "AccessDenied",
          `User: arn:aws:sts::123456789012:assumed-role/operator/session is not authorized to perform: ${service}:${api} in ${region}`,
          { status: 403 },
        ),
        local: false,
      };
    }
    return undefined;
  }

  /** Injected call faults not yet consumed. */
  pendingCallFaults(): number {
    return this.callFaults.reduce((n, f) => n + f.remaining, 0);
  }

  /**
   * The Region (a Region code or a site's stack name) stops answering: control-plane calls time out,
   * its site stops serving, replication from and to it stops. `forMs` schedules the recovery.
   */
  impairRegion(regionOrStack: string, opts: FaultTiming & { forMs?: number } = {}): this {
    const region = this.regionOf(regionOrStack);
    const at = this.when(opts);
    this.world.impairRegion(region, at);
    if (opts.forMs !== undefined) this.world.recoverRegion(region, at + opts.forMs);
    return this;
  }

  recoverRegion(regionOrStack: string, opts: FaultTiming = {}): this {
    this.world.recoverRegion(this.regionOf(regionOrStack), this.when(opts));
    return this;
  }

  /**
   * A partial outage: only `service` stops answering in the Region (a Region code or a site's stack
   * name) while its other services go on, e.g. EFS down in us-east-1 while EKS there answers.
   */
  impairService(regionOrStack: string, service: AwsService, opts: FaultTiming & { forMs?: number } = {}): this {
    const region = this.regionOf(regionOrStack);
    const at = this.when(opts);
    this.world.impairService(region, service, at);
    if (opts.forMs !== undefined) this.world.recoverService(region, service, at + opts.forMs);
    return this;
  }

  recoverService(regionOrStack: string, service: AwsService, opts: FaultTiming = {}): this {
    this.world.recoverService(this.regionOf(regionOrStack), service, this.when(opts));
    return this;
  }

  /**
   * The next Velero Restores of a synced backup end as given, one outcome each, in order (then
   * Completed): PartiallyFailed with its error count, Failed with its failure reason,
   * FailedValidation with its validation errors.
   */
  veleroRestoreOutcomes(...outcomes: SimVeleroRestoreOutcome[]): this {
    this.world.armVeleroRestoreOutcomes(outcomes);
    return this;
  }

  /** Only Route 53's control plane stops answering (DNS answers and health checks go on). */
  impairRoute53(opts: FaultTiming & { forMs?: number } = {}): this {
    return this.impairRegion(ROUTE53, opts);
  }

  /** Arms a crash at the boundary after the `step`-th step ends (1-based count, or the step's id). */
  crashAfterStep(step: number | string): this {
    this.crashes.push(step);
    return this;
  }

  /** Called by the executor after each step; throws SimulatedCrash when a crash is armed for it. */
  readonly onStepBoundary = (stepIndex: number, stepId?: string): void => {
    this.boundaries.push({ stepIndex, stepId, at: this.clock.now() });
    const i = this.crashes.findIndex((c) => c === stepIndex || (stepId !== undefined && c === stepId));
    if (i < 0) return;
    this.crashes.splice(i, 1);
    this.crash(`simulated crash after step ${stepId ?? stepIndex}`);
  };

  /** Kills the current driver process now and throws the SimulatedCrash. */
  crash(message?: string): never {
    const err = new SimulatedCrash(message);
    this.currentProcess().kill(err);
    throw err;
  }

  /** Step boundaries the executor reported, in order. */
  stepBoundaries(): { stepIndex: number; stepId?: string; at: number }[] {
    return [...this.boundaries];
  }

  private when(opts: FaultTiming): number {
    return opts.at ?? this.clock.now() + (opts.afterMs ?? 0);
  }

  private regionOf(regionOrStack: string): string {
    return this.world.stacks().includes(regionOrStack) ? this.world.regionOf(regionOrStack) : regionOrStack;
  }
}
