/**
 * The confirmation shows what the run acts on (AWS account, Pulumi backend, stacks) and proceeds
 * only when the operator types the name of the site that becomes active.
 */
import * as path from "node:path";
import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { runCli } from "../../../automation/cli";
import { callerIdentity, describeCaller } from "../../../automation/cli/identity";
import { targetLines } from "../../../automation/cli/confirm";
import { runTarget } from "../../../automation/cli/run-target";
import { plannedFailoverPlan } from "../../../automation/plan/plans";
import { loadPair } from "../../../automation/plan/sites";
import { createSimulation } from "../../../automation/sim";
import { simWiring } from "../../../automation/wiring";
import { PROJECT_DIR } from "../helpers";
import { harness, text } from "./harness";
import { tempDir } from "../../harness/temp-dir";

describe("cli: typed confirmation", () => {
  for (const answer of ["y", "yes", "Dr"]) {
    it(`answering "${answer}" cancels a failover to dr: nothing changes, exit 2`, async () => {
      const h = harness({ tty: true, answer });
      expect(await runCli(["failover", "--to", "dr", "--mode", "planned", "--sim"], h.env)).to.equal(2);
      expect(h.asked).to.deep.equal(["Type the name of the site that becomes active (dr) to proceed: "]);
      expect(text(h.err)).to.match(/Cancelled at the confirmation prompt; nothing was changed/);
      expect(h.wired[0].wiring.sim!.world.sideEffects()).to.deep.equal([]);
    });
  }

  it("deploy (no site becomes active) asks for yes in full: y cancels", async () => {
    const h = harness({ tty: true, answer: "y" });
    expect(await runCli(["deploy", "--sim"], h.env)).to.equal(2);
    expect(h.asked).to.deep.equal(["Type yes to proceed: "]);
    expect(text(h.out)).to.match(/stacks: +dr \(us-west-2, standby\), primary \(us-east-1, active\)/);
    expect(h.wired[0].wiring.sim!.world.calls({ api: "pulumi:up" })).to.deep.equal([]);
  });

  it("typing the target's name runs the failover", async () => {
    const h = harness({ tty: true, answer: " dr " });
    expect(await runCli(["failover", "--to", "dr", "--mode", "planned", "--sim", "--seed", "5"], h.env)).to.equal(0);
    expect(h.wired[0].wiring.sim!.world.writer()).to.equal("dr");
  });

  it("the confirmation names the AWS account, the Pulumi backend and the stacks it touches", async () => {
    const h = harness({ tty: true, answer: "no" });
    await runCli(["failover", "--to", "dr", "--mode", "planned", "--sim"], h.env);
    const out = text(h.out);
    expect(out).to.match(/AWS account: +123456789012 \(arn:aws:iam::123456789012:role\/eks-dr-operator, simulated\)/);
    expect(out).to.match(/Pulumi backend: +simulated, in this process only/);
    expect(out).to.match(/stacks: +primary \(us-east-1, active\), dr \(us-west-2, standby\)/);
  });

  it("failback asks for the old site's name (the one that becomes active again)", async () => {
    const journal = path.join(tempDir("confirm"), "journal.jsonl");
    expect(await runCli(["failover", "--to", "dr", "--mode", "planned", "--sim", "--yes", "--journal", journal], harness().env)).to.equal(0);
    const h = harness({ tty: true, answer: "dr" });
    expect(await runCli(["failback", "--sim", "--journal", journal], h.env)).to.equal(2);
    expect(h.asked).to.deep.equal(["Type the name of the site that becomes active (primary) to proceed: "]);
    expect(text(h.out))
      .to.match(/stacks: +dr \(us-west-2, active\), primary \(us-east-1, standby\)/)
      .and.match(/Pulumi backend: +simulated, saved beside /);
  });

  it("on the real path the confirmation names the caller's account, the backend Pulumi would use and the qualified stacks", async () => {
    const sim = await createSimulation({ seed: 1 });
    const real = { ...simWiring(sim), sim: undefined };
    const plan = plannedFailoverPlan(await loadPair(sim.stacks, "dr"));
    const asked: string[] = [];
    const target = await runTarget(real, plan, {
      projectDir: PROJECT_DIR,
      vars: { PULUMI_BACKEND_URL: "s3://acme-pulumi-state?region=eu-central-1" },
      stackName: (s) => `acme/eks-dr/${s}`,
      identity: async (region) => (asked.push(region), { account: "111122223333", arn: "arn:aws:sts::111122223333:assumed-role/ops/alice" }),
    });
    expect(asked, "STS is asked in the target's Region").to.deep.equal(["us-west-2"]);
    expect(targetLines(target)).to.deep.equal([
      "AWS account:    111122223333 (arn:aws:sts::111122223333:assumed-role/ops/alice)",
      "Pulumi backend: s3://acme-pulumi-state?region=eu-central-1 (from PULUMI_BACKEND_URL)",
      "stacks:         acme/eks-dr/primary (us-east-1, active), acme/eks-dr/dr (us-west-2, standby)",
    ]);
  });

  describe("the account on the real path: STS GetCallerIdentity in the target's Region", () => {
    const sts = mockClient(STSClient);
    afterEach(() => sts.reset());
    after(() => sts.restore());

    it("reads the account and ARN", async () => {
      sts.on(GetCallerIdentityCommand).resolves({ Account: "111122223333", Arn: "arn:aws:sts::111122223333:assumed-role/ops/alice", UserId: "x" });
      expect(await callerIdentity("us-west-2", { timeoutMs: 1000 })).to.deep.equal({
        account: "111122223333",
        arn: "arn:aws:sts::111122223333:assumed-role/ops/alice",
      });
      expect(await sts.call(0).thisValue.config.region()).to.equal("us-west-2");
    });

    it("an STS failure shows as unknown with its cause, and does not stop the confirmation", async () => {
      sts.on(GetCallerIdentityCommand).rejects(Object.assign(new Error("The security token included in the request is expired"), { name: "ExpiredToken" }));
      expect(await describeCaller(() => callerIdentity("us-west-2", { timeoutMs: 1000 }))).to.match(/^unknown: .*expired/);
    });
  });
});
