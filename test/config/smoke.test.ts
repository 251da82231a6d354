import { expect } from "chai";
import { evaluateSite } from "../harness/evaluate";

describe("harness smoke", () => {
  it("evaluates the primary stack file", async () => {
    const ev = await evaluateSite({ stack: "primary" });
    expect(ev.outputs.region).to.equal("us-east-1");
  });
});
