/**
 * The real EKS port (AWS SDK v3): the Region probe and the node groups.
 *
 * - `ListClusters` (maxResults 1) is the cheapest authenticated read, used to probe a Region.
 * - `UpdateNodegroupConfig` returns as soon as the update is accepted; the sizes land minutes later.
 * - `DescribeNodegroup` reports sizes and status, not whether the nodes are Ready: those are counted
 *   through the cluster's Kubernetes API (cloud/kubernetes), when the adapter is given it.
 */
import { DescribeClusterCommand, DescribeNodegroupCommand, ListClustersCommand, UpdateNodegroupConfigCommand } from "@aws-sdk/client-eks";
import type { CallOptions } from "../call-options";
import { AwsCallError, AwsCallTimeoutError, boundedCall, type CallSite } from "../aws/call";
import { type AwsContext, required } from "../aws/context";
import type { EksPort, NodeGroupScaling, NodeGroupState } from "./port";

/** Ready nodes of a node group, from the cluster's Kubernetes API (cloud/kubernetes). */
export type CountReadyNodes = (
  region: string,
  clusterName: string,
  nodeGroupName: string,
  labels: Record<string, string>,
  opts?: CallOptions,
) => Promise<number>;

export class EksApi implements EksPort {
  constructor(
    private readonly ctx: AwsContext,
    /** Bound for `probeRegion` without `timeoutMs`, in ms. */
    private readonly probeTimeoutMs: number,
    /** Where Ready nodes are counted; without it `readyNodes` is unknown (undefined). */
    private readonly countReadyNodes?: CountReadyNodes,
  ) {}

  async probeRegion(region: string, opts?: CallOptions): Promise<boolean> {
    const site: CallSite = { service: "EKS", api: "ListClusters", region };
    try {
      await boundedCall(site, this.ctx.bound(opts, this.probeTimeoutMs), (abortSignal) =>
        this.ctx.clients.client("eks", region).send(new ListClustersCommand({ maxResults: 1 }), { abortSignal }),
      );
      return true;
    } catch (err) {
      if (opts?.signal?.aborted) throw err;
      if (err instanceof AwsCallTimeoutError) return false;
      if (err instanceof AwsCallError) {
        if (isLocalCredentialsProblem(err)) throw err;
        // No HTTP answer (DNS, connect, reset) or a server-side fault: the control plane is not serving.
        if (err.httpStatus === undefined || err.httpStatus >= 500) return false;
        // Throttled: it answered. Anything else (access denied, bad credentials) is ours to fix, not the Region's.
        if (err.throttling) return true;
      }
      throw err;
    }
  }

  async describeCluster(region: string, clusterName: string, opts?: CallOptions): Promise<{ status: string }> {
    const site: CallSite = { service: "EKS", api: "DescribeCluster", region, resource: `cluster "${clusterName}"` };
    const out = await boundedCall(site, this.ctx.bound(opts), (abortSignal) =>
      this.ctx.clients.client("eks", region).send(new DescribeClusterCommand({ name: clusterName }), { abortSignal }),
    );
    return { status: required(site, out.cluster?.status, "cluster.status") };
  }

  async describeNodeGroup(region: string, clusterName: string, nodeGroupName: string, opts?: CallOptions): Promise<NodeGroupState> {
    const site: CallSite = { service: "EKS", api: "DescribeNodegroup", region, resource: nodeGroupResource(clusterName, nodeGroupName) };
    const bound = this.ctx.bound(opts);
    const started = Date.now();
    const out = await boundedCall(site, bound, (abortSignal) =>
      this.ctx.clients.client("eks", region).send(new DescribeNodegroupCommand({ clusterName, nodegroupName: nodeGroupName }), { abortSignal }),
    );
    const ng = out.nodegroup;
    const scaling = ng?.scalingConfig;
    const state: NodeGroupState = {
      status: required(site, ng?.status, "nodegroup.status"),
      minSize: required(site, scaling?.minSize, "nodegroup.scalingConfig.minSize"),
      desiredSize: required(site, scaling?.desiredSize, "nodegroup.scalingConfig.desiredSize"),
      maxSize: required(site, scaling?.maxSize, "nodegroup.scalingConfig.maxSize"),
      readyNodes: undefined,
    };
    // Ready nodes need the Kubernetes API (node conditions); the EKS API does not report them. Read
    // within what is left of the call's bound, so the pair stays one call for the guard.
    if (this.countReadyNodes) {
      const left = Math.max(1, bound.timeoutMs - (Date.now() - started));
      state.readyNodes = await this.countReadyNodes(region, clusterName, nodeGroupName, ng?.labels ?? {}, { timeoutMs: left, signal: bound.signal });
    }
    return state;
  }

  async scaleNodeGroup(region: string, clusterName: string, nodeGroupName: string, scaling: NodeGroupScaling, opts?: CallOptions): Promise<void> {
    const site: CallSite = {
      service: "EKS",
      api: "UpdateNodegroupConfig",
      region,
      resource: nodeGroupResource(clusterName, nodeGroupName),
      mutating: true,
    };
    await boundedCall(site, this.ctx.bound(opts), (abortSignal) =>
      this.ctx.clients.client("eks", region).send(
        new UpdateNodegroupConfigCommand({
          clusterName,
          nodegroupName: nodeGroupName,
          scalingConfig: { minSize: scaling.minSize, desiredSize: scaling.desiredSize, maxSize: scaling.maxSize },
        }),
        { abortSignal },
      ),
    );
  }
}

function nodeGroupResource(clusterName: string, nodeGroupName: string): string {
  return `node group "${nodeGroupName}" of cluster "${clusterName}"`;
}

const LOCAL_CREDENTIAL_ERRORS = new Set(["CredentialsProviderError", "TokenProviderError"]);

/** Missing or unloadable credentials look like "no answer" but are a local problem, not a Region outage. */
function isLocalCredentialsProblem(err: AwsCallError): boolean {
  const cause = err.cause as { name?: string } | undefined;
  return LOCAL_CREDENTIAL_ERRORS.has(cause?.name ?? "");
}
