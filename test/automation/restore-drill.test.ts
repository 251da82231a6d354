import { expect } from "chai";
import { runCli } from "../../automation/cli";
import { AGREEMENT, runRestoreDrill } from "../../automation/restore-drill";
import { wire } from "../../automation/wiring";
import { PROJECT_DIR } from "./helpers";
import { harness } from "./cli/harness";

describe("drill --tier backup-restore", function () {
  this.timeout(60_000);

  it("reports an RTO and per-store RPOs that agree with the simulation's own measurement", async () => {
    const w = await wire({ projectDir: PROJECT_DIR, sim: true, seed: 4 });
    const d = await runRestoreDrill(w);
    expect(d.report.outcome).to.equal("succeeded");
    expect(d.simulation.dataLoss.map((l) => l.kind).sort()).to.deep.equal(["aurora", "efs"]);
    for (const l of d.simulation.dataLoss) {
      const reported = d.restore!.points[l.kind === "efs" ? "EFS" : "Aurora"]!.rpoMs;
      expect(Math.abs(reported - l.lostWindowMs)).to.be.at.most(AGREEMENT.rpoMs);
      expect(l.lostWrites).to.be.greaterThan(0);
    }
    expect(Math.abs(d.report.rto!.ms - d.simulation.rtoMs!)).to.be.at.most(AGREEMENT.rtoMs);
    // us-east-1 lost: Route 53's API does not answer, so the wait (and the simulation) ends when dr first served.
    expect(d.simulation.healthCheckRequired).to.equal(false);
    const served = w.sim!.world.servingLog("dr").find((e) => e.serving && e.at >= Date.parse(d.simulation.incidentAt))!;
    expect(d.simulation.rtoMs).to.equal(served.at - Date.parse(d.simulation.incidentAt));
    // The Kubernetes objects: the backup the driver chose is the one the simulated cluster restored.
    const velero = d.restore!.velero as { backupName: string; restoreMs: number };
    expect(d.simulation.veleroRestore).to.deep.include({ backupName: velero.backupName, phase: "Completed" });
    expect(d.simulation.veleroRestore!.durationMs).to.be.greaterThan(0).and.at.most(velero.restoreMs);
    expect(d.simulation.agrees).to.equal(true);
  });

  it("through the CLI: exit 0, the timeline, each store's RPO and the agreement line", async () => {
    const h = harness();
    expect(await runCli(["drill", "--tier", "backup-restore", "--seed", "2"], h.env)).to.equal(0);
    const text = h.out.join("");
    expect(text)
      .to.match(/backup-restore tier/)
      .and.match(/RPO EFS: /)
      .and.match(/RPO Aurora: /)
      .and.match(/Kubernetes objects: Velero backup velero-objects-\d{14} \(completed .*\), restored in /)
      .and.match(/Velero in dr restored velero-objects-\d{14}: Completed in /)
      .and.match(/driver and simulation agree/);
  });
});
