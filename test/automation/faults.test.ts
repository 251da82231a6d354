/**
 * Fault injection (crashes after every step: crash-resume/): throttling, an impaired Region, and the
 * driver's refusals (planned with a Region down, RPO over --max-data-loss, concurrent or other
 * runs, dry run).
 */
import { expect } from "chai";
import { failback, failover, type RunResult } from "../../automation/driver";
import type { RunReport } from "../../automation/report/report";
import { finalState, refusal, sideEffectCounts, simulate } from "./helpers";

async function report(p: Promise<unknown>): Promise<RunReport> {
  return ((await p) as RunResult).report;
}

describe("driver under faults", () => {
  describe("throttling", () => {
    it("is retried with exponential backoff and jitter on the clock", async () => {
      const t = await simulate({ seed: 51, faults: { throttle: [{ method: "scaleNodeGroup", times: 3 }] } });
      t.sim.faults.impairRegion("primary");
      const r = await report(failover(t.deps, { to: "dr", mode: "unplanned" }));
      expect(r.outcome).to.equal("succeeded");
      const scale = r.steps.filter((s) => s.id.startsWith("scale-nodes"));
      expect(scale.reduce((n, s) => n + s.retries, 0)).to.equal(3);
      const calls = t.sim.world.calls({ method: "scaleNodeGroup" });
      expect(calls.filter((c) => c.outcome === "ThrottlingException")).to.have.length(3);
      expect(t.sim.world.sideEffects("scaleNodeGroup")).to.have.length(2); // web and app, once each
      // The throttled group's attempts spread out: the gaps grow (1 s, 2 s, 4 s caps, half of each at least).
      const group = calls.find((c) => c.outcome === "ThrottlingException")!.args.nodeGroupName;
      const times = calls.filter((c) => c.args.nodeGroupName === group).map((c) => c.at);
      const gaps = times.slice(1).map((x, i) => x - times[i]);
      expect(gaps.length).to.be.at.least(2);
      expect(gaps[0]).to.be.at.least(500);
    });

    it("fails the step once the attempts are used up, and the run resumes later", async () => {
      const t = await simulate({ seed: 52, faults: { throttle: [{ method: "failoverGlobalCluster", times: 6 }] } });
      t.sim.faults.impairRegion("primary");
      const r = await report(failover(t.deps, { to: "dr", mode: "unplanned" }));
      expect(r.outcome).to.equal("failed");
      expect(r.failedStep).to.equal("failover-db");
      expect(r.error).to.match(/Rate exceeded|Throttling/);
      expect(t.sim.world.calls({ method: "failoverGlobalCluster" })).to.have.length(6);
      // Steps in flight were aborted, not left running.
      const aborted = r.steps.filter((s) => s.outcome === "aborted" || s.outcome === "failed");
      expect(aborted.length).to.be.at.least(1);
      // A failed run is resumed by the same command once the throttling is over.
      expect(t.sim.faults.pendingCallFaults()).to.equal(0);
      const again = await report(failover(t.deps, { to: "dr", mode: "unplanned" }));
      expect(again.outcome, again.error).to.equal("succeeded");
      expect(t.sim.world.sideEffects("FailoverGlobalCluster")).to.have.length(1);
      expect(t.sim.world.writer()).to.equal("dr");
    });
  });

  describe("an impaired Region", () => {
    it("never holds the unplanned run past its bounds", async () => {
      const t = await simulate({ seed: 61 });
      t.sim.faults.impairRegion("primary");
      const start = t.deps.clock.now();
      const r = await report(failover(t.deps, { to: "dr", mode: "unplanned" }));
      expect(r.outcome).to.equal("succeeded");
      // Every call into the impaired Region ended at its bound; the only ones are bounded probes
      // (the gate's, and the EFS detach's read of the source's EFS).
      const intoSource = t.sim.world.calls({ origin: "cloud" }).filter((c) => c.region === "us-east-1" && c.at >= start);
      expect(intoSource.every((c) => c.outcome === "TimeoutError")).to.equal(true);
      expect(intoSource.map((c) => c.api)).to.have.members(["ListClusters", "DescribeReplicationConfigurations"]);
      // The steps start after one probe bound (5 s), not after anything in the source Region.
      expect(Math.min(...r.steps.map((s) => s.startOffsetMs!))).to.be.at.most(6_500);
      // Route 53 (control plane in us-east-1) too: the swap gave up after its 30 s bound.
      const swap = r.steps.find((s) => s.id === "swap-dns")!;
      expect(swap.elapsedMs!).to.be.at.most(32_000);
      // Nothing waited on the source: the RTO is within the slowest branch plus serving.
      expect(r.rto!.ms).to.be.below(20 * 60_000);
    });

    it("a call timing out in the target Region is retried by the step's wait, not fatal", async () => {
      const t = await simulate({ seed: 62, faults: { timeouts: [{ method: "describeNodeGroup", times: 2, region: "us-west-2" }] } });
      t.sim.faults.impairRegion("primary");
      const r = await report(failover(t.deps, { to: "dr", mode: "unplanned" }));
      expect(r.outcome, r.error).to.equal("succeeded");
      expect(r.steps.filter((s) => s.id.startsWith("scale-nodes")).reduce((n, s) => n + s.retries, 0)).to.equal(2);
    });

    it("a planned failover is refused, changing nothing", async () => {
      const t = await simulate({ seed: 63 });
      t.sim.faults.impairRegion("primary");
      const before = sideEffectCounts(t.sim);
      const err = await refusal(failover(t.deps, { to: "dr", mode: "planned" }));
      expect(err.message)
        .to.match(/both Regions healthy/)
        .and.match(/--mode unplanned/);
      expect(sideEffectCounts(t.sim)).to.deep.equal(before);
      expect(await t.journal.lastRun()).to.deep.equal([]);
      expect(t.store.holder).to.equal(undefined);
    });
  });

  describe("refusals", () => {
    it("unplanned: refuses an estimated RPO above --max-data-loss unless --force", async () => {
      const t = await simulate({ seed: 71 });
      t.sim.faults.impairRegion("primary");
      const before = sideEffectCounts(t.sim);
      const err = await refusal(failover(t.deps, { to: "dr", mode: "unplanned" }, { maxDataLossMs: 1000 }));
      expect(err.message)
        .to.match(/exceeds --max-data-loss 1s/)
        .and.match(/--force/);
      expect(sideEffectCounts(t.sim)).to.deep.equal(before);
      const r = await report(failover(t.deps, { to: "dr", mode: "unplanned" }, { maxDataLossMs: 1000, force: true }));
      expect(r.outcome).to.equal("succeeded");
    });

    it("unplanned: runs when the estimated RPO is within --max-data-loss", async () => {
      const t = await simulate({ seed: 72 });
      t.sim.faults.impairRegion("primary");
      const r = await report(failover(t.deps, { to: "dr", mode: "unplanned" }, { maxDataLossMs: 60 * 60_000 }));
      expect(r.outcome).to.equal("succeeded");
    });

    it("a concurrent run is refused, naming the holder and --take-over", async () => {
      const t = await simulate({ seed: 73 });
      const first = failover(t.deps, { to: "dr", mode: "planned" });
      const err = await refusal(failover(t.deps, { to: "dr", mode: "planned" }));
      expect(err.message)
        .to.match(/holds the lock/)
        .and.match(/pid \d+/)
        .and.match(/--take-over/);
      expect((await report(first)).outcome).to.equal("succeeded");
    });

    it("an unfinished run of another command is refused; the same command resumes it", async () => {
      const t = await simulate({ seed: 74 });
      t.sim.faults.crashAfterStep("quiesce-source");
      await failover(t.deps, { to: "dr", mode: "planned" }).catch(() => undefined);
      t.sim.restart();
      const other = await refusal(failback(t.deps, { takeOver: true }));
      expect(other.message)
        .to.match(/unfinished run/)
        .and.match(/failover --to dr --mode planned/);
      const otherArgs = await refusal(failover(t.deps, { to: "dr", mode: "unplanned" }, { takeOver: true }));
      expect(otherArgs.message).to.match(/unfinished run/);
      const r = await report(failover(t.deps, { to: "dr", mode: "planned" }, { takeOver: true }));
      expect(r.outcome).to.equal("succeeded");
      expect(r.steps.find((s) => s.id === "quiesce-source")!.outcome).to.equal("done (earlier attempt)");
    });

    it("--dry-run changes nothing and says which steps would run", async () => {
      const t = await simulate({ seed: 75 });
      const before = sideEffectCounts(t.sim);
      const cfgBefore = await finalState(t);
      const r = await failover(t.deps, { to: "dr", mode: "planned" }, { dryRun: true });
      expect(r.kind).to.equal("dry-run");
      if (r.kind !== "dry-run") return;
      expect(r.steps.find((s) => s.id === "scale-nodes-web")!.verdict).to.equal("run");
      expect(r.steps.find((s) => s.id === "scale-nodes-system")!.verdict).to.equal("skip");
      expect(r.lines.join("\n"))
        .to.match(/config changes per stack/)
        .and.match(/primary: quiesced=true/);
      expect(sideEffectCounts(t.sim)).to.deep.equal(before);
      expect(await finalState(t)).to.deep.equal(cfgBefore);
      expect(await t.journal.lastRun()).to.deep.equal([]);
      expect(t.store.holder).to.equal(undefined);
    });

    it("refuses a failover to the site that is already active", async () => {
      const t = await simulate({ seed: 76 });
      expect((await refusal(failover(t.deps, { to: "primary", mode: "planned" }))).message).to.match(/already the active site/);
    });

    it("failback is refused while the old Region is still impaired", async () => {
      const t = await simulate({ seed: 77 });
      t.sim.faults.impairRegion("primary");
      await failover(t.deps, { to: "dr", mode: "unplanned" });
      expect((await refusal(failback(t.deps))).message).to.match(/both Regions healthy/);
    });
  });
});
