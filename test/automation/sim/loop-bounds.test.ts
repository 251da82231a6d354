/**
 * Every loop of the simulation is bounded: a latency figure too small to make progress is refused
 * up front, and the clock and the world's schedule stop with an error instead of spinning forever.
 */
import { expect } from "chai";
import { LatencyOverrideError, applyLatencyOverrides } from "../../../automation/sim/latency";
import { SimulationStalledError } from "../../../automation/sim/errors";
import { VirtualClock } from "../../../automation/sim/virtual-clock";
import { Schedule } from "../../../automation/sim/world/schedule";

describe("sim: loop bounds", () => {
  for (const seconds of [0, 0.0004]) {
    it(`refuses an efs-sync cycle of ${seconds} s, which would never let time move`, () => {
      let err: unknown;
      try {
        applyLatencyOverrides({ "efs-sync": { minSeconds: seconds, typicalSeconds: seconds, maxSeconds: seconds } }, "latency.yaml");
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(LatencyOverrideError);
      expect((err as Error).message).to.match(/efs-sync\.minSeconds: .* at least 1/);
    });
  }

  it("accepts zero for steps that do not repeat (a DNS TTL of 0)", () => {
    const table = applyLatencyOverrides({ "dns-ttl": { minSeconds: 0, typicalSeconds: 0, maxSeconds: 0 } }, "latency.yaml");
    expect(table["dns-ttl"].maxSeconds).to.equal(0);
  });

  it("the world's schedule stops a transition that keeps rescheduling itself at the same instant", () => {
    const schedule = new Schedule(0);
    let runs = 0;
    const again = () => {
      runs++;
      schedule.schedule(schedule.t, "sync cycle", again);
    };
    schedule.schedule(0, "sync cycle", again);
    expect(() => schedule.settle(0, { observe: () => undefined, recompute: () => undefined })).to.throw(
      SimulationStalledError,
      /without time moving \(last: "sync cycle"\)/,
    );
    expect(runs).to.be.below(1_000_000);
  });

  it("the world's schedule also bounds transitions spread over time within one settle", () => {
    const schedule = new Schedule(0, { maxTransitionsPerSettle: 1000 });
    const again = () => void schedule.schedule(schedule.t + 1, "tick", again);
    schedule.schedule(1, "tick", again);
    expect(() => schedule.settle(10_000_000, { observe: () => undefined, recompute: () => undefined })).to.throw(SimulationStalledError, /1000 transitions/);
  });

  it("the clock stops a task that sleeps 0 ms forever", async () => {
    const clock = new VirtualClock({ startMs: 0, maxWakeupsAtOneInstant: 500 });
    let loops = 0;
    const spin = async () => {
      for (;;) {
        loops++;
        await clock.sleep(0);
      }
    };
    let err: unknown;
    await spin().catch((e) => (err = e));
    expect(err).to.be.instanceOf(SimulationStalledError);
    expect((err as Error).message).to.match(/without virtual time moving/);
    expect(loops).to.be.at.most(501);
  });

  it("the clock refuses to run past its virtual-time horizon", async () => {
    const clock = new VirtualClock({ startMs: 0, maxVirtualMs: 60_000 });
    await clock.sleep(30_000);
    let err: unknown;
    await clock.sleep(10 * 60_000).catch((e) => (err = e));
    expect(err).to.be.instanceOf(SimulationStalledError);
    expect((err as Error).message).to.match(/horizon/);
    expect(clock.now()).to.equal(30_000);
  });
});
