/**
 * The bench's floor: the slowest single branch into the serving step, from the steps' measured
 * durations (what no ordering of the same steps could beat).
 */
import { expect } from "chai";
import { modeledRto, servingPathMs, slowestBranch, slowestBranchMs, tailBreakdown } from "../../bench/drills";

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

  it("says when the slowest branch's last step ended: the floor's end on the run's clock", () => {
    const steps = [
      step("scale-nodes-web", 0, 200_000),
      step("detach-efs", 5_000, 190_000),
      step("wait-serving", 200_000, 260_000, ["scale-nodes-web", "detach-efs"]),
    ];
    expect(slowestBranch(steps, "wait-serving")).to.deep.equal({ ms: 200_000, endedAt: 200_000 });
  });
});

describe("bench tail breakdown", () => {
  const chain = {
    web: { gen: 1, scheduledAt: 190_000, upAt: 230_000, readyAt: 230_500 },
    app: { gen: 1, scheduledAt: 185_000, upAt: 215_000, readyAt: 215_800 },
    target: { gen: 1, registeringAt: 230_500, registeredAt: 238_000, healthyAt: 241_000 },
  };

  it("follows the tier the site waited for last, and its links add up to the time from the floor's end to users served", () => {
    const t = tailBreakdown(chain, { floorEndAt: 196_000, servingAt: 241_000, usersAt: 241_000, clientsAt: 90_000 });
    expect(t).to.deep.equal({ nodesMs: -6_000, podStartMs: 40_000, probeMs: 500, registrationMs: 7_500, checkMs: 3_000, afterMs: 0, bound: "workload" });
    expect(t.nodesMs + t.podStartMs + t.probeMs + t.registrationMs + t.checkMs + t.afterMs).to.equal(241_000 - 196_000);
  });

  it("names the data stores when the site served only after its pods answered, and DNS when clients came last", () => {
    expect(tailBreakdown(chain, { floorEndAt: 196_000, servingAt: 250_000, usersAt: 250_000, clientsAt: 90_000 })).to.include({
      bound: "data",
      afterMs: 9_000,
    });
    expect(tailBreakdown(chain, { floorEndAt: 196_000, servingAt: 241_000, usersAt: 260_000, clientsAt: 260_000 })).to.include({
      bound: "dns",
      afterMs: 19_000,
    });
    // App pods last (web target healthy before them): no target links.
    const appLast = { ...chain, app: { gen: 1, scheduledAt: 200_000, upAt: 245_000, readyAt: 245_400 } };
    expect(tailBreakdown(appLast, { floorEndAt: 196_000, servingAt: 245_400, usersAt: 245_400, clientsAt: 90_000 })).to.deep.equal({
      nodesMs: 4_000,
      podStartMs: 45_000,
      probeMs: 400,
      registrationMs: 0,
      checkMs: 0,
      afterMs: 0,
      bound: "workload",
    });
  });
});

describe("bench serving path (the part of the floor no step runs)", () => {
  const chain = {
    web: { gen: 1, scheduledAt: 190_000, upAt: 230_000, readyAt: 230_500 },
    app: { gen: 1, scheduledAt: 185_000, upAt: 215_000, readyAt: 215_800 },
    target: { gen: 1, registeringAt: 230_500, registeredAt: 238_000, healthyAt: 241_000 },
  };
  const steps = [
    step("scale-nodes-web", 0, 196_000),
    step("scale-nodes-app", 0, 186_000),
    step("detach-efs", 0, 150_000),
    step("wait-serving", 196_000, 250_000, ["scale-nodes-web", "scale-nodes-app", "detach-efs"]),
  ];

  it("is a tier's node branch up to its nodes Ready (not the step's later poll), then its pods to a healthy ALB target", () => {
    // web: 196 s of step less 6 s of poll slack = 190 s to Ready, then 51 s to a healthy target.
    expect(servingPathMs(steps, chain, 0)).to.equal(190_000 + 51_000);
    // The steps alone put the floor at 196 s: 45 s below what any ordering could reach.
    expect(slowestBranchMs(steps, "wait-serving")).to.equal(196_000);
  });

  it("takes the slower tier: app pods answering last bound the path without target links", () => {
    const appLast = { ...chain, app: { gen: 1, scheduledAt: 186_000, upAt: 280_000, readyAt: 281_000 } };
    expect(servingPathMs(steps, appLast, 0)).to.equal(186_000 + 95_000);
  });

  it("counts what the node branch waited for before it, as the steps' floor does", () => {
    const gated = [step("gate", 0, 20_000), { ...step("scale-nodes-web", 20_000, 216_000), dependsOn: ["gate"] }, step("scale-nodes-app", 0, 186_000)];
    const later = { ...chain, web: { ...chain.web, scheduledAt: 210_000 }, target: { ...chain.target, healthyAt: 261_000 } };
    expect(servingPathMs(gated, later, 0)).to.equal(20_000 + 196_000 - 6_000 + 51_000);
  });

  it("is unknown when the pods were already running before the run (a warm standby): the steps' floor alone applies", () => {
    const warm = {
      web: { gen: 1, scheduledAt: -600_000, upAt: -560_000, readyAt: -559_000 },
      app: { gen: 1, scheduledAt: -600_000, upAt: -570_000, readyAt: -569_000 },
      target: { gen: 1, registeringAt: -559_000, registeredAt: -550_000, healthyAt: -548_000 },
    };
    expect(Number.isNaN(servingPathMs(steps, warm, 0))).to.equal(true);
  });
});

describe("bench floor of a simulated run", () => {
  it("counts the serving path when the pods bind the run (seed 2): users are served at the floor, not over 5% past the steps alone", async () => {
    const r = await modeledRto(2, "concurrent");
    // On this seed the web pods answer after every branch of steps has ended.
    expect(r.floorMs).to.be.greaterThan(r.stepsFloorMs);
    expect(r.usersMs / r.floorMs).to.be.at.most(1);
    expect(r.usersMs / r.stepsFloorMs).to.be.greaterThan(1.05);
  });
});

describe("bench run variants", () => {
  it("refuses stack configs passed where a variant is expected (they would be ignored: the tiers' warm standby once ran as pilot light)", async () => {
    let err: unknown;
    await modeledRto(1, "concurrent", { primary: {}, dr: {} } as never).catch((e: unknown) => (err = e));
    expect(String(err)).to.match(/not a run variant field: primary, dr; use configs, targetServingSettings, latencyOverrides/);
  });
});
