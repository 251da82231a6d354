/**
 * The endpoint probe against real local servers on loopback: an HTTPS server whose self-signed
 * certificate names the application hostname (generated here), as an ALB's ACM certificate does,
 * reached through an address that is NOT that name (the ALB's own DNS name in real life).
 */
import { expect } from "chai";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { generate } from "selfsigned";
import { EndpointProbe } from "../../../automation/cloud/serving/real";
import { AwsCloud } from "../../../automation/cloud/aws-cloud";
import { SystemClock } from "../../../automation/adapters/system-clock";
import type { Site } from "../../../automation/plan/sites";
import { waitServingStep } from "../../../automation/plan/steps/serving";
import type { Mark } from "../../../automation/journal/events";
import { DEFAULT_TIMEOUTS, type StepContext } from "../../../automation/plan/types";
import type { StackPort } from "../../../automation/ports";
import type { SiteOutputs } from "../../../stacks/outputs";

const APP_HOSTNAME = "shop.example.test";

interface Seen {
  servername?: string | false;
  host?: string;
  path?: string;
}

/** A certificate (and its key) for `hostname` only, self-signed, so the probe must be told to trust it. */
async function certificateFor(hostname: string): Promise<{ cert: string; key: string }> {
  const pems = await generate([{ name: "commonName", value: hostname }], {
    keySize: 2048,
    extensions: [{ name: "subjectAltName", altNames: [{ type: 2, value: hostname }] }],
  });
  return { cert: pems.cert, key: pems.private };
}

async function listen(server: http.Server | https.Server): Promise<number> {
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return (server.address() as AddressInfo).port;
}

function close(server: http.Server | https.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((ok) => server.close(() => ok()));
}

/** Answers `status` on every path and records what the client sent. */
function handler(status: number, seen: Seen[]) {
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    seen.push({ servername: (req.socket as TLSSocket).servername ?? undefined, host: req.headers.host, path: req.url });
    res.writeHead(status, { "content-type": "text/plain" }).end(status < 300 ? "ok" : "not ready");
  };
}

describe("EndpointProbe", function () {
  this.timeout(20_000);
  let appCert: { cert: string; key: string };
  let otherCert: { cert: string; key: string };
  before(async () => {
    [appCert, otherCert] = await Promise.all([certificateFor(APP_HOSTNAME), certificateFor("other.example.test")]);
  });

  describe("HTTPS (the ALB's certificate names the application hostname)", () => {
    const seen: Seen[] = [];
    let server: https.Server;
    let port: number;
    before(async () => {
      server = https.createServer({ cert: appCert.cert, key: appCert.key }, handler(200, seen));
      port = await listen(server);
    });
    after(() => close(server));
    beforeEach(() => {
      seen.length = 0;
    });

    it("serves when probed at the ALB's address with the app hostname as SNI and Host, the certificate verified for that name", async () => {
      const probe = new EndpointProbe({ ca: [appCert.cert] });
      expect(await probe.checkEndpoint(`https://localhost:${port}/healthz`, APP_HOSTNAME, { timeoutMs: 5000 })).to.equal(true);
      expect(seen).to.deep.equal([{ servername: APP_HOSTNAME, host: APP_HOSTNAME, path: "/healthz" }]);
    });

    it("goes through AwsCloud with the trusted CAs it is given", async () => {
      const cloud = new AwsCloud({ endpointCa: [appCert.cert] });
      expect(await cloud.serving.checkEndpoint(`https://localhost:${port}/healthz`, APP_HOSTNAME, { timeoutMs: 5000 })).to.equal(true);
      expect(seen.map((s) => s.servername)).to.deep.equal([APP_HOSTNAME]);
    });

    it("is what the wait-serving step uses: it passes the site's exported endpointHostname with its endpointUrl", async () => {
      const site = (stack: string, outputs: Partial<SiteOutputs>): Site => ({
        stack,
        region: "us-west-2",
        config: {} as Site["config"],
        outputs: outputs as SiteOutputs,
      });
      const marks = new Map<string, Mark>();
      const clock = new SystemClock();
      const ctx: StepContext = {
        cloud: new AwsCloud({ endpointCa: [appCert.cert] }),
        stacks: {} as StackPort,
        clock,
        signal: new AbortController().signal,
        timeouts: { ...DEFAULT_TIMEOUTS, pollMs: 50, servingMs: 5000 },
        runStartedAt: clock.now(),
        mark: async (name, data) => void marks.set(name, { at: clock.now(), data: data ?? {} }),
        marks,
        log: () => undefined,
      };
      const target = site("dr", { endpointUrl: `https://localhost:${port}/healthz`, endpointHostname: APP_HOSTNAME });
      const step = waitServingStep({ source: site("primary", {}), target, globalClusterIdentifier: "g" }, "planned", "", []);
      await step.run(ctx);
      expect(marks.has("serving")).to.equal(true);
      expect(seen).to.deep.equal([{ servername: APP_HOSTNAME, host: APP_HOSTNAME, path: "/healthz" }]);
    });

    it("does not serve when the name is checked against the ALB's own name (no app hostname): the certificate does not name it", async () => {
      const probe = new EndpointProbe({ ca: [appCert.cert] });
      expect(await probe.checkEndpoint(`https://localhost:${port}/healthz`, undefined, { timeoutMs: 5000 })).to.equal(false);
      expect(seen, "the TLS handshake fails before any request").to.deep.equal([]);
    });

    it("does not serve when the certificate is not trusted", async () => {
      expect(await new EndpointProbe().checkEndpoint(`https://localhost:${port}/healthz`, APP_HOSTNAME, { timeoutMs: 5000 })).to.equal(false);
      expect(seen).to.deep.equal([]);
    });
  });

  it("does not serve when the endpoint's certificate names another host", async () => {
    const seen: Seen[] = [];
    const server = https.createServer({ cert: otherCert.cert, key: otherCert.key }, handler(200, seen));
    const port = await listen(server);
    try {
      const probe = new EndpointProbe({ ca: [otherCert.cert] });
      expect(await probe.checkEndpoint(`https://localhost:${port}/healthz`, APP_HOSTNAME, { timeoutMs: 5000 })).to.equal(false);
      expect(seen).to.deep.equal([]);
    } finally {
      await close(server);
    }
  });

  it("over HTTP: serves on 2xx, not on other statuses or a refused connection", async () => {
    const seen: Seen[] = [];
    const up = http.createServer(handler(200, seen));
    const down = http.createServer(handler(503, seen));
    const [upPort, downPort] = [await listen(up), await listen(down)];
    try {
      const probe = new EndpointProbe();
      expect(await probe.checkEndpoint(`http://localhost:${upPort}/healthz`, undefined, { timeoutMs: 5000 })).to.equal(true);
      expect(await probe.checkEndpoint(`http://localhost:${downPort}/healthz`, undefined, { timeoutMs: 5000 })).to.equal(false);
      // Route 53's HTTP check sends the ALB's name as Host; so does the probe (the app hostname is for TLS).
      expect(seen.map((s) => s.host)).to.deep.equal([`localhost:${upPort}`, `localhost:${downPort}`]);
    } finally {
      await Promise.all([close(up), close(down)]);
    }
    expect(await new EndpointProbe().checkEndpoint(`http://localhost:${upPort}/healthz`, undefined, { timeoutMs: 5000 })).to.equal(false);
  });

  it("is false when the endpoint does not answer within the timeout, and rejects when the caller aborts", async () => {
    const hanging = http.createServer(() => undefined);
    const port = await listen(hanging);
    try {
      expect(await new EndpointProbe().checkEndpoint(`http://localhost:${port}/slow`, undefined, { timeoutMs: 100 })).to.equal(false);
      const ctl = new AbortController();
      setTimeout(() => ctl.abort(new Error("aborted by operator")), 50);
      const err = await new EndpointProbe().checkEndpoint(`http://localhost:${port}/slow`, undefined, { timeoutMs: 5000, signal: ctl.signal }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).to.equal("aborted by operator");
    } finally {
      await close(hanging);
    }
  });
});
