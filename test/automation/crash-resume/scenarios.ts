/**
 * A crash after each step of a run in turn, then a resume in a new driver process: the same final
 * state as an uninterrupted run, and each side effect done exactly once. One file per command so
 * the parallel test runner spreads these long runs over its workers.
 */
import { expect } from "chai";
import { failback, failover, resumableRun, type DriverDeps, type RunOptions, type RunResult } from "../../../automation/driver";
import type { RunReport } from "../../../automation/report/report";
import { finalState, refusal, sideEffectCounts, simulate, type TestSim, type Variant } from "../helpers";

async function report(p: Promise<unknown>): Promise<RunReport> {
  return ((await p) as RunResult).report;
}

function diff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) > 0) out[k] = v - (before[k] ?? 0);
  return out;
}

export interface Scenario {
  name: string;
  variant: Variant;
  setup?: (t: TestSim) => Promise<void>;
  unplanned?: boolean;
  go: (deps: DriverDeps, opts?: RunOptions) => Promise<unknown>;
}

export const scenarios: Scenario[] = [
  { name: "unplanned failover", variant: {}, unplanned: true, go: (d, o) => failover(d, { to: "dr", mode: "unplanned" }, o) },
  {
    name: "unplanned failover, cold headless standby",
    variant: { headless: true, cold: true },
    unplanned: true,
    go: (d, o) => failover(d, { to: "dr", mode: "unplanned" }, o),
  },
  { name: "planned failover", variant: {}, go: (d, o) => failover(d, { to: "dr", mode: "planned" }, o) },
  { name: "planned failover, cold standby", variant: { cold: true }, go: (d, o) => failover(d, { to: "dr", mode: "planned" }, o) },
  {
    name: "failback",
    variant: {},
    setup: async (t) => {
      t.sim.faults.impairRegion("primary");
      await failover(t.deps, { to: "dr", mode: "unplanned" });
      t.sim.faults.recoverRegion("primary");
    },
    go: (d, o) => failback(d, o),
  },
];

/** Defines the crash-after-each-step test of each named scenario. */
export function crashAfterEachStep(names: string[]): void {
  describe("a crash after each step in turn, then resume", () => {
    for (const sc of scenarios.filter((s) => names.includes(s.name))) {
      it(`${sc.name}: same final state, each side effect done once`, async function () {
        this.timeout(60_000);
        const prepare = async () => {
          const t = await simulate({ seed: 41, ...sc.variant });
          if (sc.setup) await sc.setup(t);
          if (sc.unplanned) t.sim.faults.impairRegion("primary");
          return t;
        };
        const ref = await prepare();
        const refBefore = sideEffectCounts(ref.sim);
        const refReport = await report(sc.go(ref.deps));
        expect(refReport.outcome).to.equal("succeeded");
        const expectedState = await finalState(ref);
        const expectedEffects = diff(sideEffectCounts(ref.sim), refBefore);

        for (let n = 0; n < refReport.steps.length; n++) {
          const t = await prepare();
          const before = sideEffectCounts(t.sim);
          t.sim.faults.crashAfterStep(n);
          const crash = await sc.go(t.deps).then(
            () => undefined,
            (err: unknown) => err,
          );
          expect((crash as Error | undefined)?.name, `crash after step ${n}`).to.equal("SimulatedCrash");
          const journal = await t.journal.lastRun();
          expect(resumableRun(journal), "the journal holds an unfinished run").to.be.an("object");
          expect(journal.some((e) => e.kind === "run-end")).to.equal(false);

          t.sim.restart();
          // The dead process still holds the lock: without --take-over the resume is refused.
          expect((await refusal(sc.go(t.deps))).message).to.match(/--take-over/);
          const resumed = await report(sc.go(t.deps, { takeOver: true }));
          expect(resumed.outcome, `resume after step ${n}: ${resumed.error}`).to.equal("succeeded");
          expect(resumed.attempts).to.equal(2);
          expect(resumed.steps.filter((s) => s.outcome.includes("earlier")).length, "steps done before the crash are not re-run").to.be.at.least(n + 1);
          expect(await finalState(t), `final state after a crash after step ${n}`).to.deep.equal(expectedState);
          expect(diff(sideEffectCounts(t.sim), before), `side effects after a crash after step ${n}`).to.deep.equal(expectedEffects);
        }
      });
    }
  });
}
