/**
 * Policies on the data DR exists to keep: encryption, deletion guards and backups of EFS and
 * Aurora, and the keys that encrypt them.
 */
import { definePolicy, type Violation } from "../policy";
import { T, describe, isSet, isUnknown, knownArray, knownNumber, knownString, ofType, prop, type ResourceLike } from "../resources";
import { adoptedStoreIds } from "../site";

/** `true`, or a value that will be computed (unknown in preview): not a violation yet. */
const isTrueOrUnknown = (v: unknown): boolean => v === true || isUnknown(v);

/**
 * An AWS managed key named by its alias (`alias/aws/rds`, or the alias ARN): the `alias/aws/`
 * prefix is reserved for AWS managed keys (AWS KMS Developer Guide, "Aliases in AWS KMS" and
 * "Create aliases"). Such a key has a policy nobody can change, cannot be multi-Region and has no
 * replica in the peer Region. An AWS managed key named by its key ARN looks like any other key:
 * `data-keys-managed-by-the-site` catches that case by requiring one of the site's own keys.
 */
export function awsManagedKeyAlias(ref: unknown): string | undefined {
  const text = knownString(ref);
  const match = text ? /(?:^|:)(alias\/aws\/[^\s]*)$/.exec(text) : null;
  return match?.[1];
}

/** What is wrong with a data resource's key reference, or undefined when it names a customer key (or one not known yet). */
function keyProblem(encrypted: boolean, kmsKeyId: unknown): string | undefined {
  if (!encrypted) return "is not encrypted";
  if (!isSet(kmsKeyId)) return "is encrypted with the AWS managed key";
  const alias = awsManagedKeyAlias(kmsKeyId);
  return alias ? `is encrypted with the AWS managed key ${alias}` : undefined;
}

export const efsEncryptedWithCmk = definePolicy({
  name: "efs-encrypted-with-cmk",
  description: "EFS file systems are encrypted with a customer-managed KMS key (kmsKeyId set).",
  enforcementLevel: "mandatory",
  scope: "resource",
  types: [T.efsFileSystem],
  defaults: {},
  validate(resources) {
    const out: Violation[] = [];
    for (const fs of ofType(resources, T.efsFileSystem)) {
      const problem = keyProblem(isTrueOrUnknown(fs.props.encrypted), fs.props.kmsKeyId);
      if (problem) {
        out.push({
          urn: fs.urn,
          message:
            `${describe(fs)} ${problem}. ` +
            "Fix: set `encrypted: true` and `kmsKeyId` to the site's KMS key ARN (the multi-Region key or its replica), " +
            "so the key can be audited, rotated and shared with the peer Region. EFS fixes encryption at creation: the file system will be replaced.",
        });
      }
    }
    return out;
  },
});

export const auroraEncryptedWithCmk = definePolicy({
  name: "aurora-encrypted-with-cmk",
  description: "Aurora clusters are encrypted with a customer-managed KMS key; the global cluster is created encrypted.",
  enforcementLevel: "mandatory",
  scope: "resource",
  types: [T.rdsCluster, T.rdsGlobalCluster],
  defaults: {},
  validate(resources) {
    const out: Violation[] = [];
    for (const c of ofType(resources, T.rdsCluster)) {
      const problem = keyProblem(isTrueOrUnknown(c.props.storageEncrypted), c.props.kmsKeyId);
      if (problem) {
        out.push({
          urn: c.urn,
          message:
            `${describe(c)} ${problem}. ` +
            "Fix: set `storageEncrypted: true` and `kmsKeyId` to a key in the cluster's own Region (a cross-Region secondary needs one); " +
            "encryption is fixed at creation, so the cluster will be replaced.",
        });
      }
    }
    for (const g of ofType(resources, T.rdsGlobalCluster)) {
      // A global cluster built from an existing cluster inherits that cluster's encryption.
      if (isSet(g.props.sourceDbClusterIdentifier)) continue;
      if (!isTrueOrUnknown(g.props.storageEncrypted)) {
        out.push({
          urn: g.urn,
          message: `${describe(g)} is not created encrypted, so its member clusters cannot be. Fix: set \`storageEncrypted: true\` on the global cluster.`,
        });
      }
    }
    return out;
  },
});

export const auroraDeletionProtection = definePolicy({
  name: "aurora-deletion-protection",
  description: "Aurora clusters and the global cluster have deletion protection on.",
  enforcementLevel: "mandatory",
  scope: "resource",
  types: [T.rdsCluster, T.rdsGlobalCluster],
  defaults: {},
  validate(resources) {
    return [...ofType(resources, T.rdsCluster), ...ofType(resources, T.rdsGlobalCluster)]
      .filter((r) => !isTrueOrUnknown(r.props.deletionProtection))
      .map((r) => ({
        urn: r.urn,
        message:
          `${describe(r)} has deletion protection off: one API call (or a replaced resource) would drop the replicated database. ` +
          "Fix: set `deletionProtection: true` (turn it off deliberately, in its own change, only to decommission).",
      }));
  },
});

export const auroraBackupRetention = definePolicy<{ minimumDays: number }>({
  name: "aurora-backup-retention",
  description: "Aurora clusters keep automated backups for at least `minimumDays` days (default 7).",
  enforcementLevel: "mandatory",
  scope: "resource",
  types: [T.rdsCluster],
  configSchema: {
    minimumDays: { type: "integer", default: 7, minimum: 1, description: "Fewest days of automated backups an Aurora cluster may keep." },
  },
  defaults: { minimumDays: 7 },
  validate(resources, { minimumDays }) {
    const out: Violation[] = [];
    for (const c of ofType(resources, T.rdsCluster)) {
      if (isUnknown(c.props.backupRetentionPeriod)) continue;
      // AWS keeps 1 day when the property is not set.
      const days = knownNumber(c.props.backupRetentionPeriod) ?? 1;
      if (days < minimumDays) {
        out.push({
          urn: c.urn,
          message:
            `${describe(c)} keeps ${days} day(s) of automated backups, fewer than ${minimumDays}: a corruption replicated to the peer ` +
            `can only be undone from backups. Fix: set \`backupRetentionPeriod\` to at least ${minimumDays} (config \`eks-dr:database.backupRetentionDays\`).`,
        });
      }
    }
    return out;
  },
});

/** Types that hold the data DR protects, and what deleting one loses. */
const STATEFUL: Record<string, string> = {
  [T.efsFileSystem]: "the data it holds",
  [T.rdsCluster]: "the data it holds",
  [T.rdsGlobalCluster]: "the data it holds",
  [T.backupVault]: "the data it holds",
  [T.ecrRepository]: "the only copy of an image until it has replicated (and every image pushed before replication was configured)",
  [T.secret]: "the database master password, which exists nowhere else (the generated value is only in this secret and the cluster)",
  [T.efsBackupPolicy]: "turn off the file system's automatic backups",
};
export const STATEFUL_TYPES = Object.keys(STATEFUL);

const notProtected = (r: ResourceLike, what: string): Violation => ({
  urn: r.urn,
  message:
    `${describe(r)} is not protected: a refactor that renames it, or a \`pulumi destroy\`, would delete it and ${what}. ` +
    "Fix: pass `{ protect: true }` in its resource options (or on its parent component, which children inherit).",
});

export const statefulResourcesProtected = definePolicy({
  name: "stateful-resources-protected",
  description:
    "File systems and their backup policies, DB clusters, the global cluster, backup vaults, ECR repositories and the database credentials secret are created with `protect: true`.",
  enforcementLevel: "mandatory",
  scope: "resource",
  types: STATEFUL_TYPES,
  defaults: {},
  validate(resources) {
    return resources.filter((r) => STATEFUL[r.type] !== undefined && r.protect !== true).map((r) => notProtected(r, STATEFUL[r.type]));
  },
});

/** Properties through which stored data names its KMS key. */
const KEY_REFERENCES: Record<string, string> = {
  [T.efsFileSystem]: "kmsKeyId",
  [T.rdsCluster]: "kmsKeyId",
  [T.backupVault]: "kmsKeyArn",
  [T.secret]: "kmsKeyId",
  [T.ecrRepository]: "encryptionConfigurations.kmsKey",
};

/** The key reference a data resource holds (a known or unknown value), or undefined when it names none. */
function keyReference(r: ResourceLike): unknown {
  const path = KEY_REFERENCES[r.type];
  return path === undefined ? undefined : prop(r, path);
}

export const dataKeysProtected = definePolicy({
  name: "data-keys-protected",
  description:
    "KMS keys that encrypt stored data (used by a file system, DB cluster, backup vault or secret), and every multi-Region key or replica, are created with `protect: true`.",
  enforcementLevel: "mandatory",
  scope: "stack",
  defaults: {},
  validate(resources) {
    const keys = [...ofType(resources, T.kmsKey), ...ofType(resources, T.kmsReplicaKey)];
    const dataKeys = new Set(keys.filter((k) => k.type === T.kmsReplicaKey || k.props.multiRegion === true));
    for (const r of resources) {
      const ref = knownString(keyReference(r));
      const key = ref ? findKey(keys, ref) : undefined;
      if (key) dataKeys.add(key);
    }
    // A key that only encrypts data in flight (e.g. alarm notifications) may stay unprotected.
    return [...dataKeys]
      .filter((k) => k.protect !== true)
      .map((k) => notProtected(k, "make every copy of the data it encrypts unreadable once its deletion window ends"));
  },
});

/** The key resource a `kmsKeyId` points at, by ARN, key id or resource id. */
function findKey(keys: readonly ResourceLike[], ref: string): ResourceLike | undefined {
  return keys.find((k) => [k.props.arn, k.props.keyId, k.props.id].some((v) => knownString(v) === ref));
}

export const dataKeysMultiRegion = definePolicy({
  name: "data-keys-multi-region",
  description: "The KMS keys that encrypt EFS and Aurora are multi-Region keys (or replicas of one), so both sites share key material.",
  enforcementLevel: "advisory",
  scope: "stack",
  defaults: {},
  validate(resources) {
    const keys = [...ofType(resources, T.kmsKey), ...ofType(resources, T.kmsReplicaKey)];
    const out: Violation[] = [];
    const reported = new Set<string>();
    for (const user of [...ofType(resources, T.efsFileSystem), ...ofType(resources, T.rdsCluster)]) {
      const ref = knownString(user.props.kmsKeyId);
      if (!ref) continue;
      const key = findKey(keys, ref);
      // Keys from outside the stack cannot be judged here.
      if (!key || key.type !== T.kmsKey || key.props.multiRegion === true || isUnknown(key.props.multiRegion)) continue;
      if (reported.has(key.urn)) continue;
      reported.add(key.urn);
      out.push({
        urn: key.urn,
        message:
          `${describe(key)} encrypts ${user.name} but is a single-Region key: backups and snapshots copied to the peer need re-encryption ` +
          "under another key, and failback cannot reuse the key id. Fix: create it with `multiRegion: true` on the owner site and use an " +
          "`aws.kms.ReplicaKey` of it on the peer (a new key means re-encrypting: plan the migration).",
      });
    }
    return out;
  },
});

export const credentialsAndImagesEncryptedWithCmk = definePolicy({
  name: "credentials-and-images-encrypted-with-cmk",
  description:
    "The database credentials secret and the ECR repositories are encrypted with a customer-managed KMS key (the site's key), not an AWS managed key.",
  enforcementLevel: "mandatory",
  scope: "resource",
  types: [T.secret, T.ecrRepository],
  defaults: {},
  validate(resources) {
    const out: Violation[] = [];
    for (const secret of ofType(resources, T.secret)) {
      // Without kmsKeyId Secrets Manager uses the AWS managed key aws/secretsmanager.
      const problem = keyProblem(true, secret.props.kmsKeyId);
      if (!problem) continue;
      out.push({
        urn: secret.urn,
        message:
          `${describe(secret)} ${problem}: its replica in the peer Region cannot use the same key, and the key's policy is not yours to audit. ` +
          "Fix: set `kmsKeyId` to the site's key (the multi-Region key; the replica uses its replica in the peer Region).",
      });
    }
    for (const repo of ofType(resources, T.ecrRepository)) {
      const configs = repo.props.encryptionConfigurations;
      if (isUnknown(configs)) continue;
      const config = (knownArray(configs) ?? [])[0] as Record<string, unknown> | undefined;
      const type = config?.encryptionType;
      if (isUnknown(type)) continue;
      // No configuration means AES256; KMS without a key means the AWS managed key aws/ecr.
      const problem = knownString(type) !== "KMS" ? "is not encrypted with a KMS key (AES256)" : keyProblem(true, config?.kmsKey);
      if (!problem) continue;
      out.push({
        urn: repo.urn,
        message:
          `${describe(repo)} ${problem}. ECR fixes a repository's encryption when it is created, so this cannot be changed later without replacing the repository and its images. ` +
          'Fix: `encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: <the site\'s key ARN> }]` (deploy the owner of the key first).',
      });
    }
    return out;
  },
});

export const dataKeysManagedByTheSite = definePolicy({
  name: "data-keys-managed-by-the-site",
  description:
    "EFS, Aurora, the credentials secret, ECR repositories and backup vaults are encrypted with a KMS key this stack manages (its multi-Region key or replica), never a key from elsewhere such as an AWS managed key named by its ARN.",
  enforcementLevel: "mandatory",
  scope: "stack",
  defaults: {},
  validate(resources) {
    const keys = [...ofType(resources, T.kmsKey), ...ofType(resources, T.kmsReplicaKey)];
    const out: Violation[] = [];
    for (const r of resources) {
      const ref = knownString(keyReference(r));
      // Unset, unknown (a key created in the same update) or an AWS managed alias (reported by the resource policies).
      if (!ref || awsManagedKeyAlias(ref) || findKey(keys, ref)) continue;
      out.push({
        urn: r.urn,
        message:
          `${describe(r)} is encrypted with ${ref}, which is not a KMS key this site manages (an AWS managed key, or a key copied from elsewhere): ` +
          "its policy, rotation and deletion are outside the pair's control, and the peer Region has no replica of it, so a failover cannot read what it encrypts. " +
          "Fix: use the site's key (the program's `kmsKeyArn` output: the multi-Region key on the owner, its replica on the peer).",
      });
    }
    return out;
  },
});

export const efsAutomaticBackups = definePolicy({
  name: "efs-automatic-backups",
  description: "Every EFS file system has an `aws.efs.BackupPolicy` with status ENABLED (AWS Backup's daily backups of the file system).",
  enforcementLevel: "mandatory",
  scope: "stack",
  defaults: {},
  validate(resources) {
    const policies = ofType(resources, T.efsBackupPolicy);
    const out: Violation[] = [];
    const adopted = adoptedStoreIds(resources);
    for (const fs of ofType(resources, T.efsFileSystem)) {
      const fsId = knownString(fs.props.id);
      // A restored file system the site adopted is read, not managed: its backups are the plan's selection by ARN.
      if (fsId && adopted.has(fsId)) continue;
      // A policy whose file system id is not known yet (preview) may be this one's.
      const mine = policies.filter((p) => !fsId || !knownString(p.props.fileSystemId) || knownString(p.props.fileSystemId) === fsId);
      if (mine.length === 0) {
        out.push({
          urn: fs.urn,
          message:
            `${describe(fs)} has no \`aws.efs.BackupPolicy\`: replication copies a deletion or a corruption to the peer within minutes, and only a backup can undo it. ` +
            'Fix: add `aws.efs.BackupPolicy` for the file system with `backupPolicy: { status: "ENABLED" }` (protected).',
        });
        continue;
      }
      for (const p of mine) {
        const status = prop(p, "backupPolicy.status");
        if (isUnknown(status) || knownString(status) === "ENABLED") continue;
        out.push({
          urn: p.urn,
          message:
            `${describe(fs)} has automatic backups ${knownString(status) ?? "unset"} (${p.name}): replication copies a deletion or a corruption to the peer, and only a backup can undo it. ` +
            'Fix: set `backupPolicy: { status: "ENABLED" }`.',
        });
      }
    }
    return out;
  },
});
