/** EKS: the Region probe and the node groups the driver scales directly. */
import type { CallOptions } from "../call-options";

export interface NodeGroupScaling {
  minSize: number;
  desiredSize: number;
  maxSize: number;
}

export interface NodeGroupState extends NodeGroupScaling {
  status: string;
  /** Nodes registered and Ready; undefined where the adapter cannot tell. */
  readyNodes?: number;
  /** Why `readyNodes` could not be read (e.g. the Kubernetes API refused the driver's identity). */
  readyNodesUnknown?: string;
}

export interface EksPort {
  /** Cheap call that proves the Region's control plane answers within the timeout. */
  probeRegion(region: string, opts?: CallOptions): Promise<boolean>;
  describeCluster(region: string, clusterName: string, opts?: CallOptions): Promise<{ status: string }>;
  describeNodeGroup(region: string, clusterName: string, nodeGroupName: string, opts?: CallOptions): Promise<NodeGroupState>;
  /** Starts a scaling update (UpdateNodegroupConfig); resolves when the update is accepted. */
  scaleNodeGroup(region: string, clusterName: string, nodeGroupName: string, scaling: NodeGroupScaling, opts?: CallOptions): Promise<void>;
}
