/**
 * The CLI on the real path, without a Pulumi CLI or an AWS account: the real Automation API
 * adapter pointed at no CLI or at a fake one (a shell script), and the real AWS adapter on mocked
 * SDK clients. Every failure a user meets first prints one line naming the cause and the fix,
 * exits non-zero, and leaves `--json` a JSON document.
 */
import { EKSClient, ListClustersCommand } from "@aws-sdk/client-eks";
import { RDSClient } from "@aws-sdk/client-rds";
import { EFSClient } from "@aws-sdk/client-efs";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { Route53Client } from "@aws-sdk/client-route-53";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { AwsCloud, type AwsClientFactory } from "../../automation/cloud/aws-cloud";
import { PulumiStacks } from "../../automation/adapters/pulumi-stacks";
import { SystemClock } from "../../automation/adapters/system-clock";
import { runCli, type CliEnv } from "../../automation/cli";
import { MemoryJournal } from "../../automation/journal/memory-journal";
import type { StackPort } from "../../automation/ports";
import { createSimulation } from "../../automation/sim";
import type { Wiring } from "../../automation/wiring";
import { fakePulumiCli, noPulumiCli } from "./adapters/fake-pulumi-cli";
import { PROJECT_DIR } from "./helpers";
import { tempDir } from "../harness/temp-dir";

const eks = mockClient(EKSClient);
const rds = mockClient(RDSClient);
const efs = mockClient(EFSClient);
const cw = mockClient(CloudWatchClient);
const r53 = mockClient(Route53Client);

const credentials = { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "example" };
const clients: AwsClientFactory = {
  eks: (region) => new EKSClient({ region, credentials, maxAttempts: 1 }),
  rds: (region) => new RDSClient({ region, credentials, maxAttempts: 1 }),
  efs: (region) => new EFSClient({ region, credentials, maxAttempts: 1 }),
  cloudWatch: (region) => new CloudWatchClient({ region, credentials, maxAttempts: 1 }),
  route53: () => new Route53Client({ region: "us-east-1", credentials, maxAttempts: 1 }),
  s3: (region) => new S3Client({ region, credentials, maxAttempts: 1 }),
};

function serviceError(name: string, status: number, message: string) {
  return Object.assign(new Error(message), { name, $fault: status >= 500 ? "server" : "client", $metadata: { httpStatusCode: status } });
}

/** Real adapters: AWS SDK v3 (mocked clients) and the given stacks port. */
function realWiring(stacks: StackPort): Wiring {
  const clock = new SystemClock();
  return {
    cloud: new AwsCloud({ clock, clients }),
    stacks,
    clock,
    journal: new MemoryJournal(),
    journalLabel: "(test journal)",
    stackNames: ["dr", "primary"],
  };
}

interface Harness {
  env: CliEnv;
  out: string[];
  err: string[];
  wired: number;
}

function harness(stacks: () => StackPort, projectDir = PROJECT_DIR): Harness {
  const h: Harness = { out: [], err: [], wired: 0, env: undefined as unknown as CliEnv };
  h.env = {
    stdout: { write: (s) => void h.out.push(s), isTTY: false },
    stderr: { write: (s) => void h.err.push(s), isTTY: false },
    stdinIsTTY: false,
    ask: async () => "",
    projectDir,
    wire: async () => {
      h.wired++;
      return realWiring(stacks());
    },
  };
  return h;
}

const text = (parts: string[]) => parts.join("");

/** Exactly one line on stderr, naming a cause and a fix, without the Automation API's dump. */
function expectOneLine(h: Harness, pattern: RegExp): string {
  const lines = text(h.err)
    .split("\n")
    .filter((l) => l.length > 0);
  expect(lines, text(h.err)).to.have.length(1);
  expect(lines[0])
    .to.match(/^error: /)
    .and.match(/Fix: /)
    .and.match(pattern);
  expect(lines[0]).to.not.match(/code: -?\d|stdout:|err\?:/);
  return lines[0];
}

const noCli = () => new PulumiStacks({ projectDir: PROJECT_DIR, pulumiRoot: noPulumiCli() });

beforeEach(() => {
  for (const m of [eks, rds, efs, cw, r53]) m.reset();
});

describe("cli on the real path: the first failures a user meets", function () {
  this.timeout(20_000);

  describe("without a Pulumi CLI", () => {
    for (const argv of [
      ["status"],
      ["failover", "--to", "dr", "--mode", "planned", "--yes"],
      ["failover", "--to", "dr", "--mode", "unplanned", "--yes"],
      ["failback", "--yes"],
      ["deploy", "--yes"],
    ]) {
      it(`${argv.join(" ")}: one line naming the missing CLI and how to install it, exit 2`, async () => {
        const h = harness(noCli);
        expect(await runCli(argv, h.env)).to.equal(2);
        expectOneLine(h, /Pulumi CLI is not installed or not on PATH.*get\.pulumi\.com/);
        expect(text(h.out)).to.equal("");
      });
    }

    it("status --json: stdout is still one JSON document, with the cause and the fix", async () => {
      const h = harness(noCli);
      expect(await runCli(["status", "--json"], h.env)).to.equal(2);
      const doc = JSON.parse(text(h.out));
      expect(doc.error).to.include({ kind: "pulumi-cli-missing", exitCode: 2 });
      expect(doc.error.fix).to.match(/get\.pulumi\.com/);
      expectOneLine(h, /not installed/);
    });

    it("failover --json with a bad flag: stdout is a JSON document too", async () => {
      const h = harness(noCli);
      expect(await runCli(["failover", "--to", "dr", "--mode", "sideways", "--yes", "--json"], h.env)).to.equal(2);
      expect(JSON.parse(text(h.out)).error).to.include({ kind: "usage", exitCode: 2 });
    });
  });

  it("a Pulumi CLI older than the driver needs: one line with both versions, exit 2", async () => {
    const h = harness(() => new PulumiStacks({ projectDir: PROJECT_DIR, pulumiRoot: fakePulumiCli({ version: "3.120.0" }) }));
    expect(await runCli(["status"], h.env)).to.equal(2);
    expectOneLine(h, /Pulumi CLI 3\.120\.0 is older than 3\.158\.0/);
  });

  it("not logged in to a backend: one line with `pulumi login`, exit 2", async () => {
    const root = fakePulumiCli({ stackSelectError: "error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions" });
    const h = harness(() => new PulumiStacks({ projectDir: PROJECT_DIR, pulumiRoot: root }));
    expect(await runCli(["failover", "--to", "dr", "--mode", "planned", "--yes"], h.env)).to.equal(2);
    expectOneLine(h, /not logged in.*pulumi login/);
  });

  it("a stack not initialised: one line with `pulumi stack init`, exit 2", async () => {
    const root = fakePulumiCli({ stackSelectError: "error: no stack named 'dr' found" });
    const h = harness(() => new PulumiStacks({ projectDir: PROJECT_DIR, pulumiRoot: root }));
    expect(await runCli(["status"], h.env)).to.equal(2);
    expectOneLine(h, /pulumi stack init dr/);
  });

  describe("AWS credentials on the real AWS adapter", () => {
    // The stacks' config and outputs as deployed; the cloud is the real AwsCloud on mocked clients.
    let deployed: StackPort;
    beforeEach(async () => {
      deployed = (await createSimulation({ seed: 1 })).stacks;
    });
    const deployedStacks = () => deployed;

    it("none at all: status prints one line saying so, not that a Region does not answer", async () => {
      eks.on(ListClustersCommand).rejects(Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }));
      const h = harness(deployedStacks);
      expect(await runCli(["status"], h.env)).to.equal(2);
      const line = expectOneLine(h, /no credentials found.*aws sso login/);
      expect(line).to.not.match(/does not answer|unplanned/);
    });

    it("expired: a planned failover is refused with `aws sso login`, never pointing at --mode unplanned", async () => {
      eks.on(ListClustersCommand).rejects(serviceError("ExpiredTokenException", 403, "The security token included in the request is expired"));
      const h = harness(deployedStacks);
      expect(await runCli(["failover", "--to", "dr", "--mode", "planned", "--yes"], h.env)).to.equal(2);
      const line = expectOneLine(h, /expired.*aws sso login/);
      expect(line).to.not.match(/did not answer|unplanned/);
    });

    it("access denied: refused as a permission problem naming the call and the Region", async () => {
      eks.on(ListClustersCommand).rejects(serviceError("AccessDeniedException", 403, "User is not authorized to perform: eks:ListClusters"));
      const h = harness(deployedStacks);
      expect(await runCli(["status", "--json"], h.env)).to.equal(2);
      expect(JSON.parse(text(h.out)).error.kind).to.equal("aws-access-denied");
      expectOneLine(h, /denied access while probing us-(east-1|west-2).*AccessDeniedException/);
    });
  });

  describe("deploy validates both stack files before it needs a CLI", () => {
    it("a bad stack file: exit 2 naming the file and key; no CLI is ever looked for", async () => {
      const dir = tempDir("project");
      for (const f of ["Pulumi.yaml", "Pulumi.primary.yaml", "Pulumi.dr.yaml"]) fs.copyFileSync(path.join(PROJECT_DIR, f), path.join(dir, f));
      const dr = path.join(dir, "Pulumi.dr.yaml");
      fs.writeFileSync(dr, fs.readFileSync(dr, "utf8").replace("eks-dr:vpcCidr: 10.1.0.0/16", "eks-dr:vpcCidr: 10.0.0.0/16"));
      const h = harness(noCli, dir);
      expect(await runCli(["deploy", "--yes"], h.env)).to.equal(2);
      expect(text(h.err)).to.match(/Pulumi\.dr\.yaml and Pulumi\.primary\.yaml: eks-dr:vpcCidr: 10\.0\.0\.0\/16 overlaps/);
      expect(text(h.err)).to.not.match(/Pulumi CLI/);
      expect(h.wired).to.equal(0);
    });
  });
});
