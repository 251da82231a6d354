/**
 * Every config check that can run offline runs before the first side effect: the pair's rules
 * (Regions, CIDRs, one owner of global resources), the roles, and the config the plan leaves
 * behind. A failover on a pair that breaks them is refused (exit 2) and changes nothing.
 */
import { expect } from "chai";
import { failback, failover } from "../../../automation/driver";
import { MemoryJournal } from "../../../automation/journal/memory-journal";
import { createSimulation } from "../../../automation/sim";
import { driverDeps, simWiring } from "../../../automation/wiring";
import { refusal, variantConfigs } from "../helpers";

type Raw = Record<string, Record<string, unknown>>;

/** A deployed pair whose stack files were then edited (as an operator would, before a failover). */
async function pairWith(mutate: (c: Raw) => void) {
  const sim = await createSimulation({ seed: 4, configs: variantConfigs({}) });
  mutate(sim.stacks.shared.raw);
  const deps = driverDeps(simWiring(sim, { journal: new MemoryJournal(), stackNames: ["primary", "dr"] }));
  return { sim, deps };
}

describe("gates: offline config checks before any side effect", () => {
  const cases: [string, (c: Raw) => void, RegExp][] = [
    ["overlapping CIDRs", (c) => (c.dr.vpcCidr = "10.0.0.0/16"), /eks-dr:vpcCidr: 10\.0\.0\.0\/16 overlaps/],
    ["two owners of global resources", (c) => (c.dr.ownsGlobalResources = true), /eks-dr:ownsGlobalResources: is true on both sites/],
    ["the same Region twice", (c) => (c.dr.region = "us-east-1"), /eks-dr:region: is us-east-1, the same Region as stack "(dr|primary)"/],
  ];
  for (const mode of ["unplanned", "planned"] as const) {
    for (const [name, mutate, pattern] of cases) {
      it(`${mode}: ${name} is refused naming the key, before anything changes`, async () => {
        const { sim, deps } = await pairWith(mutate);
        if (mode === "unplanned") sim.faults.impairRegion("primary");
        const err = await refusal(failover(deps, { to: "dr", mode }, {}));
        expect(err.message).to.match(pattern);
        expect(err.message).to.not.match(/does not answer/);
        expect(sim.world.sideEffects()).to.deep.equal([]);
        expect(await deps.journal.lastRun()).to.deep.equal([]);
      });
    }
  }

  it("failback checks the pair's rules too", async () => {
    const { sim, deps } = await pairWith((c) => (c.primary.vpcCidr = "10.1.0.0/16"));
    const err = await refusal(failback(deps, {}));
    expect(err.message).to.match(/eks-dr:vpcCidr/);
    expect(sim.world.sideEffects()).to.deep.equal([]);
  });
});
