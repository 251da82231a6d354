/**
 * Typed access to the peer site's outputs through a StackReference.
 *
 * The program reads the peer once, before registering the resources that depend on it, so that
 * "the peer has no file system yet" is a plain `undefined` it can branch on (skip replication,
 * warn) rather than an Output. A missing peer output is normal on the first deploy of either site.
 */
import * as pulumi from "@pulumi/pulumi";
import { SITE_OUTPUT_KEYS, type SiteOutputKey, type SiteOutputs } from "./outputs";

/** What the peer has exported so far; secret outputs are left out (no site needs the peer's). */
export type PeerOutputs = Partial<SiteOutputs>;

export class PeerSite {
  private readonly warned = new Set<string>();

  private constructor(
    readonly stackName: string,
    private readonly selfStack: string,
    readonly outputs: PeerOutputs,
  ) {}

  /** `org/project/stack`; a name that already has slashes is used as given. */
  static qualifiedName(peerStack: string): string {
    if (peerStack.includes("/")) return peerStack;
    return `${pulumi.getOrganization()}/${pulumi.getProject()}/${peerStack}`;
  }

  /** Opens the StackReference and reads every key of the outputs contract. */
  static async read(selfStack: string, peerStack: string, opts?: pulumi.CustomResourceOptions): Promise<PeerSite> {
    const ref = new pulumi.StackReference(`peer-${peerStack}`, { name: PeerSite.qualifiedName(peerStack) }, opts);
    const outputs: Record<string, unknown> = {};
    for (const key of SITE_OUTPUT_KEYS) {
      const details = await ref.getOutputDetails(key);
      if (details.value !== undefined && details.value !== null) outputs[key] = details.value;
    }
    return new PeerSite(peerStack, selfStack, outputs as PeerOutputs);
  }

  /** For tests and tools that already hold the peer's outputs. */
  static fromOutputs(selfStack: string, peerStack: string, outputs: PeerOutputs): PeerSite {
    return new PeerSite(peerStack, selfStack, outputs);
  }

  /**
   * One output of the peer, or undefined with a warning that says what to run next.
   * `purpose` names what waits for it, e.g. "the secondary DB cluster".
   */
  get<K extends SiteOutputKey>(key: K, purpose: string): SiteOutputs[K] | undefined {
    const value = this.outputs[key];
    if (value === undefined) this.warnMissing(key, purpose);
    return value as SiteOutputs[K] | undefined;
  }

  private warnMissing(key: string, purpose: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    pulumi.log.warn(
      `Peer stack "${this.stackName}" has no output "${key}" yet: skipping ${purpose} for now. ` +
        `Run \`pulumi up -s ${this.stackName}\`, then \`pulumi up -s ${this.selfStack}\` again.`,
    );
  }
}
