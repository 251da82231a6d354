/**
 * Real outages are partial and messy: one service of a Region down while the rest answers, an old
 * primary that Aurora is still rebuilding, credentials that expire in the middle of an incident.
 * The driver on the simulated Regions, which enforce the AWS rule each case relies on.
 */
import { expect } from "chai";
import { runCli, type CliEnv } from "../../automation/cli";
import { failback, failover, status, type RunResult } from "../../automation/driver";
import { SetupError } from "../../automation/errors";
import { DEFAULT_TIMEOUTS } from "../../automation/plan/types";
import type { CloudPort, RdsPort } from "../../automation/ports";
import type { RunReport } from "../../automation/report/report";
import { wire, type Wiring } from "../../automation/wiring";
import { PROJECT_DIR, sideEffectCounts, simulate } from "./helpers";

async function setupError(p: Promise<unknown>): Promise<SetupError> {
  try {
    await p;
  } catch (err) {
    expect(err, String(err)).to.be.instanceOf(SetupError);
    return err as SetupError;
  }
  throw new Error("expected a SetupError");
}

/** Nothing in the message may steer the operator to the mode that loses data, or blame a Region. */
function expectNotAnOutage(err: Error) {
  expect(err.message).to.not.match(/unplanned|did not answer|does not answer|is down/i);
  expect(err.message.split("\n")).to.have.length(1);
}

async function run(p: Promise<unknown>): Promise<RunReport> {
  const r = (await p) as RunResult;
  expect(r.kind).to.equal("run");
  return r.report;
}

const MIN = 60_000;
/** Aurora's rebuild of an old primary, fixed at 40 min: long enough to matter, short to simulate. */
const REBUILD_40_MIN = { "aurora-rebuild": { minSeconds: 2400, typicalSeconds: 2400, maxSeconds: 2400 } };

describe("driver in partial and messy outages", () => {
  describe("EFS down in the source Region while its EKS API answers (unplanned failover)", () => {
    it("detaches with LOCAL_CONFIGURATION_ONLY at once, and says which mode it used", async () => {
      const t = await simulate({ seed: 41 });
      t.sim.faults.impairService("primary", "efs");
      const report = await run(failover(t.deps, { to: "dr", mode: "unplanned" }));
      expect(report.outcome, report.error).to.equal("succeeded");
      const detach = report.steps.find((s) => s.id === "detach-efs")!;
      expect(detach.detail)
        .to.match(/LOCAL_CONFIGURATION_ONLY/)
        .and.match(/us-east-1's EFS did not answer/);
      expect(report.rpo!.efs!.deletionMode).to.equal("LOCAL_CONFIGURATION_ONLY");
      expect(t.sim.world.site("dr").fs.writable).to.equal(true);
      // No doomed ALL_CONFIGURATIONS first: one deletion, from dr's Region, local only.
      const deletions = t.sim.world.sideEffects("DeleteReplicationConfiguration");
      expect(deletions.map((c) => `${c.region} ${String(c.args.deletionMode)}`)).to.deep.equal(["us-west-2 LOCAL_CONFIGURATION_ONLY"]);
      // Bounded by one probe of the source's EFS plus the deletion itself (at most 10 min).
      expect(detach.elapsedMs!).to.be.at.most(DEFAULT_TIMEOUTS.probeMs + 10 * MIN + DEFAULT_TIMEOUTS.pollMs + 5_000);
    });

    for (const behaviour of ["stays-deleting", "rejected"] as const) {
      it(`falls back to LOCAL_CONFIGURATION_ONLY within a bound when EFS goes down just after the driver looked (ALL_CONFIGURATIONS ${behaviour})`, async () => {
        const t = await simulate({ seed: 42, tuning: { efsAllConfigurationsPeerDown: behaviour } });
        // The source's EFS answers the driver's check, then stops answering.
        t.sim.faults.afterCall("describeReplication", () => t.sim.faults.impairService("primary", "efs"), { region: "primary" });
        const report = await run(failover(t.deps, { to: "dr", mode: "unplanned" }));
        expect(report.outcome, report.error).to.equal("succeeded");
        const detach = report.steps.find((s) => s.id === "detach-efs")!;
        expect(detach.detail).to.match(/LOCAL_CONFIGURATION_ONLY after ALL_CONFIGURATIONS/);
        expect(report.rpo!.efs!.deletionMode).to.equal("LOCAL_CONFIGURATION_ONLY");
        const deletions = t.sim.world.sideEffects("DeleteReplicationConfiguration").map((c) => String(c.args.deletionMode));
        expect(deletions).to.deep.equal(behaviour === "rejected" ? ["LOCAL_CONFIGURATION_ONLY"] : ["ALL_CONFIGURATIONS", "LOCAL_CONFIGURATION_ONLY"]);
        expect(t.sim.world.site("dr").fs.writable).to.equal(true);
        expect(detach.elapsedMs!).to.be.at.most(DEFAULT_TIMEOUTS.efsAllConfigurationsMs + 10 * MIN + DEFAULT_TIMEOUTS.pollMs + 10_000);
      });
    }

    it("a crash right after ALL_CONFIGURATIONS was sent, then resume: falls back within the same bound, each deletion sent once", async () => {
      const t = await simulate({ seed: 47 });
      t.sim.faults.afterCall("describeReplication", () => t.sim.faults.impairService("primary", "efs", { afterMs: 30_000 }), { region: "primary" });
      t.sim.faults.afterCall("deleteReplication", () => t.sim.faults.crash("killed right after the deletion was sent"));
      const crash = await failover(t.deps, { to: "dr", mode: "unplanned" }).then(
        () => undefined,
        (err: unknown) => err as Error,
      );
      expect(crash?.name).to.equal("SimulatedCrash");
      t.sim.restart();
      const report = await run(failover(t.deps, { to: "dr", mode: "unplanned" }, { takeOver: true }));
      expect(report.outcome, report.error).to.equal("succeeded");
      expect(report.steps.find((s) => s.id === "detach-efs")!.detail).to.match(/LOCAL_CONFIGURATION_ONLY after ALL_CONFIGURATIONS cannot finish/);
      const deletions = t.sim.world.sideEffects("DeleteReplicationConfiguration").map((c) => String(c.args.deletionMode));
      expect(deletions).to.deep.equal(["ALL_CONFIGURATIONS", "LOCAL_CONFIGURATION_ONLY"]);
      expect(t.sim.world.site("dr").fs.writable).to.equal(true);
    });

    it("uses ALL_CONFIGURATIONS, and nothing else, while the source's EFS answers", async () => {
      const t = await simulate({ seed: 43 });
      t.sim.faults.impairService("primary", "eks");
      const report = await run(failover(t.deps, { to: "dr", mode: "unplanned" }));
      expect(report.outcome, report.error).to.equal("succeeded");
      expect(report.rpo!.efs!.deletionMode).to.equal("ALL_CONFIGURATIONS");
      const deletions = t.sim.world.sideEffects("DeleteReplicationConfiguration");
      expect(deletions.map((c) => `${c.region} ${String(c.args.deletionMode)}`)).to.deep.equal(["us-west-2 ALL_CONFIGURATIONS"]);
      // Both sides are gone: nothing stale is left for the failback to clean.
      expect(t.sim.world.replicationsNow()).to.deep.equal([]);
    });
  });

  describe("failback while Aurora still rebuilds the old primary", () => {
    it("waits until the old primary is an available, non-writer member before changing its instances, and shows the wait in the plan", async () => {
      const t = await simulate({ seed: 44, latencyOverrides: REBUILD_40_MIN });
      t.sim.faults.impairRegion("primary");
      const fo = await run(failover(t.deps, { to: "dr", mode: "unplanned" }));
      expect(fo.outcome, fo.error).to.equal("succeeded");
      t.sim.faults.recoverRegion("primary");
      const dry = await failback(t.deps, { dryRun: true });
      expect(dry.kind).to.equal("dry-run");
      const wait = dry.kind === "dry-run" ? dry.plan.steps.find((s) => s.id === "wait-aurora-rebuild") : undefined;
      expect(wait, "the plan shows the wait").to.be.an("object");
      expect(dry.kind === "dry-run" && dry.plan.steps.find((s) => s.id === "up-old-site")!.dependsOn).to.include("wait-aurora-rebuild");
      expect(dry.lines.join("\n")).to.match(/\[run\] wait-aurora-rebuild/);

      const report = await run(failback(t.deps));
      expect(report.outcome, report.error).to.equal("succeeded");
      // Nothing touched the old primary's instances before Aurora had rebuilt it.
      const rebuiltAt = Date.parse(report.startedAt) + report.steps.find((s) => s.id === "wait-aurora-rebuild")!.endOffsetMs!;
      const changes = t.sim.world.sideEffects().filter((c) => c.origin === "pulumi:primary" && /DBInstance/.test(c.api));
      expect(changes.length).to.be.greaterThan(0);
      for (const c of changes) expect(c.at, c.api).to.be.at.least(rebuiltAt);
      expect(t.sim.world.calls({ origin: "pulumi:primary" }).filter((c) => c.outcome === "InvalidDBClusterStateFault")).to.deep.equal([]);
      expect(t.sim.world.writer()).to.equal("primary");
    });

    it("also waits on the DB cluster's status, where the member does not report a SynchronizationStatus", async () => {
      // What DescribeDBClusters shows during the rebuild is not documented: a cloud whose members
      // carry no SynchronizationStatus and whose cluster is not "available" until it is rebuilt.
      const t = await simulate({ seed: 46, latencyOverrides: REBUILD_40_MIN });
      t.sim.faults.impairRegion("primary");
      await run(failover(t.deps, { to: "dr", mode: "unplanned" }));
      t.sim.faults.recoverRegion("primary");
      const inner = t.deps.cloud;
      const rds: RdsPort = {
        describeGlobalCluster: async (...args: Parameters<RdsPort["describeGlobalCluster"]>) => {
          const gc = await inner.rds.describeGlobalCluster(...args);
          return { ...gc, members: gc.members.map(({ synchronizationStatus: _hidden, ...m }) => m) };
        },
        describeDbCluster: async (...args: Parameters<RdsPort["describeDbCluster"]>) => {
          const c = await inner.rds.describeDbCluster(...args);
          return t.sim.world.site(args[0]).db.rebuilding ? { ...c, status: "resyncing" } : c;
        },
        switchoverGlobalCluster: (...args) => inner.rds.switchoverGlobalCluster(...args),
        failoverGlobalCluster: (...args) => inner.rds.failoverGlobalCluster(...args),
        findGlobalCluster: (...args) => inner.rds.findGlobalCluster(...args),
        createGlobalCluster: (...args) => inner.rds.createGlobalCluster(...args),
      };
      const cloud: CloudPort = { ...inner, rds };
      const report = await run(failback({ ...t.deps, cloud }));
      expect(report.outcome, report.error).to.equal("succeeded");
      expect(t.sim.world.calls({ origin: "pulumi:primary" }).filter((c) => c.outcome === "InvalidDBClusterStateFault")).to.deep.equal([]);
    });

    it("skips the wait when there is nothing to rebuild (after a planned failover)", async () => {
      const t = await simulate({ seed: 45 });
      await run(failover(t.deps, { to: "dr", mode: "planned" }));
      const report = await run(failback(t.deps));
      expect(report.outcome, report.error).to.equal("succeeded");
      expect(report.steps.find((s) => s.id === "wait-aurora-rebuild")!.outcome).to.equal("skipped");
    });
  });

  describe("credentials that do not work are never reported as a Region outage", () => {
    it("planned failover with expired credentials: refused, naming the expiry and `aws sso login`, changing nothing", async () => {
      const t = await simulate({ seed: 51 });
      t.sim.faults.credentials("expired");
      const err = await setupError(failover(t.deps, { to: "dr", mode: "planned" }));
      expect(err.kind).to.equal("aws-credentials-expired");
      expect(err.message)
        .to.match(/expired/)
        .and.match(/ExpiredTokenException/)
        .and.match(/aws sso login/)
        .and.match(/not a Region outage/);
      expectNotAnOutage(err);
      expect(sideEffectCounts(t.sim)).to.deep.equal({});
    });

    it("unplanned failover without any credentials: refused as such, not as the target Region not answering", async () => {
      const t = await simulate({ seed: 52 });
      t.sim.faults.impairRegion("primary");
      t.sim.faults.credentials("missing");
      const err = await setupError(failover(t.deps, { to: "dr", mode: "unplanned" }));
      expect(err.kind).to.equal("aws-no-credentials");
      expect(err.message)
        .to.match(/no credentials found/)
        .and.match(/CredentialsProviderError/)
        .and.match(/AWS_PROFILE/);
      expectNotAnOutage(err);
      expect(sideEffectCounts(t.sim)).to.deep.equal({});
    });

    it("invalid credentials: refused as rejected credentials", async () => {
      const t = await simulate({ seed: 53 });
      t.sim.faults.credentials("invalid");
      const err = await setupError(failover(t.deps, { to: "dr", mode: "planned" }));
      expect(err.kind).to.equal("aws-credentials-invalid");
      expect(err.message)
        .to.match(/UnrecognizedClientException/)
        .and.match(/aws sts get-caller-identity/);
      expectNotAnOutage(err);
    });

    it("access denied to the probe of one Region: refused as a permission problem naming the Region", async () => {
      const t = await simulate({ seed: 54 });
      t.sim.faults.denyAccess("probeRegion", { region: "primary" });
      const err = await setupError(failover(t.deps, { to: "dr", mode: "planned" }));
      expect(err.kind).to.equal("aws-access-denied");
      expect(err.message)
        .to.match(/us-east-1/)
        .and.match(/AccessDeniedException/)
        .and.match(/lack a permission/);
      expectNotAnOutage(err);
      expect(sideEffectCounts(t.sim)).to.deep.equal({});
    });

    it("status with expired credentials: one setup error, not a list of Regions that do not answer", async () => {
      const t = await simulate({ seed: 55 });
      t.sim.faults.credentials("expired");
      const err = await setupError(status(t.deps));
      expect(err.kind).to.equal("aws-credentials-expired");
      expectNotAnOutage(err);
    });

    it("failback with invalid credentials: refused as such, not as the old Region still being down", async () => {
      const t = await simulate({ seed: 56 });
      t.sim.faults.impairRegion("primary");
      await run(failover(t.deps, { to: "dr", mode: "unplanned" }));
      t.sim.faults.recoverRegion("primary");
      t.sim.faults.credentials("invalid");
      const err = await setupError(failback(t.deps));
      expect(err.kind).to.equal("aws-credentials-invalid");
      expectNotAnOutage(err);
    });

    it("credentials expiring during a run stop the waiting step at once, with the fix, instead of waiting out its bound", async () => {
      const t = await simulate({ seed: 57 });
      t.sim.faults.impairRegion("primary");
      t.sim.faults.credentials("expired", { afterMs: 2 * MIN });
      const report = await run(failover(t.deps, { to: "dr", mode: "unplanned" }));
      expect(report.outcome).to.equal("failed");
      expect(report.error)
        .to.match(/expired/)
        .and.match(/aws sso login/);
      expect(report.durationMs).to.be.below(4 * MIN);
    });
  });

  describe("through the CLI on the simulated Regions", () => {
    async function cli(argv: string[], arm: (w: Wiring) => void) {
      const out: string[] = [];
      const err: string[] = [];
      let wiring: Wiring | undefined;
      const env: CliEnv = {
        stdout: { write: (s) => void out.push(s), isTTY: false },
        stderr: { write: (s) => void err.push(s), isTTY: false },
        stdinIsTTY: false,
        ask: async () => "",
        projectDir: PROJECT_DIR,
        wire: async (o) => {
          wiring = await wire(o);
          arm(wiring);
          return wiring;
        },
      };
      const code = await runCli(argv, env);
      return { code, out: out.join(""), err: err.join(""), sim: wiring!.sim! };
    }

    it("expired credentials: exit 2, one line with the fix, nothing about --mode unplanned", async () => {
      const r = await cli(["failover", "--to", "dr", "--mode", "planned", "--sim", "--yes"], (w) => w.sim!.faults.credentials("expired"));
      expect(r.code).to.equal(2);
      const lines = r.err.trim().split("\n");
      expect(lines).to.have.length(1);
      expect(lines[0])
        .to.match(/^error: Cannot authenticate to AWS while probing us-(east-1|west-2): the credentials have expired/)
        .and.match(/Fix: refresh them with `aws sso login/);
      expect(lines[0]).to.not.match(/unplanned|did not answer/);
      expect(sideEffectCounts(r.sim)).to.deep.equal({});
    });

    it("access denied in status --json: exit 2 and a JSON document naming the kind", async () => {
      const r = await cli(["status", "--sim", "--json"], (w) => w.sim!.faults.denyAccess("describeGlobalCluster"));
      expect(r.code).to.equal(2);
      expect(JSON.parse(r.out).error).to.include({ kind: "aws-access-denied", exitCode: 2 });
      expect(r.err.trim().split("\n")).to.have.length(1);
    });
  });
});
