/**
 * The rollback's "source back into service" cannot take a serving endpoint as proof any more: a
 * quiesced site answers in read-only mode. A run that set quiesced=false and stopped before its `up`
 * (a crash) must run that `up` when resumed.
 */
import { expect } from "chai";
import { loadPair } from "../../../automation/plan/sites";
import { unquiesceStep } from "../../../automation/plan/steps/rollback";
import { DEFAULT_TIMEOUTS, type StepContext } from "../../../automation/plan/types";
import type { Mark } from "../../../automation/journal/events";
import { sim } from "../sim/helpers";

describe("rollback: the source back into service", () => {
  it("is not done while the source still runs read-only, though its endpoint answers", async () => {
    const s = await sim();
    await s.stacks.setConfig("primary", [{ key: "quiesced", value: true }]);
    await s.stacks.up("primary");
    const pair = await loadPair(s.stacks, "dr");
    const marks = new Map<string, Mark>();
    const ctx: StepContext = {
      cloud: s.cloud,
      stacks: s.stacks,
      clock: s.clock,
      signal: new AbortController().signal,
      timeouts: DEFAULT_TIMEOUTS,
      runStartedAt: s.clock.now(),
      mark: async (name, data) => void marks.set(name, { at: s.clock.now(), data: data ?? {} }),
      marks,
      log: () => undefined,
    };
    const step = unquiesceStep(pair, "");
    expect(await step.check(ctx)).to.equal(false);
    // The first attempt set the config and crashed before its up: the site is still read-only.
    await s.stacks.setConfig("primary", [{ key: "quiesced", value: false }]);
    expect(s.world.site("primary")).to.include({ readOnly: true, servesReads: true, serving: false });
    expect(await step.check(ctx), "read-only, not back in service").to.equal(false);
    await step.run(ctx);
    expect(s.world.site("primary")).to.include({ readOnly: false, serving: true });
    expect(await step.check(ctx)).to.equal(true);
  });
});
