import { expect } from "chai";
import { SystemClock } from "../../../automation/adapters/system-clock";

describe("SystemClock", () => {
  const clock = new SystemClock();

  it("tells wall-clock time", () => {
    const before = Date.now();
    const now = clock.now();
    expect(now).to.be.within(before, Date.now());
  });

  it("sleeps about the given time", async () => {
    const start = Date.now();
    await clock.sleep(40);
    expect(Date.now() - start).to.be.at.least(35);
  });

  it("rejects with the signal's reason when aborted during the sleep, without waiting it out", async () => {
    const ctl = new AbortController();
    const reason = new Error("operator pressed Ctrl-C");
    const start = Date.now();
    setTimeout(() => ctl.abort(reason), 20);
    const err = await clock.sleep(10_000, ctl.signal).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.equal(reason);
    expect(Date.now() - start).to.be.below(1_000);
  });

  it("rejects at once when the signal is already aborted", async () => {
    const ctl = new AbortController();
    ctl.abort(new Error("already"));
    const err = await clock.sleep(10_000, ctl.signal).catch((e: Error) => e);
    expect((err as Error).message).to.equal("already");
  });
});
