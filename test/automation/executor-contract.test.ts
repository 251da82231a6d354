/**
 * The executor's contract in the cases a crash, a failure or a partial observer make delicate:
 * what reaches the journal and the observer after a crash (nothing), what a step finishing despite
 * an abort records (its truth), which steps may start after a failure (none), the details and data
 * journaled, the progress lines, the seeded jitter, and timers left behind (none).
 */
import { expect } from "chai";
import { TimeoutError } from "../../automation/errors";
import { execute, type ExecuteOptions, type StepRecord } from "../../automation/engine/executor";
import { MemoryJournal } from "../../automation/journal/memory-journal";
import type { Plan, Step } from "../../automation/plan/types";
import type { CloudPort, StackPort } from "../../automation/ports";
import { VirtualClock } from "../../automation/sim/virtual-clock";

type Body = (ctx: Parameters<Step["run"]>[0], clock: VirtualClock) => Promise<{ detail?: string; data?: Record<string, unknown> } | void>;

function plan(steps: { id: string; deps?: string[]; holds?: boolean; priority?: number; run?: Body }[], clock: VirtualClock): Plan {
  return {
    command: "test",
    args: {},
    title: "t",
    configChanges: [],
    notes: [],
    steps: steps.map((s) => ({
      id: s.id,
      title: s.id,
      dependsOn: s.deps ?? [],
      effect: s.id,
      priority: s.priority,
      check: async () => !!s.holds,
      run: async (ctx) => (s.run ? s.run(ctx, clock) : { detail: `${s.id} ok` }),
    })),
  };
}

function opts(p: Plan, clock: VirtualClock, extra: Partial<ExecuteOptions> = {}): ExecuteOptions & { journal: MemoryJournal } {
  return {
    plan: p,
    cloud: {} as CloudPort,
    stacks: {} as StackPort,
    clock,
    journal: new MemoryJournal(),
    runId: "r",
    runStartedAt: 0,
    ...extra,
  } as ExecuteOptions & { journal: MemoryJournal };
}

const crash = () => Object.assign(new Error("simulated crash"), { name: "SimulatedCrash" });

describe("executor contract", () => {
  it("after a crash, a step still running writes nothing (no mark, no end) and reports nothing", async () => {
    const clock = new VirtualClock({ startMs: 0 });
    const ended: string[] = [];
    const o = opts(
      plan(
        [
          { id: "a", run: async (_c, k) => void (await k.sleep(100)) },
          // Ignores its signal: a slow call that returns after the process died.
          {
            id: "b",
            run: async (ctx, k) => {
              await k.sleep(5000);
              await ctx.mark("late", {});
              return { detail: "late" };
            },
          },
        ],
        clock,
      ),
      clock,
      {
        onStepBoundary: (i) => {
          if (i === 0) throw crash();
        },
        observer: { stepEnded: (r: StepRecord) => void ended.push(r.id) },
      },
    );
    await execute(o).catch(() => undefined);
    await clock.sleep(10_000);
    expect(o.journal.events.map((e) => `${e.kind}:${"step" in e ? e.step : "name" in e ? e.name : ""}`)).to.deep.equal([
      "step-start:a",
      "step-start:b",
      "step-end:a",
    ]);
    expect(ended).to.deep.equal(["a"]);
  });

  it("after a crash, a step aborted by it is not reported as failed", async () => {
    const clock = new VirtualClock({ startMs: 0 });
    const ended: string[] = [];
    const o = opts(
      plan(
        [
          { id: "a", run: async (_c, k) => void (await k.sleep(100)) },
          { id: "b", run: async (ctx, k) => void (await k.sleep(5000, ctx.signal)) },
        ],
        clock,
      ),
      clock,
      {
        onStepBoundary: () => {
          throw crash();
        },
        observer: { stepEnded: (r: StepRecord) => void ended.push(`${r.id}:${r.outcome}`) },
      },
    );
    expect(
      await execute(o).then(
        () => "resolved",
        (e: Error) => e.name,
      ),
    ).to.equal("SimulatedCrash");
    expect(ended).to.deep.equal(["a:done"]);
  });

  it("a step that finishes despite another's failure records what it did; nothing new starts after a failure", async () => {
    const clock = new VirtualClock({ startMs: 0 });
    const started: string[] = [];
    const o = opts(
      plan(
        [
          {
            id: "a",
            run: async (_c, k) => {
              await k.sleep(100);
              throw new Error("boom");
            },
          },
          {
            id: "b",
            run: async (_c, k) => {
              await k.sleep(500); // ignores the abort: its action completed
              return { detail: "b did it" };
            },
          },
          { id: "c", deps: ["b"] },
        ],
        clock,
      ),
      clock,
      { observer: { stepStarted: (s: Step) => void started.push(s.id) } },
    );
    const r = await execute(o);
    expect(r.outcome).to.equal("failed");
    expect(started).to.deep.equal(["a", "b"]);
    const endB = o.journal.events.find((e) => e.kind === "step-end" && e.step === "b");
    expect(endB).to.deep.include({ outcome: "done", detail: "b did it" });
  });

  it("journals each step's detail and data; a run returning nothing ends done; a skip says why", async () => {
    const clock = new VirtualClock({ startMs: 0 });
    const o = opts(
      plan(
        [
          { id: "a", run: async () => ({ detail: "3 nodes Ready", data: { readyNodes: 3 } }) },
          { id: "b", run: async () => undefined },
          { id: "c", holds: true },
        ],
        clock,
      ),
      clock,
    );
    const r = await execute(o);
    expect(r.outcome).to.equal("succeeded");
    const end = (id: string) => o.journal.events.find((e) => e.kind === "step-end" && e.step === id);
    expect(end("a")).to.deep.include({ outcome: "done", detail: "3 nodes Ready", data: { readyNodes: 3 } });
    expect(end("b")).to.deep.include({ outcome: "done" });
    expect(end("b")).to.not.have.property("detail");
    expect(end("c")).to.deep.include({ outcome: "skipped", detail: "postcondition already holds" });
    expect(r.steps.map((s) => s.detail)).to.deep.equal(["3 nodes Ready", undefined, "postcondition already holds"]);
  });

  it("among ready steps of equal priority, starts them in plan order", async () => {
    const clock = new VirtualClock({ startMs: 0 });
    const started: string[] = [];
    const o = opts(plan([{ id: "x" }, { id: "y" }, { id: "z" }, { id: "w", priority: 1 }], clock), clock, {
      maxConcurrency: 1,
      observer: { stepStarted: (s: Step) => void started.push(s.id) },
    });
    await execute(o);
    expect(started).to.deep.equal(["w", "x", "y", "z"]);
  });

  it("passes step logs, throttling retries and step retries to the observer, and works with an observer that has none of them", async () => {
    const clock = new VirtualClock({ startMs: 0 });
    let throttled = 0;
    const cloud = {
      eks: {
        probeRegion: async () => {
          if (throttled++ === 0) throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
          return true;
        },
      },
    } as unknown as CloudPort;
    let timeouts = 0;
    const build = () =>
      plan(
        [
          {
            id: "a",
            run: async (ctx) => {
              ctx.log("looking");
              await ctx.cloud.eks.probeRegion("us-east-1");
              if (timeouts++ === 0) throw new TimeoutError("no answer");
              return { detail: "ok" };
            },
          },
        ],
        clock,
      );
    const lines: string[] = [];
    const r = await execute(opts(build(), clock, { cloud, random: () => 0, observer: { stepLog: (_s: Step, line: string) => void lines.push(line) } }));
    expect(r.outcome).to.equal("succeeded");
    expect(lines).to.deep.equal([
      "looking",
      "eks.probeRegion us-east-1 throttled; retry 1 in 500ms",
      "no answer; trying the step again (attempt 2)",
      "looking",
    ]);
    // The seeded jitter decided the delay: half the first backoff cap with random() = 0.
    expect(r.steps[0].retries).to.equal(2);
    throttled = 0;
    timeouts = 0;
    const partial = await execute(opts(build(), new VirtualClock({ startMs: 0 }), { cloud, observer: {} }));
    expect(partial.outcome).to.equal("succeeded");
  });

  it("reports steps done in an earlier attempt to an observer without stepEnded too", async () => {
    const clock = new VirtualClock({ startMs: 0 });
    const prior = [{ kind: "step-end" as const, runId: "r", at: 0, step: "a", outcome: "done" as const }];
    const r = await execute(opts(plan([{ id: "a" }, { id: "b", deps: ["a"] }], clock), clock, { prior, observer: {} }));
    expect(r.steps.map((s) => s.outcome)).to.deep.equal(["earlier", "done"]);
  });

  it("leaves no timer behind: each step's bound is cancelled when the step ends", async () => {
    const clock = new VirtualClock({ startMs: 0 });
    await execute(opts(plan([{ id: "a" }, { id: "b", run: async (_c, k) => void (await k.sleep(1000)) }], clock), clock));
    expect(clock.pendingTimers).to.equal(0);
  });
});
