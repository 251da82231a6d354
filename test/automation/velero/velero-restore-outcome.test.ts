/**
 * A Velero restore that does not complete: the restore-objects step reads the Restore from the
 * cluster (Kubernetes API), fails at once with Velero's reason, journals it, and the resume restores
 * the same backup as a new Restore.
 */
import { expect } from "chai";
import { driverDeps, simWiring } from "../../../automation/wiring";
import { formatRestoreFigures, restore, type RestoreDeps, type RestoreResult } from "../../../automation/restore";
import type { RunResult } from "../../../automation/driver";
import { VELERO_MARK } from "../../../automation/plan/steps/velero-restore";
import { runCli } from "../../../automation/cli";
import { harness } from "../cli/harness";
import * as fs from "node:fs";
import * as path from "node:path";
import { tempDir } from "../../harness/temp-dir";
import { simulate, type TestSim } from "../helpers";

const MIN = 60_000;
const HOUR = 60 * MIN;
const LATEST = { latest: true } as const;
const BACKUP = "velero-objects-20250101045000";

function restoreDeps(t: TestSim): RestoreDeps {
  const base = driverDeps(simWiring(t.sim, { journal: t.journal, stackNames: ["primary", "dr"], seed: 1 }));
  return Object.defineProperty(base, "backup", { get: () => t.sim.backup, enumerable: true }) as RestoreDeps;
}

/** Noon of the first day, primary's Region lost: the night's backup and recovery points are in dr's bucket and vault. */
async function lostPrimaryAtNoon(seed: number): Promise<TestSim> {
  const t = await simulate({ seed });
  await t.sim.clock.sleep(12 * HOUR);
  t.sim.faults.impairRegion("primary");
  return t;
}

const run = async (t: TestSim, extra: { takeOver?: boolean } = {}) =>
  (await restore(restoreDeps(t), { to: "dr", point: LATEST, maxSkewMs: HOUR }, extra)) as RunResult & RestoreResult;

describe("restore: a Velero restore that does not complete (simulated Regions)", function () {
  this.timeout(120_000);

  it("PartiallyFailed: the step fails as soon as Velero ends it, with its counts and where to read them; the resume restores again as a new Restore", async () => {
    const t = await lostPrimaryAtNoon(21);
    t.sim.faults.veleroRestoreOutcomes({ phase: "PartiallyFailed", errors: 2, warnings: 5 });
    const r = await run(t);
    expect(r.report.outcome).to.equal("failed");
    const step = r.report.steps.find((s) => s.id === "restore-objects")!;
    expect(step.outcome).to.equal("failed");
    expect(r.report.error)
      .to.include(`Velero Restore velero/restore-${BACKUP} of backup ${BACKUP} in dr ended PartiallyFailed: 2 error(s), 5 warning(s)`)
      .and.include(`velero restore describe restore-${BACKUP} --details`)
      .and.include(`as a new Restore (restore-${BACKUP}-2)`);
    // At once: the step ended when Velero finished the Restore, not at a bound.
    const [made] = t.sim.world.veleroRestores();
    expect(made).to.deep.include({ name: `restore-${BACKUP}`, phase: "PartiallyFailed", errors: 2 });
    expect(step.endOffsetMs! + Date.parse(r.report.startedAt)).to.be.below(made.completedAt! + 2 * MIN);
    // The data was restored and dr serves: only the objects are incomplete.
    expect(r.report.steps.find((s) => s.id === "wait-serving")!.outcome).to.equal("done");
    // Journaled: the failed attempt, for the report and the resume.
    const failedMark = t.store.events.find((e) => e.kind === "mark" && e.name === VELERO_MARK.failed);
    expect(failedMark && "data" in failedMark ? failedMark.data : undefined).to.deep.include({
      attempt: 1,
      restoreName: `restore-${BACKUP}`,
      phase: "PartiallyFailed",
    });
    expect(formatRestoreFigures(r.restore!).join("\n")).to.include(`WARNING Kubernetes objects: Velero backup ${BACKUP}`).and.include("ended PartiallyFailed");

    const again = await run(t, { takeOver: true });
    expect(again.report.outcome, again.report.error).to.equal("succeeded");
    expect(t.sim.world.veleroRestores().map((x) => [x.name, x.backupName, x.phase])).to.deep.equal([
      [`restore-${BACKUP}`, BACKUP, "PartiallyFailed"],
      [`restore-${BACKUP}-2`, BACKUP, "Completed"],
    ]);
    expect((await t.sim.stacks.readConfig("dr")).veleroRestore).to.deep.equal({ backupName: BACKUP, attempt: 2 });
    expect(again.restore!.velero).to.deep.include({ backupName: BACKUP, restoreName: `restore-${BACKUP}-2` });
    expect(again.restore!.velero).to.not.have.property("failed");
    // Steps done before are not done again: one restore job per store, over both runs.
    expect(t.sim.world.restoreJobs()).to.have.length(2);
  });

  it("Failed, then FailedValidation on the resume: each error carries Velero's reason, and each attempt is a Restore of its own", async () => {
    const t = await lostPrimaryAtNoon(22);
    t.sim.faults.veleroRestoreOutcomes(
      { phase: "Failed", failureReason: "error downloading backup: AccessDenied" },
      { phase: "FailedValidation", validationErrors: ["The BSL default is unavailable, cannot retrieve the backup"] },
    );
    const a = await run(t);
    expect(a.report.outcome).to.equal("failed");
    expect(a.report.error).to.include(`restore-${BACKUP} of backup ${BACKUP} in dr ended Failed: failed: error downloading backup: AccessDenied`);
    const b = await run(t, { takeOver: true });
    expect(b.report.outcome).to.equal("failed");
    expect(b.report.error)
      .to.include(
        `restore-${BACKUP}-2 of backup ${BACKUP} in dr ended FailedValidation: validation failed: The BSL default is unavailable, cannot retrieve the backup`,
      )
      .and.include(`as a new Restore (restore-${BACKUP}-3)`);
    expect(t.sim.world.veleroRestores().map((x) => [x.name, x.phase])).to.deep.equal([
      [`restore-${BACKUP}`, "Failed"],
      [`restore-${BACKUP}-2`, "FailedValidation"],
    ]);
  });
});

describe("cli restore: a Velero restore that ends PartiallyFailed", function () {
  this.timeout(120_000);

  it("exits 1 naming Velero's reason and the command that resumes; that command restores the objects as a new Restore and exits 0", async () => {
    const dir = tempDir("velero-outcome");
    const journal = path.join(dir, "journal.jsonl");
    const first = harness({ beforeRun: (w) => w.sim!.faults.veleroRestoreOutcomes({ phase: "PartiallyFailed", errors: 1, warnings: 0 }) });
    first.env.pid = 2 ** 22 + 91;
    expect(await runCli(["restore", "--to", "dr", "--yes", "--sim", "--journal", journal], first.env)).to.equal(1);
    const err = first.out.join("") + first.err.join("");
    expect(err).to.match(
      /Velero Restore velero\/restore-velero-objects-\d+ of backup velero-objects-\d+ in dr ended PartiallyFailed: 1 error\(s\), 0 warning\(s\)/,
    );
    expect(err).to.include("velero restore describe restore-velero-objects-");
    // The journal keeps the failed attempt for the resume.
    const marks = fs
      .readFileSync(journal, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { kind: string; name?: string; data?: Record<string, unknown> })
      .filter((e) => e.kind === "mark" && e.name === VELERO_MARK.failed);
    expect(marks.map((m) => [m.data!.attempt, m.data!.phase])).to.deep.equal([[1, "PartiallyFailed"]]);
    const resume = /`npm run (restore [^`]*)`/.exec(err)?.[1];
    expect(resume, err).to.be.a("string");
    const second = harness();
    expect(await runCli([...resume!.replace(" -- ", " ").split(" "), "--yes"], second.env), second.err.join("")).to.equal(0);
    expect(second.out.join("")).to.match(/Kubernetes objects: Velero backup velero-objects-\d+ .*restored in .*\(restore-velero-objects-\d+-2\)/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
