/**
 * EKS: the sites' clusters and managed node groups. A scaling update is accepted at once and the new
 * nodes turn Ready after the node provisioning latency (ASG or Karpenter row); scaling down takes
 * effect at once. Node groups live in each site's record (`nodeGroups`), bootstrapped from its config.
 */
import type { NodeGroupScaling, NodeGroupState } from "../../ports";
import { AwsError } from "../errors";
import { type NodeGroupRec, Part } from "./core";

export class Eks extends Part {
  describeCluster(region: string, clusterName: string): { status: string } {
    const site = this.siteInRegion(region);
    if (!site || site.names.clusterName !== clusterName)
      throw new AwsError("ResourceNotFoundException", `No cluster found for name: ${clusterName}.`, { status: 404 });
    return { status: "ACTIVE" };
  }

  private nodeGroupRec(region: string, clusterName: string, nodeGroupName: string): NodeGroupRec {
    const site = this.siteInRegion(region);
    if (!site || site.names.clusterName !== clusterName)
      throw new AwsError("ResourceNotFoundException", `No cluster found for name: ${clusterName}.`, { status: 404 });
    const ng = Object.values(site.nodeGroups).find((n) => n.name === nodeGroupName);
    if (!ng) throw new AwsError("ResourceNotFoundException", `No node group found for name: ${nodeGroupName}.`, { status: 404 });
    return ng;
  }

  describeNodeGroup(region: string, clusterName: string, nodeGroupName: string): NodeGroupState {
    const ng = this.nodeGroupRec(region, clusterName, nodeGroupName);
    return { ...ng.scaling, status: ng.status, readyNodes: ng.readyNodes };
  }

  scaleNodeGroup(region: string, clusterName: string, nodeGroupName: string, scaling: NodeGroupScaling): number {
    const ng = this.nodeGroupRec(region, clusterName, nodeGroupName);
    const { minSize, desiredSize, maxSize } = scaling;
    if (![minSize, desiredSize, maxSize].every((n) => Number.isInteger(n) && n >= 0) || maxSize < 1 || minSize > desiredSize || desiredSize > maxSize) {
      throw new AwsError(
        "InvalidParameterException",
        `invalid scaling config min=${minSize} desired=${desiredSize} max=${maxSize}: need 0 <= min <= desired <= max, max >= 1`,
      );
    }
    if (ng.status === "UPDATING") {
      throw new AwsError("ResourceInUseException", `Nodegroup ${nodeGroupName} is currently being updated; wait for its update to complete`, { status: 409 });
    }
    ng.scaling = { minSize, desiredSize, maxSize };
    const gen = ++ng.gen;
    if (desiredSize <= ng.readyNodes) {
      ng.readyNodes = desiredSize;
      this.recompute();
      return this.t;
    }
    ng.status = "UPDATING";
    const step = this.tuning.nodeProvisioning === "karpenter" ? "karpenter-ready" : "nodegroup-ready";
    return this.schedule(this.t + this.latency.sample(step), `${nodeGroupName}: ${desiredSize} nodes Ready`, () => {
      if (gen !== ng.gen) return;
      ng.readyNodes = ng.scaling.desiredSize;
      ng.status = "ACTIVE";
    });
  }
}
