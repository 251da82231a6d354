/**
 * Synthetic sites for policy tests: what a healthy active (primary) site and a healthy standby
 * (dr) site look like to the policy engine, built fresh on every call so tests can break one
 * property at a time.
 */
import { DR_POLICIES } from "../../policy/lib/policies";
import { runPolicy, type PolicyResult } from "../../policy/lib/policy";
import { T, type ResourceLike } from "../../policy/lib/resources";

const ACCOUNT = "123456789012";

/** The site's explicit AWS provider (the program names it `<stack>-<region>`), as the engine reports it. */
export function siteProvider(region: string): NonNullable<ResourceLike["provider"]> {
  const name = `site-${region}`;
  return { type: "pulumi:providers:aws", name, urn: `urn:pulumi:site::eks-dr::pulumi:providers:aws::${name}` };
}

function res(type: string, name: string, region: string, props: Record<string, unknown>, protect = false): ResourceLike {
  return { type, name, urn: `urn:pulumi:site::eks-dr::${type}::${name}`, props, protect, region, provider: siteProvider(region) };
}

interface SiteShape {
  stack: string;
  role: "active" | "standby";
  region: string;
  peerRegion: string;
  owner: boolean;
  peerOutputs: Record<string, unknown>;
}

function site(s: SiteShape): ResourceLike[] {
  const r = s.region;
  const keyArn = `arn:aws:kms:${r}:${ACCOUNT}:key/mrk-${s.stack}`;
  const fsId = `fs-${s.stack}`;
  const subnets = ["a", "b", "c"].map((az) => `subnet-${s.stack}-${az}`);
  const resources: ResourceLike[] = [
    res(T.stack, `eks-dr-${s.stack}`, r, { role: s.role, region: r, stack: s.stack }),
    res(T.stackReference, `peer-${s.peerOutputs.stack as string}`, r, { name: `organization/eks-dr/${s.peerOutputs.stack as string}`, outputs: s.peerOutputs }),
    s.owner
      ? res(T.kmsKey, "data-key", r, { multiRegion: true, enableKeyRotation: true, arn: keyArn, keyId: `mrk-${s.stack}` }, true)
      : res(
          T.kmsReplicaKey,
          "data-key",
          r,
          { primaryKeyArn: `arn:aws:kms:${s.peerRegion}:${ACCOUNT}:key/mrk-primary`, arn: keyArn, keyId: `mrk-${s.stack}` },
          true,
        ),
    res(
      T.efsFileSystem,
      "shared-files",
      r,
      { id: fsId, encrypted: true, kmsKeyId: keyArn, protection: { replicationOverwrite: s.role === "active" ? "ENABLED" : "DISABLED" } },
      true,
    ),
    res(T.securityGroup, "efs-sg", r, {
      ingress: [{ protocol: "tcp", fromPort: 2049, toPort: 2049, securityGroups: ["sg-nodes"] }],
      egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
    }),
    res(T.ingressRule, "db-from-app", r, { ipProtocol: "tcp", fromPort: 3306, toPort: 3306, referencedSecurityGroupId: "sg-app" }),
    res(T.ingressRule, "alb-https", r, { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" }),
    res(T.securityGroupRule, "alb-http", r, {
      type: "ingress",
      protocol: "tcp",
      fromPort: 80,
      toPort: 80,
      cidrBlocks: ["0.0.0.0/0"],
      ipv6CidrBlocks: ["::/0"],
    }),
    res(
      T.rdsCluster,
      "db",
      r,
      {
        clusterIdentifier: `eks-dr-${s.stack}`,
        engine: "aurora-mysql",
        globalClusterIdentifier: "eks-dr-global",
        storageEncrypted: true,
        kmsKeyId: keyArn,
        deletionProtection: true,
        backupRetentionPeriod: 7,
      },
      true,
    ),
    ...["system", "web", "app"].map((ng) =>
      res(T.eksNodeGroup, `${ng}-nodes`, r, { subnetIds: subnets, scalingConfig: { minSize: 0, desiredSize: 0, maxSize: 6 } }),
    ),
    res(T.route53Record, "failover-record", r, {
      type: "CNAME",
      setIdentifier: s.stack,
      healthCheckId: `hc-${s.stack}`,
      failoverRoutingPolicies: [{ type: s.role === "active" ? "PRIMARY" : "SECONDARY" }],
    }),
    res(T.efsBackupPolicy, "shared-files-backups", r, { fileSystemId: fsId, backupPolicy: { status: "ENABLED" } }, true),
    res(T.ecrRepository, "web-repo", r, { name: "web", encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: keyArn }] }, true),
    res(T.secret, "db-credentials", r, { kmsKeyId: keyArn }, true),
    // Encrypts alarm notifications in flight only: no stored data depends on it, so it may stay unprotected.
    res(T.kmsKey, "alarm-topic-key", r, { enableKeyRotation: true, arn: `arn:aws:kms:${r}:${ACCOUNT}:key/alarms-${s.stack}`, keyId: `alarms-${s.stack}` }),
    res(T.ecrReplication, "registry-replication", r, {
      replicationConfiguration: { rules: [{ destinations: [{ region: s.peerRegion, registryId: ACCOUNT }] }] },
    }),
  ];
  // AWS Backup: a vault on every site; the plan, its selection and the copy to the peer's vault while active.
  resources.push(
    res(
      T.backupVault,
      "backup-vault",
      r,
      { name: `eks-dr-${s.stack}`, kmsKeyArn: keyArn, arn: `arn:aws:backup:${r}:${ACCOUNT}:backup-vault:eks-dr-${s.stack}` },
      true,
    ),
  );
  if (s.role === "active") {
    const copyActions = s.peerOutputs.backupVaultArn ? [{ destinationVaultArn: s.peerOutputs.backupVaultArn }] : [];
    resources.push(
      res("aws:backup/plan:Plan", "backup-plan", r, {
        id: `plan-${s.stack}`,
        rules: [{ ruleName: "scheduled", targetVaultName: `eks-dr-${s.stack}`, copyActions }],
      }),
    );
    resources.push(
      res("aws:backup/selection:Selection", "backup-selection", r, {
        planId: `plan-${s.stack}`,
        conditions: [{ stringEquals: [{ key: "aws:ResourceTag/eks-dr:backup", value: "true" }] }],
      }),
    );
  }
  if (s.owner) {
    resources.push(
      res(
        T.rdsGlobalCluster,
        "global-db",
        r,
        { globalClusterIdentifier: "eks-dr-global", storageEncrypted: true, deletionProtection: true, engine: "aurora-mysql" },
        true,
      ),
    );
  }
  const topic = `arn:aws:sns:${r}:${ACCOUNT}:eks-dr-alarms`;
  if (s.role === "standby") {
    resources.push(
      res(T.metricAlarm, "aurora-replication-lag", r, {
        namespace: "AWS/RDS",
        metricName: "AuroraGlobalDBReplicationLag",
        dimensions: { DBClusterIdentifier: `eks-dr-${s.stack}` },
        alarmActions: [topic],
      }),
    );
  }
  if (s.role === "active") {
    resources.push(
      res(T.metricAlarm, "efs-time-since-last-sync", r, {
        namespace: "AWS/EFS",
        metricName: "TimeSinceLastSync",
        dimensions: { FileSystemId: fsId, DestinationFileSystemId: s.peerOutputs.fileSystemId },
        alarmActions: [topic],
      }),
    );
    resources.push(
      res(T.efsReplication, "shared-files-replication", r, {
        sourceFileSystemId: fsId,
        destination: { fileSystemId: s.peerOutputs.fileSystemId, region: s.peerRegion },
      }),
    );
  }
  return resources;
}

/** The primary site, active, owner of the global cluster and key, with the dr site deployed. */
export function activeSite(): ResourceLike[] {
  return site({
    stack: "primary",
    role: "active",
    region: "us-east-1",
    peerRegion: "us-west-2",
    owner: true,
    peerOutputs: {
      stack: "dr",
      region: "us-west-2",
      role: "standby",
      fileSystemId: "fs-dr",
      backupVaultArn: `arn:aws:backup:us-west-2:${ACCOUNT}:backup-vault:eks-dr-dr`,
    },
  });
}

/** The dr site, standby, reading the global cluster from the primary through the stack reference. */
export function standbySite(): ResourceLike[] {
  return site({
    stack: "dr",
    role: "standby",
    region: "us-west-2",
    peerRegion: "us-east-1",
    owner: false,
    peerOutputs: { stack: "primary", region: "us-east-1", role: "active", fileSystemId: "fs-primary", globalClusterIdentifier: "eks-dr-global" },
  });
}

/** Applies `change` to the resource(s) of `type` (optionally only the one named `name`); returns the list. */
export function mutate(resources: ResourceLike[], type: string, change: (r: ResourceLike) => void, name?: string): ResourceLike[] {
  const targets = resources.filter((r) => r.type === type && (name === undefined || r.name === name));
  if (targets.length === 0) throw new Error(`fixture has no ${type}${name ? ` named ${name}` : ""}`);
  targets.forEach(change);
  return resources;
}

export function without(resources: ResourceLike[], type: string): ResourceLike[] {
  return resources.filter((r) => r.type !== type);
}

/** Every policy's result over the same resources. */
export function runAll(resources: readonly ResourceLike[], config: Record<string, object> = {}): Map<string, PolicyResult> {
  return new Map(DR_POLICIES.map((p) => [p.name, runPolicy(p, resources, config[p.name] ?? {})]));
}

/** Names of the policies that reported at least one violation. */
export function failing(results: Map<string, PolicyResult>): string[] {
  return [...results.entries()].filter(([, r]) => r.violations.length > 0).map(([name]) => name);
}
