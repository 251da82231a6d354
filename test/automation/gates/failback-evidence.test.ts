/**
 * Failback reverses a failover, so it runs only when the pair is in the failed-over state it
 * reverses, decided from evidence: the journal's last failover or failback, and the cloud (the old
 * site's outputs still active, its stale replication half, the Aurora writer). Otherwise it is
 * refused (exit 2, saying why) and production does not move.
 */
import { expect } from "chai";
import { failback, failover, type RunResult } from "../../../automation/driver";
import { MemoryJournal } from "../../../automation/journal/memory-journal";
import { driverDeps, simWiring } from "../../../automation/wiring";
import { refusal, sideEffectCounts, simulate } from "../helpers";
import { cli } from "./harness";

const ok = async (p: Promise<unknown>) => {
  const r = (await p) as RunResult;
  expect(r.report.outcome, r.report.error).to.equal("succeeded");
  return r.report;
};

describe("gates: failback only reverses a failover", () => {
  it("on the committed stack files (primary active, never failed over) the CLI refuses with exit 2 and moves nothing", async () => {
    const r = await cli(["failback", "--sim", "--yes"]);
    expect(r.code).to.equal(2);
    expect(r.err)
      .to.match(/nothing to fail back/i)
      .and.match(/primary/);
    expect(r.wired[0].sim!.world.sideEffects()).to.deep.equal([]);
    expect(r.wired[0].sim!.world.writer()).to.equal("primary");
  });

  it("a second failback after a completed one is refused: it would flip production again", async () => {
    const t = await simulate({ seed: 41 });
    await ok(failover(t.deps, { to: "dr", mode: "planned" }));
    await ok(failback(t.deps));
    const before = sideEffectCounts(t.sim);
    const err = await refusal(failback(t.deps));
    expect(err.message)
      .to.match(/nothing to fail back/i)
      .and.match(/failback/);
    expect(sideEffectCounts(t.sim)).to.deep.equal(before);
    expect(t.sim.world.writer()).to.equal("primary");
  });

  it("after an unplanned failover, the cloud is evidence even with a fresh journal (old site's outputs still active, stale replication)", async () => {
    const t = await simulate({ seed: 42 });
    t.sim.faults.impairRegion("primary");
    await ok(failover(t.deps, { to: "dr", mode: "unplanned" }));
    t.sim.faults.recoverRegion("primary");
    const elsewhere = driverDeps(simWiring(t.sim, { journal: new MemoryJournal(), stackNames: ["primary", "dr"] }));
    let summary: string[] = [];
    const report = await ok(
      failback(elsewhere, {
        confirm: async (lines) => {
          summary = lines;
          return true;
        },
      }),
    );
    expect(report.target).to.equal("primary");
    const evidence = summary.find((l) => /shows an unplanned failover/.test(l)) ?? "";
    expect(evidence)
      .to.match(/primary's stack outputs still say active/)
      .and.match(/still holds its half of the replication/);
    expect(evidence)
      .to.match(/ups still avoid us-east-1 \(impairedRegions\)/)
      .and.match(/replicateToPeer=false/);
    expect(t.sim.world.writer()).to.equal("primary");
  });

  it("after a planned failover with no record of it (another journal), refuses and names the ways forward", async () => {
    const t = await simulate({ seed: 43 });
    await ok(failover(t.deps, { to: "dr", mode: "planned" }));
    const elsewhere = driverDeps(simWiring(t.sim, { journal: new MemoryJournal(), stackNames: ["primary", "dr"] }));
    const err = await refusal(failback(elsewhere));
    expect(err.message)
      .to.match(/--journal/)
      .and.match(/failover -- --to primary --mode planned/);
    expect(t.sim.world.writer()).to.equal("dr");
  });

  it("refuses when config and the Aurora writer disagree", async () => {
    const t = await simulate({ seed: 44 });
    t.sim.faults.impairRegion("primary");
    await ok(failover(t.deps, { to: "dr", mode: "unplanned" }));
    t.sim.faults.recoverRegion("primary");
    // Once Aurora has rebuilt the old primary, someone switches the database back by hand, outside the driver.
    for (let i = 0; i < 100 && t.sim.world.globalCluster().members.some((m) => m.synchronizationStatus === "pending-resync"); i++)
      await t.deps.clock.sleep(10 * 60_000);
    await t.sim.cloud.rds.switchoverGlobalCluster("us-west-2", "eks-dr-global", t.sim.world.site("primary").db.arn, { timeoutMs: 60_000 });
    await t.deps.clock.sleep(20 * 60_000);
    const err = await refusal(failback(t.deps));
    expect(err.message)
      .to.match(/Aurora writer/)
      .and.match(/primary/);
  });
});
