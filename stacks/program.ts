/**
 * The site program: typed config -> one RegionalSite -> the typed outputs contract.
 * `index.ts` runs it for `pulumi up`; tests run it under mocks.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { loadSite, runtimeProjectConfig } from "./config-source";
import { PeerSite } from "./peer";

export interface SiteProgramOptions {
  /** Directory holding the Pulumi.<stack>.yaml files (the peer's is read for pair checks). */
  projectDir: string;
}

export async function runSite(opts: SiteProgramOptions): Promise<Record<string, pulumi.Input<unknown>>> {
  const stack = pulumi.getStack();
  // Validate before anything is registered: a bad key fails here with its name and fix.
  const { config } = loadSite(stack, runtimeProjectConfig(), opts.projectDir);
  const provider = new aws.Provider(`${stack}-${config.region}`, { region: config.region as aws.Region });
  const peer = await PeerSite.read(stack, config.peerStack);
  return { stack, region: config.region, role: config.role, provider: provider.urn, peerStack: peer.stackName };
}
