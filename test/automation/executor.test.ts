/**
 * The executor on tiny fake steps and a virtual clock: concurrency, priority, dependencies,
 * skip on postcondition, failure aborting in-flight steps, resume, crash, retries, bounds.
 */
import { expect } from "chai";
import { TimeoutError } from "../../automation/errors";
import { guardCloud } from "../../automation/cloud/guard";
import { execute, type ExecuteOptions } from "../../automation/engine/executor";
import { backoffDelay, DEFAULT_RETRY, retryCall } from "../../automation/engine/retry";
import { MemoryJournal } from "../../automation/journal/memory-journal";
import { validatePlan } from "../../automation/plan/dag";
import type { Plan, Step } from "../../automation/plan/types";
import type { CloudPort, JournalEvent, StackPort } from "../../automation/ports";
import { VirtualClock } from "../../automation/sim/virtual-clock";
import { seededRandom } from "../../automation/util/random";
import { withTimeout } from "../../automation/util/time";

interface Probe {
  running: number;
  maxRunning: number;
  order: string[];
  runs: Record<string, number>;
}

function step(
  id: string,
  opts: { deps?: string[]; ms?: number; priority?: number; holds?: boolean; fail?: Error | (() => Error | undefined) },
  clock: VirtualClock,
  probe: Probe,
): Step {
  return {
    id,
    title: id,
    dependsOn: opts.deps ?? [],
    effect: `fake ${id}`,
    priority: opts.priority,
    check: async () => !!opts.holds,
    run: async (ctx) => {
      probe.order.push(id);
      probe.runs[id] = (probe.runs[id] ?? 0) + 1;
      probe.running++;
      probe.maxRunning = Math.max(probe.maxRunning, probe.running);
      try {
        await clock.sleep(opts.ms ?? 1000, ctx.signal);
        const err = typeof opts.fail === "function" ? opts.fail() : opts.fail;
        if (err) throw err;
        return { detail: `${id} ok` };
      } finally {
        probe.running--;
      }
    },
  };
}

function setup(build: (clock: VirtualClock, probe: Probe) => Step[], extra: Partial<ExecuteOptions> = {}) {
  const clock = new VirtualClock({ startMs: 0 });
  const probe: Probe = { running: 0, maxRunning: 0, order: [], runs: {} };
  const journal = new MemoryJournal();
  const plan: Plan = { command: "test", args: {}, title: "test plan", steps: build(clock, probe), configChanges: [], notes: [] };
  const opts: ExecuteOptions = {
    plan,
    cloud: {} as CloudPort,
    stacks: {} as StackPort,
    clock,
    journal,
    runId: "run-1",
    runStartedAt: 0,
    ...extra,
  };
  return { clock, probe, journal, plan, opts };
}

const kinds = (events: JournalEvent[]) => events.map((e) => `${e.kind}${"step" in e ? `:${e.step}` : ""}${e.kind === "step-end" ? `:${e.outcome}` : ""}`);

describe("executor", () => {
  it("runs independent steps concurrently up to maxConcurrency, respecting dependencies", async () => {
    const { clock, probe, opts } = setup(
      (c, p) => [
        step("a", { ms: 1000 }, c, p),
        step("b", { ms: 1000 }, c, p),
        step("c", { ms: 1000 }, c, p),
        step("d", { ms: 1000, deps: ["a", "b", "c"] }, c, p),
      ],
      { maxConcurrency: 2 },
    );
    const r = await execute(opts);
    expect(r.outcome).to.equal("succeeded");
    expect(probe.maxRunning).to.equal(2);
    expect(clock.now()).to.equal(3000);
    expect(probe.order.at(-1)).to.equal("d");
    const d = r.steps.find((s) => s.id === "d")!;
    expect(d.startedAt).to.equal(2000);
  });

  it("starts ready steps by priority (node scale-up first)", async () => {
    const { probe, opts } = setup((c, p) => [step("dns", { priority: 1 }, c, p), step("db", { priority: 2 }, c, p), step("nodes", { priority: 10 }, c, p)], {
      maxConcurrency: 1,
    });
    await execute(opts);
    expect(probe.order).to.deep.equal(["nodes", "db", "dns"]);
  });

  it("skips a step whose postcondition holds, journaling start and end", async () => {
    const { probe, journal, opts } = setup((c, p) => [step("a", { holds: true }, c, p), step("b", { deps: ["a"] }, c, p)]);
    const r = await execute(opts);
    expect(probe.runs.a).to.equal(undefined);
    expect(r.steps[0].outcome).to.equal("skipped");
    expect(kinds(await journal.lastRun())).to.deep.equal([]); // no run-start: the driver writes it
    expect(kinds(journal.events)).to.deep.equal(["step-start:a", "step-end:a:skipped", "step-start:b", "step-end:b:done"]);
  });

  it("aborts in-flight steps when one fails and does not start dependants", async () => {
    const { clock, opts } = setup((c, p) => [
      step("a", { ms: 100, fail: new Error("boom") }, c, p),
      step("b", { ms: 10_000 }, c, p),
      step("c", { deps: ["b"] }, c, p),
    ]);
    const r = await execute(opts);
    expect(r.outcome).to.equal("failed");
    expect(r.failedStep).to.equal("a");
    expect((r.error as Error).message).to.equal("boom");
    expect(r.steps.map((s) => s.outcome)).to.deep.equal(["failed", "aborted", "not-run"]);
    expect(clock.now()).to.be.below(10_000);
  });

  it("resumes: steps done in an earlier attempt are not run again", async () => {
    const prior: JournalEvent[] = [
      { kind: "run-start", runId: "run-1", at: 0, command: "test", args: {}, pid: 1, host: "h" },
      { kind: "step-start", runId: "run-1", at: 0, step: "a" },
      { kind: "step-end", runId: "run-1", at: 1000, step: "a", outcome: "done" },
      { kind: "mark", runId: "run-1", at: 500, name: "m", data: { x: 1 } },
      { kind: "step-start", runId: "run-1", at: 1000, step: "b" },
    ];
    const { probe, opts } = setup((c, p) => [step("a", {}, c, p), step("b", { deps: ["a"] }, c, p)], { prior });
    const r = await execute(opts);
    expect(probe.runs).to.deep.equal({ b: 1 });
    expect(r.steps[0].outcome).to.equal("earlier");
    expect(r.marks.get("m")?.data).to.deep.equal({ x: 1 });
  });

  it("a crash at a step boundary stops the run and writes nothing more", async () => {
    const crash = Object.assign(new Error("simulated crash"), { name: "SimulatedCrash" });
    const { journal, opts } = setup((c, p) => [step("a", { ms: 100 }, c, p), step("b", { ms: 5000 }, c, p), step("c", { deps: ["a"] }, c, p)], {
      onStepBoundary: (i) => {
        if (i === 0) throw crash;
      },
    });
    let err: unknown;
    await execute(opts).catch((e: unknown) => (err = e));
    expect(err).to.equal(crash);
    expect(kinds(journal.events)).to.deep.equal(["step-start:a", "step-start:b", "step-end:a:done"]);
  });

  it("tries a step again after a call timed out (steps are idempotent), a bounded number of times", async () => {
    let n = 0;
    const { probe, opts } = setup((c, p) => [step("a", { fail: () => (++n < 3 ? new TimeoutError("no answer") : undefined) }, c, p)]);
    const r = await execute(opts);
    expect(r.outcome).to.equal("succeeded");
    expect(probe.runs.a).to.equal(3);
    expect(r.steps[0].retries).to.equal(2);
    const always = setup((c, p) => [step("a", { fail: new TimeoutError("no answer") }, c, p)]);
    expect((await execute(always.opts)).outcome).to.equal("failed");
    expect(always.probe.runs.a).to.equal(3);
  });

  it("rejects plans with unknown dependencies or cycles", () => {
    const c = new VirtualClock();
    const p: Probe = { running: 0, maxRunning: 0, order: [], runs: {} };
    const plan = (steps: Step[]): Plan => ({ command: "t", args: {}, title: "t", steps, configChanges: [], notes: [] });
    expect(() => validatePlan(plan([step("a", { deps: ["zz"] }, c, p)]))).to.throw(/unknown step "zz"/);
    expect(() => validatePlan(plan([step("a", { deps: ["b"] }, c, p), step("b", { deps: ["a"] }, c, p)]))).to.throw(/cycle/);
    expect(() => validatePlan(plan([step("a", {}, c, p), step("a", {}, c, p)]))).to.throw(/twice/);
  });
});

describe("retries and bounds", () => {
  it("backoff delays grow exponentially with jitter, capped", () => {
    const r = seededRandom(7);
    for (let retry = 1; retry <= 8; retry++) {
      const cap = Math.min(DEFAULT_RETRY.maxDelayMs, DEFAULT_RETRY.baseDelayMs * 2 ** (retry - 1));
      const d = backoffDelay(DEFAULT_RETRY, retry, r);
      expect(d)
        .to.be.at.least(cap / 2)
        .and.at.most(cap);
    }
  });

  it("retries throttling (and transient answers), up to maxAttempts, sleeping on the clock", async () => {
    const clock = new VirtualClock({ startMs: 0 });
    const throttle = Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
    let calls = 0;
    const ok = await retryCall(
      clock,
      { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 8000 },
      () => 0.5,
      async () => {
        if (++calls < 3) throw throttle;
        return "ok";
      },
    );
    expect(ok).to.equal("ok");
    expect(clock.now()).to.equal(750 + 1500);
    calls = 0;
    const err = await retryCall(
      clock,
      { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 80 },
      () => 0,
      async () => {
        calls++;
        throw throttle;
      },
    ).catch((e: unknown) => e);
    expect(err).to.equal(throttle);
    expect(calls).to.equal(4);
    calls = 0;
    const other = new Error("AccessDenied");
    expect(
      await retryCall(clock, DEFAULT_RETRY, Math.random, async () => {
        calls++;
        throw other;
      }).catch((e: unknown) => e),
    ).to.equal(other);
    expect(calls).to.equal(1);
  });

  it("bounds a call that never answers, even when the callee ignores its timeout and signal", async () => {
    const clock = new VirtualClock({ startMs: 0 });
    const err = await withTimeout(clock, 5000, "probe of us-east-1", () => new Promise<never>(() => undefined)).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TimeoutError);
    expect(clock.now()).to.equal(5000);
    const hanging = { eks: { probeRegion: () => new Promise<boolean>(() => undefined) } } as unknown as CloudPort;
    const guarded = guardCloud(hanging, { clock, policy: DEFAULT_RETRY, random: Math.random, defaultTimeoutMs: 2000, signal: new AbortController().signal });
    const t0 = clock.now();
    expect(await guarded.eks.probeRegion("us-east-1", { timeoutMs: 3000 }).catch((e: unknown) => e)).to.be.instanceOf(TimeoutError);
    expect(clock.now() - t0).to.be.at.most(3000 + 1000);
  });
});
