/**
 * Point-in-time copies of the site's data with AWS Backup, beside replication: replication copies
 * a deleted table or an encrypted file share to the peer within seconds or minutes; a recovery
 * point from before the damage does not change.
 *
 * Every site has a vault encrypted with its own key (the multi-Region primary on the owner, its
 * replica elsewhere) and the service role. The active site also runs the plan (`runPlan`): a schedule, a
 * retention, a copy of every recovery point into the peer's vault (its ARN read through the stack
 * reference), and a selection of the resources tagged `eks-dr:backup=true` (EFS, Aurora, EBS
 * volumes of the gp3 StorageClass). The plan follows the role; the vaults never do, so a role swap
 * deletes one plan and creates the other, and replaces no vault: recovery points stay where they are
 * (deleting a plan never deletes its recovery points, and a vault that holds any cannot be deleted).
 *
 * Failed backup and copy jobs reach the site's alarm topic through EventBridge rules: AWS Backup
 * sends "Backup Job State Change" and "Copy Job State Change" events, copy jobs in the source
 * Region (AWS Backup Developer Guide, "Monitoring AWS Backup events using Amazon EventBridge").
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { BackupConfig } from "../stacks/config";

/**
 * The tag the plan selects on. Components put it on what holds data: the EFS file system, the
 * Aurora cluster, and the EBS volumes of the gp3 StorageClass. Anything else tagged with it in the
 * site's Region is backed up too (that is how an application opts in its own resources).
 */
export const BACKUP_SELECTION_TAG = { key: "eks-dr:backup", value: "true" } as const;

/** The tag as a resource `tags` map. */
export function backupSelectionTags(): Record<string, string> {
  return { [BACKUP_SELECTION_TAG.key]: BACKUP_SELECTION_TAG.value };
}

/** Backup job states that mean "no recovery point from this run" (BackupJob State). */
export const FAILED_BACKUP_JOB_STATES = ["FAILED", "ABORTED", "EXPIRED", "PARTIAL"] as const;
/** Copy job states that mean "no complete copy in the peer's vault" (CopyJob State). */
export const FAILED_COPY_JOB_STATES = ["FAILED", "PARTIAL"] as const;

export interface SiteBackupArgs {
  /**
   * Run the plan (schedule, selection, copies to the peer's vault) here: on the site whose
   * resources are the live ones. The vault and the notifications exist either way.
   */
  runPlan: boolean;
  /** Config `backup`: schedule, retention, cold storage, vault lock. */
  backup: BackupConfig;
  /** The site's key (`EncryptionKey.keyArn`): encrypts the vault and the EBS/Aurora/EFS data the role reads. */
  kmsKeyArn: pulumi.Input<string>;
  /**
   * The peer's vault (peer output `backupVaultArn`), where every recovery point is copied.
   * Undefined until the peer is deployed: the plan then keeps local recovery points only and warns.
   */
  peerVaultArn?: string;
  /**
   * The peer's key (peer output `kmsKeyArn`): AWS Backup re-encrypts each copy with the destination
   * vault's key (AWS Backup Developer Guide, "Creating backup copies across AWS Regions"), so the
   * role needs a grant on it.
   */
  peerKmsKeyArn?: string;
  /** The peer's stack name, for the message when its vault is not known yet. */
  peerStack: string;
  /**
   * Config `replicateToPeer`: off while the peer Region is impaired. The plan then keeps backing up
   * locally without a copy action, so that no `up` depends on the impaired Region. @default true
   */
  copyToPeer?: boolean;
  /** The site's alarm topic: failed backup and copy jobs are published there. */
  alarmTopicArn: pulumi.Input<string>;
  /**
   * Stores restored from recovery points that the site serves from (config `restoredData`):
   * selected by ARN whatever their tags (a restored resource carries none of the program's), while
   * the site's own stores they replace leave the tag selection, so a later restore finds only the
   * served data's points. @default none
   */
  adopted?: { resourceArns: pulumi.Input<string>[]; replacedArns: pulumi.Input<string>[] };
  /** Vault name, unique in the Region. @default `eks-dr-<stack>` */
  vaultName?: string;
}

/** AWS Backup vault names: 2-50 letters, digits, hyphens and underscores (CreateBackupVault). */
const VAULT_NAME = /^[a-zA-Z0-9\-_]{2,50}$/;
/** `arn:<partition>:backup:<region>:<account>:backup-vault:<name>`. */
const VAULT_ARN = /^arn:aws[a-z-]*:backup:([a-z0-9-]+):\d{12}:backup-vault:[a-zA-Z0-9\-_.]+$/;

/** The Region in a vault ARN, or undefined when it is not one. */
export function vaultArnRegion(arn: string): string | undefined {
  return VAULT_ARN.exec(arn)?.[1];
}

/** The lifecycle of a recovery point and of its copy: the same retention in both Regions. */
export function recoveryPointLifecycle(backup: BackupConfig): { deleteAfter: number; coldStorageAfter?: number } {
  return backup.coldStorageAfterDays === undefined
    ? { deleteAfter: backup.retentionDays }
    : { deleteAfter: backup.retentionDays, coldStorageAfter: backup.coldStorageAfterDays };
}

/** Values the backup role's policy is written for. */
export interface BackupRolePolicyContext {
  partition: string;
  /** Keys the role may use: the site's and, once known, the peer's. */
  keyArns: string[];
  /** Vaults recovery points are written to: the site's and, once known, the peer's. */
  vaultArns: string[];
}

/**
 * Least privilege for backing up EFS, Aurora and EBS and copying across Regions: the statements of
 * the AWS managed policy `service-role/AWSBackupServiceRolePolicyForBackup` that concern those three
 * resource types and cross-Region copies, with the KMS and vault statements narrowed to this pair's
 * keys and vaults (the managed policy also covers DynamoDB, EC2 images, FSx, Storage Gateway and
 * VSS, which this program never selects). The destination key's policy needs no statement for the
 * copy: both site keys keep the default statement that lets IAM policies of the account grant use of
 * the key (KMS Developer Guide, "Default key policy"), and this policy is that grant.
 */
export function backupRolePolicy(ctx: BackupRolePolicyContext): object {
  const p = ctx.partition;
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "EfsBackup",
        Effect: "Allow",
        Action: ["elasticfilesystem:Backup", "elasticfilesystem:DescribeTags"],
        Resource: `arn:${p}:elasticfilesystem:*:*:file-system/*`,
      },
      {
        Sid: "AuroraSnapshots",
        Effect: "Allow",
        Action: [
          "rds:AddTagsToResource",
          "rds:ListTagsForResource",
          "rds:DescribeDBClusters",
          "rds:DescribeDBClusterSnapshots",
          "rds:CreateDBClusterSnapshot",
          "rds:CopyDBClusterSnapshot",
        ],
        Resource: "*",
      },
      {
        // Only the snapshots AWS Backup itself created.
        Sid: "AuroraBackupSnapshotsLifecycle",
        Effect: "Allow",
        Action: ["rds:DeleteDBClusterSnapshot", "rds:ModifyDBClusterSnapshotAttribute"],
        Resource: `arn:${p}:rds:*:*:cluster-snapshot:awsbackup:*`,
      },
      {
        Sid: "EbsSnapshots",
        Effect: "Allow",
        Action: ["ec2:CreateSnapshot", "ec2:DeleteSnapshot", "ec2:DescribeVolumes", "ec2:DescribeSnapshots"],
        Resource: [`arn:${p}:ec2:*::snapshot/*`, `arn:${p}:ec2:*:*:volume/*`],
      },
      { Sid: "EbsSnapshotCopyAndTags", Effect: "Allow", Action: ["ec2:CopySnapshot", "ec2:CreateTags"], Resource: `arn:${p}:ec2:*::snapshot/*` },
      { Sid: "EbsDescribeTags", Effect: "Allow", Action: ["ec2:DescribeTags"], Resource: "*" },
      {
        Sid: "EbsBackupSnapshotAttributes",
        Effect: "Allow",
        Action: ["ec2:ModifySnapshotAttribute"],
        Resource: "*",
        Condition: { Null: { "aws:ResourceTag/aws:backup:source-resource": "false" } },
      },
      { Sid: "CopyIntoVaults", Effect: "Allow", Action: ["backup:DescribeBackupVault", "backup:CopyIntoBackupVault"], Resource: ctx.vaultArns },
      { Sid: "CopyFromVaults", Effect: "Allow", Action: ["backup:CopyFromBackupVault"], Resource: "*" },
      { Sid: "DescribeKeys", Effect: "Allow", Action: ["kms:DescribeKey"], Resource: ctx.keyArns },
      {
        // Grants let EFS, RDS and EC2 use the keys for the backup and the re-encrypted copy.
        Sid: "GrantsForAwsResources",
        Effect: "Allow",
        Action: ["kms:CreateGrant"],
        Resource: ctx.keyArns,
        Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
      },
      {
        Sid: "EbsSnapshotDataKeys",
        Effect: "Allow",
        Action: ["kms:GenerateDataKeyWithoutPlaintext"],
        Resource: ctx.keyArns,
        Condition: { StringLike: { "kms:ViaService": ["ec2.*.amazonaws.com"] } },
      },
      // The plan's selection is by tag.
      { Sid: "SelectByTag", Effect: "Allow", Action: ["tag:GetResources"], Resource: "*" },
      ...restoreStatements(ctx),
    ],
  };
}

/**
 * `npm run restore` names each restored cluster `<stack>-restored-<time>` (restoreMetadata in
 * automation/plan/steps/restore.ts): the only clusters the role may delete.
 */
export const RESTORED_CLUSTER_PATTERN = "*-restored-*";

/**
 * Restores with the same role (`StartRestoreJob` gets `backupRoleArn`): the statements of the AWS
 * managed policy `service-role/AWSBackupServiceRolePolicyForRestores` (AWS Managed Policy Reference,
 * "AWSBackupServiceRolePolicyForRestores", v35: EFSPermissions, RDSPermissions, EBSPermissions,
 * EC2CreateTagsPermissions, KMSPermissions) that concern EFS, Aurora clusters and EBS volumes, with
 * KMS narrowed to this pair's keys and the services that store the data, and cluster deletion
 * (AWS Backup's clean-up of a restore it started) narrowed to the clusters the driver restores.
 * `iam:PassRole` belongs to the operator who starts the job, not to this role.
 */
function restoreStatements(ctx: BackupRolePolicyContext): object[] {
  const p = ctx.partition;
  return [
    {
      // Into a new file system: created, tagged, described, deleted if the job fails. Its id is
      // only known once created, hence every file system.
      Sid: "EfsRestore",
      Effect: "Allow",
      Action: [
        "elasticfilesystem:Restore",
        "elasticfilesystem:CreateFilesystem",
        "elasticfilesystem:DescribeFilesystems",
        "elasticfilesystem:DeleteFilesystem",
        "elasticfilesystem:TagResource",
      ],
      Resource: `arn:${p}:elasticfilesystem:*:*:file-system/*`,
    },
    {
      Sid: "AuroraRestore",
      Effect: "Allow",
      Action: [
        "rds:RestoreDBClusterFromSnapshot",
        "rds:DescribeDBClusters",
        "rds:DescribeDBClusterSnapshots",
        "rds:AddTagsToResource",
        "rds:ListTagsForResource",
      ],
      Resource: "*",
    },
    { Sid: "AuroraRestoredClusterCleanup", Effect: "Allow", Action: ["rds:DeleteDBCluster"], Resource: `arn:${p}:rds:*:*:cluster:${RESTORED_CLUSTER_PATTERN}` },
    {
      Sid: "EbsRestore",
      Effect: "Allow",
      Action: ["ec2:CreateVolume", "ec2:DeleteVolume"],
      Resource: [`arn:${p}:ec2:*::snapshot/*`, `arn:${p}:ec2:*:*:volume/*`],
    },
    {
      Sid: "EbsRestoreTagOnCreate",
      Effect: "Allow",
      Action: ["ec2:CreateTags"],
      Resource: `arn:${p}:ec2:*:*:volume/*`,
      Condition: { StringLike: { "ec2:CreateAction": ["CreateVolume"] } },
    },
    {
      // The restored file system, cluster and volume are encrypted with the site's key.
      Sid: "RestoreDataKeys",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptTo", "kms:ReEncryptFrom"],
      Resource: ctx.keyArns,
      Condition: { StringLike: { "kms:ViaService": ["ec2.*.amazonaws.com", "elasticfilesystem.*.amazonaws.com", "rds.*.amazonaws.com"] } },
    },
  ];
}

/** The event patterns of the two rules, for one vault (its name and ARN). */
export function failedJobEventPatterns(vaultName: string, vaultArn: string): { backup: object; copy: object } {
  return {
    backup: {
      source: ["aws.backup"],
      "detail-type": ["Backup Job State Change"],
      detail: { state: [...FAILED_BACKUP_JOB_STATES], backupVaultName: [vaultName] },
    },
    copy: {
      source: ["aws.backup"],
      "detail-type": ["Copy Job State Change"],
      detail: { state: [...FAILED_COPY_JOB_STATES], sourceBackupVaultArn: [vaultArn] },
    },
  };
}

export class SiteBackup extends pulumi.ComponentResource {
  readonly vaultName: pulumi.Output<string>;
  readonly vaultArn: pulumi.Output<string>;
  readonly roleArn: pulumi.Output<string>;
  /** Only on the active site. */
  readonly planId?: pulumi.Output<string>;
  readonly planArn?: pulumi.Output<string>;
  /** Only on the active site, once the peer's vault is known: where recovery points are copied. */
  readonly copyDestinationVaultArn?: string;
  readonly vault: aws.backup.Vault;
  readonly plan?: aws.backup.Plan;

  constructor(name: string, args: SiteBackupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("eks-dr:index:SiteBackup", name, {}, opts);

    const vaultName = args.vaultName ?? `eks-dr-${pulumi.getStack()}`;
    if (!VAULT_NAME.test(vaultName)) {
      throw new Error(`SiteBackup ${name}: vault name "${vaultName}" must be 2-50 letters, digits, hyphens or underscores`);
    }
    if (args.peerVaultArn !== undefined && vaultArnRegion(args.peerVaultArn) === undefined) {
      throw new Error(
        `SiteBackup ${name}: peer vault "${args.peerVaultArn}" is not a backup vault ARN (arn:aws:backup:<region>:<account>:backup-vault:<name>)`,
      );
    }

    // The vault outlives every plan: protected, never force-destroyed. AWS refuses to delete a vault
    // that still holds recovery points (DeleteBackupVault), and `protect` stops Pulumi trying.
    this.vault = new aws.backup.Vault(name, { name: vaultName, kmsKeyArn: args.kmsKeyArn, forceDestroy: false }, { parent: this, protect: true });

    const lock = args.backup.vaultLock;
    if (lock) {
      // Compliance mode (ChangeableForDays set): until the lock date, `changeableForDays` days from
      // now, the lock can be changed or removed; from then on nobody (root user and AWS included)
      // can change or remove it, nor delete a recovery point before its retention, and the vault
      // can only be deleted once empty (AWS Backup Developer Guide, "AWS Backup Vault Lock";
      // PutBackupVaultLockConfiguration, 72-hour minimum cooling-off period).
      new aws.backup.VaultLockConfiguration(
        name,
        {
          backupVaultName: this.vault.name,
          minRetentionDays: lock.minRetentionDays,
          maxRetentionDays: lock.maxRetentionDays,
          changeableForDays: lock.changeableForDays,
        },
        { parent: this, protect: true },
      );
    }

    const partition = aws.getPartitionOutput({}, { parent: this }).partition;
    const role = new aws.iam.Role(
      name,
      {
        description: "AWS Backup service role of the eks-dr plan: EFS, Aurora and EBS backups, copies to the peer Region",
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
      },
      { parent: this },
    );
    const keyArns = [args.kmsKeyArn, ...(args.peerKmsKeyArn ? [args.peerKmsKeyArn] : [])];
    const vaultArns = [this.vault.arn, ...(args.peerVaultArn ? [args.peerVaultArn] : [])];
    const rolePolicy = new aws.iam.RolePolicy(
      name,
      {
        role: role.name,
        policy: pulumi
          .all([partition, pulumi.all(keyArns), pulumi.all(vaultArns)])
          .apply(([p, keys, vaults]) => JSON.stringify(backupRolePolicy({ partition: p, keyArns: keys, vaultArns: vaults }))),
      },
      { parent: this },
    );

    // Both rules exist whatever the role, so a failover moves no notification path.
    const patterns = pulumi.all([this.vault.name, this.vault.arn]).apply(([n, a]) => failedJobEventPatterns(n, a));
    const rules = {
      "backup-job-failed": { description: "AWS Backup job of the eks-dr plan failed: no recovery point from this run", pattern: patterns.backup },
      "copy-job-failed": { description: "AWS Backup copy to the peer Region failed: the peer's vault misses this recovery point", pattern: patterns.copy },
    };
    for (const [suffix, rule] of Object.entries(rules)) {
      const eventRule = new aws.cloudwatch.EventRule(
        `${name}-${suffix}`,
        { description: rule.description, eventPattern: pulumi.output(rule.pattern).apply((p) => JSON.stringify(p)) },
        { parent: this },
      );
      new aws.cloudwatch.EventTarget(`${name}-${suffix}`, { rule: eventRule.name, arn: args.alarmTopicArn }, { parent: this });
    }

    if (args.runPlan) {
      const lifecycle = recoveryPointLifecycle(args.backup);
      const copyToPeer = args.copyToPeer !== false;
      if (!copyToPeer) {
        pulumi.log.warn(
          `Recovery points are not copied to the peer's vault while eks-dr:replicateToPeer is false (the peer Region is impaired); ` +
            `they are kept in this Region. Set it to true once stack "${args.peerStack}" is reachable, then run \`pulumi up -s ${pulumi.getStack()}\`.`,
          this,
        );
      } else if (args.peerVaultArn === undefined) {
        pulumi.log.warn(
          `The backup vault of stack "${args.peerStack}" is not known yet (no output backupVaultArn): recovery points stay in this Region ` +
            `until \`pulumi up -s ${args.peerStack}\`, then \`pulumi up -s ${pulumi.getStack()}\` again, adds the copy to the peer's vault.`,
          this,
        );
      }
      const copyTo = copyToPeer ? args.peerVaultArn : undefined;
      this.copyDestinationVaultArn = copyTo;
      this.plan = new aws.backup.Plan(
        name,
        {
          name: `eks-dr-${pulumi.getStack()}`,
          rules: [
            {
              ruleName: "scheduled",
              targetVaultName: this.vault.name,
              schedule: args.backup.schedule,
              lifecycle,
              copyActions: copyTo === undefined ? [] : [{ destinationVaultArn: copyTo, lifecycle }],
              // Which site made a recovery point, whichever vault it is read from.
              recoveryPointTags: { "eks-dr:source-stack": pulumi.getStack() },
            },
          ],
        },
        { parent: this },
      );
      // Resources (by type) AND the condition (by tag): exactly the tagged EFS file systems, Aurora
      // clusters and EBS volumes of this Region (BackupSelection: Resources and Conditions are
      // combined with AND; an empty selection would take every supported resource).
      new aws.backup.Selection(
        name,
        {
          name: "eks-dr-tagged",
          planId: this.plan.id,
          iamRoleArn: role.arn,
          resources: [
            pulumi.interpolate`arn:${partition}:elasticfilesystem:*:*:file-system/*`,
            pulumi.interpolate`arn:${partition}:rds:*:*:cluster:*`,
            pulumi.interpolate`arn:${partition}:ec2:*:*:volume/*`,
          ],
          conditions: [{ stringEquals: [{ key: `aws:ResourceTag/${BACKUP_SELECTION_TAG.key}`, value: BACKUP_SELECTION_TAG.value }] }],
          ...(args.adopted ? { notResources: args.adopted.replacedArns } : {}),
        },
        // The role must be able to act before the first scheduled job.
        { parent: this, dependsOn: [rolePolicy] },
      );
      if (args.adopted) {
        new aws.backup.Selection(
          `${name}-restored`,
          { name: "eks-dr-restored", planId: this.plan.id, iamRoleArn: role.arn, resources: args.adopted.resourceArns },
          { parent: this, dependsOn: [rolePolicy] },
        );
      }
      this.planId = this.plan.id;
      this.planArn = this.plan.arn;
    }

    this.vaultName = this.vault.name;
    this.vaultArn = this.vault.arn;
    this.roleArn = role.arn;
    this.registerOutputs({ vaultName: this.vaultName, vaultArn: this.vaultArn, roleArn: this.roleArn, planId: this.planId, planArn: this.planArn });
  }
}
