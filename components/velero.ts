/**
 * Velero backs up the Kubernetes objects this program does not create (what applications and
 * operators apply themselves) into the site's S3 bucket; the objects this program creates are
 * rebuilt by `pulumi up`. Installed from the vmware-tanzu Helm chart with the AWS plugin, its AWS
 * permissions granted through Pod Identity.
 *
 * Only the active site runs the schedule and writes to its bucket, which S3 replicates into the
 * peer's bucket. The standby's Velero reads its own bucket (the replicas) in ReadOnly mode, so it
 * can restore there without ever writing into, or expiring, the copies.
 *
 * Secrets are left out of the backups (`excludedResources: [secrets]`, Velero's resource filtering):
 * the application's credentials live in Secrets Manager, replicated to the peer Region, and a
 * Secret written into a backup tarball would be readable by anyone who can read the bucket.
 * Volumes are not snapshotted by Velero either: EFS and EBS data is AWS Backup's, copied across
 * Regions, whereas Velero's EBS snapshots would stay in this Region.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { VeleroConfig } from "../stacks/config";
import { PodIdentityRole } from "./pod-identity-role";

export const VELERO_CHART_REPO = "https://vmware-tanzu.github.io/helm-charts";
/**
 * Chart 11.4.0 installs Velero v1.17.1; velero-plugin-for-aws v1.13.x is the plugin line for Velero
 * v1.17.x (the plugin's compatibility table). The plugin's aws-sdk-go-v2 (2024-01) reads Pod Identity
 * credentials (EKS User Guide, "Use pod identity with the AWS SDK": Go v2 release-2023-11-14 or later).
 * Bump the chart and the plugin together.
 */
export const VELERO_CHART_VERSION = "11.4.0";
export const VELERO_AWS_PLUGIN_IMAGE = "velero/velero-plugin-for-aws:v1.13.2";
export const VELERO_NAMESPACE = "velero";
/** The chart's server service account; the Pod Identity association names the same one. */
export const VELERO_SERVICE_ACCOUNT = "velero-server";
/** The chart's BackupStorageLocation. */
export const VELERO_STORAGE_LOCATION = "default";
/** Kubernetes kinds never written into a backup. */
export const VELERO_EXCLUDED_RESOURCES = ["secrets"] as const;

export interface VeleroArgs {
  /** EKS cluster Velero runs in. */
  clusterName: pulumi.Input<string>;
  /**
   * Velero writes backups on schedule (and expires them) into its bucket; off, it only reads the
   * bucket (`ReadOnly`): a standby's bucket holds the active site's replicas.
   */
  writesBackups: boolean;
  /** Config `velero`: namespaces, schedule, retention. */
  velero: VeleroConfig;
  /** The site's bucket (`VeleroBucket`). */
  bucketName: pulumi.Input<string>;
  bucketArn: pulumi.Input<string>;
  /** The site's key, which encrypts the bucket's objects (SSE-KMS). */
  kmsKeyArn: pulumi.Input<string>;
  /** The site's Region: the plugin's S3 client must use the bucket's Region. */
  region: string;
  /** Node labels the Velero pod requires. @default { "eks-dr/tier": "system" } */
  nodeSelector?: Record<string, string>;
  /** @default VELERO_CHART_VERSION */
  chartVersion?: string;
  /**
   * Restore the Kubernetes objects of this backup (config `veleroRestore.backupName`): a Velero
   * Restore, created without waiting; the driver reads its outcome. @default undefined (nothing restored)
   */
  restoreBackupName?: string;
  /**
   * Which attempt of that restore (config `veleroRestore.attempt`): each has its own Restore, since
   * Velero never runs a finished one again. @default 1
   */
  restoreAttempt?: number;
}

/**
 * What Velero's AWS plugin needs on the bucket: the S3 actions of the plugin's documented policy
 * (velero-plugin-for-aws README, "Set permissions for Velero"; `s3:PutObjectTagging` only matters
 * with the BSL's `tagging`, unused here), plus the KMS actions S3 calls on the caller's behalf for
 * SSE-KMS objects: GenerateDataKey to write, Decrypt to read and for multipart uploads (Amazon S3
 * User Guide, "Using server-side encryption with AWS KMS keys"). The plugin's EC2 snapshot actions
 * are left out: Velero takes no volume snapshots here (see the file comment).
 */
export function veleroPolicy(bucketArn: string, kmsKeyArn: string, region: string): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "BackupObjects",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:DeleteObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
        Resource: `${bucketArn}/*`,
      },
      { Sid: "ListBackups", Effect: "Allow", Action: ["s3:ListBucket"], Resource: bucketArn },
      {
        Sid: "BucketKeyThroughS3",
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: kmsKeyArn,
        Condition: { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } },
      },
    ],
  };
}

/**
 * The Restore of a backup, one per backup and attempt: `restore-<backup>`, then `restore-<backup>-<n>`
 * for attempt n. A Restore Velero has finished is never run again, so a retry needs a new name.
 */
export const veleroRestoreName = (backupName: string, attempt = 1) => (attempt > 1 ? `restore-${backupName}-${attempt}` : `restore-${backupName}`);

/**
 * The Restore's spec (velero.io/v1 RestoreSpec: velero pkg/apis/velero/v1/restore_types.go): every namespace
 * the backup holds (the ones the schedule lists), Secrets excluded as in the backups, and
 * `existingResourcePolicy: none` (PolicyTypeNone, the default when unset) made explicit: an object that already exists in
 * the cluster (one this program created, or one the app recreated) is left as it is and the
 * restore logs a warning, it is never overwritten.
 */
export function veleroRestoreSpec(backupName: string): Record<string, unknown> {
  return { backupName, excludedResources: [...VELERO_EXCLUDED_RESOURCES], existingResourcePolicy: "none" };
}

/** A Velero TTL (a Go duration) for a number of days. */
export function veleroTtl(days: number): string {
  return `${days * 24}h0m0s`;
}

/** The chart values. */
export function veleroValues(
  args: Pick<VeleroArgs, "writesBackups" | "velero" | "region" | "nodeSelector"> & { bucketName: string; kmsKeyArn: string },
): Record<string, unknown> {
  const writes = args.writesBackups;
  return {
    initContainers: [
      {
        name: "velero-plugin-for-aws",
        image: VELERO_AWS_PLUGIN_IMAGE,
        imagePullPolicy: "IfNotPresent",
        volumeMounts: [{ mountPath: "/target", name: "plugins" }],
      },
    ],
    // Pod Identity: no credentials Secret, the association gives the server pod its role.
    credentials: { useSecret: false },
    serviceAccount: { server: { create: true, name: VELERO_SERVICE_ACCOUNT } },
    configuration: {
      backupStorageLocation: [
        {
          name: VELERO_STORAGE_LOCATION,
          provider: "aws",
          bucket: args.bucketName,
          default: true,
          // The standby's bucket holds the active site's replicas: read them, never write or expire them.
          accessMode: writes ? "ReadWrite" : "ReadOnly",
          config: { region: args.region, kmsKeyId: args.kmsKeyArn },
        },
      ],
    },
    // No VolumeSnapshotLocation and no node agent: volumes are AWS Backup's.
    snapshotsEnabled: false,
    deployNodeAgent: false,
    nodeSelector: args.nodeSelector ?? { "eks-dr/tier": "system" },
    schedules:
      writes && args.velero.namespaces.length > 0
        ? {
            objects: {
              schedule: args.velero.schedule,
              template: {
                ttl: veleroTtl(args.velero.retentionDays),
                storageLocation: VELERO_STORAGE_LOCATION,
                includedNamespaces: args.velero.namespaces,
                excludedResources: [...VELERO_EXCLUDED_RESOURCES],
                snapshotVolumes: false,
              },
            },
          }
        : {},
  };
}

export class Velero extends pulumi.ComponentResource {
  readonly namespace: pulumi.Output<string>;
  readonly roleArn: pulumi.Output<string>;
  readonly storageLocation: string;

  constructor(name: string, args: VeleroArgs, opts?: pulumi.ComponentResourceOptions) {
    super("eks-dr:index:Velero", name, {}, opts);

    const namespace = new k8s.core.v1.Namespace(name, { metadata: { name: VELERO_NAMESPACE } }, { parent: this });
    const role = new PodIdentityRole(
      name,
      {
        clusterName: args.clusterName,
        namespace: VELERO_NAMESPACE,
        serviceAccount: VELERO_SERVICE_ACCOUNT,
        inlinePolicy: pulumi.all([args.bucketArn, args.kmsKeyArn]).apply(([bucket, key]) => JSON.stringify(veleroPolicy(bucket, key, args.region))),
      },
      { parent: this },
    );
    const release = new k8s.helm.v3.Release(
      name,
      {
        // A fixed release name keeps the Deployment and service account names stable.
        name: "velero",
        chart: "velero",
        version: args.chartVersion ?? VELERO_CHART_VERSION,
        repositoryOpts: { repo: VELERO_CHART_REPO },
        namespace: namespace.metadata.name,
        values: pulumi.all([args.bucketName, args.kmsKeyArn]).apply(([bucketName, kmsKeyArn]) =>
          veleroValues({
            writesBackups: args.writesBackups,
            velero: args.velero,
            region: args.region,
            nodeSelector: args.nodeSelector,
            bucketName,
            kmsKeyArn,
          }),
        ),
      },
      // Pod Identity credentials are injected when a pod starts: the association must exist first.
      { parent: this, dependsOn: [role] },
    );

    if (args.restoreBackupName !== undefined) {
      // Created without waiting (`pulumi.com/skipAwait`, pulumi-kubernetes): the driver reads the
      // Restore's phase through the Kubernetes API and fails at once, with Velero's reason, on
      // PartiallyFailed, Failed or FailedValidation; `pulumi.com/waitFor` can only wait for a success
      // condition, so those would show as the up's timeout. Kept in the cluster when a later attempt
      // replaces it (`retainOnDelete`): deleting a Restore makes Velero delete its logs and results
      // from the bucket (restore_controller.go `deleteExternalResources`), which explain the failure.
      // Velero must have synced the backup before the Restore exists (one of an unknown backup fails
      // validation for good): the driver's restore step waits for the Backup object first.
      new k8s.apiextensions.CustomResource(
        `${name}-restore`,
        {
          apiVersion: "velero.io/v1",
          kind: "Restore",
          metadata: {
            name: veleroRestoreName(args.restoreBackupName, args.restoreAttempt),
            namespace: VELERO_NAMESPACE,
            annotations: { "pulumi.com/skipAwait": "true" },
          },
          spec: veleroRestoreSpec(args.restoreBackupName),
        },
        // Velero's CRDs and server come with the chart.
        { parent: this, dependsOn: [release], retainOnDelete: true },
      );
    }

    this.namespace = namespace.metadata.name;
    this.roleArn = role.roleArn;
    this.storageLocation = VELERO_STORAGE_LOCATION;
    this.registerOutputs({ namespace: this.namespace, roleArn: this.roleArn });
  }
}
