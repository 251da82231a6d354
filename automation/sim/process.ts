/**
 * The simulated driver process. Ports created for a process stop working when it "dies"
 * (`Faults.crash`, `crashAfterStep`): their in-flight calls and sleeps reject with SimulatedCrash
 * and new calls fail at once, as if the process had been killed. The world, the clock and the
 * cloud-side operations already accepted carry on; `Simulation.restart()` starts a new process
 * with fresh ports on the same world, which is how crash recovery is tested.
 */
import type { Clock } from "../ports";
import { SimulatedCrash } from "./errors";
import { VirtualClock, type Cancellation } from "./virtual-clock";

let nextId = 1;

export class DriverProcess implements Cancellation {
  readonly id = nextId++;
  private readonly controller = new AbortController();
  /** Sleeps to end when the process dies (`watch`), run after the signal's own listeners. */
  private readonly watchers = new Set<(reason: unknown) => void>();

  get alive(): boolean {
    return !this.controller.signal.aborted;
  }

  /** Aborts when the process dies; its reason is the SimulatedCrash. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  kill(reason: SimulatedCrash = new SimulatedCrash()): void {
    if (!this.alive) return;
    this.controller.abort(reason);
    // As AbortSignal.any's signals would: after the process signal's own listeners, in order.
    for (const cancel of this.watchers) cancel(reason);
    this.watchers.clear();
  }

  get cancelled(): { reason: unknown } | undefined {
    return this.alive ? undefined : { reason: this.controller.signal.reason };
  }

  watch(cancel: (reason: unknown) => void): () => void {
    this.watchers.add(cancel);
    return () => this.watchers.delete(cancel);
  }

  /** Throws the crash if the process is dead (every port call starts with it). */
  assertAlive(): void {
    if (!this.alive) throw this.controller.signal.reason;
  }

  /** `signal` combined with this process's death. */
  bind(signal?: AbortSignal): AbortSignal {
    return signal ? AbortSignal.any([signal, this.controller.signal]) : this.controller.signal;
  }
}

/** The clock as one process sees it: its sleeps end with the process. */
export class ProcessClock implements Clock {
  constructor(
    private readonly root: Clock,
    private readonly process: DriverProcess,
  ) {}

  now(): number {
    return this.root.now();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (!this.process.alive) return Promise.reject(this.process.signal.reason);
    return sleepInProcess(this.root, this.process, ms, signal);
  }
}

/**
 * `clock.sleep(ms, process.bind(signal))`, without building the combined signal when the clock is
 * the simulation's own (it watches the process's death directly): the same wake-ups and rejections.
 */
export function sleepInProcess(clock: Clock, process: DriverProcess, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal && clock instanceof VirtualClock) return clock.sleepUntilCancelled(ms, signal, process);
  return clock.sleep(ms, process.bind(signal));
}
