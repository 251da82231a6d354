/**
 * Reported RPOs are upper bounds from evidence: over seeds and the ways a failover happens, no
 * figure is ever below the data the simulation counted as lost, and a store that lost data always
 * has its line.
 */
import { expect } from "chai";
import { failover, type RunResult } from "../../../automation/driver";
import type { RunReport } from "../../../automation/report/report";
import { simulate, type TestSim } from "../helpers";

async function report(p: Promise<unknown>): Promise<RunReport> {
  const r = (await p) as RunResult;
  expect(r.kind).to.equal("run");
  expect(r.report.outcome, r.report.error).to.equal("succeeded");
  return r.report;
}

type Scenario = (t: TestSim) => Promise<RunReport>;

const MINUTE = 60_000;

const SCENARIOS: Record<string, Scenario> = {
  planned: (t) => report(failover(t.deps, { to: "dr", mode: "planned" })),
  "unplanned, incident when the Region went down": async (t) => {
    const incidentAt = t.deps.clock.now();
    t.sim.faults.impairRegion("primary");
    return report(failover(t.deps, { to: "dr", mode: "unplanned" }, { incidentAt }));
  },
  "unplanned, --incident-at minutes before the Region went down": async (t) => {
    const incidentAt = t.deps.clock.now();
    await t.deps.clock.sleep(5 * MINUTE);
    t.sim.faults.impairRegion("primary");
    return report(failover(t.deps, { to: "dr", mode: "unplanned" }, { incidentAt }));
  },
  "unplanned while the source still serves": async (t) => {
    await t.deps.clock.sleep(30_000);
    return report(failover(t.deps, { to: "dr", mode: "unplanned" }));
  },
  "unplanned move back to the old site instead of a failback": async (t) => {
    t.sim.faults.impairRegion("primary");
    await report(failover(t.deps, { to: "dr", mode: "unplanned" }));
    t.sim.faults.recoverRegion("primary");
    await t.deps.clock.sleep(4 * 60 * MINUTE); // Aurora has rebuilt the old primary as a secondary (at most 4 h)
    return report(failover(t.deps, { to: "primary", mode: "unplanned" }));
  },
};

describe("reported RPO against the data the simulation lost", () => {
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    it(`is never below it, and names every store that lost data: ${name}`, async function () {
      this.timeout(30_000);
      for (const seed of [3, 7, 19]) {
        const t = await simulate({ seed });
        const r = await scenario(t);
        const from = Date.parse(r.startedAt);
        const to = Date.parse(r.endedAt);
        const losses = t.sim.world.dataLoss().filter((l) => l.at >= from && l.at <= to && l.lostWrites > 0);
        for (const l of losses) {
          const reported = l.kind === "aurora" ? r.rpo?.aurora : r.rpo?.efs;
          expect(reported, `seed ${seed}: ${l.kind} lost ${l.lostWrites} write(s) and the report has no ${l.kind} RPO`).to.not.equal(undefined);
          if (reported!.dataLossWindowMs !== null) {
            expect(reported!.dataLossWindowMs, `seed ${seed}: ${l.kind} reported below the ${l.lostWindowMs} ms lost`).to.be.at.least(l.lostWindowMs);
          }
        }
        if (losses.length)
          expect(r.rpo!.worstMs === null || r.rpo!.worstMs >= Math.max(...losses.map((l) => l.lostWindowMs)), `seed ${seed}: worst`).to.equal(true);
      }
    });
  }

  it("has an EFS line when the target's file system received no replication (a move back instead of a failback)", async () => {
    const t = await simulate({ seed: 5 });
    const r = await SCENARIOS["unplanned move back to the old site instead of a failback"](t);
    expect(r.rpo?.efs, "EFS RPO line").to.not.equal(undefined);
    expect(r.rpo!.efs!.dataLossWindowMs).to.equal(null);
    expect(r.rpo!.worstMs).to.equal(null);
  });
});
