/**
 * `npm run validate`: both stack files, the rules between them and the project file, offline (no
 * cloud, no Pulumi CLI: nothing is wired). Exit 0 when valid; 2 naming each file and key otherwise.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { runCli, type CliEnv } from "../../automation/cli";
import { PROJECT_DIR } from "./helpers";
import { tempDir } from "../harness/temp-dir";

const FILES = ["Pulumi.yaml", "Pulumi.primary.yaml", "Pulumi.dr.yaml"];

/** A copy of the project's Pulumi files, edited. */
function project(edit: (dir: string) => void = () => undefined): string {
  const dir = tempDir("validate");
  for (const f of FILES) fs.copyFileSync(path.join(PROJECT_DIR, f), path.join(dir, f));
  edit(dir);
  return dir;
}

function replaceIn(dir: string, file: string, from: string | RegExp, to: string) {
  const p = path.join(dir, file);
  const before = fs.readFileSync(p, "utf8");
  const after = before.replace(from, to);
  expect(after, `${file}: ${String(from)} not found`).to.not.equal(before);
  fs.writeFileSync(p, after);
}

async function validate(dir: string, json = false) {
  const out: string[] = [];
  const err: string[] = [];
  let wired = 0;
  const env: CliEnv = {
    stdout: { write: (s) => void out.push(s), isTTY: false },
    stderr: { write: (s) => void err.push(s), isTTY: false },
    stdinIsTTY: false,
    ask: async () => "",
    projectDir: dir,
    wire: async () => {
      wired++;
      throw new Error("validate must not build any port");
    },
  };
  const code = await runCli(json ? ["validate", "--json"] : ["validate"], env);
  expect(wired).to.equal(0);
  return { code, out: out.join(""), err: err.join("") };
}

describe("validate (offline)", () => {
  it("the committed stack files are valid: exit 0, one line naming both sites", async () => {
    const r = await validate(PROJECT_DIR);
    expect(r.code).to.equal(0);
    expect(r.out).to.match(
      /^valid: Pulumi\.dr\.yaml and Pulumi\.primary\.yaml: dr \(us-west-2, standby\); primary \(us-east-1, active, owner of global resources\)/,
    );
    expect(r.err).to.equal("");
  });

  it("--json prints the result as one JSON document", async () => {
    const r = await validate(PROJECT_DIR, true);
    expect(r.code).to.equal(0);
    const doc = JSON.parse(r.out);
    expect(doc.ok).to.equal(true);
    expect(doc.sites.map((s: { stack: string }) => s.stack)).to.deep.equal(["dr", "primary"]);
  });

  const broken: [string, (dir: string) => void, RegExp][] = [
    [
      "overlapping CIDRs between the sites",
      (d) => replaceIn(d, "Pulumi.dr.yaml", "eks-dr:vpcCidr: 10.1.0.0/16", "eks-dr:vpcCidr: 10.0.128.0/17"),
      /error: Pulumi\.dr\.yaml and Pulumi\.primary\.yaml: eks-dr:vpcCidr: 10\.0\.128\.0\/17 overlaps 10\.0\.0\.0\/16/,
    ],
    ["two active sites", (d) => replaceIn(d, "Pulumi.dr.yaml", "eks-dr:role: standby", "eks-dr:role: active"), /eks-dr:role: both sites are active/],
    ["a missing required key", (d) => replaceIn(d, "Pulumi.dr.yaml", /^ {2}eks-dr:region: .*\n/m, ""), /error: Pulumi\.dr\.yaml: eks-dr:region: /],
    [
      "a value outside its range",
      (d) => replaceIn(d, "Pulumi.primary.yaml", "eks-dr:azCount: 3", "eks-dr:azCount: 7"),
      /error: Pulumi\.primary\.yaml: eks-dr:azCount: /,
    ],
    [
      "a typo in a key",
      (d) => replaceIn(d, "Pulumi.primary.yaml", "eks-dr:rpoTargetSeconds:", "eks-dr:rpoTargetSecond:"),
      /eks-dr:rpoTargetSecond: is not a known key/,
    ],
    ["a peer that does not name this site", (d) => replaceIn(d, "Pulumi.dr.yaml", "eks-dr:peerStack: primary", "eks-dr:peerStack: dr2"), /eks-dr:peerStack/],
    [
      "default providers left enabled",
      (d) => replaceIn(d, "Pulumi.dr.yaml", /^ {4}- kubernetes\n/m, ""),
      /error: Pulumi\.dr\.yaml: pulumi:disable-default-providers: does not list kubernetes/,
    ],
    [
      "a YAML syntax error",
      (d) => replaceIn(d, "Pulumi.primary.yaml", "eks-dr:azCount: 3", "eks-dr:azCount: [3"),
      /error: Pulumi\.primary\.yaml: is not valid YAML at line \d+/,
    ],
    [
      "a project renamed away from its config namespace",
      (d) => replaceIn(d, "Pulumi.yaml", "name: eks-dr", "name: other"),
      /error: Pulumi\.yaml: name: is "other"/,
    ],
    [
      "a third stack file",
      (d) => fs.copyFileSync(path.join(d, "Pulumi.dr.yaml"), path.join(d, "Pulumi.dr2.yaml")),
      /exactly two sites and .* has 3 stack file\(s\)/,
    ],
  ];
  for (const [name, edit, pattern] of broken) {
    it(`${name}: exit 2 naming the file and key, with the fix`, async () => {
      const r = await validate(project(edit));
      expect(r.code).to.equal(2);
      expect(r.err).to.match(pattern);
      expect(r.err).to.match(/problem\(s\): fix them in the files named .* then run `npm run validate` again/);
      expect(r.out).to.equal("");
    });
  }

  it("--json with problems: exit 2, each problem with its file and key", async () => {
    const r = await validate(
      project((d) => replaceIn(d, "Pulumi.dr.yaml", "eks-dr:role: standby", "eks-dr:role: active")),
      true,
    );
    expect(r.code).to.equal(2);
    const doc = JSON.parse(r.out);
    expect(doc.ok).to.equal(false);
    expect(doc.problems).to.deep.include({ file: "Pulumi.dr.yaml and Pulumi.primary.yaml", key: "eks-dr:role", message: doc.problems[0].message });
  });
});
