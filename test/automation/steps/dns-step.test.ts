/**
 * The DNS swap step: its postcondition decides whether a resumed run swaps again (it must not
 * repeat a swap that happened, nor skip one that did not); planned runs fail on a Route 53 error,
 * unplanned ones fall back to health-check failover and journal why.
 */
import { expect } from "chai";
import { isDnsStepId, swapDnsStep, MARK } from "../../../automation/plan/steps";
import { loadPair, type Pair } from "../../../automation/plan/sites";
import { createSimulation, type Simulation } from "../../../automation/sim";
import { variantConfigs } from "../helpers";
import { runSteps } from "./run-steps";

async function setup(mutate?: (c: Record<string, Record<string, unknown>>) => void): Promise<{ sim: Simulation; pair: Pair }> {
  const configs = variantConfigs({});
  mutate?.(configs);
  const sim = await createSimulation({ seed: 7, configs });
  return { sim, pair: await loadPair(sim.stacks, "dr") };
}

const swaps = (sim: Simulation) => sim.world.sideEffects("setPrimaryRecord").length;
const primary = (sim: Simulation) =>
  sim.world.getFailoverRecords("Z0EXAMPLE00000000000", "app.example.com").find((r) => r.failover === "PRIMARY")?.setIdentifier;

describe("steps: swap-dns", () => {
  it("planned: swaps once; run again, its postcondition (dr is PRIMARY) holds and it is skipped, not repeated", async () => {
    const { sim, pair } = await setup();
    const step = () => swapDnsStep(pair, "planned", "", [])!;
    const first = await runSteps(sim, [step()]);
    expect(first.steps[0]).to.include({ outcome: "done", detail: "dr is PRIMARY" });
    expect(primary(sim)).to.equal("dr");
    const again = await runSteps(sim, [step()]);
    expect(again.steps[0].outcome).to.equal("skipped");
    expect(swaps(sim)).to.equal(1);
    const mark = first.events.find((e) => e.kind === "mark" && e.name === MARK.dnsSwapped);
    expect(mark).to.deep.include({ data: { primary: "dr" } });
  });

  it("planned: with the source PRIMARY (whatever the order of the records), the swap is not skipped", async () => {
    const { sim, pair } = await setup();
    const reversed = { ...pair, source: pair.target, target: pair.source };
    // primary is PRIMARY already: swapping to it is a no-op...
    expect((await runSteps(sim, [swapDnsStep(reversed, "planned", "", [])!])).steps[0].outcome).to.equal("skipped");
    // ...while dr is SECONDARY: that one must run.
    expect((await runSteps(sim, [swapDnsStep(pair, "planned", "", [])!])).steps[0].outcome).to.equal("done");
    expect(swaps(sim)).to.equal(1);
  });

  it("planned: with no PRIMARY record at all, the check says so (no error) and the swap runs", async () => {
    const { sim, pair } = await setup();
    sim.world.upsertRecord("primary", "SECONDARY");
    const r = await runSteps(sim, [swapDnsStep(pair, "planned", "", [])!]);
    expect(r.steps[0].outcome, r.steps[0].detail).to.equal("done");
    expect(primary(sim)).to.equal("dr");
  });

  it("planned: a Route 53 error fails the step (the run stops; it never pretends traffic moved)", async () => {
    const { sim, pair } = await setup();
    // Reads answer; the change batch does not (every attempt of the step).
    sim.faults.timeout("setPrimaryRecord", 10);
    const r = await runSteps(sim, [swapDnsStep(pair, "planned", "", [])!]);
    expect(r.outcome).to.equal("failed");
    expect(sim.world.calls({ api: "ChangeResourceRecordSets" }).length).to.be.greaterThan(0);
    expect(r.failedStep).to.equal("swap-dns");
    expect(r.events.some((e) => e.kind === "mark" && e.name === MARK.dnsSwapFailed)).to.equal(false);
  });

  it("unplanned: a failed change is journaled with its error and the health-check fallback, and the step ends done", async () => {
    const { sim, pair } = await setup();
    sim.faults.impairRoute53();
    const r = await runSteps(sim, [swapDnsStep(pair, "unplanned", "", [])!]);
    expect(r.outcome).to.equal("succeeded");
    expect(r.steps[0].detail).to.match(/^Route 53 change failed \(.*no response.*\); relying on health-check failover/);
    const mark = r.events.find((e) => e.kind === "mark" && e.name === MARK.dnsSwapFailed) as unknown as { data: { error: string } };
    expect(mark.data.error).to.match(/no response/);
    const end = r.events.find((e) => e.kind === "step-end" && e.step === "swap-dns") as unknown as { data?: Record<string, unknown> };
    expect(end.data).to.deep.equal({ fallback: "health-check" });
  });

  for (const mark of [MARK.dnsSwapped, MARK.dnsSwapFailed]) {
    it(`unplanned: once ${mark} is journaled, a resume skips the step without asking Route 53`, async () => {
      const { sim, pair } = await setup();
      sim.faults.impairRoute53();
      const r = await runSteps(sim, [swapDnsStep(pair, "unplanned", "", [])!], { marks: { [mark]: {} } });
      expect(r.steps[0].outcome).to.equal("skipped");
      expect(sim.world.calls({ api: "ListResourceRecordSets" }).concat(sim.world.calls({ api: "ChangeResourceRecordSets" }))).to.deep.equal([]);
    });
  }

  it("unplanned: without either mark it runs, even if dr happens to be PRIMARY already", async () => {
    const { sim, pair } = await setup();
    sim.world.setPrimaryRecord("Z0EXAMPLE00000000000", "app.example.com", "dr", sim.world.site("dr").healthCheck.id);
    const r = await runSteps(sim, [swapDnsStep(pair, "unplanned", "", [])!]);
    expect(r.steps[0].outcome).to.equal("done");
  });

  it("the record's zone comes from either site's config; no DNS config, no step", async () => {
    const targetless = await setup((c) => delete c.dr.dns);
    const step = swapDnsStep(targetless.pair, "planned", "", [])!;
    expect(step.effect).to.match(/Z0EXAMPLE00000000000 app\.example\.com: dr PRIMARY, primary SECONDARY$/);
    const none = await setup((c) => {
      delete c.dr.dns;
      delete c.primary.dns;
    });
    expect(swapDnsStep(none.pair, "planned", "", [])).to.equal(undefined);
  });

  it("only the unplanned swap says it is bounded and falls back", async () => {
    const { pair } = await setup();
    expect(swapDnsStep(pair, "unplanned", "", [])!.effect).to.match(/\(bounded 30s; on failure health-check failover\)$/);
    expect(swapDnsStep(pair, "planned", "", [])!.effect).to.not.match(/bounded|health-check/);
  });

  it("the report finds the DNS steps by id, with or without a plan prefix, and nothing else", () => {
    // The report says "no failover record" exactly when no step of the plan passes this test.
    for (const id of ["swap-dns", "reconcile-dns", "back:swap-dns", "back:reconcile-dns"]) expect(isDnsStepId(id), id).to.equal(true);
    for (const id of ["wait-serving", "swap-dns-later", "back:swap", "xswap-dns", "swap-dns:back", "reconcile", ""])
      expect(isDnsStepId(id), id).to.equal(false);
  });
});
