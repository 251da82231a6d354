/**
 * Every DR policy against synthetic sites: healthy sites pass every policy, and each deliberately
 * broken variant fails exactly the policy that guards that invariant and no other.
 */
import { expect } from "chai";
import { DR_POLICIES } from "../../policy/lib/policies";
import { runPolicy } from "../../policy/lib/policy";
import { T, type ResourceLike } from "../../policy/lib/resources";
import { activeSite, failing, mutate, runAll, standbySite, without } from "./fixtures";

const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const UNKNOWN_ARRAY = "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2";

describe("DR policies on synthetic sites", () => {
  it("has unique names and an explicit enforcement level", () => {
    const names = DR_POLICIES.map((p) => p.name);
    expect(new Set(names).size).to.equal(names.length);
    for (const p of DR_POLICIES) expect(["mandatory", "advisory"]).to.include(p.enforcementLevel);
  });

  for (const [label, build] of [
    ["active (primary)", activeSite],
    ["standby (dr)", standbySite],
  ] as const) {
    it(`a healthy ${label} site passes every policy, and every policy applies`, () => {
      const results = runAll(build());
      expect(failing(results)).to.deep.equal([]);
      for (const [name, r] of results) expect(r.notApplicable, name).to.equal(undefined);
    });
  }

  interface Broken {
    title: string;
    policy: string;
    site: () => ResourceLike[];
    config?: Record<string, object>;
    /** Text the violation message must contain (what is wrong and how to fix it). */
    says: RegExp;
  }

  const broken: Broken[] = [
    {
      title: "an unencrypted EFS file system",
      policy: "efs-encrypted-with-cmk",
      site: () => mutate(activeSite(), T.efsFileSystem, (r) => ((r.props.encrypted = false), delete r.props.kmsKeyId)),
      says: /not encrypted.*Fix: set `encrypted: true` and `kmsKeyId`/,
    },
    {
      title: "an EFS file system on the AWS managed key",
      policy: "efs-encrypted-with-cmk",
      site: () => mutate(standbySite(), T.efsFileSystem, (r) => delete r.props.kmsKeyId),
      says: /AWS managed key/,
    },
    {
      title: "an Aurora cluster without a customer-managed key",
      policy: "aurora-encrypted-with-cmk",
      site: () => mutate(standbySite(), T.rdsCluster, (r) => delete r.props.kmsKeyId),
      says: /AWS managed key.*Fix: set `storageEncrypted: true` and `kmsKeyId`/,
    },
    {
      title: "an unencrypted global cluster",
      policy: "aurora-encrypted-with-cmk",
      site: () => mutate(activeSite(), T.rdsGlobalCluster, (r) => (r.props.storageEncrypted = false)),
      says: /global-db .* not created encrypted/,
    },
    {
      title: "an Aurora cluster without deletion protection",
      policy: "aurora-deletion-protection",
      site: () => mutate(standbySite(), T.rdsCluster, (r) => (r.props.deletionProtection = false)),
      says: /deletion protection off.*Fix: set `deletionProtection: true`/,
    },
    {
      title: "a global cluster without deletion protection",
      policy: "aurora-deletion-protection",
      site: () => mutate(activeSite(), T.rdsGlobalCluster, (r) => delete r.props.deletionProtection),
      says: /global-db/,
    },
    {
      title: "3 days of Aurora backups",
      policy: "aurora-backup-retention",
      site: () => mutate(activeSite(), T.rdsCluster, (r) => (r.props.backupRetentionPeriod = 3)),
      says: /keeps 3 day\(s\).*fewer than 7.*Fix: set `backupRetentionPeriod` to at least 7/,
    },
    {
      title: "no backup retention set (AWS keeps 1 day)",
      policy: "aurora-backup-retention",
      site: () => mutate(standbySite(), T.rdsCluster, (r) => delete r.props.backupRetentionPeriod),
      says: /keeps 1 day/,
    },
    {
      title: "7 days of backups when the pack config asks for 14",
      policy: "aurora-backup-retention",
      site: activeSite,
      config: { "aurora-backup-retention": { minimumDays: 14 } },
      says: /fewer than 14/,
    },
    {
      title: "an unprotected file system",
      policy: "stateful-resources-protected",
      site: () => mutate(activeSite(), T.efsFileSystem, (r) => (r.protect = false)),
      says: /shared-files .* not protected.*Fix: pass `\{ protect: true \}`/,
    },
    {
      title: "an unprotected global cluster",
      policy: "stateful-resources-protected",
      site: () => mutate(activeSite(), T.rdsGlobalCluster, (r) => (r.protect = false)),
      says: /global-db/,
    },
    {
      title: "an unprotected KMS replica key",
      policy: "data-keys-protected",
      site: () => mutate(standbySite(), T.kmsReplicaKey, (r) => (r.protect = false)),
      says: /data-key .* not protected.*unreadable.*Fix: pass `\{ protect: true \}`/,
    },
    {
      title: "an unprotected multi-Region key",
      policy: "data-keys-protected",
      site: () => mutate(activeSite(), T.kmsKey, (r) => (r.protect = false), "data-key"),
      says: /data-key/,
    },
    {
      title: "an unprotected single-Region key that encrypts the database credentials",
      policy: "data-keys-protected",
      site: () => [...mutate(standbySite(), T.secret, (r) => (r.props.kmsKeyId = "arn:aws:kms:us-west-2:123456789012:key/alarms-dr"))],
      says: /alarm-topic-key .* not protected/,
    },
    {
      title: "a node group in a single subnet",
      policy: "eks-node-groups-multi-subnet",
      site: () => mutate(activeSite(), T.eksNodeGroup, (r) => (r.props.subnetIds = ["subnet-primary-a"]), "web-nodes"),
      says: /web-nodes .* spans 1 subnet\(s\).*Fix: pass the site's private subnets in every AZ/,
    },
    {
      title: "a node group listing the same subnet twice",
      policy: "eks-node-groups-multi-subnet",
      site: () => mutate(standbySite(), T.eksNodeGroup, (r) => (r.props.subnetIds = ["subnet-x", "subnet-x"]), "system-nodes"),
      says: /spans 1 subnet/,
    },
    {
      title: "NFS open to 0.0.0.0/0 in a security group's inline rule",
      policy: "no-public-data-ports",
      site: () =>
        mutate(activeSite(), T.securityGroup, (r) => (r.props.ingress = [{ protocol: "tcp", fromPort: 2049, toPort: 2049, cidrBlocks: ["0.0.0.0/0"] }])),
      says: /efs-sg .* opens NFS \(EFS\) port 2049 to public addresses 0\.0\.0\.0\/0.*Fix: admit the port only from the security group/,
    },
    {
      title: "MySQL open to ::/0 in a VPC ingress rule",
      policy: "no-public-data-ports",
      site: () => mutate(standbySite(), T.ingressRule, (r) => ((r.props.cidrIpv6 = "::/0"), delete r.props.referencedSecurityGroupId), "db-from-app"),
      says: /opens MySQL \(Aurora\) port 3306 to public addresses ::\/0/,
    },
    {
      title: "every protocol open to the world in a security group rule",
      policy: "no-public-data-ports",
      site: () => mutate(activeSite(), T.securityGroupRule, (r) => ((r.props.protocol = "-1"), (r.props.fromPort = 0), (r.props.toPort = 0))),
      says: /alb-http .* opens NFS.*alb-http|port 2049/,
    },
    {
      title: "a TCP port range covering 3306 open to the world",
      policy: "no-public-data-ports",
      site: () => mutate(activeSite(), T.ingressRule, (r) => ((r.props.fromPort = 1024), (r.props.toPort = 65535)), "alb-https"),
      says: /3306 to public addresses 0\.0\.0\.0\/0/,
    },
    {
      title: "NFS open to the whole internet written as two /1 blocks",
      policy: "no-public-data-ports",
      site: () =>
        mutate(
          activeSite(),
          T.securityGroup,
          (r) => (r.props.ingress = [{ protocol: "tcp", fromPort: 2049, toPort: 2049, cidrBlocks: ["0.0.0.0/1", "128.0.0.0/1"] }]),
        ),
      says: /opens NFS \(EFS\) port 2049 to public addresses 0\.0\.0\.0\/1 and 128\.0\.0\.0\/1/,
    },
    {
      title: "MySQL open to a public /8",
      policy: "no-public-data-ports",
      site: () => mutate(standbySite(), T.ingressRule, (r) => ((r.props.cidrIpv4 = "52.0.0.0/8"), delete r.props.referencedSecurityGroupId), "db-from-app"),
      says: /opens MySQL \(Aurora\) port 3306 to public addresses 52\.0\.0\.0\/8/,
    },
    {
      title: "MySQL open to a managed prefix list in a VPC ingress rule",
      policy: "no-public-data-ports",
      site: () =>
        mutate(standbySite(), T.ingressRule, (r) => ((r.props.prefixListId = "pl-0123456789abcdef0"), delete r.props.referencedSecurityGroupId), "db-from-app"),
      says: /opens MySQL \(Aurora\) port 3306 to prefix list pl-0123456789abcdef0/,
    },
    {
      title: "NFS open to a prefix list in a security group rule",
      policy: "no-public-data-ports",
      site: () =>
        mutate(activeSite(), T.securityGroupRule, (r) => {
          Object.assign(r.props, { fromPort: 2049, toPort: 2049, cidrBlocks: [], ipv6CidrBlocks: [], prefixListIds: ["pl-63a5400a"] });
        }),
      says: /alb-http .* opens NFS \(EFS\) port 2049 to prefix list pl-63a5400a/,
    },
    {
      title: "NFS open to a prefix list in a security group's inline rule",
      policy: "no-public-data-ports",
      site: () =>
        mutate(activeSite(), T.securityGroup, (r) => (r.props.ingress = [{ protocol: "tcp", fromPort: 2049, toPort: 2049, prefixListIds: ["pl-02cd2c6b"] }])),
      says: /prefix list pl-02cd2c6b/,
    },
    {
      title: "NFS open to the global IPv6 unicast space (2000::/3)",
      policy: "no-public-data-ports",
      site: () =>
        mutate(activeSite(), T.securityGroupRule, (r) =>
          Object.assign(r.props, { fromPort: 2049, toPort: 2049, cidrBlocks: [], ipv6CidrBlocks: ["2000::/3"] }),
        ),
      says: /public addresses 2000::\/3/,
    },
    {
      title: "a resource created through the default AWS provider (the runner's Region)",
      policy: "no-default-providers",
      site: () =>
        mutate(
          activeSite(),
          T.rdsCluster,
          (r) => (r.provider = { type: "pulumi:providers:aws", name: "default_7_48_0", urn: "urn:pulumi:site::eks-dr::pulumi:providers:aws::default_7_48_0" }),
        ),
      says: /db .* default aws provider default_7_48_0.*Fix: pass the site's provider.*pulumi:disable-default-providers/,
    },
    {
      title: "a Kubernetes object through the default Kubernetes provider (the runner's kubeconfig)",
      policy: "no-default-providers",
      site: () => [
        ...standbySite(),
        {
          type: "kubernetes:apps/v1:Deployment",
          name: "web",
          urn: "urn:pulumi:site::eks-dr::kubernetes:apps/v1:Deployment::web",
          props: {},
          provider: { type: "pulumi:providers:kubernetes", name: "default", urn: "urn:pulumi:site::eks-dr::pulumi:providers:kubernetes::default" },
        },
      ],
      says: /web .* default kubernetes provider/,
    },
    {
      title: "the engine's default AWS provider itself",
      policy: "no-default-providers",
      site: () => [
        ...activeSite(),
        { type: "pulumi:providers:aws", name: "default_7_48_0", urn: "urn:pulumi:site::eks-dr::pulumi:providers:aws::default_7_48_0", props: {} },
      ],
      says: /default_7_48_0 .* is the engine's default aws provider/,
    },
    {
      title: "an EFS file system on the AWS managed key, named by its alias",
      policy: "efs-encrypted-with-cmk",
      site: () => mutate(activeSite(), T.efsFileSystem, (r) => (r.props.kmsKeyId = "arn:aws:kms:us-east-1:123456789012:alias/aws/elasticfilesystem")),
      says: /AWS managed key alias\/aws\/elasticfilesystem/,
    },
    {
      title: "an Aurora cluster on the AWS managed key, named by its alias",
      policy: "aurora-encrypted-with-cmk",
      site: () => mutate(standbySite(), T.rdsCluster, (r) => (r.props.kmsKeyId = "alias/aws/rds")),
      says: /AWS managed key alias\/aws\/rds/,
    },
    {
      title: "an EFS file system encrypted with a key ARN the site does not manage (an AWS managed key's ARN looks like any other)",
      policy: "data-keys-managed-by-the-site",
      site: () =>
        mutate(activeSite(), T.efsFileSystem, (r) => (r.props.kmsKeyId = "arn:aws:kms:us-east-1:123456789012:key/0e1f2a3b-4c5d-6e7f-8091-a2b3c4d5e6f7")),
      says: /shared-files .*:key\/0e1f2a3b-4c5d-6e7f-8091-a2b3c4d5e6f7, which is not a KMS key this site manages.*Fix:/,
    },
    {
      title: "the database credentials secret on the AWS managed key (no kmsKeyId)",
      policy: "credentials-and-images-encrypted-with-cmk",
      site: () => mutate(activeSite(), T.secret, (r) => delete r.props.kmsKeyId),
      says: /db-credentials .* AWS managed key.*Fix: set `kmsKeyId`/,
    },
    {
      title: "an ECR repository with AES-256 (no KMS key)",
      policy: "credentials-and-images-encrypted-with-cmk",
      site: () => mutate(standbySite(), T.ecrRepository, (r) => (r.props.encryptionConfigurations = [{ encryptionType: "AES256" }])),
      says: /web-repo .* not encrypted with a KMS key/,
    },
    {
      title: "an unprotected ECR repository",
      policy: "stateful-resources-protected",
      site: () => mutate(activeSite(), T.ecrRepository, (r) => (r.protect = false)),
      says: /web-repo .* not protected.*only copy of an image/,
    },
    {
      title: "an unprotected database credentials secret",
      policy: "stateful-resources-protected",
      site: () => mutate(activeSite(), T.secret, (r) => (r.protect = false)),
      says: /db-credentials .* not protected.*master password/,
    },
    {
      title: "an unprotected EFS backup policy",
      policy: "stateful-resources-protected",
      site: () => mutate(standbySite(), T.efsBackupPolicy, (r) => (r.protect = false)),
      says: /shared-files-backups .* not protected.*automatic backups/,
    },
    {
      title: "EFS automatic backups turned off",
      policy: "efs-automatic-backups",
      site: () => mutate(activeSite(), T.efsBackupPolicy, (r) => (r.props.backupPolicy = { status: "DISABLED" })),
      says: /shared-files .* automatic backups DISABLED.*Fix:/,
    },
    {
      title: "an EFS file system without a backup policy",
      policy: "efs-automatic-backups",
      site: () => without(standbySite(), T.efsBackupPolicy),
      says: /shared-files .* no `aws.efs.BackupPolicy`/,
    },
    {
      title: "a backup policy for another file system than the site's",
      policy: "efs-automatic-backups",
      site: () => mutate(activeSite(), T.efsBackupPolicy, (r) => (r.props.fileSystemId = "fs-other")),
      says: /shared-files .* no `aws.efs.BackupPolicy`/,
    },
    {
      title: "a PRIMARY failover record without a health check",
      policy: "route53-primary-health-check",
      site: () => mutate(activeSite(), T.route53Record, (r) => delete r.props.healthCheckId),
      says: /PRIMARY failover record but has no health check.*Fix: create an `aws\.route53\.HealthCheck`/,
    },
    {
      title: "an active site that does not replicate EFS although the peer has a file system",
      policy: "efs-replication-follows-role",
      site: () => without(activeSite(), T.efsReplication),
      says: /active site .* has no EFS replication configuration.*Fix: deploy the peer/,
    },
    {
      title: "EFS replicated within the same Region",
      policy: "efs-replication-follows-role",
      site: () => mutate(activeSite(), T.efsReplication, (r) => ((r.props.destination as any).region = "us-east-1")),
      says: /replicates within us-east-1/,
    },
    {
      title: "EFS replicated into a copied file system id instead of the peer's",
      policy: "efs-replication-follows-role",
      site: () => mutate(activeSite(), T.efsReplication, (r) => ((r.props.destination as any).fileSystemId = "fs-0123456789abcdef0")),
      says: /not the peer's file system fs-dr.*stack reference/,
    },
    {
      title: "EFS replicated into a new, unmanaged file system",
      policy: "efs-replication-follows-role",
      site: () => mutate(activeSite(), T.efsReplication, (r) => delete (r.props.destination as any).fileSystemId),
      says: /no `destination\.fileSystemId`/,
    },
    {
      title: "a standby site that replicates EFS",
      policy: "efs-replication-follows-role",
      site: () => [
        ...standbySite(),
        {
          ...activeSite().find((r) => r.type === T.efsReplication)!,
          urn: "urn:pulumi:dr::eks-dr::aws:efs/replicationConfiguration:ReplicationConfiguration::stray",
        },
      ],
      says: /replicates from a standby site.*overwrite the active site's live file system/,
    },
    {
      title: "a standby file system with overwrite protection ENABLED",
      policy: "efs-overwrite-protection-matches-role",
      site: () => mutate(standbySite(), T.efsFileSystem, (r) => (r.props.protection = { replicationOverwrite: "ENABLED" })),
      says: /standby site .* ENABLED.*Fix: set `protection\.replicationOverwrite: "DISABLED"`/,
    },
    {
      title: "a standby file system with no protection block (AWS default ENABLED)",
      policy: "efs-overwrite-protection-matches-role",
      site: () => mutate(standbySite(), T.efsFileSystem, (r) => delete r.props.protection),
      says: /ENABLED/,
    },
    {
      title: "an active file system with overwrite protection DISABLED",
      policy: "efs-overwrite-protection-matches-role",
      site: () => mutate(activeSite(), T.efsFileSystem, (r) => (r.props.protection = { replicationOverwrite: "DISABLED" })),
      says: /active site .* DISABLED.*would overwrite live files/,
    },
    {
      title: "a standby Aurora cluster outside the global database",
      policy: "aurora-global-membership",
      site: () => mutate(standbySite(), T.rdsCluster, (r) => delete r.props.globalClusterIdentifier),
      says: /not in a global database.*Fix: set `globalClusterIdentifier` to "eks-dr-global"/,
    },
    {
      title: "a standby Aurora cluster in another global cluster than the owner's",
      policy: "aurora-global-membership",
      site: () => mutate(standbySite(), T.rdsCluster, (r) => (r.props.globalClusterIdentifier = "other-global")),
      says: /in global cluster "other-global", not the pair's "eks-dr-global"/,
    },
    {
      title: "an active site whose cluster is not in its own global cluster",
      policy: "aurora-global-membership",
      site: () => mutate(activeSite(), T.rdsCluster, (r) => delete r.props.globalClusterIdentifier),
      says: /db .* not in a global database/,
    },
    {
      title: "a site with no Aurora cluster",
      policy: "aurora-global-membership",
      site: () => without(standbySite(), T.rdsCluster),
      says: /no Aurora cluster/,
    },
    {
      title: "a standby site without an Aurora replication lag alarm",
      policy: "replication-lag-alarms",
      site: () => without(standbySite(), T.metricAlarm),
      says: /db .* has no AWS\/RDS AuroraGlobalDBRPOLag or AuroraGlobalDBReplicationLag alarm on DBClusterIdentifier=eks-dr-dr/,
    },
    {
      title: "an EFS lag alarm on another file system than the replicated one",
      policy: "replication-lag-alarms",
      site: () => mutate(activeSite(), T.metricAlarm, (r) => ((r.props.dimensions as any).FileSystemId = "fs-other")),
      says: /has no AWS\/EFS TimeSinceLastSync alarm on FileSystemId=fs-primary/,
    },
    {
      title: "a lag alarm that notifies no one",
      policy: "replication-lag-alarms",
      site: () => mutate(standbySite(), T.metricAlarm, (r) => (r.props.alarmActions = [])),
      says: /notifies no one/,
    },
    {
      title: "a single-Region key encrypting the data",
      policy: "data-keys-multi-region",
      site: () => mutate(activeSite(), T.kmsKey, (r) => (r.props.multiRegion = false)),
      says: /single-Region key.*Fix: create it with `multiRegion: true`/,
    },
    {
      title: "ECR repositories without registry replication",
      policy: "ecr-replication",
      site: () => without(activeSite(), T.ecrReplication),
      says: /no registry replication to another Region/,
    },
    {
      title: "ECR replication back into the site's own Region",
      policy: "ecr-replication",
      site: () => mutate(standbySite(), T.ecrReplication, (r) => (r.props.replicationConfiguration = { rules: [{ destinations: [{ region: "us-west-2" }] }] })),
      says: /no registry replication/,
    },
    {
      title: "an active site without a backup plan",
      policy: "active-site-backup-copied-to-peer",
      site: () => without(activeSite(), "aws:backup/plan:Plan"),
      says: /runs no AWS Backup plan/,
    },
  ];

  it("aurora-global-membership on a restored cluster: the writer of the global database restoredData names passes (that read is not a second pair's global cluster); another writer fails, naming it", () => {
    // Stack-scoped policies only: resource policies never see a read (the analyzers run on registrations).
    const stackPolicies = DR_POLICIES.filter((p) => p.scope === "stack");
    const failingOn = (site: ResourceLike[]) => stackPolicies.filter((p) => runPolicy(p, site).violations.length > 0).map((p) => p.name);
    expect(failingOn(restoredSite("arn:aws:rds:us-east-1:123456789012:cluster:primary-restored-1"))).to.deep.equal([]);
    const other = restoredSite("arn:aws:rds:us-east-1:123456789012:cluster:someone-else");
    expect(failingOn(other)).to.deep.equal(["aurora-global-membership"]);
    const policy = stackPolicies.find((p) => p.name === "aurora-global-membership")!;
    expect(
      runPolicy(policy, other)
        .violations.map((v) => v.message)
        .join("\n"),
    ).to.match(
      /\(primary-restored-1\) is not the writer of "primary-restored-1-global".*whose writer is arn:aws:rds:us-east-1:123456789012:cluster:someone-else/,
    );
  });

  for (const b of broken) {
    it(`${b.title}: fails ${b.policy} and only it`, () => {
      const results = runAll(b.site(), b.config);
      expect(failing(results)).to.deep.equal([b.policy]);
      const messages = results
        .get(b.policy)!
        .violations.map((v) => v.message)
        .join("\n");
      expect(messages).to.match(b.says);
    });
  }

  it("every policy is broken by at least one variant above", () => {
    const covered = new Set(broken.map((b) => b.policy));
    expect(DR_POLICIES.map((p) => p.name).filter((n) => !covered.has(n))).to.deep.equal([]);
  });

  it("names the offending resource by URN", () => {
    const results = runAll(mutate(activeSite(), T.rdsCluster, (r) => (r.props.deletionProtection = false)));
    expect(results.get("aurora-deletion-protection")!.violations.map((v) => v.urn)).to.deep.equal(["urn:pulumi:site::eks-dr::aws:rds/cluster:Cluster::db"]);
  });

  describe("what stays allowed", () => {
    it("data ports open to private address space, a VPC-sized IPv6 block or another security group pass", () => {
      const site = mutate(activeSite(), T.securityGroup, (r) => {
        r.props.ingress = [
          { protocol: "tcp", fromPort: 2049, toPort: 2049, cidrBlocks: ["10.0.0.0/16", "100.64.0.0/16", "192.168.4.0/24"] },
          { protocol: "tcp", fromPort: 2049, toPort: 2049, ipv6CidrBlocks: ["2600:1f18:abc:de00::/56", "fd00::/8"] },
          { protocol: "tcp", fromPort: 3306, toPort: 3306, securityGroups: ["sg-app"] },
        ];
      });
      expect(failing(runAll(site))).to.deep.equal([]);
    });

    it("a private range written too wide still counts as public (10.0.0.0/7 covers 11.0.0.0/8)", () => {
      const site = mutate(
        activeSite(),
        T.securityGroup,
        (r) => (r.props.ingress = [{ protocol: "tcp", fromPort: 2049, toPort: 2049, cidrBlocks: ["10.0.0.0/7"] }]),
      );
      expect(failing(runAll(site))).to.deep.equal(["no-public-data-ports"]);
    });

    it("a provider the program names itself is not a default provider, even on a Kubernetes object", () => {
      const site = mutate(
        standbySite(),
        T.rdsCluster,
        (r) => (r.provider = { type: "pulumi:providers:aws", name: "dr-us-west-2", urn: "urn:pulumi:dr::eks-dr::pulumi:providers:aws::dr-us-west-2" }),
      );
      expect(failing(runAll(site))).to.deep.equal([]);
    });

    it("a key ARN not known yet (preview) or the site's replica key counts as the site's key", () => {
      const site = mutate(standbySite(), T.efsFileSystem, (r) => (r.props.kmsKeyId = UNKNOWN_STRING));
      mutate(site, T.efsBackupPolicy, (r) => (r.props.fileSystemId = UNKNOWN_STRING));
      expect(failing(runAll(site))).to.deep.equal([]);
    });
  });

  describe("preview-time unknowns", () => {
    it("treats a key ARN or subnet ids computed in the same update as set", () => {
      const site = mutate(activeSite(), T.efsFileSystem, (r) => ((r.props.kmsKeyId = UNKNOWN_STRING), (r.props.encrypted = true)));
      mutate(site, T.rdsCluster, (r) => ((r.props.kmsKeyId = UNKNOWN_STRING), (r.props.globalClusterIdentifier = UNKNOWN_STRING)));
      mutate(site, T.eksNodeGroup, (r) => (r.props.subnetIds = UNKNOWN_ARRAY), "web-nodes");
      mutate(site, T.eksNodeGroup, (r) => (r.props.subnetIds = [UNKNOWN_STRING, UNKNOWN_STRING]), "app-nodes");
      mutate(site, T.efsReplication, (r) => ((r.props.destination as any).fileSystemId = UNKNOWN_STRING));
      expect(failing(runAll(site))).to.deep.equal([]);
    });

    it("still flags a value that is known to be wrong next to unknown ones", () => {
      const site = mutate(activeSite(), T.eksNodeGroup, (r) => (r.props.subnetIds = [UNKNOWN_STRING]), "web-nodes");
      expect(failing(runAll(site))).to.deep.equal(["eks-node-groups-multi-subnet"]);
    });
  });

  describe("role and peer", () => {
    it("reads the role from the failover record when the stack exports none", () => {
      const site = without(standbySite(), T.stack);
      expect(
        runPolicy(
          DR_POLICIES.find((p) => p.name === "efs-overwrite-protection-matches-role")!,
          site,
        ).notApplicable,
      ).to.equal(undefined);
      expect(failing(runAll(mutate(site, T.efsFileSystem, (r) => (r.props.protection = { replicationOverwrite: "ENABLED" }))))).to.deep.equal([
        "efs-overwrite-protection-matches-role",
      ]);
    });

    it("is not applicable, with the reason, when no resource shows the role", () => {
      const site = without(without(activeSite(), T.stack), T.route53Record);
      const results = runAll(site);
      // The file system's protection still tells the replication policy the role...
      expect(results.get("efs-replication-follows-role")!.notApplicable).to.equal(undefined);
      // ...but cannot be used to judge that same protection.
      expect(results.get("efs-overwrite-protection-matches-role")!.notApplicable).to.match(/role is not visible/);
      const bare = without(site, T.efsFileSystem);
      expect(runAll(bare).get("efs-replication-follows-role")!.notApplicable).to.match(/role is not visible/);
    });

    it("accepts an active site without replication while the peer has no file system yet (first deploy)", () => {
      const site = mutate(without(activeSite(), T.efsReplication), T.stackReference, (r) => (r.props.outputs = {}));
      expect(failing(runAll(site))).to.deep.equal([]);
    });

    it("requires replication when there is no peer stack reference at all", () => {
      const site = without(without(activeSite(), T.efsReplication), T.stackReference);
      expect(failing(runAll(site))).to.deep.equal(["efs-replication-follows-role"]);
    });

    it("accepts a standby file system reported as REPLICATING", () => {
      const site = mutate(standbySite(), T.efsFileSystem, (r) => (r.props.protection = { replicationOverwrite: "REPLICATING" }));
      expect(failing(runAll(site))).to.deep.equal([]);
    });
  });
});

/** The active site serving from a restored cluster (read, as the program's `.get()`), and the global database it writes, read too. */
function restoredSite(writerArn: string): ResourceLike[] {
  const base = mutate(
    activeSite(),
    T.stack,
    (r) =>
      (r.props.restoredData = { fileSystemId: "fs-restored", dbClusterIdentifier: "primary-restored-1", globalClusterIdentifier: "primary-restored-1-global" }),
  );
  const own = base.find((r) => r.type === T.rdsCluster)!;
  const arn = "arn:aws:rds:us-east-1:123456789012:cluster:primary-restored-1";
  const restored: ResourceLike = {
    ...own,
    name: "db-restored",
    urn: `${own.urn}-restored`,
    props: { ...own.props, clusterIdentifier: "primary-restored-1", arn, globalClusterIdentifier: "primary-restored-1-global" },
  };
  const global: ResourceLike = {
    ...own,
    type: T.rdsGlobalCluster,
    name: "db-restored-global",
    urn: "urn:pulumi:site::eks-dr::aws:rds/globalCluster:GlobalCluster::db-restored-global",
    props: { globalClusterIdentifier: "primary-restored-1-global", globalClusterMembers: [{ dbClusterArn: writerArn, isWriter: true }] },
  };
  return [...base, restored, global];
}
