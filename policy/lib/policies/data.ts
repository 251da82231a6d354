/**
 * Policies on the data DR exists to keep: encryption, deletion guards and backups of EFS and
 * Aurora, and the keys that encrypt them.
 */
import { definePolicy, type Violation } from "../policy";
import { T, describe, isSet, isUnknown, knownNumber, knownString, ofType, type ResourceLike } from "../resources";

/** `true`, or a value that will be computed (unknown in preview): not a violation yet. */
const isTrueOrUnknown = (v: unknown): boolean => v === true || isUnknown(v);

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
      if (!isTrueOrUnknown(fs.props.encrypted) || !isSet(fs.props.kmsKeyId)) {
        out.push({
          urn: fs.urn,
          message:
            `${describe(fs)} is ${isTrueOrUnknown(fs.props.encrypted) ? "encrypted with the AWS managed key" : "not encrypted"}. ` +
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
      if (!isTrueOrUnknown(c.props.storageEncrypted) || !isSet(c.props.kmsKeyId)) {
        out.push({
          urn: c.urn,
          message:
            `${describe(c)} is ${isTrueOrUnknown(c.props.storageEncrypted) ? "encrypted with the AWS managed key" : "not encrypted"}. ` +
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

/** Types that hold the data DR protects: deleting one loses it. */
export const STATEFUL_TYPES = [T.efsFileSystem, T.rdsCluster, T.rdsGlobalCluster, T.backupVault] as const;

const notProtected = (r: ResourceLike, what: string): Violation => ({
  urn: r.urn,
  message:
    `${describe(r)} is not protected: a refactor that renames it, or a \`pulumi destroy\`, would delete it and ${what}. ` +
    "Fix: pass `{ protect: true }` in its resource options (or on its parent component, which children inherit).",
});

export const statefulResourcesProtected = definePolicy({
  name: "stateful-resources-protected",
  description: "File systems, DB clusters, the global cluster and backup vaults are created with `protect: true`.",
  enforcementLevel: "mandatory",
  scope: "resource",
  types: STATEFUL_TYPES,
  defaults: {},
  validate(resources) {
    return resources.filter((r) => (STATEFUL_TYPES as readonly string[]).includes(r.type) && r.protect !== true).map((r) => notProtected(r, "the data it holds"));
  },
});

/** Properties through which stored data names its KMS key. */
const KEY_REFERENCES: Record<string, string> = {
  [T.efsFileSystem]: "kmsKeyId",
  [T.rdsCluster]: "kmsKeyId",
  [T.backupVault]: "kmsKeyArn",
  [T.secret]: "kmsKeyId",
};

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
      const ref = KEY_REFERENCES[r.type] ? knownString(r.props[KEY_REFERENCES[r.type]]) : undefined;
      const key = ref ? findKey(keys, ref) : undefined;
      if (key) dataKeys.add(key);
    }
    // A key that only encrypts data in flight (e.g. alarm notifications) may stay unprotected.
    return [...dataKeys].filter((k) => k.protect !== true).map((k) => notProtected(k, "make every copy of the data it encrypts unreadable once its deletion window ends"));
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
