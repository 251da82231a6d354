/**
 * The site program: typed config -> RegionalSite + the cross-Region wiring -> the outputs contract.
 * `index.ts` runs it for `pulumi up -s <stack>`; tests run it under mocks with the real stack files.
 *
 * Order of a fresh pair (README, "Deploy"): the owner of global resources (primary), then the peer
 * (its replica key and secondary DB cluster need the owner's outputs), then the active site again
 * (its EFS replication needs the peer's file system id). Each missing peer output is a warning
 * that says which `up` to run next.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { backupSelectionTags } from "../components/site-backup";
import { secretArnInRegion } from "../components/database-credentials";
import { EncryptionKey } from "../components/encryption-key";
import { FailoverDns } from "../components/failover-dns";
import { FileReplication } from "../components/file-replication";
import { GlobalDatabase } from "../components/global-database";
import { ImageRegistry } from "../components/image-registry";
import { availabilityZonesFor, type NetworkArgs } from "../components/network";
import { RegionalSite, type RegionalSiteArgs } from "../components/regional-site";
import { SiteAlarms } from "../components/site-alarms";
import { missingImages, SampleWorkload } from "../components/sample-workload";
import { SITE_ALB_GROUP, SiteEndpoint } from "../components/site-endpoint";
import { Velero } from "../components/velero";
import { runBackupOnlySite } from "./backup-only-program";
import { auroraLagMetric, NODE_GROUPS } from "./config";
import { loadSite, runtimeProjectConfig } from "./config-source";
import { OUTPUTS_CONTRACT_VERSION, type SiteOutputs } from "./outputs";
import { PeerSite } from "./peer";
import { drTierOf, isBackupOnlySite, resolveSiteRole } from "./roles";
import { pairDatabaseCredentials } from "./database-credentials";
import { backupOutputs, siteBackups } from "./site-backups";

export interface SiteProgramOptions {
  /** Directory holding the Pulumi.<stack>.yaml files (the peer's is read for pair checks). */
  projectDir: string;
  /**
   * Reads a stack file's project config (namespace stripped), undefined when absent.
   * @default readStackFileConfig(projectDir, stack); the simulation serves its in-memory stack files
   */
  readStackFile?: (stack: string) => Record<string, unknown> | undefined;
}

/** A site program: `runSite` or, in tests and the simulation, a variant of it. */
export type SiteProgram = (opts: SiteProgramOptions) => Promise<SiteExports>;

/** Stack outputs: every key of the contract, as Inputs (absent ones are left out). */
export type SiteExports = { [K in keyof SiteOutputs]?: pulumi.Input<SiteOutputs[K]> };

export async function runSite(opts: SiteProgramOptions): Promise<SiteExports> {
  const stack = pulumi.getStack();
  // Validate before anything is registered: a bad key fails here with its name and fix.
  const { config, peerConfig } = loadSite(stack, runtimeProjectConfig(), opts.projectDir, opts.readStackFile);
  const peer = await PeerSite.read(stack, config.peerStack);
  const peerRegion = peerConfig.region;

  const defaultTags = { tags: { ...config.tags, "eks-dr:stack": stack } };
  const provider = new aws.Provider(`${stack}-${config.region}`, { region: config.region as aws.Region, defaultTags });
  const providers = [provider];
  // What the role means for this site (stacks/roles.ts), resolved into the components' Args below.
  const byRole = resolveSiteRole(config, stack);
  // The same network in both shapes of a site. awsx takes plain AZ names, looked up in the site's Region.
  const network: NetworkArgs = {
    cidrBlock: config.vpcCidr,
    availabilityZoneNames: await availabilityZonesFor(config.azCount, { provider }),
    natGateways: byRole.natGateways,
    s3GatewayEndpointRegion: config.region,
  };

  // --- The key that encrypts EFS, Aurora, secrets and topics: the multi-Region primary on the
  // owner, its replica elsewhere (same key material, so data stays readable after a switch).
  const primaryKeyArn = config.ownsGlobalResources ? undefined : peer.get("kmsPrimaryKeyArn", "the KMS replica key, EFS and the secondary DB cluster");
  const key =
    config.ownsGlobalResources || primaryKeyArn !== undefined
      ? new EncryptionKey(`${stack}-key`, { ownsGlobalResources: config.ownsGlobalResources, primaryKeyArn, peerStack: config.peerStack }, { providers })
      : undefined;

  // --- The standby of the backup-restore tier keeps its network, backups and replicas only.
  if (isBackupOnlySite(config)) return runBackupOnlySite({ stack, config, byRole, network, peer, peerRegion, key, provider });

  // A non-owner of a backup-restore pair never had stores of its own (it was the network-only
  // standby): restored into, it runs on the restored ones only, and joins no global database whose
  // primary Region may be the one lost.
  const onRestoredOnly = config.drTier === "backup-restore" && !config.ownsGlobalResources && config.restoredData !== undefined;

  // --- Regional infrastructure.
  // The peer's replication targets this Region's file system (the peer exports where it replicates).
  const filesReplicatedInto = peer.outputs.efsReplication?.destinationRegion === config.region;
  const site = new RegionalSite(
    stack,
    {
      stack,
      network,
      kubernetesVersion: config.kubernetesVersion,
      clusterAccess: config.clusterAccess,
      nodeGroups: Object.fromEntries(
        NODE_GROUPS.map((g) => {
          const { instanceTypes, diskSizeGib, capacityType } = config.nodeGroups[g];
          return [g, { instanceTypes, diskSizeGib, capacityType, sizes: byRole.nodeGroupSizes[g] }];
        }),
      ) as RegionalSiteArgs["nodeGroups"],
      instanceTags: config.tags,
      kmsKeyArn: key?.keyArn,
      files: {
        replicationOverwrite: byRole.fileSystemProtection,
        replicatedInto: filesReplicatedInto,
        throughputMode: config.efs.throughputMode,
        provisionedThroughputMibps: config.efs.provisionedThroughputMibps,
        // After a restore the site serves from the restored stores (config set by the driver).
        adoptedFileSystemId: config.restoredData?.fileSystemId,
        ownFileSystem: !onRestoredOnly,
      },
    },
    { providers },
  );

  // --- EFS replication: the active site replicates into the standby's existing file system (the
  // backup-restore tier has none: its standby gets AWS Backup's copies instead).
  const replication =
    site.files?.ownFileSystemId && config.drTier !== "backup-restore"
      ? new FileReplication(
          `${stack}-efs-replication`,
          {
            off: byRole.peerReplicationOff,
            // The file system the site serves (after a restore, the adopted one): the peer must hold
            // the data users see. A new source replaces the configuration, which the driver's
            // restore prepares (components/file-replication.ts).
            sourceFileSystemId: site.files.fileSystemId,
            peerFileSystemId: peer.outputs.fileSystemId,
            peerRegion,
            peerStack: config.peerStack,
          },
          { providers },
        )
      : undefined;

  // --- Aurora global database: created by the owner, joined by the other site.
  const credentials = pairDatabaseCredentials(stack, config, key, peer, peerRegion, providers);
  // The owner names the global cluster once for the pair; the other site reads it from the owner.
  const globalClusterIdentifier = config.ownsGlobalResources
    ? `${pulumi.getProject()}-global`
    : peer.get("globalClusterIdentifier", "the secondary DB cluster");
  const database =
    key &&
    new GlobalDatabase(
      `${stack}-db`,
      {
        ownsGlobalResources: config.ownsGlobalResources,
        instances: byRole.dbInstances,
        globalClusterIdentifier,
        clusterIdentifier: `eks-dr-${stack}`,
        database: config.database,
        masterPassword: credentials?.password,
        kmsKeyArn: key.keyArn,
        vpcId: site.network.vpcId,
        privateSubnetIds: site.network.privateSubnetIds,
        availabilityZones: site.network.availabilityZones,
        appSecurityGroupId: site.nodeGroups.tierSecurityGroupIds.app,
        adoptedClusterIdentifier: config.restoredData?.dbClusterIdentifier,
        adoptedGlobalClusterIdentifier: config.restoredData?.globalClusterIdentifier,
        ownCluster: !onRestoredOnly,
        // What the active site's backup plan selects (components/site-backup.ts).
        tags: backupSelectionTags(),
      },
      { providers },
    );
  // The application reads the credentials in its own Region: the owner's secret or its replica here.
  const dbSecretArn = credentials?.secretArn ?? (peer.outputs.dbSecretArn ? secretArnInRegion(peer.outputs.dbSecretArn, config.region) : undefined);

  // --- Images in both Regions: each site replicates its registry to the peer.
  const registry = new ImageRegistry(`${stack}-images`, { peerRegion, kmsKeyArn: key?.keyArn }, { providers });

  // --- The site's own endpoint: its ALB, with a health path the ALB answers itself, so failover DNS
  // does not depend on an application (one joins the same ALB, ahead of that rule).
  const endpoint = new SiteEndpoint(
    `${stack}-endpoint`,
    { namespace: site.appNamespace, dns: config.dns, groupName: SITE_ALB_GROUP },
    { providers: [provider, site.cluster.k8sProvider], dependsOn: [site.ingress] },
  );

  // --- The sample 3-tier application, once it has its files and database.
  if (config.workload && byRole.workloadReplicas && key && site.files && database?.writerEndpoint && database.readerEndpoint && dbSecretArn) {
    new SampleWorkload(
      `${stack}-app`,
      {
        namespace: site.appNamespace,
        images: config.workload.images,
        replicas: byRole.workloadReplicas,
        readOnly: byRole.workloadReadOnly,
        awaitRollout: byRole.awaitsWorkloadRollout,
        repositoryUrls: registry.repositoryUrls,
        pvcName: site.files.pvcName,
        database: { writerEndpoint: database.writerEndpoint, readerEndpoint: database.readerEndpoint, secretArn: dbSecretArn, secretKmsKeyArn: key.keyArn },
        region: config.region,
        clusterName: site.cluster.clusterName,
        // A first `up` creates the repositories the images are pushed to afterwards.
        missingImages: missingImages(config.workload.images, registry.repositoryUrls, { provider }),
        dns: config.dns,
        albGroupName: SITE_ALB_GROUP,
      },
      { providers: [provider, site.cluster.k8sProvider], dependsOn: [site.ingress] },
    );
  }

  // --- DNS failover: this site's record, PRIMARY while active, on the site's own endpoint.
  const dns = config.dns
    ? new FailoverDns(
        `${stack}-dns`,
        {
          dns: config.dns,
          // A standby of the backup-restore tier had no record (no load balancer to point one at);
          // restored into, its first one joins a group whose PRIMARY is still the lost site's, and
          // Route 53 holds one PRIMARY per group: created SECONDARY, the restore's DNS swap then
          // makes it PRIMARY with this site's check (docs/decisions.md, "DNS of a restored
          // backup-only standby"). Later ups see no change in it, so they keep the swap.
          designation: onRestoredOnly ? "SECONDARY" : byRole.failoverDesignation,
          albHostname: endpoint.albHostname,
          setIdentifier: stack,
        },
        { providers },
      )
    : undefined;

  // --- Alarms: replication lag against the RPO target, and the PRIMARY's health check.
  // Route 53's health-check metrics live in us-east-1. When config avoids that Region (a failover
  // away from it), its provider is configured without any AWS call (pulumi-aws otherwise validates
  // credentials and looks the account up with STS in the provider's Region: skipCredentialsValidation
  // and skipRequestingAccountId; neither applies to the SNS, KMS and CloudWatch resources made
  // there, per the provider's docs) and what the site has there keeps its last inputs.
  const avoidUsEast1 = config.impairedRegions.includes("us-east-1");
  const usEast1 =
    !dns || config.region === "us-east-1"
      ? provider
      : new aws.Provider(`${stack}-us-east-1`, {
          region: "us-east-1",
          defaultTags,
          ...(avoidUsEast1 ? { skipCredentialsValidation: true, skipRequestingAccountId: true } : {}),
        });
  const alarms = new SiteAlarms(
    `${stack}-alarms`,
    {
      region: config.region,
      rpoTargetSeconds: config.rpoTargetSeconds,
      alarmEmail: config.alarmEmail,
      dbClusterIdentifier: byRole.alarmsOnAuroraLag ? database?.clusterIdentifier : undefined,
      auroraLagMetric: auroraLagMetric(config.database.engineVersion),
      // The lag is watched on the secondary, whose writer is the peer: it may carry the peer's Region as SourceRegion.
      auroraSourceRegion: byRole.alarmsOnAuroraLag ? peerRegion : undefined,
      efsReplication:
        replication?.efsReplication && site.files
          ? { sourceFileSystemId: site.files.fileSystemId, destinationFileSystemId: replication.efsReplication.destinationFileSystemId }
          : undefined,
      healthCheck: dns
        ? { healthCheckId: dns.healthCheckId, usEast1Provider: usEast1, notify: byRole.notifiesOnHealthCheck, keepAsIs: avoidUsEast1 }
        : undefined,
      kmsKeyArn: key?.keyArn,
    },
    { providers },
  );

  // --- Backups beside replication: AWS Backup (vault here, plan while active, copies to the peer's
  // vault) and Velero for the Kubernetes objects this program does not create.
  const adopted =
    config.restoredData && site.files && database?.clusterArn
      ? {
          resourceArns: [site.files.fileSystemArn, database.clusterArn],
          replacedArns: [site.files.ownFileSystemArn, database.ownClusterArn].filter((a): a is pulumi.Output<string> => a !== undefined),
        }
      : undefined;
  const backups = key && siteBackups({ stack, config, byRole, peer, peerRegion, key, alarmTopicArn: alarms.topicArn, adopted }, { providers });
  const velero =
    backups && key
      ? new Velero(
          `${stack}-velero`,
          {
            clusterName: site.cluster.clusterName,
            writesBackups: byRole.writesVeleroBackups,
            velero: config.velero,
            bucketName: backups.bucket.bucketName,
            bucketArn: backups.bucket.bucketArn,
            kmsKeyArn: key.keyArn,
            region: config.region,
            restoreBackupName: config.veleroRestore?.backupName,
            restoreAttempt: config.veleroRestore?.attempt,
          },
          // The chart waits for Velero's pod, which runs on the system nodes.
          { providers: [provider, site.cluster.k8sProvider], dependsOn: [site.nodeGroups] },
        )
      : undefined;

  return {
    contractVersion: OUTPUTS_CONTRACT_VERSION,
    stack,
    region: config.region,
    role: config.role,
    readOnly: byRole.workloadReadOnly,
    vpcId: site.network.vpcId,
    vpcCidr: site.network.cidrBlock,
    availabilityZones: site.network.availabilityZones,
    privateSubnetIds: site.network.privateSubnetIds,
    publicSubnetIds: site.network.publicSubnetIds,
    clusterName: site.cluster.clusterName,
    clusterArn: site.cluster.clusterArn,
    clusterEndpoint: site.cluster.endpoint,
    kubeconfig: site.cluster.kubeconfig,
    clusterSecurityGroupId: site.cluster.clusterSecurityGroupId,
    nodeSecurityGroupId: site.cluster.nodeSecurityGroupId,
    oidcIssuerUrl: site.cluster.oidcIssuerUrl,
    nodeGroupNames: pulumi.output(site.nodeGroups.nodeGroupNames),
    outOfBandUrns: site.outOfBandUrns,
    fileSystemId: site.files?.fileSystemId,
    fileSystemArn: site.files?.fileSystemArn,
    efsReplication: replication?.efsReplication,
    kmsKeyArn: key?.keyArn,
    kmsPrimaryKeyArn: key?.primaryKeyArn,
    globalClusterIdentifier: database?.globalClusterIdentifier,
    dbGlobalClusterIdentifier: database?.servedGlobalClusterIdentifier,
    dbClusterIdentifier: database?.clusterIdentifier,
    dbClusterArn: database?.clusterArn,
    dbWriterEndpoint: database?.writerEndpoint,
    dbReaderEndpoint: database?.readerEndpoint,
    dbSubnetGroupName: database?.subnetGroupName,
    dbSecurityGroupId: database?.securityGroupId,
    promotionInstanceUrn: database?.promotionInstanceUrn,
    dbSecretArn,
    restoredData: config.restoredData,
    albHostname: endpoint.albHostname,
    endpointUrl: endpoint.endpointUrl,
    endpointHostname: endpoint.endpointHostname,
    healthCheckId: dns?.healthCheckId,
    dnsRecordUrn: dns?.recordUrn,
    alarmTopicArn: alarms.topicArn,
    ecrRepositoryUrls: pulumi.output(registry.repositoryUrls),
    drTier: drTierOf(config),
    ...(backups ? backupOutputs(backups) : {}),
    veleroNamespace: velero?.namespace,
    veleroStorageLocation: velero?.storageLocation,
    ebsStorageClassName: site.blockStorage?.storageClassName,
    volumeSnapshotClassName: site.blockStorage?.snapshotClassName,
  };
}
