/**
 * One retry layer: the driver's guard (on its Clock, counted in the report) retries what is worth
 * retrying; the SDK clients make one attempt per call, so the attempts never multiply.
 */
import { expect } from "chai";
import { defaultAwsClientFactory } from "../../automation/cloud/aws-cloud";
import { AwsCallError } from "../../automation/cloud/aws/call";
import { DEFAULT_RETRY, retryCall } from "../../automation/engine/retry";
import { isRetryableCallError } from "../../automation/errors";
import { VirtualClock } from "../../automation/sim/virtual-clock";
import { AwsError, SimTimeoutError } from "../../automation/sim/errors";

describe("one retry layer", () => {
  it("the real SDK clients make a single attempt per call (the guard retries, never both)", async () => {
    const clients = defaultAwsClientFactory({ credentials: { accessKeyId: "a", secretAccessKey: "b" } });
    for (const client of [clients.eks("us-east-1"), clients.rds("us-east-1"), clients.efs("us-east-1"), clients.cloudWatch("us-east-1"), clients.route53()]) {
      expect(await client.config.maxAttempts()).to.equal(1);
    }
  });

  it("retries throttling and the transient answers the SDK's standard mode would (500/502/503/504, connection resets), not timeouts", () => {
    const site = { service: "EKS", api: "DescribeNodegroup", region: "us-west-2" };
    const answer = (status: number, name: string) =>
      new AwsCallError(site, Object.assign(new Error("x"), { name, $fault: "server", $metadata: { httpStatusCode: status } }));
    expect(isRetryableCallError(new AwsError("ThrottlingException", "Rate exceeded", { throttling: true }))).to.equal(true);
    expect(isRetryableCallError(answer(503, "ServiceUnavailableException"))).to.equal(true);
    expect(isRetryableCallError(answer(500, "ServerException"))).to.equal(true);
    expect(isRetryableCallError(new AwsCallError(site, Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })))).to.equal(true);
    expect(isRetryableCallError(answer(400, "InvalidParameterException"))).to.equal(false);
    expect(isRetryableCallError(answer(501, "NotImplemented"))).to.equal(false);
    expect(isRetryableCallError(new SimTimeoutError("DescribeNodegroup", "us-east-1", 5000))).to.equal(false);
  });

  it("gives a transient server error the guard's attempts, no more", async () => {
    const clock = new VirtualClock({ startMs: 0 });
    let calls = 0;
    const err = await retryCall(
      clock,
      DEFAULT_RETRY,
      () => 0,
      async () => {
        calls++;
        throw new AwsError("InternalFailure", "boom", { status: 500 });
      },
    ).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(AwsError);
    expect(calls).to.equal(DEFAULT_RETRY.maxAttempts);
  });
});
