/**
 * The two sites of a failover, read once from the stacks: config (roles, sizes, DNS) and outputs
 * (cluster, node groups, file system, DB cluster, endpoint). Plans close over these; everything
 * that changes during a run (writer, replication, records) is read from the cloud by the steps.
 */
import type { StackPort } from "../ports";
import type { SiteConfig } from "../../stacks/config";
import type { SiteOutputs } from "../../stacks/outputs";
import { RefusedError } from "../errors";

export interface Site {
  stack: string;
  region: string;
  config: SiteConfig;
  outputs: SiteOutputs;
}

export interface Pair {
  /** The site giving up the active role. */
  source: Site;
  /** The site taking it. */
  target: Site;
  /** Exported by the owner of global resources, whichever site that is. */
  globalClusterIdentifier: string;
}

export async function loadSite(stacks: StackPort, stack: string): Promise<Site> {
  const config = await stacks.readConfig(stack);
  const outputs = await stacks.outputs(stack);
  if (!outputs) {
    throw new RefusedError(`Stack "${stack}" has no outputs yet: deploy it first (npm run deploy).`);
  }
  return { stack, region: config.region, config, outputs };
}

/** The pair for a switch to `targetStack`; its peer (from its config) is the source. */
export async function loadPair(stacks: StackPort, targetStack: string): Promise<Pair> {
  const target = await loadSite(stacks, targetStack);
  const source = await loadSite(stacks, target.config.peerStack);
  const globalClusterIdentifier = source.outputs.globalClusterIdentifier ?? target.outputs.globalClusterIdentifier;
  if (!globalClusterIdentifier) {
    throw new RefusedError(
      `Neither "${source.stack}" nor "${target.stack}" exports globalClusterIdentifier; the site with eks-dr:ownsGlobalResources=true must be deployed first.`,
    );
  }
  return { source, target, globalClusterIdentifier };
}

/** The writer cluster's ARN of a global cluster description, if any. */
export function writerArn(members: { clusterArn: string; isWriter: boolean }[]): string | undefined {
  return members.find((m) => m.isWriter)?.clusterArn;
}
