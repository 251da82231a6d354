/**
 * The site's customer managed KMS key: Aurora storage, EFS, the database secret, backups and
 * (later) CloudWatch Logs and SNS all encrypt with it.
 *
 * One multi-Region key (MRK) for the pair. The site that owns global resources creates the primary
 * key; the other site creates a replica of it in its own Region. Related MRKs share key id, key
 * material and rotation status, so data encrypted in one Region decrypts in the other without a
 * cross-Region call; key policy, aliases and tags are per key, which is why each site writes its
 * own policy and alias (AWS KMS API Reference, ReplicateKey).
 *
 * The replica is created by this stack with its own Region's provider: the provider initiates
 * `ReplicateKey` in the primary key's Region (parsed from the ARN) with this Region as
 * `ReplicaRegion` (terraform-provider-aws internal/service/kms/replica_key.go), so no second
 * provider is needed here.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface EncryptionKeyArgs {
  /**
   * This site owns the resources that exist once for the pair (config `ownsGlobalResources`):
   * it creates the multi-Region primary key; the other site replicates it.
   */
  ownsGlobalResources: boolean;
  /**
   * Only on the site that does not own global resources: ARN of the owner's multi-Region primary
   * key (peer output `kmsPrimaryKeyArn`). Without it the site cannot encrypt anything, so the
   * component fails with what to run first.
   */
  primaryKeyArn?: string;
  /** Peer stack name, used in the message when `primaryKeyArn` is missing. */
  peerStack?: string;
  /**
   * Alias of this site's key (aliases are per Region and not shared by MRKs, so both sites may use
   * the same name). Must start with `alias/` and not `alias/aws/`.
   * @default `alias/eks-dr/<name>`
   */
  aliasName?: string;
  /** Waiting period before a deleted key is destroyed, 7 to 30 days. @default 30 */
  deletionWindowDays?: number;
  /** Automatic rotation period, 90 to 2560 days (set on the primary, shared by replicas). @default 365 */
  rotationPeriodDays?: number;
}

/** Values the key policy is written for. */
export interface KeyPolicyContext {
  partition: string;
  accountId: string;
  /** Region of the key the policy is attached to (service principals of CloudWatch Logs are regional). */
  region: string;
}

/**
 * The key policy of a site key.
 *
 * - The account statement is the default key policy: it lets IAM policies grant use of the key.
 *   RDS/Aurora, EFS, Secrets Manager and AWS Backup (same account) use the key on behalf of the
 *   calling principal (kms:ViaService, grants), so they need nothing more here: the permissions EFS
 *   requires "are included in the default key policy" (EFS User Guide, Using AWS KMS keys for
 *   Amazon EFS); the deployer and the backup role get kms:CreateGrant etc. from IAM.
 * - CloudWatch Logs encrypts log groups as its regional service principal, which IAM cannot grant:
 *   it needs its own statement, limited by the `aws:logs:arn` encryption context to this account's
 *   log groups in this Region (CloudWatch Logs User Guide, Encrypt log data using AWS KMS).
 * - CloudWatch alarms publishing to an SNS topic encrypted with this key need kms:Decrypt and
 *   kms:GenerateDataKey* for `cloudwatch.amazonaws.com` (SNS Developer Guide, "compatibility
 *   between event sources from AWS services and encrypted topics"), limited to this account.
 * - EventBridge rules publishing to such a topic (failed AWS Backup jobs) need the same two actions
 *   for `events.amazonaws.com` (same SNS page, event sources that need a key policy statement).
 */
/** Lets CloudWatch alarms of this account publish to SNS topics encrypted with the key. */
export function cloudWatchAlarmsKeyStatement<A>(accountId: A) {
  return {
    Sid: "CloudWatchAlarmsPublishToEncryptedTopics",
    Effect: "Allow",
    Principal: { Service: "cloudwatch.amazonaws.com" },
    Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
    Resource: "*",
    Condition: { StringEquals: { "aws:SourceAccount": accountId } },
  };
}

/** Lets EventBridge rules of this account publish to SNS topics encrypted with the key. */
export function eventBridgeRulesKeyStatement<A>(accountId: A) {
  return {
    Sid: "EventBridgeRulesPublishToEncryptedTopics",
    Effect: "Allow",
    Principal: { Service: "events.amazonaws.com" },
    Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
    Resource: "*",
    Condition: { StringEquals: { "aws:SourceAccount": accountId } },
  };
}

export function siteKeyPolicy(ctx: KeyPolicyContext): object {
  const { partition, accountId, region } = ctx;
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "EnableIamPolicies",
        Effect: "Allow",
        Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
        Action: "kms:*",
        Resource: "*",
      },
      {
        Sid: "CloudWatchLogsEncryptsLogGroups",
        Effect: "Allow",
        Principal: { Service: `logs.${region}.amazonaws.com` },
        Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        Resource: "*",
        Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:${partition}:logs:${region}:${accountId}:log-group:*` } },
      },
      cloudWatchAlarmsKeyStatement(accountId),
      eventBridgeRulesKeyStatement(accountId),
    ],
  };
}

/** `arn:<partition>:kms:<region>:<account>:key/mrk-<hex>`: only multi-Region keys can be replicated. */
const MRK_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/mrk-[0-9a-f]{32}$/;
const ALIAS_NAME = /^alias\/[a-zA-Z0-9/_-]{1,250}$/;

export class EncryptionKey extends pulumi.ComponentResource {
  /** ARN of the key this site encrypts with: the MRK primary on the owner, its replica elsewhere. */
  readonly keyArn: pulumi.Output<string>;
  /** Key id (`mrk-...`), identical for the primary and its replicas. */
  readonly keyId: pulumi.Output<string>;
  /** Only on the owner: the multi-Region primary key ARN the peer replicates (output `kmsPrimaryKeyArn`). */
  readonly primaryKeyArn: pulumi.Output<string> | undefined;
  /** This site's alias name. */
  readonly aliasName: string;
  /** True on the owner (this site holds the primary key). */
  readonly isPrimary: boolean;

  constructor(name: string, args: EncryptionKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("eks-dr:index:EncryptionKey", name, {}, opts);

    const aliasName = args.aliasName ?? `alias/eks-dr/${name}`;
    if (!ALIAS_NAME.test(aliasName) || aliasName.startsWith("alias/aws/")) {
      throw new Error(`EncryptionKey ${name}: aliasName "${aliasName}" must look like alias/<name> and not start with alias/aws/`);
    }
    const deletionWindowInDays = args.deletionWindowDays ?? 30;
    if (!Number.isInteger(deletionWindowInDays) || deletionWindowInDays < 7 || deletionWindowInDays > 30) {
      throw new Error(`EncryptionKey ${name}: deletionWindowDays must be 7 to 30 days, got ${deletionWindowInDays}`);
    }
    const rotationPeriodInDays = args.rotationPeriodDays ?? 365;
    if (!Number.isInteger(rotationPeriodInDays) || rotationPeriodInDays < 90 || rotationPeriodInDays > 2560) {
      throw new Error(`EncryptionKey ${name}: rotationPeriodDays must be 90 to 2560 days, got ${rotationPeriodInDays}`);
    }
    if (!args.ownsGlobalResources) {
      if (args.primaryKeyArn === undefined) {
        const peer = args.peerStack ? `\`pulumi up -s ${args.peerStack}\`` : "`pulumi up` on the site that owns global resources";
        throw new Error(
          `EncryptionKey ${name}: this site replicates the multi-Region primary key of the site that owns global resources, ` +
            `whose ARN (output kmsPrimaryKeyArn) is not known yet. Run ${peer} first, then this stack again.`,
        );
      }
      if (!MRK_ARN.test(args.primaryKeyArn)) {
        throw new Error(
          `EncryptionKey ${name}: primaryKeyArn "${args.primaryKeyArn}" is not a multi-Region key ARN (arn:aws:kms:<region>:<account>:key/mrk-...)`,
        );
      }
    }

    // The policy names this Region's CloudWatch Logs principal, so it is built per site from the
    // provider's own Region and account (invokes inherit the provider through `parent`).
    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    const partition = aws.getPartitionOutput({}, { parent: this });
    const region = aws.getRegionOutput({}, { parent: this });
    const policy = pulumi
      .all([partition.partition, identity.accountId, region.region])
      .apply(([p, accountId, r]) => JSON.stringify(siteKeyPolicy({ partition: p, accountId, region: r })));

    // Deleting the key would make every encrypted copy unreadable: protected, long deletion window.
    const stateful = { parent: this, protect: true };
    let key: aws.kms.Key | aws.kms.ReplicaKey;
    if (args.ownsGlobalResources) {
      key = new aws.kms.Key(
        name,
        {
          description: "eks-dr site data key (multi-Region primary): Aurora, EFS, secrets, backups, logs",
          multiRegion: true,
          keyUsage: "ENCRYPT_DECRYPT",
          customerMasterKeySpec: "SYMMETRIC_DEFAULT",
          // Rotation is a shared MRK property: set on the primary, replicas follow.
          enableKeyRotation: true,
          rotationPeriodInDays,
          deletionWindowInDays,
          policy,
        },
        stateful,
      );
      this.primaryKeyArn = key.arn;
    } else {
      key = new aws.kms.ReplicaKey(
        name,
        {
          description: "eks-dr site data key (multi-Region replica): Aurora, EFS, secrets, backups, logs",
          primaryKeyArn: args.primaryKeyArn as string,
          deletionWindowInDays,
          policy,
        },
        stateful,
      );
      this.primaryKeyArn = undefined;
    }

    new aws.kms.Alias(name, { name: aliasName, targetKeyId: key.keyId }, { parent: this });

    this.keyArn = key.arn;
    this.keyId = key.keyId;
    this.aliasName = aliasName;
    this.isPrimary = args.ownsGlobalResources;
    this.registerOutputs({ keyArn: this.keyArn, keyId: this.keyId, primaryKeyArn: this.primaryKeyArn });
  }
}
