/**
 * An HTTPS site's ALB certificate names the application hostname, never the ALB's DNS name: a probe
 * of the bare `endpointUrl` fails certificate verification whatever the site's state. Every caller
 * of the serving probe (the pair-state lines of a report, the rollback's "source back in service",
 * the wait-serving step) must present the site's `endpointHostname`; the simulation verifies it as
 * the real probe does.
 */
import { expect } from "chai";
import { describePairState } from "../../../automation/report/pair-state";
import { loadPair, type Pair } from "../../../automation/plan/sites";
import { unquiesceStep } from "../../../automation/plan/steps/rollback";
import { waitServingStep } from "../../../automation/plan/steps/serving";
import { MARK } from "../../../automation/plan/steps/shared";
import type { Simulation } from "../../../automation/sim";
import { configs, sim, SEC } from "../sim/helpers";
import { runSteps } from "../steps/run-steps";

/** The project's stack files with an ACM certificate on the ALB and HTTPS health checks. */
const https = () =>
  configs((_, raw) => {
    raw.dns = {
      ...raw.dns,
      certificateArn: "arn:aws:acm:us-east-1:111122223333:certificate/example",
      healthCheck: { ...raw.dns.healthCheck, protocol: "HTTPS" },
    };
  });

describe("serving probes of an HTTPS site present its application hostname", function () {
  let s: Simulation;
  let toPrimary: Pair;

  before(async () => {
    s = await sim({ configs: https() });
    // The active site as target: it serves now.
    toPrimary = await loadPair(s.stacks, "primary");
  });

  it("the sites export an HTTPS endpoint and the hostname its certificate names (the premise)", () => {
    expect(toPrimary.target.outputs.endpointUrl).to.match(/^https:\/\//);
    expect(toPrimary.target.outputs.endpointHostname).to.equal("app.example.com");
    expect(s.world.site("primary")).to.include({ serving: true });
  });

  it("the simulated probe verifies the certificate's name: only the application hostname passes", async () => {
    const url = toPrimary.target.outputs.endpointUrl!;
    expect(await s.cloud.serving.checkEndpoint(url, undefined, { timeoutMs: 5 * SEC }), "bare ALB name").to.equal(false);
    expect(await s.cloud.serving.checkEndpoint(url, "other.example.com", { timeoutMs: 5 * SEC }), "another name").to.equal(false);
    expect(await s.cloud.serving.checkEndpoint(url, "app.example.com", { timeoutMs: 5 * SEC })).to.equal(true);
  });

  it("the report's pair state says the serving site serves", async () => {
    const lines = await describePairState({ cloud: s.cloud, stacks: s.stacks, timeoutMs: 5 * SEC }, toPrimary);
    const primary = lines.find((l) => l.startsWith("primary "));
    expect(primary).to.include("serving yes");
  });

  it("the rollback's 'source back in service' holds for a source that serves", async () => {
    // The pair of a run towards dr: its source is primary, which serves and takes writes.
    const toDr = await loadPair(s.stacks, "dr");
    const run = await runSteps(s, [unquiesceStep(toDr, "")]);
    expect(run.steps[0].outcome, String(run.error ?? "")).to.equal("skipped");
  });

  it("the wait-serving step sees the serving site at its first poll", async () => {
    const start = s.clock.now();
    const run = await runSteps(s, [waitServingStep(toPrimary, "planned", "", [])]);
    expect(run.steps[0].outcome, String(run.error ?? "")).to.equal("done");
    expect(run.marks.get(MARK.serving)?.at).to.be.below(start + 30 * SEC);
  });
});
