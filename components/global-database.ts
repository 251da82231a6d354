/**
 * This site's part of the Aurora MySQL global database.
 *
 * The site that owns global resources creates the `GlobalCluster` and the cluster that starts as
 * its writer, with the master credentials. The other site creates a secondary cluster that joins
 * the global cluster by identifier (read from the peer) and has no credentials of its own. Which
 * cluster writes is decided by AWS (switchover/failover), not by this program: the caller only sets
 * how many instances the site runs. So a `pulumi up` after a failover must neither revert nor
 * recreate anything, which is what the `ignoreChanges` below and the count-independent cluster
 * inputs are for (test/components/global-database.test.ts evaluates both roles and compares).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DatabaseConfig } from "../stacks/config";

export interface GlobalDatabaseArgs {
  /** This site owns the global cluster and the master credentials (config `ownsGlobalResources`). */
  ownsGlobalResources: boolean;
  /**
   * Instances of this site's regional cluster (0: a headless secondary). Instance i keeps its
   * identifier and AZ whatever the count, so a change only adds or removes the highest ones.
   */
  instances: number;
  /**
   * Global cluster identifier. Owner: the one to create. Other site: the one to join (peer output
   * `globalClusterIdentifier`); undefined until the owner is deployed, in which case no cluster is
   * created and the cluster outputs are undefined (the caller warns, as `PeerSite.get` does).
   */
  globalClusterIdentifier: string | undefined;
  /**
   * This site's regional cluster identifier, stable for the life of the site (e.g. `eks-dr-primary`):
   * lowercase letters, digits and single hyphens, starting with a letter, at most 60 characters
   * (instances append `-<index>`).
   */
  clusterIdentifier: string;
  /** Config `database`: engine version, instance class, names, backup retention (`readers` is not read: the count is `instances`). */
  database: DatabaseConfig;
  /** Owner only: the master password (from `DatabaseCredentials`). A secondary has no credentials. */
  masterPassword?: pulumi.Input<string>;
  /**
   * This site's KMS key ARN. An encrypted cross-Region secondary must name a key valid in its own
   * Region (RDS API Reference, CreateDBCluster `KmsKeyId`): the MRK replica there.
   */
  kmsKeyArn: pulumi.Input<string>;
  vpcId: pulumi.Input<string>;
  /** Private subnets (one per AZ) for the DB subnet group. */
  privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** AZ names; instance i goes to AZ `i mod n`, so an instance keeps its AZ when the count changes. */
  availabilityZones: pulumi.Input<string[]>;
  /** Security group of the app-tier nodes: the only source admitted on 3306 (decision 8). */
  appSecurityGroupId: pulumi.Input<string>;
  /** Aurora MySQL logs exported to CloudWatch Logs. @default ["audit", "error", "slowquery"] */
  logExports?: AuroraMysqlLogType[];
  /** Retention of the exported log groups, in days. @default 30 */
  logRetentionDays?: number;
  /** Tags on the regional cluster, e.g. the one the site's backup plan selects on. @default none besides the provider's */
  tags?: Record<string, string>;
  /**
   * A DB cluster restored from a recovery point (config `restoredData`) that the site serves from
   * instead of its own: read by identifier, never changed or deleted by the program; the endpoints
   * and identifiers this component exposes are its. The site's own cluster stays as it is. @default none
   */
  adoptedClusterIdentifier?: string;
  /**
   * The global database the adopted cluster writes (config `restoredData.globalClusterIdentifier`,
   * created by `restore` from it): read by identifier, never changed or deleted by the program; it
   * names `servedGlobalClusterIdentifier`. The owner's own global cluster stays as it is. @default none
   */
  adoptedGlobalClusterIdentifier?: string;
  /**
   * The site has a regional cluster of its own. False only for a site that never had one and runs on
   * an adopted cluster (the backup-restore tier's standby, restored into): it keeps the security group
   * and subnet group the restored cluster is in, creates no cluster and joins no global database
   * (whose primary Region may be the lost one), and leaves the restored cluster's instances to the
   * restore. @default true
   */
  ownCluster?: boolean;
}

export const AURORA_MYSQL_LOG_TYPES = ["audit", "error", "general", "slowquery"] as const;
export type AuroraMysqlLogType = (typeof AURORA_MYSQL_LOG_TYPES)[number];

export const MYSQL_PORT = 3306;
const ENGINE = "aurora-mysql";

/** Lowercase identifier rule of RDS (and of the provider's `validIdentifier`), with room for `-NN`. */
const IDENTIFIER = /^[a-z](?!.*--)[a-z0-9-]{0,58}[a-z0-9]$/;

/** `8.0.mysql_aurora.3.08.2` -> `aurora-mysql8.0`: the cluster parameter group family. */
export function parameterGroupFamily(engineVersion: string): string {
  const m = /^(\d+\.\d+)\.mysql_aurora\.\d+\.\d+\.\d+$/.exec(engineVersion);
  if (!m) throw new Error(`eks-dr:database.engineVersion: "${engineVersion}" is not an Aurora MySQL version such as 8.0.mysql_aurora.3.08.2`);
  return `aurora-mysql${m[1]}`;
}

/** The component type of `GlobalDatabase` and `DatabaseLandingZone`: one URN for the global cluster whichever holds it. */
const GLOBAL_DATABASE_TYPE = "eks-dr:index:GlobalDatabase";

/** The pair's global cluster, created empty by the owner (protected: it is the pair's database). */
function newGlobalCluster(parent: pulumi.Resource, name: string, globalClusterIdentifier: string, engineVersion: string): aws.rds.GlobalCluster {
  return new aws.rds.GlobalCluster(
    name,
    { globalClusterIdentifier, engine: ENGINE, engineVersion, storageEncrypted: true, deletionProtection: true },
    { parent, protect: true },
  );
}

/**
 * The global database a restored cluster writes, read by identifier like the cluster (a read is never
 * created, updated or deleted by the engine: docs/decisions.md, "Adopting restored data"). Its own
 * name, so the owner's protected global cluster keeps its URN and inputs.
 */
function readAdoptedGlobalCluster(parent: pulumi.Resource, name: string, id: string | undefined): aws.rds.GlobalCluster | undefined {
  return id === undefined ? undefined : aws.rds.GlobalCluster.get(`${name}-restored-global`, id, undefined, { parent });
}

/**
 * The database's network: the security group (MySQL from the app tier only) and the DB subnet group
 * in the site's private subnets. The same names and inputs in both shapes of a site, so a cluster
 * restored into the backup-only standby's subnet group stays in it when the site becomes a full one.
 */
function dbSecurityGroup(parent: pulumi.Resource, name: string, clusterIdentifier: string, vpcId: pulumi.Input<string>): aws.ec2.SecurityGroup {
  return new aws.ec2.SecurityGroup(
    name,
    {
      vpcId,
      description: `Aurora ${clusterIdentifier}: MySQL from the app tier only`,
      // No egress rules: the provider removes AWS's default allow-all egress, and Aurora
      // initiates no connection here.
    },
    { parent },
  );
}

// Explicit names: the cluster references them by name and `dbSubnetGroupName` forces replacement.
function dbSubnetGroup(
  parent: pulumi.Resource,
  name: string,
  clusterIdentifier: string,
  privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>,
): aws.rds.SubnetGroup {
  return new aws.rds.SubnetGroup(
    name,
    { name: clusterIdentifier, description: `Aurora ${clusterIdentifier}: private subnets`, subnetIds: privateSubnetIds },
    { parent },
  );
}

/** `DatabaseLandingZone`'s arguments. */
export interface DatabaseLandingZoneArgs {
  /** The site's regional cluster identifier (`GlobalDatabaseArgs.clusterIdentifier`): names the subnet group. */
  clusterIdentifier: string;
  vpcId: pulumi.Input<string>;
  /** Private subnets, one per AZ: the DB subnet group's. */
  privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Owner only: the pair's global cluster to keep (it exists once for the pair, whatever the role). */
  globalCluster?: { globalClusterIdentifier: string; engineVersion: string };
}

/**
 * A site without a regional cluster (the standby of the backup-restore tier): where a cluster
 * restored from a recovery point lands (a DB subnet group and security group in this Region: a
 * restore without them would land in the default VPC, or fail without one), and on the owner the
 * pair's global cluster. It registers as the same component type and name as `GlobalDatabase`, and
 * its children with the same names and inputs, so they keep their URNs when the site changes shape.
 */
export class DatabaseLandingZone extends pulumi.ComponentResource {
  readonly globalCluster: aws.rds.GlobalCluster | undefined;
  readonly globalClusterIdentifier: pulumi.Output<string> | undefined;
  readonly securityGroupId: pulumi.Output<string>;
  readonly subnetGroupName: pulumi.Output<string>;

  constructor(name: string, args: DatabaseLandingZoneArgs, opts?: pulumi.ComponentResourceOptions) {
    super(GLOBAL_DATABASE_TYPE, name, {}, opts);
    const g = args.globalCluster;
    if (g && !IDENTIFIER.test(g.globalClusterIdentifier)) {
      throw new Error(
        `DatabaseLandingZone ${name}: globalClusterIdentifier "${g.globalClusterIdentifier}" must be 2-60 lowercase letters, digits or single hyphens`,
      );
    }
    this.securityGroupId = dbSecurityGroup(this, name, args.clusterIdentifier, args.vpcId).id;
    this.subnetGroupName = dbSubnetGroup(this, name, args.clusterIdentifier, args.privateSubnetIds).name;
    this.globalCluster = g && newGlobalCluster(this, name, g.globalClusterIdentifier, g.engineVersion);
    this.globalClusterIdentifier = this.globalCluster?.globalClusterIdentifier;
    this.registerOutputs({
      globalClusterIdentifier: this.globalClusterIdentifier,
      securityGroupId: this.securityGroupId,
      subnetGroupName: this.subnetGroupName,
    });
  }
}

export class GlobalDatabase extends pulumi.ComponentResource {
  /** Owner only. */
  readonly globalClusterIdentifier: pulumi.Output<string> | undefined;
  readonly clusterIdentifier: pulumi.Output<string> | undefined;
  readonly clusterArn: pulumi.Output<string> | undefined;
  /** The site's own cluster (protected), whether or not it serves. */
  readonly ownClusterArn: pulumi.Output<string> | undefined;
  /** The adopted cluster, read (undefined without one). */
  readonly adoptedCluster: aws.rds.Cluster | undefined;
  /** The global database the adopted cluster writes, read (undefined without one). */
  readonly adoptedGlobalCluster: aws.rds.GlobalCluster | undefined;
  /**
   * The global database the served cluster is in: the pair's (the owner's, or the one this
   * secondary joins), or the adopted one's; undefined while it is in none.
   */
  readonly servedGlobalClusterIdentifier: pulumi.Output<string> | undefined;
  /** The cluster endpoint; it accepts writes only while this cluster is the global writer. */
  readonly writerEndpoint: pulumi.Output<string> | undefined;
  readonly readerEndpoint: pulumi.Output<string> | undefined;
  /** The database security group (3306 from the app tier only). Always created. */
  readonly securityGroupId: pulumi.Output<string>;
  /** The DB subnet group (the site's private subnets); undefined without a cluster. */
  readonly subnetGroupName: pulumi.Output<string> | undefined;
  /**
   * URN of instance 0 whether or not it exists (decision 7): the driver targets it with
   * `up --target` to give a headless secondary its first instance before promotion.
   */
  readonly promotionInstanceUrn: pulumi.Output<string> | undefined;
  /** Whether this site has its cluster (false on a non-owner whose peer is not deployed yet). */
  readonly hasCluster: boolean;
  /** Number of instances registered (`instances`, or 0 while there is no cluster to join). */
  readonly instanceCount: number;
  readonly globalCluster: aws.rds.GlobalCluster | undefined;
  readonly cluster: aws.rds.Cluster | undefined;
  readonly instances: aws.rds.ClusterInstance[];

  constructor(name: string, args: GlobalDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super(GLOBAL_DATABASE_TYPE, name, {}, opts);

    if (!IDENTIFIER.test(args.clusterIdentifier)) {
      throw new Error(
        `GlobalDatabase ${name}: clusterIdentifier "${args.clusterIdentifier}" must be 2-60 lowercase letters, digits or single hyphens, start with a letter and not end with a hyphen`,
      );
    }
    if (args.globalClusterIdentifier !== undefined && !IDENTIFIER.test(args.globalClusterIdentifier)) {
      throw new Error(`GlobalDatabase ${name}: globalClusterIdentifier "${args.globalClusterIdentifier}" must follow the same rule as clusterIdentifier`);
    }
    if (args.ownsGlobalResources && (args.globalClusterIdentifier === undefined || args.masterPassword === undefined)) {
      throw new Error(`GlobalDatabase ${name}: the owner of global resources needs globalClusterIdentifier and masterPassword`);
    }
    if (!args.ownsGlobalResources && args.masterPassword !== undefined) {
      throw new Error(`GlobalDatabase ${name}: a secondary cluster takes its credentials from the global cluster; do not pass masterPassword`);
    }
    const db = args.database;
    const family = parameterGroupFamily(db.engineVersion);
    const logExports = args.logExports ?? ["audit", "error", "slowquery"];

    // Network: created whether or not the cluster is, so the app tier can be wired to it.
    const securityGroup = dbSecurityGroup(this, name, args.clusterIdentifier, args.vpcId);
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-mysql-from-app`,
      {
        securityGroupId: securityGroup.id,
        referencedSecurityGroupId: args.appSecurityGroupId,
        ipProtocol: "tcp",
        fromPort: MYSQL_PORT,
        toPort: MYSQL_PORT,
        description: "MySQL from app-tier nodes (decision 8)",
      },
      { parent: this },
    );
    this.securityGroupId = securityGroup.id;

    const joinsAs = args.ownsGlobalResources ? "owner" : args.globalClusterIdentifier === undefined ? "none" : "secondary";
    if (!Number.isInteger(args.instances) || args.instances < 0)
      throw new Error(`GlobalDatabase ${name}: instances must be a whole number >= 0, got ${args.instances}`);
    this.instanceCount = joinsAs === "none" ? 0 : args.instances;
    this.instances = [];
    this.hasCluster = joinsAs !== "none";
    if (args.ownCluster === false) {
      if (args.adoptedClusterIdentifier === undefined) {
        throw new Error(`GlobalDatabase ${name}: without a cluster of its own (ownCluster: false) the site needs adoptedClusterIdentifier`);
      }
      this.subnetGroupName = dbSubnetGroup(this, name, args.clusterIdentifier, args.privateSubnetIds).name;
      this.globalCluster = args.ownsGlobalResources ? newGlobalCluster(this, name, args.globalClusterIdentifier as string, db.engineVersion) : undefined;
      this.globalClusterIdentifier = this.globalCluster?.globalClusterIdentifier;
      this.cluster = undefined;
      this.ownClusterArn = undefined;
      this.instanceCount = 0;
      this.hasCluster = true;
      this.adoptedCluster = aws.rds.Cluster.get(`${name}-restored`, args.adoptedClusterIdentifier, undefined, { parent: this });
      this.adoptedGlobalCluster = readAdoptedGlobalCluster(this, name, args.adoptedGlobalClusterIdentifier);
      this.servedGlobalClusterIdentifier = this.adoptedGlobalCluster?.globalClusterIdentifier;
      this.clusterIdentifier = this.adoptedCluster.clusterIdentifier;
      this.clusterArn = this.adoptedCluster.arn;
      this.writerEndpoint = this.adoptedCluster.endpoint;
      this.readerEndpoint = this.adoptedCluster.readerEndpoint;
      this.promotionInstanceUrn = pulumi.createUrn(`${name}-0`, "aws:rds/clusterInstance:ClusterInstance", this);
      this.registerOutputs({
        globalClusterIdentifier: this.globalClusterIdentifier,
        servedGlobalClusterIdentifier: this.servedGlobalClusterIdentifier,
        clusterIdentifier: this.clusterIdentifier,
        writerEndpoint: this.writerEndpoint,
        securityGroupId: this.securityGroupId,
        subnetGroupName: this.subnetGroupName,
      });
      return;
    }
    if (joinsAs === "none") {
      // The owner has not exported the global cluster id yet; nothing to join.
      this.globalCluster = this.cluster = undefined;
      this.globalClusterIdentifier = this.clusterIdentifier = this.clusterArn = undefined;
      this.writerEndpoint = this.readerEndpoint = this.promotionInstanceUrn = this.subnetGroupName = this.ownClusterArn = undefined;
      this.adoptedCluster = this.adoptedGlobalCluster = this.servedGlobalClusterIdentifier = undefined;
      this.registerOutputs({ securityGroupId: this.securityGroupId });
      return;
    }

    const subnetGroup = dbSubnetGroup(this, name, args.clusterIdentifier, args.privateSubnetIds);
    this.subnetGroupName = subnetGroup.name;
    // Exports stay empty unless the engine writes the logs. Advanced Auditing is configured by DB
    // cluster parameters (Aurora User Guide, AuroraMySQL.Auditing); the slow query log by DB
    // (instance) parameters (Aurora User Guide, "Overview of Aurora MySQL database logs").
    const parameterGroupName = `${args.clusterIdentifier}-${family.replace(".", "-")}`;
    const clusterParameterGroup = new aws.rds.ClusterParameterGroup(
      name,
      {
        name: parameterGroupName,
        family,
        description: `Aurora ${args.clusterIdentifier}: Advanced Auditing for CloudWatch`,
        parameters: [
          { name: "server_audit_logging", value: "1" },
          { name: "server_audit_events", value: "CONNECT,QUERY_DCL,QUERY_DDL" },
        ],
      },
      { parent: this },
    );
    const instanceParameterGroup = new aws.rds.ParameterGroup(
      name,
      {
        name: parameterGroupName,
        family,
        description: `Aurora ${args.clusterIdentifier} instances: slow query log for CloudWatch`,
        parameters: [
          { name: "slow_query_log", value: "1" },
          { name: "long_query_time", value: "2" },
          { name: "log_output", value: "FILE" },
        ],
      },
      { parent: this },
    );
    // Created before the cluster so RDS writes into them (its own would never expire nor use our key).
    const logGroups = logExports.map(
      (type) =>
        new aws.cloudwatch.LogGroup(
          `${name}-${type}`,
          { name: `/aws/rds/cluster/${args.clusterIdentifier}/${type}`, retentionInDays: args.logRetentionDays ?? 30, kmsKeyId: args.kmsKeyArn },
          { parent: this },
        ),
    );

    if (joinsAs === "owner") {
      // Created empty, then the writer cluster joins it: `sourceDbClusterIdentifier` is not used,
      // so nothing on the global cluster reads differently after a switchover.
      this.globalCluster = newGlobalCluster(this, name, args.globalClusterIdentifier as string, db.engineVersion);
      this.globalClusterIdentifier = this.globalCluster.globalClusterIdentifier;
    } else {
      this.globalCluster = undefined;
      this.globalClusterIdentifier = undefined;
    }

    // Inputs that are the same on both sites and in both roles.
    const common: aws.rds.ClusterArgs = {
      clusterIdentifier: args.clusterIdentifier,
      engine: ENGINE,
      engineVersion: db.engineVersion,
      port: MYSQL_PORT,
      dbSubnetGroupName: subnetGroup.name,
      vpcSecurityGroupIds: [securityGroup.id],
      dbClusterParameterGroupName: clusterParameterGroup.name,
      storageEncrypted: true,
      kmsKeyId: args.kmsKeyArn,
      deletionProtection: true,
      backupRetentionPeriod: db.backupRetentionDays,
      copyTagsToSnapshot: true,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: `${args.clusterIdentifier}-final`,
      // Keep automated backups after the cluster is deleted (they expire with their retention).
      deleteAutomatedBackups: false,
      enabledCloudwatchLogsExports: logExports,
      tags: args.tags,
      // `availabilityZones` is left to AWS: it forces replacement and Aurora spreads storage over
      // three AZs regardless; instances are placed explicitly below.
    };
    const clusterArgs: aws.rds.ClusterArgs =
      joinsAs === "owner"
        ? {
            ...common,
            globalClusterIdentifier: (this.globalCluster as aws.rds.GlobalCluster).globalClusterIdentifier,
            databaseName: db.databaseName,
            masterUsername: db.masterUsername,
            masterPassword: args.masterPassword,
          }
        : { ...common, globalClusterIdentifier: args.globalClusterIdentifier };

    this.cluster = new aws.rds.Cluster(name, clusterArgs, {
      parent: this,
      protect: true,
      dependsOn: logGroups,
      ignoreChanges: [
        // AWS sets ReplicationSourceIdentifier on whichever cluster is currently a secondary (the
        // primary's ARN) and clears it on the writer; it moves at every switchover/failover. The
        // provider turns a change to "" into PromoteReadReplicaDBCluster and any other change into
        // an error (terraform-provider-aws rds/cluster.go resourceClusterUpdate; #42919), so acting
        // on it would break the global database. Neither cluster sets it in this program.
        "replicationSourceIdentifier",
        // Read from DescribeGlobalClusters membership: empty while a failed-over old primary is
        // out of the global cluster (until Aurora re-adds it as a secondary, or for good if it
        // cannot). The provider answers "" -> id with "existing RDS Clusters cannot be added to an
        // existing RDS Global Cluster" and id -> "" with RemoveFromGlobalCluster (cluster.go;
        // cloudposse/terraform-aws-rds-cluster#281). Membership is the driver's business.
        "globalClusterIdentifier",
        // Upgrades are made on the GlobalCluster (owner), which upgrades every member; the member
        // clusters must not diff on it (provider docs, aws.rds.GlobalCluster "Upgrading Engine
        // Versions"). Aurora has no automatic minor upgrades for global database members
        // (Aurora User Guide, AuroraMySQL.Updates.AMVU), so nothing else moves it.
        "engineVersion",
      ],
    });
    const cluster = this.cluster;

    // Instances: stable logical names and identifiers by index, so instance 0 is the same resource
    // in every role and scaling only adds or removes the highest indexes. Not protected: the role
    // change must be able to remove readers (the data lives in the cluster volume).
    const azs = pulumi.output(args.availabilityZones);
    for (let i = 0; i < this.instanceCount; i++) {
      this.instances.push(
        new aws.rds.ClusterInstance(
          `${name}-${i}`,
          {
            identifier: `${args.clusterIdentifier}-${i}`,
            clusterIdentifier: cluster.clusterIdentifier,
            engine: ENGINE,
            instanceClass: db.instanceClass,
            dbSubnetGroupName: subnetGroup.name,
            dbParameterGroupName: instanceParameterGroup.name,
            availabilityZone: azs.apply((list) => {
              if (list.length === 0) throw new Error(`GlobalDatabase ${name}: availabilityZones is empty`);
              return list[i % list.length];
            }),
            // Instance 0 is the preferred failover target inside the Region.
            promotionTier: i === 0 ? 0 : 1,
            publiclyAccessible: false,
            // Not applied to global database members anyway (AMVU page above); versions move together.
            autoMinorVersionUpgrade: false,
            copyTagsToSnapshot: true,
          },
          // Explicit: children inherit `protect` from the component, and a protected reader would
          // block the scale-down a role change needs.
          { parent: this, protect: false },
        ),
      );
    }

    // The adopted cluster serves: the workload's endpoints and what the site exports are its.
    this.adoptedCluster =
      args.adoptedClusterIdentifier === undefined
        ? undefined
        : aws.rds.Cluster.get(`${name}-restored`, args.adoptedClusterIdentifier, undefined, { parent: this });
    this.adoptedGlobalCluster = this.adoptedCluster && readAdoptedGlobalCluster(this, name, args.adoptedGlobalClusterIdentifier);
    const pairGlobal = this.globalCluster?.globalClusterIdentifier ?? pulumi.output(args.globalClusterIdentifier as string);
    this.servedGlobalClusterIdentifier = this.adoptedCluster ? this.adoptedGlobalCluster?.globalClusterIdentifier : pairGlobal;
    const served = this.adoptedCluster ?? cluster;
    this.ownClusterArn = cluster.arn;
    this.clusterIdentifier = served.clusterIdentifier;
    this.clusterArn = served.arn;
    this.writerEndpoint = served.endpoint;
    this.readerEndpoint = served.readerEndpoint;
    // Computed from the name, so it exists for a headless secondary too (decision 7).
    this.promotionInstanceUrn = pulumi.createUrn(`${name}-0`, "aws:rds/clusterInstance:ClusterInstance", this);
    this.registerOutputs({
      globalClusterIdentifier: this.globalClusterIdentifier,
      servedGlobalClusterIdentifier: this.servedGlobalClusterIdentifier,
      clusterIdentifier: this.clusterIdentifier,
      clusterArn: this.clusterArn,
      writerEndpoint: this.writerEndpoint,
      readerEndpoint: this.readerEndpoint,
      securityGroupId: this.securityGroupId,
      subnetGroupName: this.subnetGroupName,
      promotionInstanceUrn: this.promotionInstanceUrn,
    });
  }
}
