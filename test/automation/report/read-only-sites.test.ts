/**
 * A planned failover quiesces its source: config `quiesced: true`, and its `up` runs the app with
 * READ_ONLY=true (outputs `readOnly`). A run abandoned there, or a key left set, leaves an active
 * site that refuses every write: `status` must not say READY, and must say what clears it. A
 * standby left so is a warning (a failover to it would end its RTO on a site that refuses writes
 * until its converge `up` clears the key). A failed run's report names the sites it left read-only.
 */
import { expect } from "chai";
import { failover, status, type RunResult } from "../../../automation/driver";
import { formatReadiness } from "../../../automation/readiness";
import { formatReport } from "../../../automation/report/report";
import { simulate } from "../helpers";
import { cli, DEAD_PID, scratch } from "../gates/harness";

async function quiesce(t: Awaited<ReturnType<typeof simulate>>, stack: string) {
  await t.sim.stacks.setConfig(stack, [{ key: "quiesced", value: true }]);
  await t.sim.stacks.up(stack);
}

describe("sites left read-only", () => {
  it("status: an active site left read-only is NOT READY, naming the stack, the key and the command that clears it", async () => {
    const t = await simulate({ seed: 71 });
    await quiesce(t, "primary");
    expect(t.sim.world.site("primary")).to.include({ readOnly: true, serving: false });
    const r = await status(t.deps);
    expect(r.readiness.ready).to.equal(false);
    expect(r.readiness.readyUnplanned).to.equal(false);
    const check = r.readiness.checks.find((c) => c.name === "read-only primary");
    expect(check, "a read-only check for primary").to.include({ ok: false, severity: "error" });
    expect(check!.detail)
      .to.include("eks-dr:quiesced")
      .and.include("Pulumi.primary.yaml")
      .and.include("pulumi up -s primary")
      .and.match(/refuses (every|all) write/);
    expect(r.readiness.readOnly).to.have.length(1);
    const [ro] = r.readiness.readOnly!;
    expect(ro).to.include({ stack: "primary", role: "active", configKey: "eks-dr:quiesced", quiescedInConfig: true });
    expect(ro.clear).to.include("pulumi up -s primary");
    expect(check!.detail).to.include(ro.clear);
    expect(formatReadiness(r.readiness)[0]).to.match(/^Readiness NOT READY/);
    // --json carries it: the evaluation is printed whole.
    expect(JSON.parse(JSON.stringify(r)).readiness.readOnly[0]).to.include({ stack: "primary", role: "active" });

    // The key cleared but the up not run yet: only the up is missing.
    await t.sim.stacks.setConfig("primary", [{ key: "quiesced", value: false }]);
    const again = await status(t.deps);
    expect(again.readiness.readOnly![0]).to.include({ quiescedInConfig: false });
    expect(again.readiness.checks.find((c) => c.name === "read-only primary")!.detail)
      .to.include("pulumi up -s primary")
      .and.not.include("Pulumi.primary.yaml");
    await t.sim.stacks.up("primary");
    const cleared = await status(t.deps);
    expect(cleared.readiness.readOnly).to.deep.equal([]);
    expect(cleared.readiness.checks.some((c) => c.name.startsWith("read-only"))).to.equal(false);
  });

  it("status: the key set on the active site but not applied yet is a warning: its next up would stop writes", async () => {
    const t = await simulate({ seed: 74 });
    await t.sim.stacks.setConfig("primary", [{ key: "quiesced", value: true }]);
    const r = await status(t.deps);
    expect(r.readiness.ready).to.equal(true);
    expect(r.readiness.readOnly).to.deep.equal([]);
    expect(r.readiness.checks.find((c) => c.name === "quiesced primary"))
      .to.include({ ok: false, severity: "warning" })
      .and.have.property("detail")
      .that.includes("eks-dr:quiesced")
      .and.includes("Pulumi.primary.yaml");
  });

  it("status: a standby left read-only is a warning; the pair stays ready", async () => {
    const t = await simulate({ seed: 72 });
    await quiesce(t, "dr");
    const r = await status(t.deps);
    expect(r.readiness.ready, JSON.stringify(r.readiness.checks.filter((c) => !c.ok))).to.equal(true);
    expect(r.readiness.checks.find((c) => c.name === "read-only dr")).to.include({ ok: false, severity: "warning" });
    expect(r.readiness.readOnly).to.have.length(1);
    expect(r.readiness.readOnly![0]).to.include({ stack: "dr", role: "standby", configKey: "eks-dr:quiesced", quiescedInConfig: true });
    expect(formatReadiness(r.readiness)[0]).to.match(/READY with \d+ warnings? \(.*read-only dr/);
  });

  it("status: with the journal holding the run that quiesced it, the command that clears it is the run's resume", async () => {
    const t = await simulate({ seed: 73 });
    t.deps.resumeFlags = ["--journal /tmp/j.jsonl"];
    t.sim.faults.crashAfterStep("quiesce-source");
    const crash = await failover(t.deps, { to: "dr", mode: "planned" }).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(crash?.name).to.equal("SimulatedCrash");
    t.sim.restart();
    const r = await status(t.deps);
    const check = r.readiness.checks.find((c) => c.name === "read-only primary");
    expect(check).to.include({ ok: false, severity: "error" });
    expect(check!.detail).to.include("npm run failover -- --to dr --mode planned --journal /tmp/j.jsonl");
    expect(r.readiness.readOnly![0].clear).to.include("npm run failover -- --to dr --mode planned --journal /tmp/j.jsonl");
  });

  it("through the CLI: status after a run crashed once it quiesced exits 1, and --json carries the site and the resume command", async function () {
    this.timeout(60_000);
    const s = scratch();
    try {
      const journal = s.file("journal.jsonl");
      const base = ["--sim", "--journal", journal];
      const crash = await cli(["failover", "--to", "dr", "--mode", "planned", "--yes", ...base, "--sim-crash-after", "quiesce-source"], { pid: DEAD_PID });
      expect(crash.code).to.equal(1);
      const text = await cli(["status", ...base]);
      expect(text.code).to.equal(1);
      expect(text.out)
        .to.match(/Readiness NOT READY/)
        .and.match(/✖ read-only primary: .*refuses every write/);
      const json = await cli(["status", ...base, "--json"]);
      expect(json.code).to.equal(1);
      const [ro] = JSON.parse(json.out).readiness.readOnly;
      expect(ro).to.include({ stack: "primary", role: "active", configKey: "eks-dr:quiesced" });
      expect(ro.clear).to.include(`npm run failover -- --to dr --mode planned --journal ${journal} --sim`).and.include("--take-over");
    } finally {
      s.cleanup();
    }
  });

  it("a run that stops past its point of no return reports the source it left read-only and the command that clears it", async () => {
    const t = await simulate({ seed: 62, latencyOverrides: { "aurora-switchover": { minSeconds: 3000, typicalSeconds: 3000, maxSeconds: 3000 } } });
    t.deps.resumeFlags = ["--journal /tmp/j.jsonl"];
    const r = (await failover(t.deps, { to: "dr", mode: "planned" })) as RunResult;
    expect(r.report.outcome).to.equal("failed");
    expect(r.report.readOnly).to.have.length(1);
    expect(r.report.readOnly![0]).to.include({ stack: "primary", role: "active", configKey: "eks-dr:quiesced", quiescedInConfig: true });
    expect(r.report.readOnly![0].clear).to.include("npm run failover -- --to dr --mode planned --journal /tmp/j.jsonl");
    expect(formatReport(r.report).join("\n")).to.match(/primary is left read-only/);
  });
});
