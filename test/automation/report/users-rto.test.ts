/**
 * The RTO as users experience it (clients resolving the name are served), beside the site-level
 * figure; RTO and write downtime start when service stopped, not when the driver noticed.
 */
import { expect } from "chai";
import { failback, failover, type RunResult } from "../../../automation/driver";
import { formatReport, type RunReport } from "../../../automation/report/report";
import { withSimulatedUsers } from "../../../automation/sim/user-view";
import { simulate, type TestSim } from "../helpers";

async function report(p: Promise<unknown>): Promise<RunReport> {
  const r = (await p) as RunResult;
  expect(r.kind).to.equal("run");
  expect(r.report.outcome, r.report.error).to.equal("succeeded");
  return r.report;
}

async function unplanned(t: TestSim): Promise<RunReport> {
  const incidentAt = t.deps.clock.now();
  t.sim.faults.impairRegion("primary");
  return report(failover(t.deps, { to: "dr", mode: "unplanned" }, { incidentAt }));
}

/** The outage users saw during the run: the last one that began before the new site served. */
function outageAt(t: TestSim, servingAt: number) {
  return t.sim.world
    .userView()
    .outages.filter((o) => o.from <= servingAt)
    .pop()!;
}

describe("users' RTO", () => {
  for (const [mode, run] of [
    ["unplanned", unplanned],
    ["planned", (t: TestSim) => report(failover(t.deps, { to: "dr", mode: "planned" }))],
  ] as const) {
    it(`${mode}: the estimate on the real path bounds what users saw, and the simulation reports what they saw`, async function () {
      this.timeout(20_000);
      for (const seed of [2, 6, 11]) {
        const t = await simulate({ seed });
        const r = await run(t);
        const servingAt = Date.parse(r.rto!.servingAt);
        const o = outageAt(t, servingAt);
        expect(o.to, `seed ${seed}: users served by the end`).to.be.a("number");
        // The driver's estimate (what a real run prints): from its own start of the outage, at least what users saw.
        expect(r.users!.how).to.equal("estimate");
        expect(Date.parse(r.users!.lostAt), `seed ${seed}: lost`).to.be.at.most(o.from);
        expect(Date.parse(r.users!.servedAt!), `seed ${seed}: served`).to.be.at.least(o.to!);
        // The simulation's report: measured, and beside it the site-level figure from the same start.
        const m = withSimulatedUsers(r, t.sim.world);
        expect(m.users).to.include({ how: "measured", lostAt: new Date(o.from).toISOString(), servedAt: new Date(o.to!).toISOString(), ms: o.to! - o.from });
        expect(m.rto!.ms).to.equal(servingAt - o.from);
        const text = formatReport(m).join("\n");
        expect(text)
          .to.match(/RTO for users: \S+( \S+)? measured/)
          .and.match(/RTO site-level: /);
      }
    });
  }

  it("a run whose users are not served yet at its end says so and reports no users' RTO", async () => {
    const t = await simulate({ seed: 1, dnsTtlSeconds: 3600 });
    const r = withSimulatedUsers(await unplanned(t), t.sim.world);
    expect(r.users).to.include({ how: "measured", servedAt: null, ms: null });
    const text = formatReport(r).join("\n");
    expect(text).to.match(/RTO for users: none: clients resolving app\.example\.com were still without service at the end of the run/);
    expect(text).to.not.match(/RTO for users: \d/);
  });

  it("planned: write downtime and RTO start no later than the source actually stopped serving", async () => {
    for (const seed of [4, 8]) {
      const t = await simulate({ seed });
      const r = await report(failover(t.deps, { to: "dr", mode: "planned" }));
      const stopped = t.sim.world.servingLog("primary").find((e) => !e.serving && e.at >= Date.parse(r.startedAt))!.at;
      expect(Date.parse(r.writeDowntime!.quiescedAt), `seed ${seed}`).to.be.at.most(stopped);
      expect(Date.parse(r.rto!.fromAt), `seed ${seed}`).to.be.at.most(stopped);
      expect(r.rto!.from).to.equal("quiesce");
      // The simulation's report starts exactly there; reads and writes are reported apart.
      const m = withSimulatedUsers(r, t.sim.world);
      expect(Date.parse(m.writeDowntime!.quiescedAt)).to.equal(stopped);
      // Reads are measured apart: the source serves them read-only until clients reach the target.
      expect(m.readDowntime!.how).to.equal("measured");
      expect(m.readDowntime!.ms, `seed ${seed}`).to.be.a("number").and.below(m.users!.ms!);
      expect(r.readDowntime).to.deep.equal({ how: "estimate", ms: r.users!.ms });
      expect(formatReport(m).join("\n"))
        .to.match(/write downtime: /)
        .and.match(/read downtime: \S+( \S+)? measured/);
    }
  });

  it("failback: the downtime is the move's, not the hours waiting for Aurora's rebuild while dr serves", async function () {
    this.timeout(20_000);
    const t = await simulate({ seed: 1 });
    await unplanned(t);
    t.sim.faults.recoverRegion("primary");
    const r = await report(failback(t.deps));
    const rebuild = r.steps.find((s) => s.id === "wait-aurora-rebuild")!;
    expect(rebuild.elapsedMs!).to.be.greaterThan(30 * 60_000);
    expect(r.rto!.from).to.equal("quiesce");
    expect(Date.parse(r.rto!.fromAt)).to.be.at.least(Date.parse(r.startedAt) + rebuild.endOffsetMs!);
    expect(r.rto!.ms).to.be.below(r.durationMs - rebuild.elapsedMs!);
    // One outage for users, the move's: the swap never sends them back to the site just quiesced.
    const during = t.sim.world.userView().outages.filter((o) => (o.to ?? Infinity) >= Date.parse(r.startedAt));
    expect(during).to.have.length(1);
  });
});
