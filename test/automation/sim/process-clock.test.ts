import { expect } from "chai";
import { DriverProcess, ProcessClock } from "../../../automation/sim/process";
import { SimulatedCrash } from "../../../automation/sim/errors";
import { VirtualClock } from "../../../automation/sim/virtual-clock";

/** How a sleep ended: "woke" or the reason it was rejected with. */
const outcome = (p: Promise<void>): Promise<unknown> =>
  p.then(
    () => "woke",
    (err: unknown) => err,
  );

/**
 * The process clock binds a sleep to the process's death without a combined AbortSignal: it must
 * end exactly as a sleep on AbortSignal.any([signal, process.signal]) does.
 */
describe("a driver process's sleeps (sim)", () => {
  it("wake on time while the process lives and leave nothing watching its death", async () => {
    const root = new VirtualClock();
    const proc = new DriverProcess();
    const clock = new ProcessClock(root, proc);
    const start = root.now();
    const step = new AbortController();
    expect(await outcome(clock.sleep(5_000, step.signal))).to.equal("woke");
    expect(root.now() - start).to.equal(5_000);
    proc.kill();
    expect(root.pendingTimers).to.equal(0);
  });

  it("end with the process's crash when it dies, and their timers are gone (time does not jump to them)", async () => {
    const root = new VirtualClock();
    const proc = new DriverProcess();
    const clock = new ProcessClock(root, proc);
    const step = new AbortController();
    const asleep = outcome(clock.sleep(60_000, step.signal));
    const crash = new SimulatedCrash();
    proc.kill(crash);
    expect(await asleep).to.equal(crash);
    expect(root.pendingTimers).to.equal(0);
    expect(root.now()).to.equal(new VirtualClock().now());
    // A dead process's new sleeps fail at once with the same crash.
    expect(await outcome(clock.sleep(1, step.signal))).to.equal(crash);
  });

  it("end with their own signal's reason when it aborts first; the process's later death changes nothing", async () => {
    const root = new VirtualClock();
    const proc = new DriverProcess();
    const clock = new ProcessClock(root, proc);
    const step = new AbortController();
    const asleep = outcome(clock.sleep(60_000, step.signal));
    const why = new Error("step aborted");
    step.abort(why);
    proc.kill();
    expect(await asleep).to.equal(why);
    expect(root.pendingTimers).to.equal(0);
    // An already aborted signal rejects at once with its reason.
    expect(await outcome(new ProcessClock(root, new DriverProcess()).sleep(1, step.signal))).to.equal(why);
  });

  it("reject in the same order as sleeps on AbortSignal.any([signal, process.signal]) when the process dies", async () => {
    const order = async (sleep: (clock: VirtualClock, proc: DriverProcess, ms: number, signal: AbortSignal) => Promise<void>) => {
      const root = new VirtualClock();
      const proc = new DriverProcess();
      const seen: string[] = [];
      const step = new AbortController();
      const all = ["a", "b", "c"].map((name, i) => sleep(root, proc, 1_000 * (3 - i), step.signal).catch(() => seen.push(name)));
      proc.kill();
      await Promise.all(all);
      return seen;
    };
    const viaAny = await order((root, proc, ms, signal) => root.sleep(ms, AbortSignal.any([signal, proc.signal])));
    const viaProcessClock = await order((root, proc, ms, signal) => new ProcessClock(root, proc).sleep(ms, signal));
    expect(viaProcessClock).to.deep.equal(viaAny).and.to.deep.equal(["a", "b", "c"]);
  });
});
