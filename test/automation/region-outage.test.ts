/**
 * An unplanned failover away from us-east-1: no `up` the driver runs may reach it (through a
 * provider's configuration, an invoke, a resource or the state backend), and the simulated stacks
 * fail any up that does, naming what reached it. Variants of the program stand for a program that
 * still depends on us-east-1.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { failback, failover, type RunResult } from "../../automation/driver";
import type { RunReport } from "../../automation/report/report";
import { runSite, type SiteProgram } from "../../stacks/program";
import { simulate } from "./helpers";

async function run(p: Promise<unknown>): Promise<RunReport> {
  const r = (await p) as RunResult;
  expect(r.kind).to.equal("run");
  return r.report;
}

/** The program as it was before `impairedRegions`: it ignores the key (its us-east-1 provider validates credentials there). */
const ignoringImpairedRegions: SiteProgram = (opts) => {
  const config = { ...pulumi.runtime.allConfig() };
  delete config["eks-dr:impairedRegions"];
  pulumi.runtime.setAllConfig(config, []);
  return runSite(opts);
};

/** A program whose active site creates something in us-east-1 (through a provider that makes no call at configure). */
const activeCreatesInUsEast1: SiteProgram = async (opts) => {
  const exports = await runSite(opts);
  const stack = pulumi.getStack();
  if (pulumi.runtime.allConfig()["eks-dr:role"] === "active") {
    const east = new aws.Provider(`${stack}-east`, { region: "us-east-1", skipCredentialsValidation: true, skipRequestingAccountId: true });
    new aws.sns.Topic(`${stack}-east-notices`, {}, { provider: east });
  }
  return exports;
};

describe("unplanned failover away from us-east-1 (its control planes down)", () => {
  it("promotes a headless standby: the targeted up and the converge up of dr reach nothing in us-east-1", async () => {
    const t = await simulate({ seed: 17, headless: true });
    t.sim.faults.impairRegion("primary");
    const report = await run(failover(t.deps, { to: "dr", mode: "unplanned" }));
    expect(report.outcome, report.error).to.equal("succeeded");
    expect(report.steps.find((s) => s.id === "add-db-instance")!.outcome).to.equal("done"); // the targeted up ran
    // dr's ups avoid us-east-1: its provider there is configured without calls, its alarm kept as it was.
    expect((await t.sim.stacks.readConfig("dr")).impairedRegions).to.deep.equal(["us-east-1"]);
    const state = t.sim.stacks.stateOf("dr");
    const east = state.find((r) => r.type === "pulumi:providers:aws" && r.inputs.region === "us-east-1")!;
    expect(east.inputs).to.include({ skipCredentialsValidation: "true", skipRequestingAccountId: "true" });
    const alarm = state.find((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && r.region === "us-east-1")!;
    expect(alarm.inputs.actionsEnabled, "notifications of the standby role, until us-east-1 answers again").to.equal(false);
    expect(t.sim.world.site("dr")).to.include({ serving: true });
    expect(t.sim.world.writer()).to.equal("dr");

    // Failback clears the Region from the list first; dr's next up turns the alarm's notifications on.
    t.sim.faults.recoverRegion("primary");
    const back = await run(failback(t.deps));
    expect(back.outcome, back.error).to.equal("succeeded");
    expect(back.steps.find((s) => s.id === "clear-impaired-regions")!.outcome).to.equal("done");
    expect((await t.sim.stacks.readConfig("dr")).impairedRegions).to.deep.equal([]);
  });

  it("fails when dr's program still depends on us-east-1, naming the provider and the Region", async () => {
    const t = await simulate({ seed: 17, headless: true, program: ignoringImpairedRegions });
    t.sim.faults.impairRegion("primary");
    const report = await run(failover(t.deps, { to: "dr", mode: "unplanned" }));
    expect(report.outcome).to.equal("failed");
    expect(report.failedStep).to.equal("add-db-instance"); // the headless standby's first instance
    expect(report.error).to.match(/up of stack "dr" needs us-east-1/);
    expect(report.error).to.match(/provider dr-us-east-1 \(pulumi:providers:aws\): configure validates credentials with STS in us-east-1/);
    expect(t.sim.world.site("dr").db.instanceCount).to.equal(0);
  });

  it("fails when dr's up would create a resource in us-east-1, naming the resource and the Region", async () => {
    const t = await simulate({ seed: 17, program: activeCreatesInUsEast1 });
    t.sim.faults.impairRegion("primary");
    const report = await run(failover(t.deps, { to: "dr", mode: "unplanned" }));
    expect(report.outcome).to.equal("failed");
    expect(report.failedStep).to.equal("converge-up-target");
    expect(report.error).to.match(/- aws:sns\/topic:Topic dr-east-notices \(create\): us-east-1/);
  });

  it("fails when the state backend lives in the impaired Region, naming it", async () => {
    const t = await simulate({ seed: 17, headless: true, stateBackendRegion: "us-east-1" });
    t.sim.faults.impairRegion("primary");
    const report = await run(failover(t.deps, { to: "dr", mode: "unplanned" }));
    expect(report.outcome).to.equal("failed");
    expect(report.error).to.match(/- the state backend \(checkpoints of dr, outputs read by its stack reference\): us-east-1/);
  });
});
