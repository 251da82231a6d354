/**
 * The executor's stop (Ctrl-C): no step starts after it, the steps running end as they would have,
 * and the result says `stopped` with the steps not run; a stop after the last step started changes
 * nothing.
 */
import { expect } from "chai";
import { execute } from "../../automation/engine/executor";
import { MemoryJournal } from "../../automation/journal/memory-journal";
import type { Plan } from "../../automation/plan/types";
import type { CloudPort, StackPort } from "../../automation/ports";
import { VirtualClock } from "../../automation/sim/virtual-clock";

/** a (100 ms) and b (5 s) at once, c after a, d after b. */
function fourSteps(clock: VirtualClock): Plan {
  const step = (id: string, ms: number, deps: string[] = []) => ({
    id,
    title: id,
    dependsOn: deps,
    effect: id,
    check: async () => false,
    run: async () => {
      await clock.sleep(ms);
      return { detail: `${id} ok` };
    },
  });
  return {
    command: "test",
    args: {},
    title: "t",
    configChanges: [],
    notes: [],
    steps: [step("a", 100), step("b", 5000), step("c", 100, ["a"]), step("d", 100, ["b"])],
  };
}

describe("executor: stop at the next step boundary", () => {
  it("once stopped, no step starts; the step running finishes and is journaled; the run is stopped", async () => {
    const clock = new VirtualClock({ startMs: 0 });
    const stop = new AbortController();
    const journal = new MemoryJournal();
    await journal.append({ kind: "run-start", runId: "r", at: 0, command: "test", args: {}, pid: 1, host: "test" });
    const r = await execute({
      plan: fourSteps(clock),
      cloud: {} as CloudPort,
      stacks: {} as StackPort,
      clock,
      journal,
      runId: "r",
      runStartedAt: 0,
      stop: stop.signal,
      onStepBoundary: (_i, id) => {
        if (id === "a") stop.abort();
      },
    });
    expect(r.outcome).to.equal("stopped");
    expect(Object.fromEntries(r.steps.map((s) => [s.id, s.outcome]))).to.deep.equal({ a: "done", b: "done", c: "not-run", d: "not-run" });
    const events = await journal.lastRun();
    expect(events.filter((e) => e.kind === "step-start").map((e) => (e as { step: string }).step)).to.deep.equal(["a", "b"]);
    expect(events.filter((e) => e.kind === "step-end").map((e) => (e as { step: string }).step)).to.deep.equal(["a", "b"]);
    expect(clock.now(), "b ran to its end").to.equal(5000);
  });

  it("a stop after every step has started lets the run succeed", async () => {
    const clock = new VirtualClock({ startMs: 0 });
    const stop = new AbortController();
    const r = await execute({
      plan: fourSteps(clock),
      cloud: {} as CloudPort,
      stacks: {} as StackPort,
      clock,
      journal: new MemoryJournal(),
      runId: "r",
      runStartedAt: 0,
      stop: stop.signal,
      observer: { stepStarted: (s) => void (s.id === "d" && stop.abort()) },
    });
    expect(r.outcome).to.equal("succeeded");
  });
});
