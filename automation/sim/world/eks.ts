/**
 * EKS: the sites' clusters and managed node groups. A scaling update is accepted at once and the new
 * nodes turn Ready after the node provisioning latency (ASG or Karpenter row); scaling down takes
 * effect at once. Node groups live in each site's record (`nodeGroups`), bootstrapped from its config.
 */
import type { NodeGroupScaling, NodeGroupState } from "../../ports";
import { AwsError } from "../errors";
import type { NodeGroupName } from "../../../stacks/config";
import { type NodeGroupRec, Part, type SiteRec } from "./core";

export class Eks extends Part {
  private clusterSite(region: string, clusterName: string): SiteRec {
    const site = this.siteInRegion(region);
    if (!site || site.cluster.status === "NONE" || site.names.clusterName !== clusterName)
      throw new AwsError("ResourceNotFoundException", `No cluster found for name: ${clusterName}.`, { status: 404 });
    return site;
  }

  describeCluster(region: string, clusterName: string): { status: string } {
    return { status: this.clusterSite(region, clusterName).cluster.status };
  }

  /**
   * CreateCluster: CREATING, then ACTIVE after the control plane's creation latency; the provider
   * waits for ACTIVE (terraform-provider-aws internal/service/eks/cluster.go, waitClusterCreated).
   * Returns when it is ACTIVE.
   */
  createCluster(region: string, clusterName: string): number {
    const site = this.siteInRegion(region);
    if (!site) throw new AwsError("InvalidParameterException", `no simulated site in ${region}`);
    if (site.cluster.status !== "NONE")
      throw new AwsError("ResourceInUseException", `Cluster already exists with name: ${site.names.clusterName || clusterName}`, { status: 409 });
    site.names.clusterName = clusterName;
    const activeAt = this.t + this.latency.sample("eks-cluster-create");
    site.cluster = { status: "CREATING", activeAt };
    return this.schedule(activeAt, `${clusterName}: control plane ACTIVE`, () => {
      site.cluster.status = "ACTIVE";
    });
  }

  /**
   * CreateNodegroup in a cluster that exists: its nodes are Ready once the group is ACTIVE, after
   * the node group's creation latency counted from when the control plane is ACTIVE (the group
   * depends on the cluster, so Pulumi creates it only then). Returns when the group is ACTIVE.
   */
  createNodeGroup(region: string, clusterName: string, tier: NodeGroupName, nodeGroupName: string, scaling: NodeGroupScaling): number {
    const site = this.clusterSite(region, clusterName);
    const ng = site.nodeGroups[tier];
    if (ng.name !== "")
      throw new AwsError("ResourceInUseException", `NodeGroup already exists with name ${ng.name} and cluster name ${clusterName}`, { status: 409 });
    site.names.nodeGroupNames[tier] = nodeGroupName;
    Object.assign(ng, { name: nodeGroupName, scaling: { ...scaling }, readyNodes: 0, status: "UPDATING" as const });
    const gen = ++ng.gen;
    const activeAt = Math.max(this.t, site.cluster.activeAt ?? this.t) + this.latency.sample("nodegroup-create");
    ng.readyAt = activeAt;
    return this.schedule(activeAt, `${nodeGroupName}: created, ${scaling.desiredSize} nodes Ready`, () => {
      if (gen !== ng.gen) return;
      ng.readyNodes = ng.scaling.desiredSize;
      ng.status = "ACTIVE";
      ng.readyAt = undefined;
    });
  }

  private nodeGroupRec(region: string, clusterName: string, nodeGroupName: string): NodeGroupRec {
    const site = this.clusterSite(region, clusterName);
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
      ng.readyAt = undefined;
      this.recompute();
      return this.t;
    }
    ng.status = "UPDATING";
    const step = this.tuning.nodeProvisioning === "karpenter" ? "karpenter-ready" : "nodegroup-ready";
    const readyAt = this.t + this.latency.sample(step);
    ng.readyAt = readyAt;
    return this.schedule(readyAt, `${nodeGroupName}: ${desiredSize} nodes Ready`, () => {
      if (gen !== ng.gen) return;
      ng.readyNodes = ng.scaling.desiredSize;
      ng.status = "ACTIVE";
      ng.readyAt = undefined;
    });
  }
}
