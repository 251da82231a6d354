/**
 * The Aurora drain waits for evidence newer than the quiesce, which the quiesce step marks. Without
 * that mark it has nothing to wait for: it must fail at once, naming the mark and the step that
 * records it, rather than poll a moving "now" until its bound.
 */
import { expect } from "chai";
import { auroraDrainStep, MARK } from "../../../automation/plan/steps";
import { loadPair } from "../../../automation/plan/sites";
import { DEFAULT_TIMEOUTS } from "../../../automation/plan/types";
import { readOnlyContext } from "../../../automation/engine/inspect";
import { sim } from "../sim/helpers";
import { runSteps } from "./run-steps";

describe("steps: wait-aurora-lag without a quiesce mark", () => {
  it("fails at once, naming the missing mark and the step that records it", async () => {
    const s = await sim();
    const pair = await loadPair(s.stacks, "dr");
    const start = s.clock.now();
    const r = await runSteps(s, [auroraDrainStep(pair, "", [])]);
    expect(r.outcome).to.equal("failed");
    expect(r.steps[0].outcome).to.equal("failed");
    expect(String(r.error)).to.include(`"${MARK.quiesced}"`).and.include("quiesce-source");
    // No poll until the bound: it failed before any wait.
    expect(s.clock.now() - start).to.be.below(DEFAULT_TIMEOUTS.pollMs);
  });

  it("a preview (status, --dry-run) says it would run, without failing", async () => {
    const s = await sim();
    const step = auroraDrainStep(await loadPair(s.stacks, "dr"), "", []);
    expect(await step.check(readOnlyContext(s))).to.equal(false);
  });

  it("with the mark, it waits for a datapoint past the quiesce and finishes", async () => {
    const s = await sim();
    const r = await runSteps(s, [auroraDrainStep(await loadPair(s.stacks, "dr"), "", [])], { marks: { [MARK.quiesced]: { stack: "primary" } } });
    expect(r.steps[0].outcome, String(r.error)).to.equal("done");
  });
});
