/**
 * The site's shared files (uploads, pictures): an encrypted EFS file system reachable only from the
 * cluster's nodes, the EFS CSI driver, and a PersistentVolume/Claim bound to THIS site's file system.
 *
 * Each site owns its own file system; the active site replicates into the standby's (the
 * `ReplicationConfiguration` lives elsewhere, owned by the active site). So the Kubernetes objects
 * are identical in both Regions except for the file system id, and a failover changes no PV or PVC.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { SiteConfig } from "../stacks/config";
import { managedPolicyArn, PodIdentityRole } from "./pod-identity-role";
import { RestoredFilesMove } from "./restored-files-move";

/** The CSI driver name registered by the EFS CSI driver. */
export const EFS_CSI_DRIVER = "efs.csi.aws.com";
/** Service account of the driver's controller, as created by the `aws-efs-csi-driver` add-on. */
export const EFS_CSI_CONTROLLER_SERVICE_ACCOUNT = "efs-csi-controller-sa";
/** NFS. */
const NFS_PORT = 2049;
/**
 * Kubernetes requires a capacity on a PV and a request on a PVC; EFS is elastic and the driver
 * ignores the number. It only has to be the same on both so they bind.
 */
const NOMINAL_CAPACITY = "1Ti";

export interface SharedFileSystemArgs {
  /**
   * Replication overwrite protection: DISABLED on the destination of the peer's EFS replication
   * (EFS only replicates into an existing file system whose protection is DISABLED; the file system
   * is then read-only), ENABLED where nothing may replicate over the live data.
   */
  replicationOverwrite: "ENABLED" | "DISABLED";
  /**
   * The peer's replication writes into this file system now (its output `efsReplication` names this
   * Region). AWS then reports the protection as REPLICATING and refuses to change it, so the
   * program leaves it alone until the replication is gone. @default false
   */
  replicatedInto?: boolean;
  /** ARN of the site's customer-managed KMS key (built elsewhere); the file system is encrypted with exactly this key. */
  kmsKeyArn: pulumi.Input<string>;
  /** `elastic` (pay per use), `bursting` or `provisioned`. @default "elastic" */
  throughputMode?: SiteConfig["efs"]["throughputMode"];
  /** Provisioned throughput in MiB/s; required when `throughputMode` is `provisioned`, ignored otherwise. */
  provisionedThroughputMibps?: number;
  /** VPC of the site. */
  vpcId: pulumi.Input<string>;
  /** One private subnet per Availability Zone; each gets one mount target. */
  privateSubnetIds: pulumi.Input<string>[];
  /** Security group shared by all cluster nodes; the only source admitted on NFS (TCP 2049). */
  nodeSecurityGroupId: pulumi.Input<string>;
  /** EKS cluster that gets the EFS CSI driver add-on. */
  clusterName: pulumi.Input<string>;
  /** Namespace of the PersistentVolumeClaim; the caller creates it. */
  namespace: pulumi.Input<string>;
  /** Name of the StorageClass (cluster-scoped). @default "efs-sc" */
  storageClassName?: string;
  /** Name of the PersistentVolumeClaim workloads mount. @default "shared-files" */
  pvcName?: string;
  /** Version of the `aws-efs-csi-driver` add-on. @default the add-on's default version for the cluster's Kubernetes version */
  csiDriverAddonVersion?: pulumi.Input<string>;
  /** Daily AWS Backup of the file system (EFS automatic backups). @default true */
  automaticBackups?: boolean;
  /** Tags on the file system, e.g. the one the site's backup plan selects on. @default none besides the provider's */
  tags?: Record<string, string>;
  /**
   * A file system restored from a recovery point (config `restoredData`) that the site serves from
   * instead of its own: read by id, never changed or deleted by the program (docs/decisions.md,
   * "Adopting restored data"). It gets mount targets here, and the volume names it; its files are
   * moved out of AWS Backup's recovery directory to the root before `pvcName` resolves
   * (`RestoredFilesMove`). The site's own file system stays as it is. @default none: the volume is
   * on the site's own file system
   */
  adoptedFileSystemId?: string;
  /**
   * The site has a file system of its own. False only for a site that never had one and runs on an
   * adopted one (the backup-restore tier's standby, restored into): none is created. @default true
   */
  ownFileSystem?: boolean;
}

export class SharedFileSystem extends pulumi.ComponentResource {
  /** The file system the volume is on: the adopted one when there is one, else the site's own. */
  readonly fileSystemId: pulumi.Output<string>;
  readonly fileSystemArn: pulumi.Output<string>;
  /** The site's own file system (protected), whether or not it serves; undefined without one. */
  readonly ownFileSystemId: pulumi.Output<string> | undefined;
  readonly ownFileSystemArn: pulumi.Output<string> | undefined;
  readonly securityGroupId: pulumi.Output<string>;
  readonly storageClassName: pulumi.Output<string>;
  /**
   * Resolves once the mount targets and the CSI driver exist, so a workload that uses it can mount
   * at once, and on an adopted file system once its restored files are at the root.
   */
  readonly pvcName: pulumi.Output<string>;
  /** The Job that moves an adopted file system's restored files to its root; undefined without one. */
  readonly restoredFilesMove?: RestoredFilesMove;

  constructor(name: string, args: SharedFileSystemArgs, opts?: pulumi.ComponentResourceOptions) {
    super("eks-dr:index:SharedFileSystem", name, {}, opts);

    const throughputMode = args.throughputMode ?? "elastic";
    if (throughputMode === "provisioned" && args.provisionedThroughputMibps === undefined) {
      throw new Error(`SharedFileSystem ${name}: throughputMode "provisioned" needs provisionedThroughputMibps (e.g. 64)`);
    }
    if (args.privateSubnetIds.length === 0) {
      throw new Error(`SharedFileSystem ${name}: privateSubnetIds is empty; pods need a mount target in every AZ they run in`);
    }

    const hasOwn = args.ownFileSystem !== false;
    if (!hasOwn && args.adoptedFileSystemId === undefined) {
      throw new Error(`SharedFileSystem ${name}: without a file system of its own (ownFileSystem: false) the site needs adoptedFileSystemId`);
    }
    const fileSystem = !hasOwn
      ? undefined
      : new aws.efs.FileSystem(
          name,
          {
            encrypted: true,
            kmsKeyId: args.kmsKeyArn,
            tags: args.tags,
            // Elastic throughput requires General Purpose; say it rather than rely on the default.
            performanceMode: "generalPurpose",
            throughputMode,
            provisionedThroughputInMibps: throughputMode === "provisioned" ? args.provisionedThroughputMibps : undefined,
            protection: {
              // After a failover the value flips and the next `up` converges; deleting the replication has
              // already made AWS re-enable the protection, so that `up` finds nothing to change.
              replicationOverwrite: args.replicationOverwrite,
            },
          },
          {
            parent: this,
            protect: true,
            // While the peer replicates into it, AWS reports the protection as REPLICATING; the provider
            // reads that back into the state after any update of the file system (a tag, the throughput),
            // and the next `up` would set DISABLED again, which AWS refuses while the file system is a
            // destination ("ReplicationOverwriteProtection cannot be changed while the file system is a
            // replication destination": terraform-provider-aws #36811, PR #37790, pulumi-aws#6041). So
            // the protection is left out of the diff then: the engine keeps the last input and the
            // provider ignores the path (pulumi-terraform-bridge ignore_changes_test.go). It is DISABLED
            // before the peer's replication is created (a standby) and AWS re-enables it when the
            // replication is deleted (EFS API reference, FileSystemProtectionDescription: "If the
            // replication configuration is deleted, the file system's replication overwrite protection
            // is re-enabled"); the next `up` as active sets ENABLED, which AWS then accepts.
            // Refresh stays off limits: the provider rejects REPLICATING on read (docs/decisions.md, 3).
            ...(args.replicatedInto === true ? { ignoreChanges: ["protection"] } : {}),
          },
        );

    // Protected like the file system: deleting it turns automatic backups off, and replication
    // copies a deletion or corruption to the peer, so a backup is the only way back.
    if (fileSystem)
      new aws.efs.BackupPolicy(
        name,
        { fileSystemId: fileSystem.id, backupPolicy: { status: args.automaticBackups === false ? "DISABLED" : "ENABLED" } },
        { parent: this, protect: true },
      );

    // NFS from the nodes' security group only: no CIDR rule, so nothing else in the VPC (or a peered
    // one) can mount the shared files. No egress either: NFS replies ride the tracked connection.
    const securityGroup = new aws.ec2.SecurityGroup(
      name,
      { vpcId: args.vpcId, description: "EFS mount targets: NFS from the cluster nodes only", egress: [] },
      { parent: this },
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-nfs-from-nodes`,
      {
        securityGroupId: securityGroup.id,
        referencedSecurityGroupId: args.nodeSecurityGroupId,
        ipProtocol: "tcp",
        fromPort: NFS_PORT,
        toPort: NFS_PORT,
        description: "NFS from cluster nodes",
      },
      { parent: this },
    );

    // One mount target per AZ: a pod mounts through the mount target of its own AZ.
    const mountTargets = fileSystem
      ? args.privateSubnetIds.map(
          (subnetId, i) =>
            new aws.efs.MountTarget(`${name}-${i}`, { fileSystemId: fileSystem.id, subnetId, securityGroups: [securityGroup.id] }, { parent: this }),
        )
      : [];

    // The adopted file system: AWS Backup restores into a new file system without any mount target,
    // so it gets one per AZ in the same subnets, behind the same NFS-from-nodes security group.
    const adopted =
      args.adoptedFileSystemId === undefined ? undefined : aws.efs.FileSystem.get(`${name}-restored`, args.adoptedFileSystemId, undefined, { parent: this });
    const adoptedMountTargets = adopted
      ? args.privateSubnetIds.map(
          (subnetId, i) =>
            new aws.efs.MountTarget(`${name}-restored-${i}`, { fileSystemId: adopted.id, subnetId, securityGroups: [securityGroup.id] }, { parent: this }),
        )
      : [];
    // One of the two exists (checked above).
    const served = (adopted ?? fileSystem)!;
    const servedMountTargets = adopted ? adoptedMountTargets : mountTargets;

    // The driver: the managed add-on, its controller's AWS permissions granted through Pod Identity.
    // Static provisioning (below) only needs the node plugin, but the controller is what serves any
    // access-point volume later, and the add-on runs both.
    const partition = aws.getPartitionOutput({}, { parent: this }).partition;
    const csiRole = new PodIdentityRole(
      `${name}-efs-csi`,
      {
        clusterName: args.clusterName,
        namespace: "kube-system",
        serviceAccount: EFS_CSI_CONTROLLER_SERVICE_ACCOUNT,
        managedPolicyArns: [managedPolicyArn(partition, "service-role/AmazonEFSCSIDriverPolicy")],
      },
      { parent: this },
    );
    const csiDriver = new aws.eks.Addon(
      `${name}-efs-csi`,
      {
        clusterName: args.clusterName,
        addonName: "aws-efs-csi-driver",
        addonVersion: args.csiDriverAddonVersion,
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "OVERWRITE",
      },
      // Pod Identity credentials are injected when a pod starts: the association must exist first.
      { parent: this, dependsOn: [csiRole] },
    );

    // A StorageClass without parameters: volumes are provisioned statically, so a claim that names
    // this class without naming our PV fails instead of creating access points on a read-only replica.
    const storageClass = new k8s.storage.v1.StorageClass(
      name,
      {
        metadata: { name: args.storageClassName ?? "efs-sc" },
        provisioner: EFS_CSI_DRIVER,
        reclaimPolicy: "Retain",
        volumeBindingMode: "Immediate",
      },
      { parent: this },
    );

    const pvcName = args.pvcName ?? "shared-files";
    // Standby: the file system is a read-only replica. The PV is the same in both roles and mounts
    // read-write: NFS mounts a read-only EFS fine and writes fail with EROFS, and when the failover
    // deletes the replication the same mounts become writable, with no PV change and no pod restart
    // on the critical path. A `ro` mount option on standby would need both after every failover.
    const volume = new k8s.core.v1.PersistentVolume(
      name,
      {
        metadata: { name: pulumi.interpolate`${args.namespace}-${pvcName}` },
        spec: {
          capacity: { storage: NOMINAL_CAPACITY },
          volumeMode: "Filesystem",
          accessModes: ["ReadWriteMany"],
          // The data outlives any Kubernetes object: deleting the claim never touches the file system.
          persistentVolumeReclaimPolicy: "Retain",
          storageClassName: storageClass.metadata.name,
          // Reserved for our claim, so no other claim of this class can take the shared files.
          claimRef: { namespace: args.namespace, name: pvcName },
          csi: {
            driver: EFS_CSI_DRIVER,
            volumeHandle: served.id,
            // The driver's default, stated: TLS between node and mount target.
            volumeAttributes: { encryptInTransit: "true" },
          },
        },
      },
      // The name is fixed, so a new file system (new volumeHandle, immutable) needs the old PV gone first.
      { parent: this, deleteBeforeReplace: true },
    );
    const claim = new k8s.core.v1.PersistentVolumeClaim(
      name,
      {
        metadata: { name: pvcName, namespace: args.namespace },
        spec: {
          accessModes: ["ReadWriteMany"],
          storageClassName: storageClass.metadata.name,
          volumeName: volume.metadata.name,
          resources: { requests: { storage: NOMINAL_CAPACITY } },
        },
      },
      { parent: this, deleteBeforeReplace: true },
    );

    this.fileSystemId = served.id;
    this.fileSystemArn = served.arn;
    this.ownFileSystemId = fileSystem?.id;
    this.ownFileSystemArn = fileSystem?.arn;
    this.securityGroupId = securityGroup.id;
    this.storageClassName = storageClass.metadata.name;
    // A pod scheduled before its AZ's mount target or the driver exists fails to mount; carrying
    // them as dependencies of the name makes every workload that uses it wait for them.
    const mountablePvcName = pulumi
      .all([claim.metadata.name, csiDriver.id, ...servedMountTargets.map((m) => m.id)])
      .apply(([claimName]) => claimName as string);
    // AWS Backup restored the adopted file system's files into a directory off its root: the
    // workload mounts the claim only once they are back at the root.
    this.restoredFilesMove =
      args.adoptedFileSystemId === undefined
        ? undefined
        : new RestoredFilesMove(
            `${name}-restored-move`,
            { fileSystemId: args.adoptedFileSystemId, namespace: args.namespace, pvcName: mountablePvcName },
            { parent: this },
          );
    this.pvcName = this.restoredFilesMove?.completedPvcName ?? mountablePvcName;

    this.registerOutputs({
      fileSystemId: this.fileSystemId,
      fileSystemArn: this.fileSystemArn,
      securityGroupId: this.securityGroupId,
      storageClassName: this.storageClassName,
      pvcName: this.pvcName,
    });
  }
}
