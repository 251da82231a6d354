/**
 * The backups every site keeps beside replication, whatever its shape (full site or the network-only
 * standby of the backup-restore tier): the AWS Backup vault (and, while active, the plan copying to
 * the peer's vault) and Velero's bucket (replicated to the peer's while active).
 */
import type * as pulumi from "@pulumi/pulumi";
import { BACKUP_SELECTION_TAG, SiteBackup } from "../components/site-backup";
import type { EncryptionKey } from "../components/encryption-key";
import { VeleroBucket } from "../components/velero-bucket";
import type { SiteConfig } from "./config";
import type { SiteOutputs } from "./outputs";
import type { PeerSite } from "./peer";
import type { SiteRoleValues } from "./roles";

export interface SiteBackupsArgs {
  stack: string;
  config: SiteConfig;
  /** What the site's role means (`resolveSiteRole`). */
  byRole: Pick<SiteRoleValues, "runsBackupPlan" | "peerReplicationOff">;
  peer: PeerSite;
  peerRegion: string;
  key: EncryptionKey;
  alarmTopicArn: pulumi.Input<string>;
  /** `SiteBackupArgs.adopted`: the restored stores the site serves from, and its own they replace. */
  adopted?: { resourceArns: pulumi.Input<string>[]; replacedArns: pulumi.Input<string>[] };
}

export interface SiteBackups {
  backup: SiteBackup;
  bucket: VeleroBucket;
}

export function siteBackups(args: SiteBackupsArgs, opts: pulumi.ComponentResourceOptions): SiteBackups {
  const { stack, config, byRole, peer } = args;
  const backup = new SiteBackup(
    `${stack}-backup`,
    {
      runPlan: byRole.runsBackupPlan,
      backup: config.backup,
      kmsKeyArn: args.key.keyArn,
      // Raw peer outputs: SiteBackup warns once, with the command to run, when the vault is missing.
      peerVaultArn: peer.outputs.backupVaultArn,
      peerKmsKeyArn: peer.outputs.kmsKeyArn,
      peerStack: config.peerStack,
      copyToPeer: config.replicateToPeer,
      alarmTopicArn: args.alarmTopicArn,
      adopted: args.adopted,
    },
    opts,
  );
  const bucket = new VeleroBucket(
    `${stack}-velero`,
    {
      off: byRole.peerReplicationOff,
      kmsKeyArn: args.key.keyArn,
      retentionDays: config.velero.retentionDays,
      peerBucketArn: peer.outputs.veleroBucketArn,
      peerKmsKeyArn: peer.outputs.kmsKeyArn,
      peerRegion: args.peerRegion,
      peerStack: config.peerStack,
    },
    opts,
  );
  return { backup, bucket };
}

/** The outputs-contract keys of a site's backups. */
export function backupOutputs(b: SiteBackups): { [K in keyof SiteOutputs]?: pulumi.Input<SiteOutputs[K]> } {
  return {
    backupVaultName: b.backup.vaultName,
    backupVaultArn: b.backup.vaultArn,
    backupRoleArn: b.backup.roleArn,
    backupPlanId: b.backup.planId,
    backupPlanArn: b.backup.planArn,
    backupCopyVaultArn: b.backup.copyDestinationVaultArn,
    backupSelectionTag: { ...BACKUP_SELECTION_TAG },
    veleroBucketName: b.bucket.bucketName,
    veleroBucketArn: b.bucket.bucketArn,
  };
}
