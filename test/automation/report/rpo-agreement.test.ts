/**
 * One RPO definition: `drill` and `failover --sim` report the same figures for the same world
 * (seed), whether or not the incident's time is given.
 */
import { expect } from "chai";
import { runCli } from "../../../automation/cli";
import { harness } from "../cli/harness";

async function json(argv: string[]): Promise<Record<string, unknown>> {
  const h = harness();
  expect(await runCli(argv, h.env), argv.join(" ")).to.equal(0);
  return JSON.parse(h.out.join("")) as Record<string, unknown>;
}

type Rpo = { aurora: { dataLossWindowMs: number | null; basis: string }; efs: { dataLossWindowMs: number | null }; worstMs: number | null };

describe("RPO of drill and failover --sim", () => {
  it("agree on the same seed", async function () {
    this.timeout(30_000);
    const drill = await json(["drill", "--seed", "1", "--json"]);
    const failover = await json(["failover", "--to", "dr", "--mode", "unplanned", "--sim", "--seed", "1", "--yes", "--json"]);
    const a = (drill.failover as { rpo: Rpo }).rpo;
    const b = (failover as { rpo: Rpo }).rpo;
    expect(a.aurora.dataLossWindowMs).to.be.a("number");
    expect(a.efs.dataLossWindowMs).to.be.a("number");
    expect(b.aurora.dataLossWindowMs).to.equal(a.aurora.dataLossWindowMs);
    expect(b.efs.dataLossWindowMs).to.equal(a.efs.dataLossWindowMs);
    expect(b.worstMs).to.equal(a.worstMs);
    expect(b.aurora.basis).to.equal(a.aurora.basis);
  });
});
