/**
 * The program of a standby site in the backup-restore tier: no cluster, nodes, file system or
 * database, and no replication into it; only what a restore needs in the Region: the network, the
 * backup vault the active site copies its recovery points into, the Velero bucket it replicates to,
 * the replicas of the container images and the database secret, and the encryption key.
 *
 * What exists once for the pair stays with its owner whatever the tier (docs/decisions.md, 1): an
 * owner in this shape keeps the multi-Region primary key, the credentials secret and the (protected)
 * global cluster under the same URNs as in a full site.
 */
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BackupOnlySite } from "../components/backup-only-site";
import type { NetworkArgs } from "../components/network";
import { secretArnInRegion } from "../components/database-credentials";
import type { EncryptionKey } from "../components/encryption-key";
import { DatabaseLandingZone } from "../components/global-database";
import { ImageRegistry } from "../components/image-registry";
import { SiteAlarms } from "../components/site-alarms";
import { auroraLagMetric, type SiteConfig } from "./config";
import { OUTPUTS_CONTRACT_VERSION } from "./outputs";
import type { PeerSite } from "./peer";
import type { SiteExports } from "./program";
import type { SiteRoleValues } from "./roles";
import { pairDatabaseCredentials } from "./database-credentials";
import { backupOutputs, siteBackups } from "./site-backups";

export interface BackupOnlySiteContext {
  stack: string;
  config: SiteConfig;
  /** What the site's role means (`resolveSiteRole`). */
  byRole: SiteRoleValues;
  /** The site's network, the same as a full site's. */
  network: NetworkArgs;
  peer: PeerSite;
  peerRegion: string;
  /** Undefined while the owner has not exported its primary key (the program warns). */
  key: EncryptionKey | undefined;
  /** The site's AWS provider. */
  provider: aws.Provider;
}

export function runBackupOnlySite(ctx: BackupOnlySiteContext): SiteExports {
  const { stack, config, byRole, peer, peerRegion, key, provider } = ctx;
  const providers = [provider];

  const site = new BackupOnlySite(stack, { network: ctx.network }, { providers });

  // The same resources, names and inputs as in runSite, so they survive a change of tier.
  const credentials = pairDatabaseCredentials(stack, config, key, peer, peerRegion, providers);
  // Where a restored cluster lands (and the owner's global cluster): GlobalDatabase's names, so the
  // restored cluster keeps its subnet group and security group when the site becomes a full one.
  const database = new DatabaseLandingZone(
    `${stack}-db`,
    {
      clusterIdentifier: `eks-dr-${stack}`,
      vpcId: site.network.vpcId,
      privateSubnetIds: site.network.privateSubnetIds,
      globalCluster: config.ownsGlobalResources
        ? { globalClusterIdentifier: `${pulumi.getProject()}-global`, engineVersion: config.database.engineVersion }
        : undefined,
    },
    { providers },
  );
  const dbSecretArn = credentials?.secretArn ?? (peer.outputs.dbSecretArn ? secretArnInRegion(peer.outputs.dbSecretArn, config.region) : undefined);

  // The active site's registry replicates into these repositories: a restore pulls from its own Region.
  const registry = new ImageRegistry(`${stack}-images`, { peerRegion, kmsKeyArn: key?.keyArn }, { providers });
  // No replication to alarm on here; the topic receives this Region's failed backup jobs.
  const alarms = new SiteAlarms(
    `${stack}-alarms`,
    {
      region: config.region,
      rpoTargetSeconds: config.rpoTargetSeconds,
      alarmEmail: config.alarmEmail,
      auroraLagMetric: auroraLagMetric(config.database.engineVersion),
      kmsKeyArn: key?.keyArn,
    },
    { providers },
  );
  const backups = key && siteBackups({ stack, config, byRole, peer, peerRegion, key, alarmTopicArn: alarms.topicArn }, { providers });

  return {
    contractVersion: OUTPUTS_CONTRACT_VERSION,
    stack,
    region: config.region,
    role: config.role,
    drTier: "backup-restore",
    vpcId: site.network.vpcId,
    vpcCidr: site.network.cidrBlock,
    availabilityZones: site.network.availabilityZones,
    privateSubnetIds: site.network.privateSubnetIds,
    publicSubnetIds: site.network.publicSubnetIds,
    kmsKeyArn: key?.keyArn,
    kmsPrimaryKeyArn: key?.primaryKeyArn,
    globalClusterIdentifier: database.globalClusterIdentifier,
    dbSubnetGroupName: database.subnetGroupName,
    dbSecurityGroupId: database.securityGroupId,
    dbSecretArn,
    alarmTopicArn: alarms.topicArn,
    ecrRepositoryUrls: pulumi.output(registry.repositoryUrls),
    ...(backups ? backupOutputs(backups) : {}),
  };
}
