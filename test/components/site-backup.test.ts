import { expect } from "chai";
import { BACKUP_SELECTION_TAG, SiteBackup, type SiteBackupArgs } from "../../components/site-backup";
import type { BackupConfig } from "../../stacks/config";
import { componentChildren, evaluateComponent } from "../harness/component";
import { resolve } from "../../automation/sim/program/evaluate";
import { recordResourceOptions } from "../../automation/sim/program/resource-options";
import { restoreMetadata, type RestoreTarget } from "../../automation/plan/steps/restore";
import type { RecoveryPoint } from "../../automation/cloud/backup/port";

const VAULT = "aws:backup/vault:Vault";
const LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration";
const PLAN = "aws:backup/plan:Plan";
const SELECTION = "aws:backup/selection:Selection";
const RULE = "aws:cloudwatch/eventRule:EventRule";
const TARGET = "aws:cloudwatch/eventTarget:EventTarget";
const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";

const PEER_VAULT = "arn:aws:backup:us-west-2:123456789012:backup-vault:eks-dr-dr";
const PEER_KEY = "arn:aws:kms:us-west-2:123456789012:key/mrk-0123456789abcdef0123456789abcdef";
const RESTORE_TARGET = {
  site: { stack: "primary", region: "eu-west-3" },
  vaultName: "eks-dr-primary",
  roleArn: "role",
  kmsKeyArn: "key",
  dbSubnetGroupName: "eks-dr-primary",
  dbSecurityGroupIds: ["sg-1"],
} as unknown as RestoreTarget;
const AURORA_POINT: RecoveryPoint = {
  arn: "arn:aws:rds:eu-west-3:123456789012:cluster-snapshot:awsbackup:job-0123",
  resourceType: "Aurora",
  resourceArn: "arn:aws:rds:eu-west-3:123456789012:cluster:eks-dr-primary",
  createdAt: Date.UTC(2026, 0, 2, 3, 4),
  status: "COMPLETED",
};
const DAILY: BackupConfig = { schedule: "cron(0 5 ? * * *)", retentionDays: 35 };

async function evaluate(region: string, overrides: Partial<SiteBackupArgs> = {}) {
  const { options, transformation } = recordResourceOptions();
  const evaluation = await evaluateComponent(
    (ctx) =>
      new SiteBackup(
        "site-backup",
        {
          runPlan: true,
          backup: DAILY,
          kmsKeyArn: `arn:aws:kms:${ctx.region}:123456789012:key/mrk-site`,
          peerVaultArn: PEER_VAULT,
          peerKmsKeyArn: PEER_KEY,
          peerStack: "dr",
          alarmTopicArn: `arn:aws:sns:${ctx.region}:123456789012:site-alarms`,
          ...overrides,
        },
        { providers: [ctx.aws], transformations: [transformation] },
      ),
    { region, stack: "primary" },
  );
  return { ...evaluation, options };
}

describe("SiteBackup", () => {
  it("keeps a vault encrypted with the site's key, protected and never force-destroyed", async () => {
    const { cloud, options, value } = await evaluate("eu-west-3");
    const vault = cloud.one(VAULT);
    expect(vault.inputs).to.include({ name: "eks-dr-primary", kmsKeyArn: "arn:aws:kms:eu-west-3:123456789012:key/mrk-site", forceDestroy: false });
    expect(options.get(`${VAULT}::site-backup`)?.protect).to.equal(true);
    expect(await resolve(value.vaultArn)).to.equal("arn:aws:backup:eu-west-3:123456789012:backup-vault:eks-dr-primary");
  });

  it("on the active site runs the plan: schedule, retention, and a copy of every recovery point into the peer's vault", async () => {
    const { cloud, value } = await evaluate("eu-west-3");
    const plan = cloud.one(PLAN);
    expect(plan.inputs.name).to.equal("eks-dr-primary");
    expect(plan.inputs.rules).to.have.length(1);
    const [rule] = plan.inputs.rules;
    expect(rule).to.deep.include({ targetVaultName: "eks-dr-primary", schedule: "cron(0 5 ? * * *)", lifecycle: { deleteAfter: 35 } });
    expect(rule.copyActions).to.deep.equal([{ destinationVaultArn: PEER_VAULT, lifecycle: { deleteAfter: 35 } }]);
    expect(rule.recoveryPointTags).to.deep.equal({ "eks-dr:source-stack": "primary" });
    expect(value.copyDestinationVaultArn).to.equal(PEER_VAULT);
    expect(await resolve(value.planId!)).to.equal(plan.id);
  });

  it("selects exactly the tagged EFS file systems, Aurora clusters and EBS volumes, with the backup role", async () => {
    const { cloud } = await evaluate("eu-west-3");
    const selection = cloud.one(SELECTION);
    expect(selection.inputs.planId).to.equal(cloud.one(PLAN).id);
    expect(selection.inputs.iamRoleArn).to.equal(cloud.one(ROLE).state.arn);
    expect(selection.inputs.resources).to.deep.equal(["arn:aws:elasticfilesystem:*:*:file-system/*", "arn:aws:rds:*:*:cluster:*", "arn:aws:ec2:*:*:volume/*"]);
    expect(selection.inputs.conditions).to.deep.equal([{ stringEquals: [{ key: `aws:ResourceTag/${BACKUP_SELECTION_TAG.key}`, value: "true" }] }]);
  });

  it("gives the backup role least privilege: the pair's two keys and two vaults, nothing of other services", async () => {
    const { cloud } = await evaluate("eu-west-3");
    const trust = JSON.parse(cloud.one(ROLE).inputs.assumeRolePolicy);
    expect(trust.Statement).to.deep.equal([{ Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" }]);
    const policy = JSON.parse(cloud.one(ROLE_POLICY).inputs.policy);
    const bySid = Object.fromEntries(policy.Statement.map((s: any) => [s.Sid, s]));
    const keys = ["arn:aws:kms:eu-west-3:123456789012:key/mrk-site", PEER_KEY];
    for (const sid of ["DescribeKeys", "GrantsForAwsResources", "EbsSnapshotDataKeys"]) expect(bySid[sid].Resource, sid).to.deep.equal(keys);
    expect(bySid.GrantsForAwsResources.Condition).to.deep.equal({ Bool: { "kms:GrantIsForAWSResource": "true" } });
    expect(bySid.CopyIntoVaults.Resource).to.deep.equal(["arn:aws:backup:eu-west-3:123456789012:backup-vault:eks-dr-primary", PEER_VAULT]);
    const actions: string[] = policy.Statement.flatMap((s: any) => [s.Action].flat());
    expect(
      actions.every((a) => /^(elasticfilesystem|rds|ec2|backup|kms|tag):/.test(a)),
      actions.join(","),
    ).to.equal(true);
    expect(actions.filter((a) => a.endsWith("*") || a === "*")).to.deep.equal([]);
    expect(actions).to.include.members([
      "elasticfilesystem:Backup",
      "rds:CreateDBClusterSnapshot",
      "rds:CopyDBClusterSnapshot",
      "ec2:CreateSnapshot",
      "ec2:CopySnapshot",
      "backup:CopyIntoBackupVault",
      "tag:GetResources",
    ]);
    // The managed policy's other services are left out.
    expect(actions.some((a) => /^(dynamodb|fsx|storagegateway|ssm):/.test(a))).to.equal(false);
  });

  it("lets AWS Backup restore with the role: EFS into a new file system and an Aurora cluster from its snapshot, with the pair's keys only", async () => {
    const { cloud } = await evaluate("eu-west-3");
    const policy = JSON.parse(cloud.one(ROLE_POLICY).inputs.policy);
    const keys = ["arn:aws:kms:eu-west-3:123456789012:key/mrk-site", PEER_KEY];
    const allows = (action: string, resource: string) =>
      policy.Statement.some(
        (s: any) =>
          s.Effect === "Allow" &&
          [s.Action].flat().includes(action) &&
          [s.Resource].flat().some((r: string) => new RegExp(`^${r.replace(/[.?+^$()|[\]{}\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(resource)),
      );
    const fileSystem = "arn:aws:elasticfilesystem:eu-west-3:123456789012:file-system/fs-0123456789abcdef0";
    for (const action of [
      "elasticfilesystem:Restore",
      "elasticfilesystem:CreateFilesystem",
      "elasticfilesystem:DescribeFilesystems",
      "elasticfilesystem:TagResource",
    ]) {
      expect(allows(action, fileSystem), action).to.equal(true);
    }
    const restoredCluster = `arn:aws:rds:eu-west-3:123456789012:cluster:${restoreMetadata("Aurora", {}, RESTORE_TARGET, AURORA_POINT, "token").DBClusterIdentifier}`;
    for (const action of [
      "rds:RestoreDBClusterFromSnapshot",
      "rds:DescribeDBClusters",
      "rds:DescribeDBClusterSnapshots",
      "rds:AddTagsToResource",
      "rds:ListTagsForResource",
      "rds:DeleteDBCluster",
    ]) {
      expect(allows(action, restoredCluster), action).to.equal(true);
    }
    // A failed restore may be cleaned up, but the role cannot delete the site's own cluster.
    expect(allows("rds:DeleteDBCluster", "arn:aws:rds:eu-west-3:123456789012:cluster:eks-dr-primary")).to.equal(false);
    // The restored data is encrypted with the site's key, through the storage services only.
    const restoreKeys = policy.Statement.find((s: any) => [s.Action].flat().includes("kms:ReEncryptFrom"));
    expect(restoreKeys?.Resource).to.deep.equal(keys);
    expect([restoreKeys.Action].flat()).to.include.members(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptTo", "kms:ReEncryptFrom"]);
    expect(restoreKeys.Condition).to.deep.equal({
      StringLike: { "kms:ViaService": ["ec2.*.amazonaws.com", "elasticfilesystem.*.amazonaws.com", "rds.*.amazonaws.com"] },
    });
    expect(allows("ec2:CreateVolume", "arn:aws:ec2:eu-west-3::snapshot/snap-0123456789abcdef0")).to.equal(true);
    // The operator passes the role; the role itself never passes one.
    expect(policy.Statement.flatMap((s: any) => [s.Action].flat())).to.not.include("iam:PassRole");
  });

  it("publishes failed backup and copy jobs of this vault to the site's topic through EventBridge", async () => {
    const { cloud } = await evaluate("eu-west-3");
    const rules = cloud.ofType(RULE);
    expect(rules.map((r) => r.name)).to.deep.equal(["site-backup-backup-job-failed", "site-backup-copy-job-failed"]);
    const [backupJobs, copyJobs] = rules.map((r) => JSON.parse(r.inputs.eventPattern));
    expect(backupJobs).to.deep.equal({
      source: ["aws.backup"],
      "detail-type": ["Backup Job State Change"],
      detail: { state: ["FAILED", "ABORTED", "EXPIRED", "PARTIAL"], backupVaultName: ["eks-dr-primary"] },
    });
    expect(copyJobs).to.deep.equal({
      source: ["aws.backup"],
      "detail-type": ["Copy Job State Change"],
      detail: { state: ["FAILED", "PARTIAL"], sourceBackupVaultArn: ["arn:aws:backup:eu-west-3:123456789012:backup-vault:eks-dr-primary"] },
    });
    const targets = cloud.ofType(TARGET);
    expect(targets.map((t) => t.inputs.rule)).to.deep.equal(rules.map((r) => r.state.name));
    for (const t of targets) expect(t.inputs.arn).to.equal("arn:aws:sns:eu-west-3:123456789012:site-alarms");
  });

  it("without the plan (a standby) keeps the vault, role and notifications but runs no plan", async () => {
    const { cloud, value } = await evaluate("eu-west-3", { runPlan: false });
    expect(cloud.ofType(VAULT)).to.have.length(1);
    expect(cloud.ofType(PLAN)).to.have.length(0);
    expect(cloud.ofType(SELECTION)).to.have.length(0);
    expect(cloud.ofType(RULE)).to.have.length(2);
    expect(value.planId).to.equal(undefined);
  });

  it("keeps recovery points local and warns until the peer's vault is known", async () => {
    const { cloud, warnings } = await evaluate("eu-west-3", { peerVaultArn: undefined, peerKmsKeyArn: undefined });
    expect(cloud.one(PLAN).inputs.rules[0].copyActions).to.deep.equal([]);
    expect(warnings.join("\n")).to.match(/backup vault of stack "dr" is not known yet.*`pulumi up -s dr`, then `pulumi up -s primary`/s);
    const policy = JSON.parse(cloud.one(ROLE_POLICY).inputs.policy);
    expect(policy.Statement.find((s: any) => s.Sid === "CopyIntoVaults").Resource).to.have.length(1);
  });

  it("keeps backing up locally but copies nothing while the peer Region is impaired (replicateToPeer off)", async () => {
    const { cloud, warnings } = await evaluate("eu-west-3", { copyToPeer: false });
    expect(cloud.one(PLAN).inputs.rules[0].copyActions).to.deep.equal([]);
    expect(cloud.ofType(SELECTION)).to.have.length(1);
    expect(warnings.join("\n")).to.match(/not copied to the peer's vault.*eks-dr:replicateToPeer is false/s);
  });

  it("moves recovery points and their copies to cold storage when configured", async () => {
    const { cloud } = await evaluate("eu-west-3", { backup: { ...DAILY, retentionDays: 120, coldStorageAfterDays: 30 } });
    const [rule] = cloud.one(PLAN).inputs.rules;
    expect(rule.lifecycle).to.deep.equal({ deleteAfter: 120, coldStorageAfter: 30 });
    expect(rule.copyActions[0].lifecycle).to.deep.equal({ deleteAfter: 120, coldStorageAfter: 30 });
  });

  it("locks the vault in compliance mode only when asked, protected", async () => {
    expect((await evaluate("eu-west-3")).cloud.ofType(LOCK)).to.have.length(0);
    const { cloud, options } = await evaluate("eu-west-3", {
      backup: { ...DAILY, vaultLock: { minRetentionDays: 7, maxRetentionDays: 365, changeableForDays: 3 } },
    });
    expect(cloud.one(LOCK).inputs).to.deep.equal({ backupVaultName: "eks-dr-primary", minRetentionDays: 7, maxRetentionDays: 365, changeableForDays: 3 });
    expect(options.get(`${LOCK}::site-backup`)?.protect).to.equal(true);
  });

  for (const region of ["eu-west-3", "ap-southeast-2"]) {
    it(`keeps every child under the component and in the provider's Region (${region})`, async () => {
      const { cloud } = await evaluate(region);
      const children = componentChildren(cloud).filter((r) => r.custom);
      expect(children.length).to.be.greaterThan(8);
      for (const r of children) {
        expect(r.region, `${r.type} ${r.name}`).to.equal(region);
        expect(r.urn, `${r.type} ${r.name}`).to.include("eks-dr:index:SiteBackup$");
      }
    });
  }

  it("refuses a peer vault that is not a backup vault ARN, and a vault name AWS Backup would refuse", async () => {
    const failure = async (overrides: Partial<SiteBackupArgs>) => {
      try {
        await evaluate("eu-west-3", overrides);
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error("expected an error");
    };
    expect(await failure({ peerVaultArn: "arn:aws:s3:::not-a-vault" })).to.match(/not a backup vault ARN/);
    expect(await failure({ vaultName: "no spaces allowed" })).to.match(/2-50 letters, digits, hyphens or underscores/);
  });
});
