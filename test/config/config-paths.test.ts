/**
 * One stack file mistake, the same answer on every path that reads the stack files: the program
 * (`pulumi up`, which reads its peer's file), `npm run validate`, and the driver on the simulated
 * Regions (`--sim`). Each names the file, the key and the fix in the same `file: key: message`
 * form, and exits 2 before anything runs.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { runCli, type CliEnv } from "../../automation/cli";
import { wire } from "../../automation/wiring";
import { ConfigError } from "../../stacks/config";
import { readStackFileConfig } from "../../stacks/stack-files";
import { EvaluationError, evaluateSite, REPO_ROOT } from "../../automation/sim/program/evaluate";
import { tempDir } from "../harness/temp-dir";

const FILES = ["Pulumi.yaml", "Pulumi.primary.yaml", "Pulumi.dr.yaml"];

/** A copy of the project's Pulumi files with one text replaced. */
function projectWith(file: string, from: string | RegExp, to: string): string {
  const dir = tempDir("paths");
  for (const f of FILES) fs.copyFileSync(path.join(REPO_ROOT, f), path.join(dir, f));
  const p = path.join(dir, file);
  const before = fs.readFileSync(p, "utf8");
  const after = before.replace(from, to);
  expect(after, `${file}: ${String(from)} not found`).to.not.equal(before);
  fs.writeFileSync(p, after);
  return dir;
}

async function cli(dir: string, argv: string[]): Promise<{ code: number; out: string; err: string }> {
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

async function programError(stack: string, dir: string, overrides: Record<string, unknown> = {}): Promise<EvaluationError> {
  const err = await evaluateSite({ stack, projectDir: dir, overrides }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "the program must refuse").to.be.instanceOf(EvaluationError);
  expect((err as EvaluationError).cloud.resources, "resources registered before the config error").to.have.length(0);
  return err as EvaluationError;
}

interface Mistake {
  title: string;
  file: string;
  from: string | RegExp;
  to: string;
  /** The line every path prints, after `error: ` on the command line. */
  line: RegExp;
  /** The stack whose program run meets the mistake (its own file comes from Pulumi, its peer's from disk). */
  programStack: string;
  programOverrides?: Record<string, unknown>;
}

const mistakes: Mistake[] = [
  {
    title: "a YAML syntax error in the peer's file",
    file: "Pulumi.dr.yaml",
    from: "eks-dr:azCount: 3",
    to: "eks-dr:azCount: [3",
    line: /Pulumi\.dr\.yaml: is not valid YAML at line \d+, column \d+: /,
    programStack: "primary",
  },
  {
    title: "a key without the project's namespace",
    file: "Pulumi.primary.yaml",
    from: "eks-dr:region: us-east-1",
    to: "region: us-east-1",
    line: /Pulumi\.primary\.yaml: region: has no namespace, and Pulumi refuses a stack file with such a key.*write it eks-dr:region/,
    programStack: "dr",
  },
  {
    title: "a misspelled namespace",
    file: "Pulumi.primary.yaml",
    from: "eks-dr:role: active",
    to: "eks_dr:role: active",
    line: /Pulumi\.primary\.yaml: eks_dr:role: is in namespace eks_dr, which no package reads; did you mean eks-dr:role\?/,
    programStack: "dr",
  },
  {
    title: "two active sites (a rule between the files)",
    file: "Pulumi.dr.yaml",
    from: "eks-dr:role: standby",
    to: "eks-dr:role: active",
    line: /Pulumi\.dr\.yaml and Pulumi\.primary\.yaml: eks-dr:role: both sites are active/,
    programStack: "dr",
    programOverrides: { role: "active" },
  },
];

describe("config mistakes on every path", () => {
  for (const m of mistakes) {
    describe(m.title, () => {
      const dir = projectWith(m.file, m.from, m.to);

      it("validate: exit 2 with the file and key", async () => {
        const r = await cli(dir, ["validate"]);
        expect(r.code).to.equal(2);
        expect(r.err).to.match(new RegExp(`^error: ${m.line.source}`, "m"));
      });

      it("the driver on the simulated Regions (--sim): exit 2 with the same line, nothing run", async () => {
        const r = await cli(dir, ["status", "--sim"]);
        expect(r.code).to.equal(2);
        expect(r.err).to.match(new RegExp(`^error: ${m.line.source}`, "m"));
        expect(r.out).to.equal("");
      });

      it("the program: refuses before any resource, with the same line", async () => {
        const err = await programError(m.programStack, dir, m.programOverrides);
        expect(err.cause).to.be.instanceOf(ConfigError);
        expect(err.message).to.match(new RegExp(`^  ${m.line.source}`, "m"));
      });
    });
  }

  it("readStackFileConfig refuses a file Pulumi would refuse, naming the file, line and key", () => {
    const dir = projectWith("Pulumi.dr.yaml", "eks-dr:azCount: 3", "eks-dr:azCount: [3");
    expect(() => readStackFileConfig(dir, "dr")).to.throw(ConfigError, /Pulumi\.dr\.yaml: is not valid YAML at line \d+/);
    const bare = projectWith("Pulumi.dr.yaml", "eks-dr:region: us-west-2", "region: us-west-2");
    expect(() => readStackFileConfig(bare, "dr")).to.throw(ConfigError, /Pulumi\.dr\.yaml: region: has no namespace/);
  });

  it("accepts Pulumi's older <namespace>:config:<name> form as the same key", () => {
    const dir = projectWith("Pulumi.dr.yaml", "eks-dr:azCount: 3", "eks-dr:config:azCount: 2");
    expect(readStackFileConfig(dir, "dr")!.azCount).to.equal(2);
  });
});
