import { expect } from "chai";
import { SimulatedCrash, createSimulation } from "../../../automation/sim";
import { GLOBAL_CLUSTER_ID, MIN, SEC, rejection, sim } from "./helpers";

describe("sim: faults", () => {
  it("throttles a call N times, then lets it succeed", async () => {
    const s = await sim();
    s.faults.throttle("scaleNodeGroup", 2);
    const scale = () =>
      s.cloud.eks.scaleNodeGroup("us-west-2", "eks-dr-dr", s.world.site("dr").nodeGroups.web.name, { minSize: 2, desiredSize: 3, maxSize: 6 });
    const e1 = await rejection(scale(), "ThrottlingException");
    expect(e1.$retryable).to.deep.equal({ throttling: true });
    await rejection(scale(), "ThrottlingException");
    await scale();
    expect(s.world.sideEffects("scaleNodeGroup")).to.have.length(1);
    expect(s.world.calls({ method: "scaleNodeGroup" }).map((c) => c.outcome)).to.deep.equal(["ThrottlingException", "ThrottlingException", "ok"]);
    expect(s.faults.pendingCallFaults()).to.equal(0);
  });

  it("limits a fault to a Region, and times calls out on demand", async () => {
    const s = await sim();
    s.faults.throttle("*", 1, { region: "dr" }).timeout("describeDbCluster", 1);
    await s.cloud.eks.describeCluster("us-east-1", "eks-dr-primary");
    await rejection(s.cloud.eks.describeCluster("us-west-2", "eks-dr-dr"), "ThrottlingException");
    const t0 = s.clock.now();
    await rejection(s.cloud.rds.describeDbCluster("us-west-2", "eks-dr-dr", { timeoutMs: 3 * SEC }), "TimeoutError");
    expect(s.clock.now() - t0).to.equal(3 * SEC);
    await s.cloud.rds.describeDbCluster("us-west-2", "eks-dr-dr", { timeoutMs: 3 * SEC });
  });

  it("impairs a Region from time T and recovers it", async () => {
    const s = await sim();
    s.faults.impairRegion("primary", { afterMs: 5 * MIN, forMs: 10 * MIN });
    expect(await s.cloud.eks.probeRegion("us-east-1", { timeoutMs: SEC })).to.equal(true);
    await s.clock.sleep(5 * MIN);
    expect(await s.cloud.eks.probeRegion("us-east-1", { timeoutMs: SEC })).to.equal(false);
    expect(s.world.site("primary").serving).to.equal(false);
    await s.clock.sleep(10 * MIN);
    expect(await s.cloud.eks.probeRegion("us-east-1", { timeoutMs: SEC })).to.equal(true);
    expect(s.world.site("primary").serving).to.equal(true);
  });

  it("missing credentials fail every AWS call before anything is sent, as the SDK's CredentialsProviderError", async () => {
    const s = await sim();
    s.faults.credentials("missing");
    const t0 = s.clock.now();
    const err = await rejection(s.cloud.eks.probeRegion("us-east-1", { timeoutMs: 5 * SEC }), "CredentialsProviderError");
    expect(err.message).to.equal("Could not load credentials from any providers");
    expect(err.$metadata).to.equal(undefined);
    expect(s.clock.now()).to.equal(t0);
    // Even towards an impaired Region: the SDK never got as far as the network.
    s.faults.impairRegion("primary");
    await rejection(s.cloud.rds.describeDbCluster("us-east-1", "eks-dr-primary", { timeoutMs: 5 * SEC }), "CredentialsProviderError");
    // The data plane does not sign with AWS credentials.
    expect(await s.cloud.serving.checkEndpoint(s.world.site("primary").albHostname, undefined, { timeoutMs: SEC })).to.be.a("boolean");
    s.faults.restoreCredentials();
    expect(await s.cloud.eks.probeRegion("us-west-2", { timeoutMs: 5 * SEC })).to.equal(true);
  });

  it("expired and invalid credentials get AWS's 403, with each protocol's code; an impaired Region still does not answer", async () => {
    const s = await sim();
    s.faults.credentials("expired", { afterMs: MIN });
    expect(await s.cloud.eks.probeRegion("us-west-2", { timeoutMs: 5 * SEC })).to.equal(true);
    await s.clock.sleep(MIN);
    const eks = await rejection(s.cloud.eks.probeRegion("us-west-2", { timeoutMs: 5 * SEC }), "ExpiredTokenException");
    expect(eks.$metadata.httpStatusCode).to.equal(403);
    await rejection(s.cloud.rds.describeGlobalCluster("us-west-2", GLOBAL_CLUSTER_ID), "ExpiredToken");
    await rejection(s.cloud.route53.getFailoverRecords("Z0EXAMPLE00000000000", "app.example.com"), "ExpiredToken");
    s.faults.credentials("invalid");
    await rejection(s.cloud.efs.describeReplication("us-west-2", s.world.site("dr").fs.id), "UnrecognizedClientException");
    await rejection(s.cloud.cloudWatch.auroraLag("us-west-2", "eks-dr-dr"), "InvalidClientTokenId");
    s.faults.impairRegion("primary");
    expect(await s.cloud.eks.probeRegion("us-east-1", { timeoutMs: 5 * SEC })).to.equal(false);
  });

  it("denies one call in one Region (403 AccessDenied), the rest answering", async () => {
    const s = await sim();
    s.faults.denyAccess("probeRegion", { region: "primary" }).denyAccess("describeGlobalCluster");
    const err = await rejection(s.cloud.eks.probeRegion("us-east-1", { timeoutMs: 5 * SEC }), "AccessDeniedException");
    expect(err.message).to.contain("not authorized to perform");
    expect(await s.cloud.eks.probeRegion("us-west-2", { timeoutMs: 5 * SEC })).to.equal(true);
    await rejection(s.cloud.rds.describeGlobalCluster("us-west-2", GLOBAL_CLUSTER_ID), "AccessDenied");
    await s.cloud.rds.describeDbCluster("us-east-1", "eks-dr-primary");
  });

  it("crashes after step N: the dead process's ports reject, a restart gets fresh ports on the same world", async () => {
    const s = await sim();
    s.faults.crashAfterStep(2);
    const oldCloud = s.cloud;
    const oldClock = s.clock;
    const inflight = oldClock.sleep(MIN);
    s.faults.onStepBoundary(1, "quiesce");
    await s.cloud.rds.switchoverGlobalCluster("us-east-1", GLOBAL_CLUSTER_ID, s.world.site("dr").db.arn);
    expect(() => s.faults.onStepBoundary(2, "switchover-db")).to.throw(SimulatedCrash);
    await rejection(inflight, "SimulatedCrash");
    await rejection(oldCloud.rds.describeGlobalCluster("us-west-2", GLOBAL_CLUSTER_ID), "SimulatedCrash");
    await rejection(s.stacks.up("dr"), "SimulatedCrash");
    const ports = s.restart();
    expect(ports.cloud).to.not.equal(oldCloud);
    // The switchover accepted before the crash goes on in the cloud.
    const gc = await ports.cloud.rds.describeGlobalCluster("us-west-2", GLOBAL_CLUSTER_ID);
    expect(gc.failoverState).to.include({ isDataLossAllowed: false });
    s.faults.onStepBoundary(2, "switchover-db"); // each armed crash fires once
    expect(s.faults.stepBoundaries().map((b) => b.stepId)).to.deep.equal(["quiesce", "switchover-db", "switchover-db"]);
  });

  it("crashes by step id, and arms faults from a plan at creation", async () => {
    const s = await createSimulation({
      seed: 5,
      faults: { throttle: [{ method: "describeGlobalCluster", times: 1 }], impairRegions: [{ region: "dr", afterMs: MIN }], crashAfterStep: ["swap-dns"] },
    });
    await rejection(s.cloud.rds.describeGlobalCluster("us-east-1", GLOBAL_CLUSTER_ID), "ThrottlingException");
    await s.clock.sleep(MIN);
    expect(s.world.isImpaired("us-west-2")).to.equal(true);
    s.faults.onStepBoundary(1, "scale-nodes-web");
    expect(() => s.faults.onStepBoundary(2, "swap-dns")).to.throw(SimulatedCrash);
  });

  it("replays the same drill for the same seed", async () => {
    const run = async (seed: number) => {
      const s = await createSimulation({ seed });
      s.faults.impairRegion("primary", { afterMs: MIN });
      await s.clock.sleep(MIN);
      await s.cloud.rds.failoverGlobalCluster("us-west-2", GLOBAL_CLUSTER_ID, s.world.site("dr").db.arn);
      while (s.world.writer() !== "dr") await s.clock.sleep(SEC);
      return { at: s.clock.now(), loss: s.world.dataLoss() };
    };
    const a = await run(99);
    const b = await run(99);
    const c = await run(100);
    expect(a).to.deep.equal(b);
    expect(c.loss[0].at).to.not.equal(a.loss[0].at);
  });
});
