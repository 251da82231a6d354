/** The simulated EKS port: the Region probe and node groups of the simulated world. */
import type { SimCall } from "../../sim/cloud-call";
import type { CallOptions } from "../call-options";
import type { EksPort, NodeGroupScaling, NodeGroupState } from "./port";

export class SimEks implements EksPort {
  constructor(private readonly sim: SimCall) {}

  probeRegion(region: string, opts?: CallOptions): Promise<boolean> {
    return this.sim.call(
      { method: "probeRegion", service: "eks", api: "ListClusters", region, args: {}, sideEffect: false },
      opts,
      () => true,
      () => false,
    );
  }

  describeCluster(region: string, clusterName: string, opts?: CallOptions): Promise<{ status: string }> {
    return this.sim.call({ method: "describeCluster", service: "eks", api: "DescribeCluster", region, args: { clusterName }, sideEffect: false }, opts, () =>
      this.sim.world.describeCluster(region, clusterName),
    );
  }

  describeNodeGroup(region: string, clusterName: string, nodeGroupName: string, opts?: CallOptions): Promise<NodeGroupState> {
    return this.sim.call(
      { method: "describeNodeGroup", service: "eks", api: "DescribeNodegroup", region, args: { clusterName, nodeGroupName }, sideEffect: false },
      opts,
      () => this.sim.world.describeNodeGroup(region, clusterName, nodeGroupName),
    );
  }

  async scaleNodeGroup(region: string, clusterName: string, nodeGroupName: string, scaling: NodeGroupScaling, opts?: CallOptions): Promise<void> {
    await this.sim.call(
      { method: "scaleNodeGroup", service: "eks", api: "UpdateNodegroupConfig", region, args: { clusterName, nodeGroupName, ...scaling }, sideEffect: true },
      opts,
      () => this.sim.world.scaleNodeGroup(region, clusterName, nodeGroupName, scaling),
    );
  }
}
