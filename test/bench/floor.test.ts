/**
 * The bench's floor: the slowest single branch into the serving step, from the steps' measured
 * durations (what no ordering of the same steps could beat).
 */
import { expect } from "chai";
import { slowestBranchMs } from "../../bench/drills";

const step = (id: string, startedAt: number, endedAt: number, dependsOn: string[] = []) => ({ id, dependsOn, startedAt, endedAt });

describe("bench floor", () => {
  it("is the longest chain of measured durations into wait-serving, not its end time", () => {
    const steps = [
      step("add-db-instance", 0, 60_000),
      // Started late (scheduling), but takes 120 s: the chain counts durations only.
      step("failover-db", 100_000, 220_000, ["add-db-instance"]),
      step("scale-nodes-web", 0, 200_000),
      step("detach-efs", 0, 90_000),
      step("wait-serving", 220_000, 260_000, ["failover-db", "scale-nodes-web", "detach-efs"]),
    ];
    expect(slowestBranchMs(steps, "wait-serving")).to.equal(200_000);
    steps[0].endedAt = 90_000; // add-db-instance + failover-db: 210 s
    expect(slowestBranchMs(steps, "wait-serving")).to.equal(210_000);
  });

  it("counts a skipped step without times as nothing", () => {
    const steps = [{ id: "a", dependsOn: [] }, step("b", 0, 5_000, ["a"]), step("wait-serving", 5_000, 6_000, ["b"])];
    expect(slowestBranchMs(steps, "wait-serving")).to.equal(5_000);
  });
});
