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

/**
 * A site as a restore into it sees it before its up: a full site, or a standby of the backup-restore
 * tier, which exports only its network, vault, key, landing zone and Velero bucket (the cluster-side
 * outputs come with the restore's up, and the steps after it read them then).
 */
export type SiteView = Omit<Site, "outputs"> & {
  outputs: Partial<SiteOutputs>;
  /** A backup-restore standby read with its own outputs: the cluster-side ones come with its up. */
  backupOnly?: boolean;
};

/** The pair of a restore: a source read as usual, a target that may be a backup-only standby. */
export interface PairView {
  source: SiteView;
  target: SiteView;
  globalClusterIdentifier: string;
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

/**
 * The target of a restore: a full site, or a backup-restore standby (config `drTier` and role
 * standby) read with its own outputs schema.
 */
export async function loadRestoreSite(stacks: StackPort, stack: string): Promise<SiteView> {
  const config = await stacks.readConfig(stack);
  if (config.drTier !== "backup-restore" || config.role !== "standby") return loadSite(stacks, stack);
  // A backup-restore standby restored into before (a crash after its up, a resumed run) is a full site already.
  const full = await stacks.outputs(stack).catch(() => undefined);
  if (full) return { stack, region: config.region, config, outputs: full };
  const outputs = await stacks.backupOnlyOutputs(stack);
  if (!outputs) throw new RefusedError(`Stack "${stack}" has no outputs yet: deploy it first (npm run deploy).`);
  return { stack, region: config.region, config, outputs, backupOnly: true };
}

/**
 * The global database a switch acts on: the one the active site's served cluster is in (output
 * `dbGlobalClusterIdentifier`: after a restore, the one its restored cluster writes), else the
 * pair's (the owner's output; stacks deployed before the output existed).
 */
export function servedGlobalClusterIdentifier(active: Pick<SiteView, "outputs">, other: Pick<SiteView, "outputs">): string | undefined {
  return active.outputs.dbGlobalClusterIdentifier ?? active.outputs.globalClusterIdentifier ?? other.outputs.globalClusterIdentifier;
}

/** The pair of a restore into `targetStack` (a full site or a backup-only standby); its peer is the source. */
export async function loadRestorePair(stacks: StackPort, targetStack: string): Promise<PairView> {
  const target = await loadRestoreSite(stacks, targetStack);
  const source = await loadSite(stacks, target.config.peerStack);
  return { source, target, globalClusterIdentifier: source.outputs.globalClusterIdentifier ?? target.outputs.globalClusterIdentifier ?? "" };
}

/** The pair for a switch to `targetStack`; its peer (from its config) is the source. */
export async function loadPair(stacks: StackPort, targetStack: string): Promise<Pair> {
  const target = await loadSite(stacks, targetStack);
  const source = await loadSite(stacks, target.config.peerStack);
  const globalClusterIdentifier = servedGlobalClusterIdentifier(source, target);
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
