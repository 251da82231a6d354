/**
 * The real Kubernetes port without a network: EKS DescribeCluster mocked (aws-sdk-client-mock),
 * the API server answered by a fake HTTP layer of `@kubernetes/client-node` that records each request.
 */
import { DescribeClusterCommand, DescribeNodegroupCommand, EKSClient } from "@aws-sdk/client-eks";
import { type RequestContext, ResponseContext, SelfDecodingBody, wrapHttpLibrary } from "@kubernetes/client-node";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import type { Agent } from "node:https";
import { AwsCallError } from "../../../automation/cloud/aws/call";
import { AwsCloud, defaultAwsClientFactory } from "../../../automation/cloud/aws-cloud";
import { EKS_TOKEN_PREFIX, eksToken } from "../../../automation/cloud/kubernetes/token";
import type { Clock } from "../../../automation/ports";
import { isRetryableCallError } from "../../../automation/errors";

const CREDS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: "session/token+x" };
const T0 = Date.parse("2025-01-01T00:00:00Z");
const ENDPOINT = "https://0123456789ABCDEF.gr7.us-west-2.eks.amazonaws.com";
/** The SDK's own SHA-256, as the adapter takes it from its EKS client. */
const Sha256 = new EKSClient({ region: "us-west-2", credentials: CREDS }).config.sha256;
const CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";

/** The query parameters aws-iam-authenticator's server accepts in a token's URL (pkg/token/token.go, parameterWhitelist). */
const ALLOWED = [
  "action",
  "version",
  "x-amz-algorithm",
  "x-amz-credential",
  "x-amz-date",
  "x-amz-expires",
  "x-amz-security-token",
  "x-amz-signature",
  "x-amz-signedheaders",
];

function decode(token: string): URL {
  expect(token.startsWith(EKS_TOKEN_PREFIX)).to.equal(true);
  const body = token.slice(EKS_TOKEN_PREFIX.length);
  // Unpadded base64url (Go's base64.RawURLEncoding).
  expect(body).to.match(/^[A-Za-z0-9_-]+$/);
  return new URL(Buffer.from(body, "base64url").toString("utf8"));
}

describe("EKS token (as aws eks get-token / aws-iam-authenticator make it)", () => {
  it("is k8s-aws-v1. + the unpadded base64url of a presigned STS GetCallerIdentity URL in the Region, signing x-k8s-aws-id", async () => {
    const token = await eksToken({ clusterName: "eks-dr-dr", region: "us-west-2", credentials: CREDS, sha256: Sha256, now: T0 });
    const url = decode(token);
    expect(url.protocol).to.equal("https:");
    expect(url.host).to.equal("sts.us-west-2.amazonaws.com");
    expect(url.pathname).to.equal("/");
    const q = url.searchParams;
    expect(q.get("Action")).to.equal("GetCallerIdentity");
    expect(q.get("Version")).to.equal("2011-06-15");
    expect(q.get("X-Amz-Algorithm")).to.equal("AWS4-HMAC-SHA256");
    expect(q.get("X-Amz-Credential")).to.equal("AKIDEXAMPLE/20250101/us-west-2/sts/aws4_request");
    expect(q.get("X-Amz-Date")).to.equal("20250101T000000Z");
    expect(q.get("X-Amz-Expires")).to.equal("60");
    expect(q.get("X-Amz-SignedHeaders")!.split(";")).to.include.members(["host", "x-k8s-aws-id"]);
    expect(q.get("X-Amz-Security-Token")).to.equal("session/token+x");
    expect(q.get("X-Amz-Signature")).to.match(/^[0-9a-f]{64}$/);
    // Nothing the server would refuse as a non-whitelisted parameter, nothing twice.
    expect([...q.keys()].map((k) => k.toLowerCase()).every((k) => ALLOWED.includes(k))).to.equal(true);
    expect(new Set(q.keys()).size).to.equal([...q.keys()].length);
  });

  it("signs for the cluster it names: another cluster or another time gives another signature", async () => {
    const sig = async (clusterName: string, now: number) =>
      decode(await eksToken({ clusterName, region: "us-west-2", credentials: CREDS, sha256: Sha256, now })).searchParams.get("X-Amz-Signature");
    const a = await sig("eks-dr-dr", T0);
    expect(await sig("eks-dr-dr", T0)).to.equal(a);
    expect(await sig("eks-dr-primary", T0)).to.not.equal(a);
    expect(await sig("eks-dr-dr", T0 + 1000)).to.not.equal(a);
  });
});

interface Seen {
  method: string;
  url: URL;
  authorization: string | undefined;
  ca: unknown;
}

function fakeApiServer(answer: (url: URL) => { status: number; body: unknown }) {
  const seen: Seen[] = [];
  const httpApi = wrapHttpLibrary({
    async send(req: RequestContext): Promise<ResponseContext> {
      const url = new URL(req.getUrl());
      const agent = req.getAgent() as Agent | undefined;
      seen.push({ method: req.getHttpMethod(), url, authorization: req.getHeaders()["Authorization"], ca: agent?.options.ca });
      const { status, body } = answer(url);
      return new ResponseContext(status, { "content-type": "application/json" }, new SelfDecodingBody(Promise.resolve(Buffer.from(JSON.stringify(body)))));
    },
  });
  return { seen, httpApi };
}

class ManualClock implements Clock {
  constructor(public t: number) {}
  now() {
    return this.t;
  }
  async sleep() {}
}

describe("Kubernetes port (client-node on a fake API server, EKS mocked)", () => {
  const eks = mockClient(EKSClient);
  beforeEach(() => {
    eks.reset();
    eks.on(DescribeClusterCommand, { name: "eks-dr-dr" }).resolves({
      cluster: { name: "eks-dr-dr", endpoint: ENDPOINT, certificateAuthority: { data: Buffer.from(CA_PEM).toString("base64") }, status: "ACTIVE" },
    });
  });
  const cloud = (httpApi: ReturnType<typeof fakeApiServer>["httpApi"], clock = new ManualClock(T0)) =>
    new AwsCloud({ clients: defaultAwsClientFactory({ credentials: CREDS }), kubernetesHttp: httpApi, clock });

  it("reads a Restore from the cluster's endpoint with the CA from DescribeCluster and a bearer EKS token; its status as Velero writes it", async () => {
    const api = fakeApiServer(() => ({
      status: 200,
      body: {
        apiVersion: "velero.io/v1",
        kind: "Restore",
        metadata: { name: "restore-b", namespace: "velero" },
        status: { phase: "PartiallyFailed", errors: 3, warnings: 7, progress: { totalItems: 40, itemsRestored: 40 } },
      },
    }));
    const r = await cloud(api.httpApi).kubernetes.readVeleroRestore("us-west-2", "eks-dr-dr", "velero", "restore-b");
    expect(r).to.deep.equal({ name: "restore-b", phase: "PartiallyFailed", errors: 3, warnings: 7, validationErrors: [] });
    expect(api.seen).to.have.length(1);
    const [req] = api.seen;
    expect(req.method).to.equal("GET");
    expect(`${req.url.origin}${req.url.pathname}`).to.equal(`${ENDPOINT.toLowerCase()}/apis/velero.io/v1/namespaces/velero/restores/restore-b`);
    expect(req.authorization).to.match(/^Bearer k8s-aws-v1\./);
    const url = decode(req.authorization!.slice("Bearer ".length));
    expect(url.host).to.equal("sts.us-west-2.amazonaws.com");
    expect(url.searchParams.get("X-Amz-Credential")).to.match(/^AKIDEXAMPLE\/20250101\/us-west-2\/sts\//);
    expect(String(req.ca)).to.equal(CA_PEM);
  });

  it("a Restore Velero has not picked up yet is New; FailedValidation and Failed carry their reasons; none is undefined (404)", async () => {
    const objects: Record<string, unknown> = {
      fresh: { metadata: { name: "fresh" } },
      invalid: { metadata: { name: "invalid" }, status: { phase: "FailedValidation", validationErrors: ["Error retrieving backup: not found"] } },
      failed: { metadata: { name: "failed" }, status: { phase: "Failed", failureReason: "error downloading backup" } },
    };
    const api = fakeApiServer((url) => {
      const name = url.pathname.split("/").at(-1)!;
      return name in objects
        ? { status: 200, body: objects[name] }
        : { status: 404, body: { kind: "Status", reason: "NotFound", message: `restores.velero.io "${name}" not found`, code: 404 } };
    });
    const k8s = cloud(api.httpApi).kubernetes;
    expect(await k8s.readVeleroRestore("us-west-2", "eks-dr-dr", "velero", "fresh")).to.deep.include({ phase: "New", errors: 0 });
    expect(await k8s.readVeleroRestore("us-west-2", "eks-dr-dr", "velero", "invalid")).to.deep.include({
      phase: "FailedValidation",
      validationErrors: ["Error retrieving backup: not found"],
    });
    expect(await k8s.readVeleroRestore("us-west-2", "eks-dr-dr", "velero", "failed")).to.deep.include({
      phase: "Failed",
      failureReason: "error downloading backup",
    });
    expect(await k8s.readVeleroRestore("us-west-2", "eks-dr-dr", "velero", "gone")).to.equal(undefined);
    // The cluster's endpoint and CA are read once.
    expect(eks.commandCalls(DescribeClusterCommand)).to.have.length(1);
  });

  it("whether Velero can restore a backup: its Backup object and the storage location's phase", async () => {
    const api = fakeApiServer((url) =>
      url.pathname.endsWith("/backups/velero-objects-1")
        ? { status: 200, body: { metadata: { name: "velero-objects-1" }, status: { phase: "Completed" } } }
        : url.pathname.endsWith("/backupstoragelocations/default")
          ? { status: 200, body: { metadata: { name: "default" }, status: { phase: "Available" } } }
          : { status: 404, body: { reason: "NotFound" } },
    );
    const k8s = cloud(api.httpApi).kubernetes;
    expect(await k8s.veleroRestoreReadiness("us-west-2", "eks-dr-dr", "velero", "velero-objects-1", "default")).to.deep.equal({
      backupSynced: true,
      locationPhase: "Available",
    });
    expect(await k8s.veleroRestoreReadiness("us-west-2", "eks-dr-dr", "velero", "velero-objects-2", "default")).to.deep.equal({
      backupSynced: false,
      locationPhase: "Available",
    });
    expect(api.seen.map((s) => s.url.pathname)).to.deep.equal([
      "/apis/velero.io/v1/namespaces/velero/backups/velero-objects-1",
      "/apis/velero.io/v1/namespaces/velero/backupstoragelocations/default",
      "/apis/velero.io/v1/namespaces/velero/backups/velero-objects-2",
      "/apis/velero.io/v1/namespaces/velero/backupstoragelocations/default",
    ]);
  });

  it("counts the Ready nodes of a managed node group: by the labels the group applies, else by EKS's node group label", async () => {
    const node = (name: string, ready: string) => ({
      metadata: { name },
      status: {
        conditions: [
          { type: "MemoryPressure", status: "False" },
          { type: "Ready", status: ready },
        ],
      },
    });
    const api = fakeApiServer(() => ({
      status: 200,
      body: { apiVersion: "v1", kind: "NodeList", metadata: {}, items: [node("a", "True"), node("b", "False"), node("c", "True")] },
    }));
    const k8s = cloud(api.httpApi).kubernetes;
    expect(await k8s.countReadyNodes("us-west-2", "eks-dr-dr", "dr-nodes-web", { "eks-dr/tier": "web", team: "shop" })).to.equal(2);
    expect(await k8s.countReadyNodes("us-west-2", "eks-dr-dr", "other-group", {})).to.equal(2);
    expect(api.seen.map((s) => [s.url.pathname, s.url.searchParams.get("labelSelector")])).to.deep.equal([
      ["/api/v1/nodes", "eks-dr/tier=web,team=shop"],
      ["/api/v1/nodes", "eks.amazonaws.com/nodegroup=other-group"],
    ]);
  });

  it("the EKS adapter's node group state counts its Ready nodes through the Kubernetes API (DescribeNodegroup cannot), so the nodes step waits for them", async () => {
    eks.on(DescribeNodegroupCommand).resolves({
      nodegroup: { status: "ACTIVE", scalingConfig: { minSize: 2, desiredSize: 3, maxSize: 6 }, labels: { "eks-dr/tier": "web" } },
    });
    const node = (name: string, ready: string) => ({ metadata: { name }, status: { conditions: [{ type: "Ready", status: ready }] } });
    const api = fakeApiServer(() => ({
      status: 200,
      body: { apiVersion: "v1", kind: "NodeList", metadata: {}, items: [node("a", "True"), node("b", "Unknown")] },
    }));
    const state = await cloud(api.httpApi).eks.describeNodeGroup("us-west-2", "eks-dr-dr", "dr-nodes-web");
    expect(state).to.deep.equal({ status: "ACTIVE", minSize: 2, desiredSize: 3, maxSize: 6, readyNodes: 1 });
    expect(api.seen.map((s) => s.url.searchParams.get("labelSelector"))).to.deep.equal(["eks-dr/tier=web"]);
  });

  it("a 403 names the access entry it needs; a 503 is marked for the guard's retry; the token is made again after 14 minutes", async () => {
    let status = 403;
    const api = fakeApiServer(() => ({
      status,
      body: { kind: "Status", reason: status === 403 ? "Forbidden" : "ServiceUnavailable", message: "restores.velero.io is forbidden", code: status },
    }));
    const clock = new ManualClock(T0);
    const k8s = cloud(api.httpApi, clock).kubernetes;
    const denied = await k8s.readVeleroRestore("us-west-2", "eks-dr-dr", "velero", "r").catch((e: unknown) => e);
    expect(denied).to.be.instanceOf(AwsCallError);
    expect((denied as AwsCallError).httpStatus).to.equal(403);
    expect((denied as Error).message)
      .to.include("Kubernetes API GET restores.velero.io in us-west-2")
      .and.include("Forbidden")
      .and.include("EKS access entry");
    status = 503;
    clock.t = T0 + 13 * 60_000;
    const busy = (await k8s.readVeleroRestore("us-west-2", "eks-dr-dr", "velero", "r").catch((e: unknown) => e)) as AwsCallError;
    expect(busy.httpStatus).to.equal(503);
    expect([isRetryableCallError(denied), isRetryableCallError(busy)]).to.deep.equal([false, true]);
    clock.t = T0 + 15 * 60_000;
    await k8s.readVeleroRestore("us-west-2", "eks-dr-dr", "velero", "r").catch(() => undefined);
    const dates = api.seen.map((s) => decode(s.authorization!.slice("Bearer ".length)).searchParams.get("X-Amz-Date"));
    expect(dates).to.deep.equal(["20250101T000000Z", "20250101T000000Z", "20250101T001500Z"]);
  });
});
