/**
 * Help that behaves like the tools operators know: --version, required flags marked, examples and
 * the exit codes in every command's help.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { runCli } from "../../../automation/cli";
import { PROJECT_DIR } from "../helpers";
import { harness, text } from "./harness";

const COMMANDS = ["validate", "deploy", "status", "failover", "failback", "drill"];

describe("cli: help and version", () => {
  it("--version prints the package version and exits 0", async () => {
    const h = harness();
    expect(await runCli(["--version"], h.env)).to.equal(0);
    const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")) as { version: string };
    expect(text(h.out).trim()).to.equal(pkg.version);
  });

  for (const cmd of COMMANDS) {
    it(`${cmd} --help lists the exit codes and at least one example`, async () => {
      const h = harness();
      expect(await runCli([cmd, "--help"], h.env)).to.equal(0);
      const help = text(h.out);
      expect(help)
        .to.match(/Exit codes:/)
        .and.match(/^\s+0 /m)
        .and.match(/^\s+2 /m);
      if (cmd !== "validate") expect(help).to.match(/^\s+1 /m);
      expect(help).to.match(/Examples:\n\s+npm run /);
    });
  }

  it("failover --help marks --to and --mode as required", async () => {
    const h = harness();
    await runCli(["failover", "--help"], h.env);
    const help = text(h.out);
    expect(help).to.match(/--to <stack>\s+.*\(required\)/);
    expect(help).to.match(/--mode <mode>\s+.*\(required\)/s);
    expect(help).not.to.match(/--yes.*\(required\)/);
  });
});
