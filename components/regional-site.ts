/**
 * One site in one Region: the network, the EKS cluster and its node groups, the cluster add-ons
 * (CoreDNS, CloudWatch observability), the application namespace, the AWS Load Balancer
 * Controller and, once the site has its encryption key, the shared EFS file system.
 *
 * Everything here is regional. What ties the two sites together (replication, the global
 * database, DNS failover) is composed by the stack program around this component.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterAccessEntry, NodeGroupName, SiteConfig } from "../stacks/config";
import { BACKUP_ONLY_SITE_TYPE, REGIONAL_SITE_TYPE } from "./backup-only-site";
import { backupSelectionTags } from "./site-backup";
import { BlockStorage } from "./block-storage";
import { Cluster } from "./cluster";
import { IngressController } from "./ingress-controller";
import { Network, type NetworkArgs } from "./network";
import { NodeGroups, type NodeGroupSpec } from "./node-groups";
import { Observability } from "./observability";
import { SharedFileSystem } from "./shared-file-system";

export interface RegionalSiteArgs {
  /** The stack name; names the cluster (`eks-dr-<stack>`), so both sites' clusters are told apart in one account. */
  stack: string;
  /** The VPC: CIDR block, AZs, NAT layout, S3 endpoint. */
  network: NetworkArgs;
  /** Kubernetes minor version of the cluster and its nodes, e.g. "1.33". */
  kubernetesVersion: string;
  /** Who may use the Kubernetes API besides the cluster's creator (`ClusterArgs.access`). @default [] */
  clusterAccess?: ClusterAccessEntry[];
  /** Each tier's nodes, at the sizes they run now. */
  nodeGroups: Record<NodeGroupName, NodeGroupSpec>;
  /** Tags for what the node groups launch (instances, volumes, ENIs). @default {} */
  instanceTags?: Record<string, string>;
  /**
   * The site's customer-managed key for EFS and EBS (the multi-Region primary key or its replica).
   * Undefined while the replica cannot exist yet (the owner site is not deployed): the file
   * system and EBS storage are then left out and the program warns.
   */
  kmsKeyArn?: pulumi.Input<string>;
  /** The shared file system (used once `kmsKeyArn` is there). */
  files: {
    /** `SharedFileSystemArgs.replicationOverwrite`: DISABLED where the peer replicates into it. */
    replicationOverwrite: "ENABLED" | "DISABLED";
    /** The peer's EFS replication writes into it now (`SharedFileSystemArgs.replicatedInto`). @default false */
    replicatedInto?: boolean;
    throughputMode?: SiteConfig["efs"]["throughputMode"];
    provisionedThroughputMibps?: number;
    /** `SharedFileSystemArgs.adoptedFileSystemId`: a restored file system the site serves from. @default none */
    adoptedFileSystemId?: string;
    /** `SharedFileSystemArgs.ownFileSystem`. @default true */
    ownFileSystem?: boolean;
  };
  /** Namespace of the application (PVC, workload). @default "app" */
  appNamespace?: string;
}

export class RegionalSite extends pulumi.ComponentResource {
  readonly network: Network;
  readonly cluster: Cluster;
  readonly nodeGroups: NodeGroups;
  readonly ingress: IngressController;
  readonly observability: Observability;
  readonly appNamespace: pulumi.Output<string>;
  /** Undefined until the site has its encryption key. */
  readonly files?: SharedFileSystem;
  /** EBS volumes (gp3, encrypted, backed up) and snapshots; undefined until the site has its encryption key. */
  readonly blockStorage?: BlockStorage;

  constructor(name: string, args: RegionalSiteArgs, opts?: pulumi.ComponentResourceOptions) {
    // A backup-restore standby is a BackupOnlySite of the same name: the alias keeps the network's URN
    // when the site changes tier (components/backup-only-site.ts).
    super(REGIONAL_SITE_TYPE, name, {}, { ...opts, aliases: [...(opts?.aliases ?? []), { type: BACKUP_ONLY_SITE_TYPE }] });

    this.network = new Network(`${name}-network`, args.network, { parent: this });

    this.cluster = new Cluster(
      `${name}-cluster`,
      {
        clusterName: `eks-dr-${args.stack}`,
        kubernetesVersion: args.kubernetesVersion,
        vpcId: this.network.vpcId,
        subnetIds: this.network.privateSubnetIds,
        access: args.clusterAccess ?? [],
      },
      { parent: this },
    );

    this.nodeGroups = new NodeGroups(
      `${name}-nodes`,
      {
        cluster: this.cluster.eks,
        clusterName: this.cluster.clusterName,
        kubernetesVersion: this.cluster.kubernetesVersion,
        groups: args.nodeGroups,
        vpcId: this.network.vpcId,
        subnetIds: this.network.privateSubnetIds,
        nodeSecurityGroupId: this.cluster.nodeSecurityGroupId,
        prerequisites: this.cluster.nodePrerequisites,
        instanceTags: args.instanceTags,
      },
      { parent: this },
    );
    // CoreDNS and the observability operator are Deployments: they need the system nodes first.
    this.cluster.addCoreDns(this.nodeGroups);
    this.observability = new Observability(`${name}-observability`, { clusterName: this.cluster.clusterName, nodes: this.nodeGroups }, { parent: this });

    // Objects inside the cluster go through the cluster's own Kubernetes provider.
    const inCluster = { parent: this, providers: [this.cluster.k8sProvider] };
    const namespace = new k8s.core.v1.Namespace(
      `${name}-app-namespace`,
      { metadata: { name: args.appNamespace ?? "app", labels: { "eks-dr/site": args.stack } } },
      { parent: this, provider: this.cluster.k8sProvider },
    );
    this.appNamespace = namespace.metadata.name;

    this.ingress = new IngressController(
      `${name}-ingress`,
      { clusterName: this.cluster.clusterName, vpcId: this.network.vpcId },
      { ...inCluster, dependsOn: [this.nodeGroups] },
    );

    if (args.kmsKeyArn !== undefined) {
      const azCount = args.network.availabilityZoneNames.length;
      const privateSubnetIds = Array.from({ length: azCount }, (_, i) => this.network.privateSubnetIds.apply((ids) => ids[i]));
      this.files = new SharedFileSystem(
        `${name}-files`,
        {
          replicationOverwrite: args.files.replicationOverwrite,
          replicatedInto: args.files.replicatedInto,
          kmsKeyArn: args.kmsKeyArn,
          throughputMode: args.files.throughputMode,
          provisionedThroughputMibps: args.files.provisionedThroughputMibps,
          adoptedFileSystemId: args.files.adoptedFileSystemId,
          ownFileSystem: args.files.ownFileSystem,
          vpcId: this.network.vpcId,
          privateSubnetIds,
          nodeSecurityGroupId: this.cluster.nodeSecurityGroupId,
          clusterName: this.cluster.clusterName,
          namespace: this.appNamespace,
          tags: backupSelectionTags(),
        },
        inCluster,
      );
      this.blockStorage = new BlockStorage(
        `${name}-volumes`,
        { clusterName: this.cluster.clusterName, kmsKeyArn: args.kmsKeyArn, volumeTags: backupSelectionTags(), nodes: this.nodeGroups },
        inCluster,
      );
    }

    this.registerOutputs({
      vpcId: this.network.vpcId,
      clusterName: this.cluster.clusterName,
      fileSystemId: this.files?.fileSystemId,
    });
  }

  /** URNs of what the failover driver scales directly (decision 4 in docs/decisions.md). */
  get outOfBandUrns(): pulumi.Output<string[]> {
    return pulumi.all(Object.values(this.nodeGroups.nodeGroupUrns));
  }
}
