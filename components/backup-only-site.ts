/**
 * The standby site of the backup-restore tier: only the network, so that a restore has a VPC to
 * rebuild the site in. Everything else it keeps (the backup vault, the Velero bucket, the replicas
 * of images and secrets, the encryption key) is composed around it by the stack program, as for a
 * full site; the cluster, nodes, file system and database are rebuilt from backups by `pulumi up`
 * with the role active.
 *
 * The network keeps its URN whichever shape the site has: this component and `RegionalSite` alias
 * each other's type, and children inherit their parent's aliases (@pulumi/pulumi resource.ts,
 * `inheritedChildAlias`), so moving a site between tiers never replaces its VPC. The VPC's own
 * resources are registered by the awsx component's provider; the engine gives them the inherited
 * alias as well (pulumi/pulumi pkg/resource/deploy/step_generator.go, `generateAliases` multiplies
 * out the aliases the parent was found under).
 */
import * as pulumi from "@pulumi/pulumi";
import { Network, type NetworkArgs } from "./network";

export const BACKUP_ONLY_SITE_TYPE = "eks-dr:index:BackupOnlySite";
export const REGIONAL_SITE_TYPE = "eks-dr:index:RegionalSite";

export interface BackupOnlySiteArgs {
  /** The VPC; the same values as the full site's, so the network is the same resources. */
  network: NetworkArgs;
}

export class BackupOnlySite extends pulumi.ComponentResource {
  readonly network: Network;

  constructor(name: string, args: BackupOnlySiteArgs, opts?: pulumi.ComponentResourceOptions) {
    super(BACKUP_ONLY_SITE_TYPE, name, {}, { ...opts, aliases: [...(opts?.aliases ?? []), { type: REGIONAL_SITE_TYPE }] });
    // The same name as RegionalSite's network.
    this.network = new Network(`${name}-network`, args.network, { parent: this });
    this.registerOutputs({ vpcId: this.network.vpcId });
  }
}
