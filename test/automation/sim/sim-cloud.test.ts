import { expect } from "chai";
import { GLOBAL_CLUSTER_ID, MIN, SEC, rejection, sim } from "./helpers";

describe("sim: SimCloud", () => {
  it("calls into an impaired Region hang until their timeoutMs, then fail with TimeoutError", async () => {
    const s = await sim();
    s.faults.impairRegion("us-east-1");
    const t0 = s.clock.now();
    const err = await rejection(s.cloud.rds.describeGlobalCluster("us-east-1", GLOBAL_CLUSTER_ID, { timeoutMs: 7 * SEC }), "TimeoutError");
    expect(s.clock.now() - t0).to.equal(7 * SEC);
    expect(err).to.include({ operation: "DescribeGlobalClusters", region: "us-east-1", timeoutMs: 7 * SEC });
    // The healthy Region answers at once.
    const t1 = s.clock.now();
    await s.cloud.rds.describeGlobalCluster("us-west-2", GLOBAL_CLUSTER_ID, { timeoutMs: 7 * SEC });
    expect(s.clock.now() - t1).to.be.below(SEC + 1);
  });

  it("never hangs forever: without timeoutMs the default bound applies", async () => {
    const s = await sim({ defaultCallTimeoutMs: 90 * SEC });
    s.faults.impairRegion("primary");
    const t0 = s.clock.now();
    await rejection(s.cloud.eks.describeNodeGroup("us-east-1", "eks-dr-primary", s.world.site("primary").nodeGroups.web.name), "TimeoutError");
    expect(s.clock.now() - t0).to.equal(90 * SEC);
  });

  it("probeRegion and checkEndpoint answer false at the timeout instead of throwing", async () => {
    const s = await sim();
    const url = (await s.stacks.outputs("primary"))!.endpointUrl!;
    expect(await s.cloud.eks.probeRegion("us-east-1", { timeoutMs: 5 * SEC })).to.equal(true);
    expect(await s.cloud.serving.checkEndpoint(url, undefined, { timeoutMs: 5 * SEC })).to.equal(true);
    s.faults.impairRegion("primary");
    const t0 = s.clock.now();
    expect(await s.cloud.eks.probeRegion("us-east-1", { timeoutMs: 5 * SEC })).to.equal(false);
    expect(await s.cloud.serving.checkEndpoint(url, undefined, { timeoutMs: 5 * SEC })).to.equal(false);
    expect(s.clock.now() - t0).to.equal(10 * SEC);
  });

  it("Route 53's control plane is in us-east-1: impaired with it, or alone", async () => {
    const s = await sim();
    const hc = (await s.stacks.outputs("dr"))!.healthCheckId!;
    expect(await s.cloud.route53.healthCheckStatus(hc, { timeoutMs: SEC * 5 })).to.equal("unhealthy");
    s.faults.impairRegion("us-east-1", { forMs: 10 * MIN });
    await rejection(s.cloud.route53.setPrimaryRecord("Z0EXAMPLE00000000000", "app.example.com", "dr", { timeoutMs: 30 * SEC }), "TimeoutError");
    await s.clock.sleep(10 * MIN);
    await s.cloud.route53.getFailoverRecords("Z0EXAMPLE00000000000", "app.example.com", { timeoutMs: 5 * SEC });
    s.faults.impairRoute53({ forMs: MIN });
    await rejection(s.cloud.route53.getFailoverRecords("Z0EXAMPLE00000000000", "app.example.com", { timeoutMs: 5 * SEC }), "TimeoutError");
    await s.cloud.eks.describeCluster("us-east-1", "eks-dr-primary"); // EKS in us-east-1 is fine
  });

  it("an aborted call rejects with the signal's reason and does not take effect", async () => {
    const s = await sim();
    const ac = new AbortController();
    const call = s.cloud.rds.failoverGlobalCluster("us-west-2", GLOBAL_CLUSTER_ID, s.world.site("dr").db.arn, { signal: ac.signal });
    ac.abort(new Error("cancelled by operator"));
    expect((await rejection(call)).message).to.equal("cancelled by operator");
    expect(s.world.globalCluster().failoverState).to.equal(undefined);
    expect(s.world.sideEffects("failoverGlobalCluster")).to.have.length(0);
  });

  it("records every call, and side effects that succeeded, by API name and port method", async () => {
    const s = await sim();
    await s.cloud.rds.describeGlobalCluster("us-west-2", GLOBAL_CLUSTER_ID);
    await s.cloud.rds.switchoverGlobalCluster("us-east-1", GLOBAL_CLUSTER_ID, s.world.site("dr").db.arn);
    await rejection(s.cloud.rds.switchoverGlobalCluster("us-east-1", GLOBAL_CLUSTER_ID, s.world.site("dr").db.arn), "InvalidGlobalClusterStateFault");
    expect(s.world.calls({ api: "SwitchoverGlobalCluster" }).map((c) => c.outcome)).to.deep.equal(["ok", "InvalidGlobalClusterStateFault"]);
    expect(s.world.sideEffects("SwitchoverGlobalCluster")).to.have.length(1);
    expect(s.world.sideEffects("switchoverGlobalCluster")[0]).to.include({ origin: "cloud", region: "us-east-1" });
    expect(s.world.sideEffects().every((c) => c.sideEffect)).to.equal(true);
  });
});
