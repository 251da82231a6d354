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
import { natGatewayMode, type SiteConfig } from "../stacks/config";
import { BACKUP_ONLY_SITE_TYPE, REGIONAL_SITE_TYPE } from "./backup-only-site";
import { backupSelectionTags } from "./backup";
import { BlockStorage } from "./block-storage";
import { Cluster } from "./cluster";
import { IngressController } from "./ingress-controller";
import { Network } from "./network";
import { NodeGroups } from "./node-groups";
import { Observability } from "./observability";
import { SharedFileSystem } from "./shared-file-system";

export interface RegionalSiteArgs {
  /** The stack name; names the cluster, so both sites' clusters are told apart in one account. */
  stack: string;
  config: SiteConfig;
  /**
   * The site's customer-managed key for EFS (the multi-Region primary key or its replica).
   * Undefined while the replica cannot exist yet (the owner site is not deployed): the file
   * system is then left out and the program warns.
   */
  kmsKeyArn?: pulumi.Input<string>;
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
    const { config } = args;

    this.network = new Network(
      `${name}-network`,
      { cidrBlock: config.vpcCidr, azCount: config.azCount, natGateways: natGatewayMode(config) },
      { parent: this },
    );

    this.cluster = new Cluster(
      `${name}-cluster`,
      {
        clusterName: `eks-dr-${args.stack}`,
        kubernetesVersion: config.kubernetesVersion,
        vpcId: this.network.vpcId,
        subnetIds: this.network.privateSubnetIds,
        access: config.clusterAccess,
      },
      { parent: this },
    );

    this.nodeGroups = new NodeGroups(
      `${name}-nodes`,
      {
        config,
        clusterName: this.cluster.clusterName,
        kubernetesVersion: this.cluster.kubernetesVersion,
        vpcId: this.network.vpcId,
        subnetIds: this.network.privateSubnetIds,
        clusterSecurityGroupId: this.cluster.clusterSecurityGroupId,
        nodeSecurityGroupId: this.cluster.nodeSecurityGroupId,
        prerequisites: this.cluster.nodePrerequisites,
        instanceTags: config.tags,
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
      const privateSubnetIds = Array.from({ length: config.azCount }, (_, i) => this.network.privateSubnetIds.apply((ids) => ids[i]));
      this.files = new SharedFileSystem(
        `${name}-files`,
        {
          role: config.role,
          kmsKeyArn: args.kmsKeyArn,
          throughputMode: config.efs.throughputMode,
          provisionedThroughputMibps: config.efs.provisionedThroughputMibps,
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
