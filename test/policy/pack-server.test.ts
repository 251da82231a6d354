/**
 * The policy pack as `pulumi preview --policy-pack policy` runs it: the Node.js language host starts
 * `@pulumi/pulumi/cmd/run-policy-pack` in `policy/` (ts-node, type-checked), which serves the
 * Analyzer gRPC service; the engine then sends each resource (Analyze) and the whole stack
 * (AnalyzeStack). This test plays the engine's part against the real process, so it covers what the
 * unit tests cannot: that PulumiPolicy.yaml, package.json, tsconfig.json and index.ts load, that the
 * pack registers every policy, and that unknown (preview-time) values and options reach the policies.
 */
import * as grpc from "@grpc/grpc-js";
import * as analyzerrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { DR_POLICIES } from "../../policy/lib/policies";
import { T, type ResourceLike } from "../../policy/lib/resources";
import { packConfigFor } from "../../policy/lib/pack-config";
import { projectWith } from "../harness/project";
import { activeSite, mutate, standbySite, without } from "./fixtures";

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

type Client = InstanceType<typeof analyzerrpc.AnalyzerClient>;

function call<Req, Res>(fn: (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown, req: Req): Promise<Res> {
  return new Promise((resolve, reject) => fn(req, (err, res) => (err ? reject(err) : resolve(res))));
}

function options(protect: boolean): analyzerpb.AnalyzerResourceOptions {
  return new analyzerpb.AnalyzerResourceOptions().setProtect(protect);
}

function provider(region: string, name = region): analyzerpb.AnalyzerProviderResource {
  return new analyzerpb.AnalyzerProviderResource()
    .setType("pulumi:providers:aws")
    .setName(name)
    .setUrn(`urn:pulumi:site::eks-dr::pulumi:providers:aws::${name}`)
    .setProperties(Struct.fromJavaScript({ region }));
}

function analyzeRequest(r: ResourceLike, providerName?: string): analyzerpb.AnalyzeRequest {
  return new analyzerpb.AnalyzeRequest()
    .setType(r.type)
    .setName(r.name)
    .setUrn(r.urn)
    .setProperties(Struct.fromJavaScript(r.props as Record<string, never>))
    .setOptions(options(r.protect === true))
    .setProvider(provider(r.region ?? "us-east-1", providerName));
}

function stackRequest(resources: ResourceLike[]): analyzerpb.AnalyzeStackRequest {
  return new analyzerpb.AnalyzeStackRequest().setResourcesList(
    resources.map((r) =>
      new analyzerpb.AnalyzerResource()
        .setType(r.type)
        .setName(r.name)
        .setUrn(r.urn)
        .setProperties(Struct.fromJavaScript(r.props as Record<string, never>))
        .setOptions(options(r.protect === true))
        .setProvider(provider(r.region ?? "us-east-1")),
    ),
  );
}

type Response = analyzerpb.AnalyzeResponse;

const byPolicy = (res: analyzerpb.AnalyzeResponse) => res.getDiagnosticsList().map((d) => d.getPolicyname());

describe("policy pack served by the Node.js policy runtime", function () {
  // ts-node type-checks the pack on start.
  this.timeout(120_000);
  let child: ChildProcess | undefined;
  let client: Client;
  let stderr = "";

  before(async () => {
    const entry = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [REPO_ROOT] });
    // Arguments as the language host passes them: the engine address, then the pack directory.
    child = spawn(process.execPath, [entry, "127.0.0.1:0", "."], { cwd: path.join(REPO_ROOT, "policy"), stdio: ["ignore", "pipe", "pipe"] });
    child.stderr?.on("data", (d) => (stderr += String(d)));
    const port = await new Promise<string>((resolve, reject) => {
      let out = "";
      child?.stdout?.on("data", (d) => {
        out += String(d);
        const line = out.split("\n")[0].trim();
        if (out.includes("\n") && /^\d+$/.test(line)) resolve(line);
      });
      child?.on("exit", (code) => reject(new Error(`policy pack exited with ${code} before serving:\n${out}\n${stderr}`)));
    });
    client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });

  const analyze = (req: analyzerpb.AnalyzeRequest) => call<analyzerpb.AnalyzeRequest, Response>(client.analyze.bind(client), req);
  const analyzeStack = (req: analyzerpb.AnalyzeStackRequest) => call<analyzerpb.AnalyzeStackRequest, Response>(client.analyzeStack.bind(client), req);

  after(() => {
    client?.close();
    if (child?.pid !== undefined && child.exitCode === null) process.kill(child.pid);
  });

  it("registers every policy with its enforcement level", async () => {
    const info = await call<Empty, analyzerpb.AnalyzerInfo>(client.getAnalyzerInfo.bind(client), new Empty());
    expect(info.getName()).to.equal("eks-dr");
    const levels = Object.fromEntries(info.getPoliciesList().map((p) => [p.getName(), p.getEnforcementlevel()]));
    expect(levels).to.deep.equal(
      Object.fromEntries(
        DR_POLICIES.map((p) => [p.name, p.enforcementLevel === "mandatory" ? analyzerpb.EnforcementLevel.MANDATORY : analyzerpb.EnforcementLevel.ADVISORY]),
      ),
    );
  });

  it("passes a healthy resource and blocks a broken one with its fix", async () => {
    const fs = standbySite().find((r) => r.type === T.efsFileSystem) as ResourceLike;
    expect(byPolicy(await analyze(analyzeRequest(fs)))).to.deep.equal([]);

    const broken = { ...fs, props: { ...fs.props, encrypted: false } };
    const res = await analyze(analyzeRequest(broken));
    const [d] = res.getDiagnosticsList();
    expect(d.getPolicyname()).to.equal("efs-encrypted-with-cmk");
    expect(d.getEnforcementlevel()).to.equal(analyzerpb.EnforcementLevel.MANDATORY);
    expect(d.getMessage()).to.match(/not encrypted.*Fix:/);
  });

  it("sees which provider a resource goes through, and blocks the engine's default one", async () => {
    const fs = standbySite().find((r) => r.type === T.efsFileSystem) as ResourceLike;
    const res = await analyze(analyzeRequest(fs, "default_7_48_0"));
    const [d] = res.getDiagnosticsList();
    expect(res.getDiagnosticsList().map((x) => x.getPolicyname())).to.deep.equal(["no-default-providers"]);
    expect(d.getEnforcementlevel()).to.equal(analyzerpb.EnforcementLevel.MANDATORY);
    expect(d.getMessage()).to.match(/default aws provider default_7_48_0.*AWS_REGION/);
  });

  it("sees the protect option", async () => {
    const fs = standbySite().find((r) => r.type === T.efsFileSystem) as ResourceLike;
    const res = await analyze(analyzeRequest({ ...fs, protect: false }));
    expect(byPolicy(res)).to.deep.equal(["stateful-resources-protected"]);
  });

  it("treats preview-time unknowns as set instead of skipping the policy", async () => {
    const fs = standbySite().find((r) => r.type === T.efsFileSystem) as ResourceLike;
    const res = await analyze(analyzeRequest({ ...fs, props: { ...fs.props, kmsKeyId: UNKNOWN_STRING } }));
    expect(byPolicy(res)).to.deep.equal([]);
    const notApplicable = res.getNotApplicableList().map((n) => n.getPolicyName());
    expect(notApplicable).to.not.include("efs-encrypted-with-cmk");
  });

  it("passes a healthy standby stack and reports a stack violation on the offending resource", async () => {
    const healthy = await analyzeStack(stackRequest(standbySite()));
    expect(healthy.getDiagnosticsList().map((d) => `${d.getPolicyname()}: ${d.getMessage()}`)).to.deep.equal([]);

    const site = mutate(standbySite(), T.efsFileSystem, (r) => (r.props.protection = { replicationOverwrite: "ENABLED" }));
    const res = await analyzeStack(stackRequest(site));
    const [d] = res.getDiagnosticsList();
    expect(d.getPolicyname()).to.equal("efs-overwrite-protection-matches-role");
    expect(d.getUrn()).to.equal(site.find((r) => r.type === T.efsFileSystem)?.urn);
  });

  it("reports a stack policy that cannot see the role as not applicable, with the reason", async () => {
    const site = without(without(without(standbySite(), T.stack), T.route53Record), T.efsFileSystem);
    const res = await analyzeStack(stackRequest(site));
    const reasons = Object.fromEntries(res.getNotApplicableList().map((n) => [n.getPolicyName(), n.getReason()]));
    expect(reasons["efs-replication-follows-role"]).to.match(/role is not visible/);
  });

  it("reports a relaxed policy as advisory when the stack files record replication off (the generated pack config)", async () => {
    const site = without(activeSite(), T.efsReplication);
    const levels = async () =>
      Object.fromEntries((await analyzeStack(stackRequest(site))).getDiagnosticsList().map((d) => [d.getPolicyname(), d.getEnforcementlevel()]));
    expect(await levels()).to.deep.equal({ "efs-replication-follows-role": analyzerpb.EnforcementLevel.MANDATORY });

    // What the engine sends for `--policy-pack-config` with the file generated from the stack files.
    const generated = packConfigFor(projectWith({ primary: { role: "standby" }, dr: { role: "active", replicateToPeer: false } }), "dr").config;
    const request = new analyzerpb.ConfigureAnalyzerRequest();
    for (const name of Object.keys(generated)) {
      request
        .getPolicyconfigMap()
        .set(name, new analyzerpb.PolicyConfig().setEnforcementlevel(analyzerpb.EnforcementLevel.ADVISORY).setProperties(Struct.fromJavaScript({})));
    }
    await call<analyzerpb.ConfigureAnalyzerRequest, Empty>(client.configure.bind(client), request);
    expect(await levels()).to.deep.equal({ "efs-replication-follows-role": analyzerpb.EnforcementLevel.ADVISORY });
  });

  it("applies the pack config (--policy-pack-config) to a configurable policy", async () => {
    const config = new analyzerpb.ConfigureAnalyzerRequest();
    config
      .getPolicyconfigMap()
      .set(
        "aurora-backup-retention",
        new analyzerpb.PolicyConfig().setEnforcementlevel(analyzerpb.EnforcementLevel.MANDATORY).setProperties(Struct.fromJavaScript({ minimumDays: 14 })),
      );
    await call<analyzerpb.ConfigureAnalyzerRequest, Empty>(client.configure.bind(client), config);
    const cluster = standbySite().find((r) => r.type === T.rdsCluster) as ResourceLike;
    const res = await analyze(analyzeRequest(cluster));
    expect(res.getDiagnosticsList().map((d) => d.getMessage())).to.satisfy((m: string[]) => m.length === 1 && /fewer than 14/.test(m[0]));
  });
});
