/**
 * A `Clock` whose time only moves when every task is waiting on it.
 *
 * `sleep(ms)` registers a timer. A scheduler, armed whenever a timer is pending, waits until the
 * process is otherwise idle and then jumps virtual time to the earliest timer and wakes its
 * sleepers. "Idle" means:
 *   - promise continuations have drained: checked from `setImmediate`, which Node runs only after
 *     the microtask queue is empty; the check is repeated `idleTurns` times so that code which
 *     itself defers through `setImmediate` still gets to run first;
 *   - no real I/O is in flight (`process.getActiveResourcesInfo()` lists no fs/dns/socket
 *     requests), e.g. the journal being appended to a file: time does not jump under it (for at
 *     most `maxIoWaitMs` of real time, so a stuck request cannot stall the simulation);
 *   - nothing registered through `track(promise)` is still pending.
 *
 * Timers wake in time order, and only the earliest batch wakes per jump: a woken task that sleeps
 * again for less than the next timer's remaining time wakes before it. A 30-minute failover with
 * hundreds of polls runs in a few real milliseconds. When no timer is pending the scheduler stops,
 * so the clock never keeps a process alive on its own.
 */
import type { Clock } from "../ports";
import { SimulationStalledError } from "./errors";

/** 2025-01-01T00:00:00Z: a fixed, readable start for drills and tests. */
export const DEFAULT_START_MS = Date.UTC(2025, 0, 1);

export interface VirtualClockOptions {
  /** Virtual time at creation, ms since the epoch. @default DEFAULT_START_MS */
  startMs?: number;
  /** Consecutive idle event-loop turns before time jumps. @default 2 */
  idleTurns?: number;
  /** Hold time while real I/O requests are in flight (fs, dns, sockets). @default true */
  waitForRealIo?: boolean;
  /**
   * Real milliseconds to hold time for I/O before jumping anyway, so that a request that never
   * completes (or a resource type misread as one) cannot stall the simulation. @default 2000
   */
  maxIoWaitMs?: number;
  /**
   * Wake-ups in a row without virtual time moving before the sleepers are failed with
   * SimulationStalledError (a task that sleeps 0 ms forever would otherwise spin). @default 100000
   */
  maxWakeupsAtOneInstant?: number;
  /** Virtual time the clock may run past its start; a sleep beyond it fails. @default 30 days */
  maxVirtualMs?: number;
}

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
  /** Stops watching the second source of cancellation (`sleepUntilCancelled`). */
  unwatch?: () => void;
}

/**
 * A second way for a sleep to end early, besides its signal: `watch` registers a callback to run
 * with the reason, and returns the function that unregisters it. The simulated driver process uses
 * it for its death: one Set entry per sleep instead of a combined AbortSignal (AbortSignal.any),
 * which costs several times more and was the largest part of a simulated run's CPU time.
 */
export interface Cancellation {
  /** The reason when it has already happened, else undefined. */
  readonly cancelled: { reason: unknown } | undefined;
  watch(cancel: (reason: unknown) => void): () => void;
}

/** Resource types Node lists for requests in flight (as opposed to long-lived handles and timers). */
const REAL_IO = /Req|^WriteWrap$|^ShutdownWrap$|^ConnectWrap$/;

function realIoInFlight(): boolean {
  const info = typeof process.getActiveResourcesInfo === "function" ? process.getActiveResourcesInfo() : [];
  return info.some((type) => REAL_IO.test(type));
}

export class VirtualClock implements Clock {
  private current: number;
  private readonly idleTurns: number;
  private readonly waitForRealIo: boolean;
  private readonly maxIoWaitMs: number;
  /** Sorted by (at, seq). */
  private readonly timers: Timer[] = [];
  private seq = 0;
  private running = false;
  private tracked = 0;
  private jumps = 0;
  private readonly horizon: number;
  private readonly maxWakeupsAtOneInstant: number;
  private wakeupsAtInstant = 0;

  constructor(opts: VirtualClockOptions = {}) {
    this.current = opts.startMs ?? DEFAULT_START_MS;
    this.idleTurns = Math.max(1, opts.idleTurns ?? 2);
    this.waitForRealIo = opts.waitForRealIo ?? true;
    this.maxIoWaitMs = opts.maxIoWaitMs ?? 2000;
    this.horizon = this.current + (opts.maxVirtualMs ?? 30 * 24 * 3600_000);
    this.maxWakeupsAtOneInstant = opts.maxWakeupsAtOneInstant ?? 100_000;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.sleepUntilCancelled(ms, signal);
  }

  /**
   * `sleep` that also ends, rejecting with its reason, when `cancellation` happens: the same as a
   * sleep on `AbortSignal.any([signal, <cancellation's signal>])`, the signal checked first.
   */
  sleepUntilCancelled(ms: number, signal?: AbortSignal, cancellation?: Cancellation): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const early = cancellation?.cancelled;
    if (early) return Promise.reject(early.reason);
    if (!Number.isFinite(ms)) return Promise.reject(new RangeError(`sleep(${ms}): the duration must be a finite number of milliseconds`));
    return new Promise<void>((resolve, reject) => {
      const timer: Timer = { at: this.current + Math.max(0, ms), seq: this.seq++, resolve, reject, signal };
      if (signal) {
        timer.onAbort = () => {
          timer.unwatch?.();
          this.remove(timer);
          reject(signal.reason);
        };
        signal.addEventListener("abort", timer.onAbort, { once: true });
      }
      if (cancellation) {
        timer.unwatch = cancellation.watch((reason) => {
          if (timer.signal && timer.onAbort) timer.signal.removeEventListener("abort", timer.onAbort);
          this.remove(timer);
          reject(reason);
        });
      }
      this.insert(timer);
      this.arm();
    });
  }

  /**
   * Keeps time still until `work` settles. For real asynchronous work that the I/O check cannot
   * see (e.g. a worker thread), so that virtual time does not jump while it runs.
   */
  track<T>(work: Promise<T>): Promise<T> {
    this.tracked++;
    const done = () => {
      this.tracked--;
    };
    work.then(done, done);
    return work;
  }

  /**
   * Moves time forward to `ms` at once (restoring a saved simulation). Refused while a timer is
   * due before it: those sleepers would wake late.
   */
  advanceTo(ms: number): void {
    const next = this.timers[0]?.at;
    if (next !== undefined && next < ms) throw new Error(`advanceTo(${ms}): a timer is due at ${next}, before it`);
    this.current = Math.max(this.current, ms);
  }

  /** Timers waiting to fire. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** How many times virtual time has jumped (for tests and drill statistics). */
  get jumpCount(): number {
    return this.jumps;
  }

  /** When the earliest pending timer fires, or undefined. */
  nextTimerAt(): number | undefined {
    return this.timers[0]?.at;
  }

  private insert(timer: Timer): void {
    // Binary search for the first timer that fires strictly later (FIFO among equal times).
    let lo = 0;
    let hi = this.timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timers[mid].at <= timer.at) lo = mid + 1;
      else hi = mid;
    }
    this.timers.splice(lo, 0, timer);
  }

  private remove(timer: Timer): void {
    const i = this.timers.indexOf(timer);
    if (i >= 0) this.timers.splice(i, 1);
  }

  private arm(): void {
    if (this.running) return;
    this.running = true;
    let quiet = 0;
    let ioSince: number | undefined;
    const tick = () => {
      if (this.timers.length === 0) {
        this.running = false;
        return;
      }
      const io = this.waitForRealIo && realIoInFlight();
      if (io) ioSince ??= Date.now();
      else ioSince = undefined;
      if (this.tracked > 0 || (io && Date.now() - (ioSince as number) < this.maxIoWaitMs)) {
        quiet = 0;
        setTimeout(tick, 0);
        return;
      }
      if (++quiet < this.idleTurns) {
        setImmediate(tick);
        return;
      }
      quiet = 0;
      ioSince = undefined;
      this.fireEarliest();
      setImmediate(tick);
    };
    setImmediate(tick);
  }

  private fireEarliest(): void {
    const at = this.timers[0].at;
    let stalled: SimulationStalledError | undefined;
    if (at > this.horizon) {
      stalled = new SimulationStalledError(
        `a sleep until ${new Date(at).toISOString()} is past the simulation's horizon (${new Date(this.horizon).toISOString()}); a latency figure or a wait is far too long`,
      );
    } else {
      this.wakeupsAtInstant = at > this.current ? 0 : this.wakeupsAtInstant + 1;
      if (this.wakeupsAtInstant >= this.maxWakeupsAtOneInstant) {
        stalled = new SimulationStalledError(
          `${this.wakeupsAtInstant} wake-ups at ${new Date(at).toISOString()} without virtual time moving: a task sleeps 0 ms in a loop`,
        );
        this.wakeupsAtInstant = 0;
      }
      this.current = Math.max(this.current, at);
      this.jumps++;
    }
    while (this.timers.length > 0 && this.timers[0].at === at) {
      const timer = this.timers.shift() as Timer;
      if (timer.signal && timer.onAbort) timer.signal.removeEventListener("abort", timer.onAbort);
      timer.unwatch?.();
      if (stalled) timer.reject(stalled);
      else timer.resolve();
    }
  }
}
