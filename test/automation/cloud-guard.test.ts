/**
 * The one generic guard over every cloud port: each call gets its bound in its `CallOptions`
 * parameter whatever the call's shape, and its other arguments reach the adapter unchanged.
 */
import { expect } from "chai";
import { guardCloud, optionsIndex } from "../../automation/cloud/guard";
import { DEFAULT_RETRY } from "../../automation/engine/retry";
import type { CallOptions, CloudPort, NodeGroupScaling } from "../../automation/ports";
import { VirtualClock } from "../../automation/sim/virtual-clock";

class RecordingEks {
  readonly seen: unknown[][] = [];
  async probeRegion(region: string, opts?: CallOptions): Promise<boolean> {
    this.seen.push([region, opts?.timeoutMs]);
    return true;
  }
  async scaleNodeGroup(region: string, cluster: string, group: string, scaling: NodeGroupScaling, opts?: CallOptions): Promise<void> {
    this.seen.push([region, cluster, group, scaling, opts?.timeoutMs]);
  }
}
class RecordingServing {
  readonly seen: unknown[][] = [];
  async checkEndpoint(url: string, hostname: string | undefined, opts?: CallOptions): Promise<boolean> {
    this.seen.push([url, hostname, opts?.timeoutMs]);
    return true;
  }
}

describe("the generic cloud guard", () => {
  const eks = new RecordingEks();
  const serving = new RecordingServing();
  const cloud = guardCloud({ eks, serving } as unknown as CloudPort, {
    clock: new VirtualClock({ startMs: 0 }),
    policy: DEFAULT_RETRY,
    random: () => 0,
    defaultTimeoutMs: 2000,
    signal: new AbortController().signal,
  });

  it("passes the call's bound, or the default, in the last parameter; other arguments unchanged", async () => {
    await cloud.eks.probeRegion("us-east-1", { timeoutMs: 5000 });
    await cloud.eks.probeRegion("us-east-1");
    const scaling = { minSize: 1, desiredSize: 2, maxSize: 3 };
    await cloud.eks.scaleNodeGroup("us-west-2", "c", "web", scaling, { timeoutMs: 7000 });
    await cloud.serving.checkEndpoint("http://x/healthz", undefined);
    await cloud.serving.checkEndpoint("https://x/healthz", "app.example.com", { timeoutMs: 9000 });
    expect(eks.seen).to.deep.equal([
      ["us-east-1", 5000],
      ["us-east-1", 2000],
      ["us-west-2", "c", "web", scaling, 7000],
    ]);
    expect(serving.seen).to.deep.equal([
      ["http://x/healthz", undefined, 2000],
      ["https://x/healthz", "app.example.com", 9000],
    ]);
  });

  it("places the options of a test double that declares fewer parameters after its arguments", () => {
    expect(optionsIndex({ length: 0 }, ["us-east-1", { timeoutMs: 1 }])).to.equal(1);
    expect(optionsIndex({ length: 1 }, ["us-east-1"])).to.equal(1);
    expect(optionsIndex({ length: 2 }, ["us-east-1"])).to.equal(1);
  });
});
