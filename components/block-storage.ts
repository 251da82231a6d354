/**
 * EBS-backed volumes for workloads that need ReadWriteOnce storage, covered by the site's backups:
 * the EBS CSI driver (managed add-on, its controller's AWS permissions through Pod Identity), a gp3
 * StorageClass whose volumes are encrypted with the site's key and carry the backup selection tag,
 * and a VolumeSnapshotClass with the CSI snapshot controller it needs.
 *
 * AWS Backup copies the tagged volumes to the peer's vault; a restore there goes through
 * VolumeSnapshotContent -> VolumeSnapshot -> PersistentVolumeClaim with this snapshot class.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { managedPolicyArn, PodIdentityRole } from "./pod-identity-role";

/** The CSI driver name registered by the EBS CSI driver. */
export const EBS_CSI_DRIVER = "ebs.csi.aws.com";
/** Service account of the driver's controller, as created by the `aws-ebs-csi-driver` add-on. */
export const EBS_CSI_CONTROLLER_SERVICE_ACCOUNT = "ebs-csi-controller-sa";
/** The EKS add-on that installs the snapshot CRDs and the CSI snapshot controller (it needs no IAM permissions). */
export const SNAPSHOT_CONTROLLER_ADDON = "snapshot-controller";

export interface BlockStorageArgs {
  /** EKS cluster that gets the add-ons. */
  clusterName: pulumi.Input<string>;
  /** The site's customer managed key: every volume of the StorageClass is encrypted with it. */
  kmsKeyArn: pulumi.Input<string>;
  /** Tags every provisioned volume carries, e.g. the backup selection tag. */
  volumeTags: Record<string, string>;
  /**
   * What puts nodes in the cluster (the `NodeGroups` component). Both add-ons run a controller
   * Deployment: without a node they stay DEGRADED until their creation times out.
   */
  nodes: pulumi.Resource | pulumi.Resource[];
  /** Name of the StorageClass (cluster-scoped). @default "gp3-encrypted" */
  storageClassName?: string;
  /** Make the StorageClass the cluster's default, so a claim without a class is encrypted and backed up. @default true */
  defaultStorageClass?: boolean;
  /** Name of the VolumeSnapshotClass (cluster-scoped). @default "ebs-snapshots" */
  snapshotClassName?: string;
  /** Version of the `aws-ebs-csi-driver` add-on. @default the add-on's default for the cluster's Kubernetes version */
  csiDriverAddonVersion?: pulumi.Input<string>;
}

/** StorageClass parameters of the EBS CSI driver (its docs/parameters.md and docs/tagging.md). */
export function gp3Parameters(kmsKeyArn: string, volumeTags: Record<string, string>): Record<string, string> {
  const tags = Object.entries(volumeTags).map(([k, v], i) => [`tagSpecification_${i + 1}`, `${k}=${v}`] as const);
  return { type: "gp3", encrypted: "true", kmsKeyId: kmsKeyArn, "csi.storage.k8s.io/fstype": "ext4", ...Object.fromEntries(tags) };
}

/**
 * What the driver needs on the site's key to create and attach encrypted volumes, from the EBS CSI
 * driver's install guide ("Encrypted EBS Volumes via KMS"), narrowed to the one key.
 */
export function ebsKmsPolicy(kmsKeyArn: string): object {
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "EncryptedVolumes", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKeyWithoutPlaintext", "kms:CreateGrant"], Resource: kmsKeyArn },
    ],
  };
}

export class BlockStorage extends pulumi.ComponentResource {
  readonly storageClassName: pulumi.Output<string>;
  readonly snapshotClassName: pulumi.Output<string>;
  readonly csiDriverRoleArn: pulumi.Output<string>;

  constructor(name: string, args: BlockStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("eks-dr:index:BlockStorage", name, {}, opts);
    // `tagSpecification_N: "key=value"` splits at the first "=" (the driver's docs/tagging.md).
    for (const key of Object.keys(args.volumeTags)) {
      if (key.includes("=")) throw new Error(`BlockStorage ${name}: volume tag key "${key}" contains "=", which a tagSpecification parameter cannot carry`);
    }
    const nodes = Array.isArray(args.nodes) ? args.nodes : [args.nodes];
    const partition = aws.getPartitionOutput({}, { parent: this }).partition;

    // AmazonEBSCSIDriverPolicyV2 scopes the driver to volumes and snapshots it tagged
    // `ebs.csi.aws.com/cluster=true` (the driver's docs/install.md); encryption with a customer
    // managed key is the documented extra statement.
    const csiRole = new PodIdentityRole(
      `${name}-ebs-csi`,
      {
        clusterName: args.clusterName,
        namespace: "kube-system",
        serviceAccount: EBS_CSI_CONTROLLER_SERVICE_ACCOUNT,
        managedPolicyArns: [managedPolicyArn(partition, "service-role/AmazonEBSCSIDriverPolicyV2")],
        inlinePolicy: pulumi.output(args.kmsKeyArn).apply((arn) => JSON.stringify(ebsKmsPolicy(arn))),
      },
      { parent: this },
    );
    const csiDriver = new aws.eks.Addon(
      `${name}-ebs-csi`,
      {
        clusterName: args.clusterName,
        addonName: "aws-ebs-csi-driver",
        addonVersion: args.csiDriverAddonVersion,
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "OVERWRITE",
      },
      // Pod Identity credentials are injected when a pod starts: the association must exist first.
      { parent: this, dependsOn: [csiRole, ...nodes] },
    );
    // The snapshot CRDs and controller (EKS User Guide, "Enable snapshot functionality for CSI
    // volumes": the managed add-on includes the CRDs).
    const snapshotController = new aws.eks.Addon(
      `${name}-snapshot-controller`,
      { clusterName: args.clusterName, addonName: SNAPSHOT_CONTROLLER_ADDON, resolveConflictsOnCreate: "OVERWRITE", resolveConflictsOnUpdate: "OVERWRITE" },
      { parent: this, dependsOn: nodes },
    );

    const storageClass = new k8s.storage.v1.StorageClass(
      name,
      {
        metadata: {
          name: args.storageClassName ?? "gp3-encrypted",
          annotations: args.defaultStorageClass === false ? {} : { "storageclass.kubernetes.io/is-default-class": "true" },
        },
        provisioner: EBS_CSI_DRIVER,
        parameters: pulumi.output(args.kmsKeyArn).apply((arn) => gp3Parameters(arn, args.volumeTags)),
        // The data outlives the claim: deleting a PVC keeps the volume (and its backups).
        reclaimPolicy: "Retain",
        // EBS volumes live in one AZ: create them where the pod is scheduled.
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
      },
      { parent: this, dependsOn: [csiDriver] },
    );

    const snapshotClass = new k8s.apiextensions.CustomResource(
      name,
      {
        apiVersion: "snapshot.storage.k8s.io/v1",
        kind: "VolumeSnapshotClass",
        metadata: { name: args.snapshotClassName ?? "ebs-snapshots" },
        driver: EBS_CSI_DRIVER,
        // A snapshot restored from a backup must survive the deletion of its VolumeSnapshot object.
        deletionPolicy: "Retain",
      },
      // The CRD comes with the snapshot controller add-on.
      { parent: this, dependsOn: [snapshotController, csiDriver] },
    );

    this.storageClassName = storageClass.metadata.name;
    this.snapshotClassName = snapshotClass.metadata.name;
    this.csiDriverRoleArn = csiRole.roleArn;
    this.registerOutputs({ storageClassName: this.storageClassName, snapshotClassName: this.snapshotClassName, csiDriverRoleArn: this.csiDriverRoleArn });
  }
}
