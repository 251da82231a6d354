import { expect } from "chai";
import { promises as fsp } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEFAULT_START_MS, VirtualClock } from "../../../automation/sim/virtual-clock";

const MIN = 60_000;

describe("sim: virtual clock", () => {
  it("runs two concurrent sleeps (3 min and 1 min) to 3 min of virtual time in a few real ms", async () => {
    const clock = new VirtualClock();
    const woke: [string, number][] = [];
    const realStart = Date.now();
    await Promise.all([
      clock.sleep(3 * MIN).then(() => woke.push(["3m", clock.now() - DEFAULT_START_MS])),
      clock.sleep(1 * MIN).then(() => woke.push(["1m", clock.now() - DEFAULT_START_MS])),
    ]);
    expect(woke).to.deep.equal([
      ["1m", 1 * MIN],
      ["3m", 3 * MIN],
    ]);
    expect(clock.now() - DEFAULT_START_MS).to.equal(3 * MIN);
    expect(Date.now() - realStart).to.be.below(200);
  });

  it("wakes sleepers in time order, FIFO among equal times, and lets a woken task cut in", async () => {
    const clock = new VirtualClock({ startMs: 0 });
    const order: string[] = [];
    const a = (async () => {
      await clock.sleep(1000);
      order.push("a1@" + clock.now());
      await clock.sleep(500); // 1500 < 2000: must wake before b
      order.push("a2@" + clock.now());
    })();
    const b = clock.sleep(2000).then(() => order.push("b@" + clock.now()));
    const c1 = clock.sleep(2000).then(() => order.push("c@" + clock.now()));
    await Promise.all([a, b, c1]);
    expect(order).to.deep.equal(["a1@1000", "a2@1500", "b@2000", "c@2000"]);
  });

  it("does not move time while other work is runnable (promise chains, setImmediate)", async () => {
    const clock = new VirtualClock({ startMs: 0 });
    let seenAt = -1;
    const sleeper = clock.sleep(10_000);
    await new Promise((r) => setImmediate(r));
    for (let i = 0; i < 100; i++) await Promise.resolve();
    seenAt = clock.now();
    await sleeper;
    expect(seenAt).to.equal(0);
    expect(clock.now()).to.equal(10_000);
  });

  it("holds time while real file I/O is in flight", async () => {
    const clock = new VirtualClock({ startMs: 0 });
    const file = path.join(os.tmpdir(), `vclock-${process.pid}.txt`);
    const stamps: number[] = [];
    const worker = (async () => {
      await fsp.writeFile(file, "x".repeat(1 << 16));
      stamps.push(clock.now());
      await clock.sleep(1000);
      stamps.push(clock.now());
    })();
    await clock.sleep(5000);
    stamps.push(clock.now());
    await worker;
    await fsp.rm(file, { force: true });
    // The 1 s sleep registered after the write wakes before the 5 s one.
    expect(stamps).to.deep.equal([0, 1000, 5000]);
  });

  it("rejects an aborted sleep with the signal's reason and forgets its timer", async () => {
    const clock = new VirtualClock({ startMs: 0 });
    const ac = new AbortController();
    const long = clock.sleep(60 * MIN, ac.signal);
    const short = clock.sleep(1000).then(() => ac.abort(new Error("stop")));
    await short;
    const err = await long.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as Error).message).to.equal("stop");
    expect(clock.pendingTimers).to.equal(0);
    expect(clock.now()).to.equal(1000); // did not jump to the aborted timer
  });

  it("rejects at once when the signal is already aborted, and on non-finite durations", async () => {
    const clock = new VirtualClock();
    const ac = new AbortController();
    ac.abort(new Error("already"));
    await clock.sleep(10, ac.signal).then(
      () => expect.fail("should reject"),
      (e: Error) => expect(e.message).to.equal("already"),
    );
    await clock.sleep(Infinity).then(
      () => expect.fail("should reject"),
      (e: Error) => expect(e).to.be.instanceOf(RangeError),
    );
  });

  it("tracks explicit work: time stays still until it settles", async () => {
    const clock = new VirtualClock({ startMs: 0 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    clock.track(gate);
    const s = clock.sleep(1000);
    setTimeout(() => {
      expect(clock.now()).to.equal(0);
      release();
    }, 5);
    await s;
    expect(clock.now()).to.equal(1000);
  });

  it("handles thousands of polls quickly", async () => {
    const clock = new VirtualClock({ startMs: 0 });
    const realStart = Date.now();
    for (let i = 0; i < 2000; i++) await clock.sleep(10_000);
    expect(clock.now()).to.equal(20_000_000);
    expect(Date.now() - realStart).to.be.below(1500);
  });
});
