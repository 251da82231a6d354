/**
 * The outputs contract of a site stack.
 *
 * The program exports exactly these keys, the peer stack reads them through `PeerSite`, and the
 * driver validates them with `siteOutputsSchema` after `stack.outputs()`. Adding an output means
 * adding it here first. Keys that only exist in some situations are optional, with the reason.
 */
import { z } from "zod";
import { DR_TIERS, NODE_GROUPS, ROLES } from "./config";

/** Bumped when a key changes meaning, so a driver never misreads an older stack. */
export const OUTPUTS_CONTRACT_VERSION = 1;

const nodeGroupNames = z.object(Object.fromEntries(NODE_GROUPS.map((n) => [n, z.string()])) as Record<(typeof NODE_GROUPS)[number], z.ZodString>);

/**
 * A site that waits for its peer (a non-owner deployed before the owner has its key and global
 * cluster) exports only part of this; it fails to parse, which the driver reports as not ready.
 */
export const siteOutputsSchema = z.object({
  contractVersion: z.literal(OUTPUTS_CONTRACT_VERSION),
  stack: z.string(),
  region: z.string(),
  role: z.enum(ROLES),
  /** The site's last `up` put its workload in read-only mode (quiesced): it serves reads, takes no writes. */
  readOnly: z.boolean().optional(),

  // Network
  vpcId: z.string(),
  vpcCidr: z.string(),
  availabilityZones: z.array(z.string()),
  privateSubnetIds: z.array(z.string()),
  publicSubnetIds: z.array(z.string()),

  // Cluster
  clusterName: z.string(),
  clusterArn: z.string(),
  clusterEndpoint: z.string(),
  /** Secret: a kubeconfig that authenticates with `aws eks get-token` for this Region. */
  kubeconfig: z.string(),
  clusterSecurityGroupId: z.string(),
  nodeSecurityGroupId: z.string(),
  oidcIssuerUrl: z.string(),
  nodeGroupNames,
  /**
   * URNs of resources the failover driver changes directly (node groups scaled through the EKS
   * API, because a `pulumi up` on the critical path would add minutes). The driver refreshes
   * exactly these before its converge `up`; never the whole stack (see pulumi-aws#6041).
   */
  outOfBandUrns: z.array(z.string()),

  // Shared files
  fileSystemId: z.string(),
  fileSystemArn: z.string(),
  /** Only on the active site, once the peer's file system is known and replicateToPeer is on. */
  efsReplication: z.object({ destinationFileSystemId: z.string(), destinationRegion: z.string() }).optional(),

  // Encryption
  /** The key this site encrypts Aurora, EFS and backups with (the MRK primary or its replica). */
  kmsKeyArn: z.string(),
  /** Only on the owner of global resources: the multi-Region primary key the peer replicates. */
  kmsPrimaryKeyArn: z.string().optional(),

  // Database
  /** Only on the owner of global resources. */
  globalClusterIdentifier: z.string().optional(),
  dbClusterIdentifier: z.string(),
  dbClusterArn: z.string(),
  dbWriterEndpoint: z.string(),
  dbReaderEndpoint: z.string(),
  /**
   * URN of the DB instance the site runs first when it has any (index 0). For a headless
   * secondary the driver creates it with a targeted `up` before promotion.
   */
  promotionInstanceUrn: z.string(),
  /** Where a cluster restored from a recovery point lands in this Region (StartRestoreJob `DBSubnetGroupName`, `VpcSecurityGroupIds`). */
  dbSubnetGroupName: z.string().optional(),
  dbSecurityGroupId: z.string().optional(),
  /** Config `restoredData`: the restored file system and DB cluster the site serves from (`fileSystemId`, `dbClusterIdentifier` name them then), and the global database that cluster writes. */
  restoredData: z.object({ fileSystemId: z.string(), dbClusterIdentifier: z.string(), globalClusterIdentifier: z.string().optional() }).optional(),
  /**
   * The global database the served cluster (`dbClusterIdentifier`) is in: the pair's, or after a
   * restore the one the restored cluster writes. Absent while it is in none.
   */
  dbGlobalClusterIdentifier: z.string().optional(),
  /** Secrets Manager secret (replicated to the peer Region) holding the master credentials. */
  dbSecretArn: z.string().optional(),

  // Traffic and alarms
  /** DNS name of the site's ALB, once the ingress controller has provisioned it. */
  albHostname: z.string().optional(),
  /** Only with DNS configured. */
  healthCheckId: z.string().optional(),
  /** Only with DNS configured: URN of this site's failover record, so the driver can leave it out of an `up`. */
  dnsRecordUrn: z.string().optional(),
  /** Only with the workload deployed: URL the driver probes to know the site serves (ALB + health path). */
  endpointUrl: z.string().optional(),
  /** Only for an HTTPS endpoint: the application hostname the probe sends as TLS server name and Host (the ALB's certificate names it). */
  endpointHostname: z.string().optional(),
  alarmTopicArn: z.string(),
  ecrRepositoryUrls: z.object({ web: z.string(), app: z.string() }),

  // DR tier and backups: optional, absent on stacks deployed before they existed. What a restore reads.
  /** The pair's DR tier: config `drTier`, or what the standby sizes make it (pilot-light / warm-standby). */
  drTier: z.enum(DR_TIERS).optional(),
  /** This site's AWS Backup vault (encrypted with `kmsKeyArn`); absent until the site has its key. */
  backupVaultName: z.string().optional(),
  backupVaultArn: z.string().optional(),
  /** The role AWS Backup runs this site's jobs with; a restore (StartRestoreJob IamRoleArn) uses it too. */
  backupRoleArn: z.string().optional(),
  /** Only on the active site: the plan writing recovery points into `backupVaultArn`. */
  backupPlanId: z.string().optional(),
  backupPlanArn: z.string().optional(),
  /** Only on the active site, once the peer's vault is known: the vault every recovery point is copied to. */
  backupCopyVaultArn: z.string().optional(),
  /** The tag the plan selects EFS, Aurora and EBS volumes by (absent with the vault). */
  backupSelectionTag: z.object({ key: z.string(), value: z.string() }).optional(),
  /** Velero's bucket in this Region (on a standby: replicas of the active site's backups); absent until the site has its key. */
  veleroBucketName: z.string().optional(),
  veleroBucketArn: z.string().optional(),
  /** Only on a site with a cluster: where Velero runs, and its BackupStorageLocation (Restore objects name it). */
  veleroNamespace: z.string().optional(),
  veleroStorageLocation: z.string().optional(),
  /** Only on a site with a cluster: EBS StorageClass and VolumeSnapshotClass (restore: VolumeSnapshotContent -> VolumeSnapshot -> PVC). */
  ebsStorageClassName: z.string().optional(),
  volumeSnapshotClassName: z.string().optional(),
});

/**
 * What a standby of the backup-restore tier exports: it runs no cluster, nodes, file system or
 * database, so most of the contract is absent and `siteOutputsSchema` rejects it. A restore reads
 * these keys to rebuild the site from the copied recovery points.
 */
export const backupOnlySiteOutputsSchema = siteOutputsSchema
  .pick({
    contractVersion: true,
    stack: true,
    region: true,
    vpcId: true,
    vpcCidr: true,
    availabilityZones: true,
    privateSubnetIds: true,
    publicSubnetIds: true,
    kmsKeyArn: true,
    kmsPrimaryKeyArn: true,
    globalClusterIdentifier: true,
    dbSubnetGroupName: true,
    dbSecurityGroupId: true,
    dbSecretArn: true,
    alarmTopicArn: true,
    ecrRepositoryUrls: true,
  })
  .extend({
    role: z.literal("standby"),
    drTier: z.literal("backup-restore"),
    backupVaultName: z.string(),
    backupVaultArn: z.string(),
    backupRoleArn: z.string(),
    backupSelectionTag: z.object({ key: z.string(), value: z.string() }),
    veleroBucketName: z.string(),
    veleroBucketArn: z.string(),
  });
export type BackupOnlySiteOutputs = z.infer<typeof backupOnlySiteOutputsSchema>;

/** True when outputs are those of a backup-restore standby (whether or not they are complete). */
export function isBackupOnlySiteOutputs(outputs: Record<string, unknown>): boolean {
  return outputs.drTier === "backup-restore" && outputs.role === "standby";
}

export type SiteOutputs = z.infer<typeof siteOutputsSchema>;
export type SiteOutputKey = keyof SiteOutputs;
export const SITE_OUTPUT_KEYS = Object.keys(siteOutputsSchema.shape) as SiteOutputKey[];

/** Keys a freshly deployed site always has; the rest arrive with later components or the peer. */
export const REQUIRED_OUTPUT_KEYS = SITE_OUTPUT_KEYS.filter((k) => !siteOutputsSchema.shape[k].safeParse(undefined).success);

/** Parses outputs read from a stack, with an error naming the missing or malformed keys. */
export function parseSiteOutputs(stack: string, outputs: Record<string, unknown>): SiteOutputs {
  const result = siteOutputsSchema.safeParse(outputs);
  if (result.success) return result.data;
  if (isBackupOnlySiteOutputs(outputs)) {
    throw new Error(
      `Stack "${stack}" is the standby of the backup-restore tier: it holds its network, backup vault and Velero bucket, and no cluster ` +
        `or database to fail over to. Rebuild it from the copied recovery points instead (its outputs: backupOnlySiteOutputsSchema).`,
    );
  }
  const problems = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  throw new Error(
    `Stack "${stack}" does not export the eks-dr outputs contract v${OUTPUTS_CONTRACT_VERSION}:\n  - ${problems.join("\n  - ")}\n` +
      `Run \`pulumi up -s ${stack}\` with this version of eks-dr first.`,
  );
}

/** Parses the outputs of a backup-restore standby, with an error naming the missing or malformed keys. */
export function parseBackupOnlySiteOutputs(stack: string, outputs: Record<string, unknown>): BackupOnlySiteOutputs {
  const result = backupOnlySiteOutputsSchema.safeParse(outputs);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  throw new Error(
    `Stack "${stack}" does not export the outputs of a backup-restore standby (contract v${OUTPUTS_CONTRACT_VERSION}):\n  - ${problems.join("\n  - ")}\n` +
      `Run \`pulumi up -s ${stack}\` with this version of eks-dr first.`,
  );
}
