/**
 * The Automation API adapter on the real path, without a Pulumi CLI: a fake `pulumi` (a shell
 * script where `PulumiCommand.get({ root })` looks) or none at all, and a fake workspace for `up`.
 * Every failure a user meets first becomes one SetupError line with the cause and the fix.
 */
import type { ConfigMap } from "@pulumi/pulumi/automation";
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { type AutomationStack, PulumiStacks } from "../../../automation/adapters/pulumi-stacks";
import { SetupError } from "../../../automation/errors";
import { fakePulumiCli, noPulumiCli } from "./fake-pulumi-cli";

const PROJECT_DIR = path.resolve(__dirname, "../../..");

async function setupError(p: Promise<unknown>): Promise<SetupError> {
  try {
    await p;
  } catch (err) {
    expect(err, String(err)).to.be.instanceOf(SetupError);
    return err as SetupError;
  }
  throw new Error("expected a SetupError");
}

/** One line, naming a cause and a fix, none of the Automation API's raw dump. */
function expectOneClearLine(err: SetupError) {
  expect(err.message.split("\n")).to.have.length(1);
  expect(err.message).to.contain(". Fix: ");
  expect(err.message).to.not.match(/code: -?\d|stdout:|err\?:/);
}

/** The stack file's config as `pulumi config --json` prints it. */
function configJson(stack: string): ConfigMap {
  const doc = parse(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
  return Object.fromEntries(Object.entries(doc.config).map(([k, v]) => [k, { value: typeof v === "string" ? v : JSON.stringify(v), secret: false }]));
}

describe("PulumiStacks: failures met before anything works", function () {
  // Spawns a shell script a few times: slower than an in-process fake, still well under a second.
  this.timeout(20_000);

  it("no Pulumi CLI: names it and the install command", async () => {
    const stacks = new PulumiStacks({ projectDir: PROJECT_DIR, pulumiRoot: noPulumiCli() });
    const err = await setupError(stacks.readConfig("dr"));
    expect(err.kind).to.equal("pulumi-cli-missing");
    expect(err.message)
      .to.match(/Pulumi CLI is not installed or not on PATH/)
      .and.match(/get\.pulumi\.com/);
    expectOneClearLine(err);
  });

  it("a CLI older than the driver needs: names both versions and the upgrade", async () => {
    const stacks = new PulumiStacks({ projectDir: PROJECT_DIR, pulumiRoot: fakePulumiCli({ version: "3.150.0" }) });
    const err = await setupError(stacks.readConfig("dr"));
    expect(err.kind).to.equal("pulumi-cli-too-old");
    expect(err.message)
      .to.match(/Pulumi CLI 3\.150\.0 is older than 3\.158\.0/)
      .and.match(/up --exclude/);
    expectOneClearLine(err);
  });

  it("a CLI recent enough works through the real Automation API", async () => {
    const stacks = new PulumiStacks({ projectDir: PROJECT_DIR, pulumiRoot: fakePulumiCli({ version: "3.158.0", config: { dr: configJson("dr") } }) });
    expect((await stacks.readConfig("dr")).region).to.equal("us-west-2");
  });

  it("not logged in to a backend: says so and gives `pulumi login`", async () => {
    const root = fakePulumiCli({ stackSelectError: "error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions" });
    const err = await setupError(new PulumiStacks({ projectDir: PROJECT_DIR, pulumiRoot: root }).outputs("primary"));
    expect(err.kind).to.equal("pulumi-not-logged-in");
    expect(err.message).to.match(/pulumi login/);
    expectOneClearLine(err);
  });

  it("a stack not initialised in the backend: gives `pulumi stack init <stack>`", async () => {
    const root = fakePulumiCli({ stackSelectError: "error: no stack named 'dr' found" });
    const err = await setupError(new PulumiStacks({ projectDir: PROJECT_DIR, pulumiRoot: root }).readConfig("dr"));
    expect(err.kind).to.equal("stack-not-initialised");
    expect(err.message)
      .to.match(/pulumi stack init dr/)
      .and.match(/Pulumi\.dr\.yaml/);
    expectOneClearLine(err);
  });

  describe("during up (fake workspace)", () => {
    const commandError = (stderr: string) =>
      Object.assign(new Error(`code: 255\n stdout: \n stderr: ${stderr}\n err?: `), { name: "CommandError", commandResult: { code: 255, stdout: "", stderr } });
    const stacksFailingUp = (stderr: string) =>
      new PulumiStacks({
        projectDir: PROJECT_DIR,
        selectStack: async () =>
          ({
            up: async () => {
              throw commandError(stderr);
            },
          }) as unknown as AutomationStack,
      });

    it("a peer stack missing from the backend: names it and `pulumi stack init`", async () => {
      const err = await setupError(stacksFailingUp('error: Preview failed: unknown stack "my-org/eks-dr/dr"').up("primary"));
      expect(err.kind).to.equal("peer-stack-missing");
      expect(err.message)
        .to.match(/peer "my-org\/eks-dr\/dr"/)
        .and.match(/pulumi stack init dr/)
        .and.match(/npm run deploy/);
      expectOneClearLine(err);
    });

    it("pulumi-aws without AWS credentials: the credentials fix, not a raw dump", async () => {
      const err = await setupError(
        stacksFailingUp("error: pulumi:providers:aws resource 'aws-us-east-1' has a problem: No valid credential sources found.").up("primary"),
      );
      expect(err.kind).to.equal("aws-no-credentials");
      expect(err.message).to.match(/aws sso login/);
      expectOneClearLine(err);
    });

    it("any other failure keeps naming the stack, with the CLI's error lines only", async () => {
      const err = await stacksFailingUp("Updating (primary)\nerror: update failed: rds: InvalidParameterValue")
        .up("primary")
        .catch((e: Error) => e);
      expect(err).to.not.be.instanceOf(SetupError);
      expect((err as Error).message).to.equal('pulumi up on stack "primary" failed: error: update failed: rds: InvalidParameterValue');
    });
  });
});
