/**
 * The simulated Regions follow the program, not a copy of its rules: a role rule changed in the
 * role module (the node group sizes per role, through its seam `roleRules`, which the program
 * reads) changes the world the simulation starts from and where a simulated failover ends.
 */
import { expect } from "chai";
import { roleRules } from "../../../stacks/roles";
import { failover, type RunResult } from "../../../automation/driver";
import { runSite } from "../../../stacks/program";
import { simulate } from "../helpers";
import { MIN, SEC, until } from "./helpers";

describe("sim: the simulation follows the program", () => {
  const original = roleRules.nodeGroupSizes;
  afterEach(() => {
    roleRules.nodeGroupSizes = original;
  });
  // The real program, given as the test's own function: the simulation keeps its runs apart from
  // the project program's (cached in memory and on disk), which do not see a rule changed at run time.
  const program: typeof runSite = (opts) => runSite(opts);

  it("a changed node-group size rule moves the standby's starting point and the failover's end with it", async () => {
    // The rule, changed in the role module: a warm web tier on the standby, a larger one when active.
    roleRules.nodeGroupSizes = (config, group) =>
      group !== "web" ? original(config, group) : config.role === "active" ? { min: 4, desired: 5, max: 8 } : { min: 1, desired: 1, max: 8 };
    const t = await simulate({ seed: 3, program });
    expect(t.sim.world.site("dr").nodeGroups.web).to.include({ minSize: 1, desiredSize: 1, maxSize: 8, readyNodes: 1 });
    expect(t.sim.world.site("primary").nodeGroups.web).to.include({ minSize: 4, desiredSize: 5, maxSize: 8, readyNodes: 5 });

    t.sim.faults.impairRegion("primary");
    const r = (await failover(t.deps, { to: "dr", mode: "unplanned" })) as RunResult;
    expect(r.report.outcome, r.report.error).to.equal("succeeded");
    // The converge up gave dr's web node group the sizes the program now registers for an active site.
    const web = t.sim.world.site("dr").nodeGroups.web;
    expect(web).to.include({ minSize: 4, desiredSize: 5, maxSize: 8 });
    const resized = t.sim.world.sideEffects("UpdateNodegroupConfig").filter((c) => c.origin === "pulumi:dr" && c.args.nodeGroupName === web.name);
    expect(resized.map((c) => c.args.desiredSize)).to.deep.equal([5]);
    await until(t.sim.clock, () => t.sim.world.site("dr").nodeGroups.web.readyNodes === 5, 10 * MIN, 10 * SEC);
  });
});
