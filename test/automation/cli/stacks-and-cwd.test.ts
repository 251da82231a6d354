/**
 * Stack names and the project directory are not fixed: `--stack <site>=<stack>` (or
 * EKS_DR_STACKS) for organisation-qualified stacks, `--cwd` for the project. Bad values are
 * refused naming the flag, before anything else.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { runCli } from "../../../automation/cli";
import { PROJECT_DIR } from "../helpers";
import { harness, text } from "./harness";
import { tempDir } from "../../harness/temp-dir";

const run = ["failover", "--to", "dr", "--mode", "planned"];

/** A copy of the project's Pulumi files in a new directory. */
function projectCopy(edit?: (file: string, text: string) => string): string {
  const dir = tempDir("cwd");
  for (const f of ["Pulumi.yaml", "Pulumi.primary.yaml", "Pulumi.dr.yaml"]) {
    const body = fs.readFileSync(path.join(PROJECT_DIR, f), "utf8");
    fs.writeFileSync(path.join(dir, f), edit ? edit(f, body) : body);
  }
  return dir;
}

describe("cli: --stack and --cwd", () => {
  const bad: [string[], Record<string, string>, RegExp][] = [
    [[...run, "--stack", "primary"], {}, /option '--stack <site=stack>': "primary" is not <site>=<stack>; e\.g\. --stack primary=acme\/eks-dr\/primary/],
    [[...run, "--stack", "prod=acme/prod"], {}, /option '--stack <site=stack>': "prod" is not a site of this project; its sites are dr, primary/],
    [[...run, "--stack", "primary=acme/eks-dr/dr"], {}, /option '--stack <site=stack>': the stack for site "primary" must end in \/primary/],
    [
      [...run, "--stack", "primary=acme/other/primary"],
      {},
      /option '--stack <site=stack>': "acme\/other\/primary" names project "other", and this project is "eks-dr"/,
    ],
    [[...run, "--stack", "primary=ac me/primary"], {}, /option '--stack <site=stack>': "ac me\/primary" is not a Pulumi stack name/],
    [[...run, "--stack", "primary=a/b/c/primary"], {}, /is not a Pulumi stack name/],
    [[...run, "--stack", "primary=acme/primary", "--stack", "primary=other/primary"], {}, /site "primary" is given twice/],
    [
      [...run, "--stack", "primary=acme/primary", "--sim"],
      {},
      /option '--stack <site=stack>' selects stacks in a Pulumi backend; the simulated Regions have none/,
    ],
    [run, { EKS_DR_STACKS: "primary=acme/eks-dr/primary,dr=acme/eks-dr/primary" }, /EKS_DR_STACKS: the stack for site "dr" must end in \/dr/],
    [[...run, "--cwd", "/nonexistent/eks-dr"], {}, /option '--cwd <dir>' argument '\/nonexistent\/eks-dr' is invalid\. \/nonexistent\/eks-dr does not exist/],
    [[...run, "--cwd", path.join(PROJECT_DIR, "package.json")], {}, /option '--cwd <dir>' argument .* is not a directory/],
    [[...run, "--cwd", os.tmpdir()], {}, /option '--cwd <dir>' argument .* has no Pulumi\.yaml/],
  ];
  for (const [argv, vars, pattern] of bad) {
    it(`${Object.entries(vars)
      .map(([k, v]) => `${k}=${v} `)
      .join("")}${argv.slice(4).join(" ")}: exit 2, the flag named, before the terminal check`, async () => {
      const h = harness({ tty: false, vars });
      expect(await runCli(argv, h.env)).to.equal(2);
      expect(text(h.err))
        .to.match(pattern)
        .and.not.match(/stdin is not a terminal/);
      expect(h.wired).to.have.length(0);
    });
  }

  it("--cwd validates the stack files of that directory", async () => {
    const dir = projectCopy((f, body) => (f === "Pulumi.dr.yaml" ? body.replace(/eks-dr:vpcCidr: 10\.1\.0\.0\/16/, "eks-dr:vpcCidr: not-a-cidr") : body));
    const h = harness();
    expect(await runCli(["validate", "--cwd", dir], h.env)).to.equal(2);
    expect(text(h.err)).to.match(/Pulumi\.dr\.yaml: eks-dr:vpcCidr/);
    expect(await runCli(["validate"], harness().env)).to.equal(0);
  });

  it("--cwd is repeated in the command that resumes a run", async () => {
    const dir = projectCopy();
    const journal = path.join(dir, "journal.jsonl");
    const h = harness();
    expect(await runCli([...run, "--sim", "--yes", "--cwd", dir, "--journal", journal, "--sim-crash-after", "scale-nodes-web"], h.env)).to.equal(1);
    expect(h.wired[0].opts.projectDir).to.equal(dir);
    expect(text(h.err)).to.include(`npm run failover -- --to dr --mode planned --cwd ${dir} --journal ${journal} --sim --take-over`);
  });

  describe("on the real path, Pulumi selects the mapped stacks", () => {
    let bin: string;
    let log: string;
    const savedPath = process.env.PATH;
    before(() => {
      bin = tempDir("pulumi-log");
      log = path.join(bin, "calls.log");
      // A stand-in Pulumi CLI that records its arguments; its config is empty, so the run stops at
      // the config check (exit 2) after selecting the stacks.
      fs.writeFileSync(
        path.join(bin, "pulumi"),
        `#!/bin/sh\necho "$*" >> '${log}'\ncase "$1" in version) echo v3.248.0 ;; config) echo '{}' ;; *) exit 0 ;; esac\n`,
        { mode: 0o755 },
      );
      process.env.PATH = `${bin}${path.delimiter}${savedPath}`;
    });
    after(() => {
      process.env.PATH = savedPath;
    });

    it("--stack primary=acme/eks-dr/primary and EKS_DR_STACKS for dr: both qualified names are selected", async () => {
      const h = harness({ vars: { EKS_DR_STACKS: "dr=acme/eks-dr/dr primary=other/eks-dr/primary" } });
      const code = await runCli(["status", "--stack", "primary=acme/eks-dr/primary", "--journal", path.join(bin, "j.jsonl")], h.env);
      expect(code).to.equal(2);
      const calls = fs.readFileSync(log, "utf8");
      expect(calls)
        .to.match(/--stack acme\/eks-dr\/primary/)
        .and.match(/--stack acme\/eks-dr\/dr/);
      expect(calls)
        .not.to.match(/--stack other\//)
        .and.not.match(/--stack (primary|dr)\b/);
    });
  });
});
