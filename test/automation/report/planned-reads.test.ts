/**
 * A planned move stops writes only: the source keeps serving reads (its app in read-only mode)
 * until clients resolving the name reach the target, so read downtime is far below write downtime.
 */
import { expect } from "chai";
import { failover, type RunResult } from "../../../automation/driver";
import { formatReport, type RunReport } from "../../../automation/report/report";
import { withSimulatedUsers } from "../../../automation/sim/user-view";
import { simulate } from "../helpers";

describe("planned moves keep serving reads", () => {
  it("read downtime is far below write downtime, as the simulated users measured them", async function () {
    this.timeout(20_000);
    for (const seed of [2, 11]) {
      const t = await simulate({ seed });
      const r = (await failover(t.deps, { to: "dr", mode: "planned" })) as RunResult;
      expect(r.kind).to.equal("run");
      const report: RunReport = r.kind === "run" ? r.report : (undefined as never);
      expect(report.outcome, report.error).to.equal("succeeded");
      const m = withSimulatedUsers(report, t.sim.world);
      const write = m.writeDowntime!.ms;
      const read = m.readDowntime!.ms;
      expect(m.readDowntime!.how).to.equal("measured");
      expect(write, `seed ${seed}: write downtime`).to.be.greaterThan(60_000);
      expect(read, `seed ${seed}: read downtime ${read} vs write downtime ${write}`)
        .to.be.a("number")
        .and.at.most(write / 4);
      // The source took no writes from the quiesce on: it stopped serving writes while still serving reads.
      const quiesceEnd = Date.parse(m.writeDowntime!.quiescedAt);
      expect(t.sim.world.servingLog("primary").filter((e) => e.serving && e.at > quiesceEnd)).to.deep.equal([]);
      // Once the target serves, the source keeps serving reads until clients resolving the name have
      // had the record's TTL to move: no read outage starts after that.
      const servedAt = Date.parse(m.rto!.servingAt);
      const late = t.sim.world.userView("reads").outages.filter((o) => o.from >= servedAt);
      expect(late, `seed ${seed}: read outages after the target served`).to.deep.equal([]);
      expect(formatReport(m).join("\n")).to.match(/read downtime: /);
    }
  });
});
