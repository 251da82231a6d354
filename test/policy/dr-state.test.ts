/**
 * The DR state recorded in the stack files selects advisory vs mandatory for the policies that
 * depend on it: a healthy pair enforces everything; after an unplanned failover (replication off
 * on the active site) or with a Region of the pair listed as impaired, the replication policies are
 * reported without blocking. (On the real program's resources: test/policy/site-policies.test.ts.)
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { drFindings, relaxations } from "../../policy/lib/dr-state";
import { packConfigFor, StackFileProblem, writePackConfig } from "../../policy/lib/pack-config";
import { DR_POLICIES } from "../../policy/lib/policies";
import { REPO_ROOT } from "../../automation/sim/program/evaluate";
import { projectWith } from "../harness/project";

/** The project after an unplanned failover primary -> dr, as the driver leaves the stack files. */
const afterUnplannedFailover = () => projectWith({ primary: { role: "standby" }, dr: { role: "active", replicateToPeer: false } });

describe("DR state -> enforcement levels", () => {
  it("a healthy pair (the committed stack files) relaxes nothing", () => {
    for (const stack of ["primary", "dr"]) {
      const result = packConfigFor(REPO_ROOT, stack);
      expect(result.config).to.deep.equal({});
      expect(result.findings).to.deep.equal([]);
    }
  });

  it("after an unplanned failover both sites run the replication policies as advisory, naming the stack file that says so", () => {
    const dir = afterUnplannedFailover();
    for (const stack of ["primary", "dr"]) {
      const result = packConfigFor(dir, stack);
      expect(result.config).to.deep.equal({
        "efs-replication-follows-role": "advisory",
        "aurora-global-membership": "advisory",
        "active-site-backup-copied-to-peer": "advisory",
      });
      expect(result.relaxed[0].because).to.deep.equal([
        "Pulumi.dr.yaml records replicateToPeer: false on the active site (unplanned failover; failback turns it back on)",
      ]);
    }
  });

  it("replicateToPeer false on a standby records nothing (only the active site replicates)", () => {
    const dir = projectWith({ dr: { replicateToPeer: false } });
    expect(packConfigFor(dir, "dr").config).to.deep.equal({});
  });

  it("a Region of the pair listed as impaired relaxes the same policies; a Region outside the pair does not", () => {
    const impaired = projectWith({ dr: { impairedRegions: ["us-east-1"] } });
    const result = packConfigFor(impaired, "dr");
    expect(Object.keys(result.config)).to.deep.equal(["efs-replication-follows-role", "aurora-global-membership", "active-site-backup-copied-to-peer"]);
    expect(result.findings).to.deep.equal([{ condition: "region-impaired", reason: "Pulumi.dr.yaml lists us-east-1 (primary's Region) in impairedRegions" }]);
    expect(packConfigFor(projectWith({ dr: { impairedRegions: ["eu-west-1"] } }), "dr").config).to.deep.equal({});
  });

  it("only mandatory policies that list the condition are relaxed; the string form `pulumi config set` stores counts", () => {
    const findings = drFindings({ stack: "dr", config: { role: "active", replicateToPeer: "false", region: "us-west-2" } }, undefined);
    expect(findings.map((f) => f.condition)).to.deep.equal(["replication-paused"]);
    const relaxed = relaxations(DR_POLICIES, findings).map((r) => r.policy);
    expect(relaxed).to.deep.equal(["efs-replication-follows-role", "aurora-global-membership", "active-site-backup-copied-to-peer"]);
    for (const p of DR_POLICIES.filter((p) => !relaxed.includes(p.name))) expect(p.relaxedWhen ?? [], p.name).to.deep.equal([]);
  });

  it("writes the config as the engine reads it and refuses a stack file that dropped pulumi:disable-default-providers", () => {
    const dir = afterUnplannedFailover();
    const file = path.join(dir, "out", "dr.json");
    writePackConfig(dir, "dr", file);
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).to.deep.equal({
      "efs-replication-follows-role": "advisory",
      "aurora-global-membership": "advisory",
      "active-site-backup-copied-to-peer": "advisory",
    });

    const stackFile = path.join(dir, "Pulumi.primary.yaml");
    const doc = parse(fs.readFileSync(stackFile, "utf8")) as { config: Record<string, unknown> };
    doc.config["pulumi:disable-default-providers"] = ["kubernetes"];
    fs.writeFileSync(stackFile, stringify(doc));
    expect(() => packConfigFor(dir, "primary")).to.throw(
      StackFileProblem,
      /Pulumi\.primary\.yaml: pulumi:disable-default-providers does not list aws.*Fix: restore `pulumi:disable-default-providers: \[aws, kubernetes\]`/,
    );
    delete doc.config["pulumi:disable-default-providers"];
    fs.writeFileSync(stackFile, stringify(doc));
    expect(() => packConfigFor(dir, "primary")).to.throw(StackFileProblem, /does not list aws, kubernetes/);
    expect(() => packConfigFor(dir, "nope")).to.throw(StackFileProblem, /Pulumi\.nope\.yaml is not in/);
  });
});
