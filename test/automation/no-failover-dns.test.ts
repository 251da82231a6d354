/**
 * A pair without failover DNS (no `eks-dr:dns` block) can still fail over, but nothing moves its
 * users: `status` and the failover report say so as a warning instead of a silent READY.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { runCli, type CliEnv } from "../../automation/cli";
import { wire } from "../../automation/wiring";
import { PROJECT_DIR } from "./helpers";
import { tempDir } from "../harness/temp-dir";

/** The project's stack files without their `eks-dr:dns` blocks. */
function projectWithoutDns(): string {
  const dir = tempDir("nodns");
  fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  for (const stack of ["primary", "dr"]) {
    const doc = parse(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    delete doc.config["eks-dr:dns"];
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stringify(doc));
  }
  return dir;
}

async function cli(dir: string, argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const env: CliEnv = {
    stdout: { write: (s) => void out.push(s), isTTY: false },
    stderr: { write: (s) => void err.push(s), isTTY: false },
    stdinIsTTY: false,
    ask: async () => "",
    projectDir: dir,
    wire,
  };
  const code = await runCli(argv, env);
  return { code, out: out.join(""), err: err.join("") };
}

describe("a pair without failover DNS", () => {
  const dir = projectWithoutDns();

  it("status: ready, but the headline and a warning say that no failover DNS moves the users", async () => {
    const r = await cli(dir, ["status", "--sim"]);
    expect(r.code).to.equal(0);
    const lines = r.out.split("\n");
    expect(lines[0]).to.match(/^Readiness READY with 1 warning \(failover dns\)/);
    expect(r.out).to.match(
      /^ {2}! failover dns: none: no eks-dr:dns in Pulumi\.dr\.yaml or Pulumi\.primary\.yaml.*users keep resolving to the old site.*set eks-dr:dns\.hostedZoneId and eks-dr:dns\.hostname in both files/m,
    );
  });

  it("status --json: the warning is a check, the pair stays ready", async () => {
    const r = await cli(dir, ["status", "--sim", "--json"]);
    expect(r.code).to.equal(0);
    const doc = JSON.parse(r.out);
    expect(doc.readiness.ready).to.equal(true);
    expect(doc.readiness.checks).to.deep.include({
      name: "failover dns",
      ok: false,
      severity: "warning",
      neededFor: "both",
      detail: doc.readiness.checks.find((c: { name: string }) => c.name === "failover dns").detail,
    });
  });

  it("the failover report says that no DNS record moved to the new site", async () => {
    const r = await cli(dir, ["drill"]);
    expect(r.code).to.equal(0);
    const failover = r.out.slice(r.out.indexOf("Unplanned failover"), r.out.indexOf("Failback"));
    expect(failover).to.match(
      /^ {2}DNS: no failover record \(no eks-dr:dns\): users still resolve to what they resolved before; point the application's name at dr's load balancer, \S+\.us-west-2\.elb\.amazonaws\.com$/m,
    );
  });

  it("the simulation's users are not served by the new site: their name still points at the old one", async () => {
    const r = await cli(dir, ["drill", "--json"]);
    expect(r.code).to.equal(0);
    const d = JSON.parse(r.out);
    const firstOutage = d.simulation.userOutages[0];
    // dr serving does not end it: only the old site serving again (at the failback) does.
    expect(Date.parse(firstOutage.to)).to.be.greaterThan(Date.parse(d.failback.startedAt));
    expect(d.failover.users).to.equal(undefined);
  });

  it("with DNS configured, neither says anything about it", async () => {
    const r = await cli(PROJECT_DIR, ["status", "--sim"]);
    expect(r.out.split("\n")[0]).to.match(/^Readiness READY \(/);
    expect(r.out).to.not.match(/failover dns/);
  });
});
