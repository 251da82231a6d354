/** `npm run restore` through the CLI on the simulated Regions: exit codes, refusals, JSON, dry run. */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { runCli } from "../../automation/cli";
import { harness } from "./cli/harness";
import { tempDir } from "../harness/temp-dir";

describe("cli restore", function () {
  this.timeout(60_000);

  for (const [argv, pattern] of [
    [["restore", "--to", "dr", "--point", "yesterday", "--yes", "--sim"], /option '--point <latest\|time>' argument 'yesterday' is invalid.*ISO 8601/s],
    [["restore", "--to", "dr", "--max-skew", "soon", "--yes", "--sim"], /option '--max-skew <duration>' argument 'soon' is invalid/],
    [["restore", "--to", "primary", "--in-place", "--sim"], /--in-place switches primary to data restored.*confirm with --yes/s],
    [["restore", "--to", "nope", "--yes", "--sim"], /option '--to <stack>': unknown stack "nope"/],
    [["restore", "--to", "primary", "--yes", "--sim"], /primary is the active site; to restore its data in place use --in-place --yes/],
  ] as [string[], RegExp][]) {
    it(`${argv.join(" ")}: exit 2, nothing restored`, async () => {
      const h = harness();
      expect(await runCli(argv, h.env)).to.equal(2);
      expect(h.err.join("")).to.match(pattern);
      for (const { wiring: w } of h.wired) expect(w.sim!.world.restoreJobs()).to.deep.equal([]);
    });
  }

  it("inconsistent recovery points: exit 2 naming them, no restore job, no config change", async () => {
    const h = harness({ beforeRun: (w) => w.sim!.world.dropNewestBackupCopy("us-west-2", "Aurora") });
    expect(await runCli(["restore", "--to", "dr", "--yes", "--sim"], h.env)).to.equal(2);
    expect(h.err.join(""))
      .to.match(/not consistent with each other/)
      .and.match(/--point \d{4}-/);
    const w = h.wired[0].wiring;
    expect(w.sim!.world.restoreJobs()).to.deep.equal([]);
    expect((await w.stacks.readConfig("dr")).role).to.equal("standby");
  });

  it("--dry-run prints the plan and changes nothing; --json gives the report with each store's point and RPO", async () => {
    const dry = harness();
    expect(await runCli(["restore", "--to", "dr", "--dry-run", "--sim"], dry.env)).to.equal(0);
    expect(dry.out.join(""))
      .to.match(/DRY RUN/)
      .and.match(/restore-db/)
      .and.match(/add-db-instances/)
      .and.match(/create-global-cluster/)
      .and.match(/CreateGlobalCluster in us-west-2/)
      .and.match(/made the writer of a new global database/)
      .and.not.match(/outside the global database/);
    expect(dry.wired[0].wiring.sim!.world.restoreJobs()).to.deep.equal([]);
    expect(dry.wired[0].wiring.sim!.world.sideEffects("CreateGlobalCluster")).to.deep.equal([]);

    const h = harness();
    expect(await runCli(["restore", "--to", "dr", "--yes", "--sim", "--json", "--incident-at", "2025-01-01T00:00:00Z"], h.env)).to.equal(0);
    const report = JSON.parse(h.out.join(""));
    expect(report.outcome).to.equal("succeeded");
    expect(report.restore.incidentAt).to.equal("2025-01-01T00:00:00.000Z");
    for (const t of ["EFS", "Aurora"])
      expect(report.restore.points[t].rpoMs).to.equal(Date.parse("2025-01-01T00:00:00Z") - Date.parse(report.restore.points[t].createdAt));
  });

  it("a crash rehearsed with --journal prints the command that resumes it, flags included, and that command finishes the restore", async () => {
    const dir = tempDir("restore-cli");
    const journal = path.join(dir, "journal.jsonl");
    // The crashed driver ran as another process, one that is gone now.
    const first = harness();
    first.env.pid = 2 ** 22 + 77;
    const argv = ["restore", "--to", "dr", "--max-skew", "30m", "--yes", "--sim", "--journal", journal, "--sim-crash-after", "restore-files"];
    expect(await runCli(argv, first.env)).to.equal(1);
    const resume = /Rehearse the resume: `npm run (.*)`/.exec(first.err.join(""))![1];
    expect(resume).to.include("--max-skew 1800s").and.include("--take-over");
    const second = harness();
    // The operator answers the prompt on a terminal; here --yes does.
    const words = [...resume.replace(" -- ", " ").split(" "), "--yes"];
    expect(await runCli(words, second.env), second.err.join("")).to.equal(0);
    expect(second.out.join(""))
      .to.match(/SUCCEEDED .*\(2 attempts\)/)
      .and.match(/RPO Aurora: /);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("refuses when the target Region does not answer (exit 2), before anything changes", async () => {
    const h = harness({ beforeRun: (w) => w.sim!.faults.impairRegion("dr") });
    expect(await runCli(["restore", "--to", "dr", "--yes", "--sim"], h.env)).to.equal(2);
    expect(h.err.join("")).to.match(/us-west-2 \(dr\) does not answer/);
    expect(h.wired[0].wiring.sim!.world.restoreJobs()).to.deep.equal([]);
  });

  it("--require-velero without a Velero backup as old as the recovery points: exit 2 naming it, nothing restored; --help lists the flag", async () => {
    const h = harness();
    // Velero keeps 30 days, AWS Backup 35: the points of 2024-11-30 have no Velero backup as old.
    expect(await runCli(["restore", "--to", "dr", "--point", "2024-11-30T06:00:00Z", "--require-velero", "--yes", "--sim"], h.env)).to.equal(2);
    expect(h.err.join("")).to.match(/--require-velero: no Completed Velero backup in dr-velero-\S+ \(us-west-2\) finished at or before the recovery points/);
    expect(h.wired[0].wiring.sim!.world.restoreJobs()).to.deep.equal([]);
    expect(h.wired[0].wiring.sim!.world.veleroRestores()).to.deep.equal([]);

    const dry = harness();
    expect(await runCli(["restore", "--to", "dr", "--dry-run", "--sim"], dry.env)).to.equal(0);
    expect(dry.out.join(""))
      .to.match(/select-velero-backup/)
      .and.match(/restore-objects <- .*converge-up-target/)
      .and.match(/note: Kubernetes objects: Velero backup velero-objects-20241231045000 \(completed 2024-12-31T04:5/)
      .and.match(/dr: veleroRestore.backupName=<the Velero backup chosen>/);

    const help = harness();
    await runCli(["restore", "--help"], help.env);
    expect(help.out.join("")).to.match(/--require-velero\s+refuse \(exit 2\) unless a Completed Velero backup/);
  });
});
