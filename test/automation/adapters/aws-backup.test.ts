import {
  BackupClient,
  DescribeRestoreJobCommand,
  GetRecoveryPointRestoreMetadataCommand,
  ListRecoveryPointsByBackupVaultCommand,
  StartRestoreJobCommand,
} from "@aws-sdk/client-backup";
import { CreateDBInstanceCommand, DBInstanceAlreadyExistsFault, DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { AwsBackup } from "../../../automation/cloud/backup/real";
import { AwsCallError } from "../../../automation/cloud/aws/call";

describe("AWS Backup adapter (restore): the calls it makes, with aws-sdk-client-mock", () => {
  const backup = mockClient(BackupClient);
  const rds = mockClient(RDSClient);
  const regions: string[] = [];
  const adapter = () =>
    new AwsBackup({
      backupClient: (region) => (regions.push(`backup:${region}`), new BackupClient({ region })),
      rdsClient: (region) => (regions.push(`rds:${region}`), new RDSClient({ region })),
    });

  beforeEach(() => {
    backup.reset();
    rds.reset();
    regions.length = 0;
  });

  it("lists every page of a vault in its own Region, keeping EFS and Aurora points with their creation time", async () => {
    backup
      .on(ListRecoveryPointsByBackupVaultCommand, { BackupVaultName: "v" })
      .resolvesOnce({
        RecoveryPoints: [
          {
            RecoveryPointArn: "rp-1",
            ResourceType: "EFS",
            ResourceArn: "arn:fs",
            CreationDate: new Date("2025-01-01T05:00:00Z"),
            Status: "COMPLETED",
            BackupSizeInBytes: 10,
          },
          { RecoveryPointArn: "rp-ebs", ResourceType: "EBS", ResourceArn: "arn:vol", CreationDate: new Date("2025-01-01T05:00:00Z"), Status: "COMPLETED" },
        ],
        NextToken: "t2",
      })
      .resolvesOnce({
        RecoveryPoints: [
          { RecoveryPointArn: "rp-2", ResourceType: "Aurora", ResourceArn: "arn:db", CreationDate: new Date("2025-01-01T05:01:00Z"), Status: "PARTIAL" },
        ],
      });
    const points = await adapter().listRecoveryPoints("us-west-2", "v");
    expect(points).to.deep.equal([
      { arn: "rp-1", resourceType: "EFS", resourceArn: "arn:fs", createdAt: Date.parse("2025-01-01T05:00:00Z"), status: "COMPLETED", sizeBytes: 10 },
      { arn: "rp-2", resourceType: "Aurora", resourceArn: "arn:db", createdAt: Date.parse("2025-01-01T05:01:00Z"), status: "PARTIAL" },
    ]);
    const calls = backup.commandCalls(ListRecoveryPointsByBackupVaultCommand);
    expect(calls).to.have.length(2);
    expect(calls[1].args[0].input).to.include({ BackupVaultName: "v", NextToken: "t2" });
    expect(regions).to.deep.equal(["backup:us-west-2"]);
  });

  it("starts a restore job with the role, resource type, metadata and idempotency token; reads its status and created resource", async () => {
    backup.on(GetRecoveryPointRestoreMetadataCommand).resolves({ RestoreMetadata: { "file-system-id": "fs-1", PerformanceMode: "generalPurpose" } });
    backup.on(StartRestoreJobCommand).resolves({ RestoreJobId: "job-1" });
    backup
      .on(DescribeRestoreJobCommand, { RestoreJobId: "job-1" })
      .resolves({ Status: "COMPLETED", CreatedResourceArn: "arn:aws:elasticfilesystem:us-west-2:1:file-system/fs-2" });
    const a = adapter();
    expect(await a.restoreMetadata("us-west-2", "v", "rp-1")).to.deep.equal({ "file-system-id": "fs-1", PerformanceMode: "generalPurpose" });
    const metadata = {
      "file-system-id": "fs-1",
      newFileSystem: "true",
      Encrypted: "true",
      KmsKeyId: "k",
      PerformanceMode: "generalPurpose",
      CreationToken: "tok",
    };
    expect(
      await a.startRestoreJob("us-west-2", { recoveryPointArn: "rp-1", resourceType: "EFS", iamRoleArn: "arn:role", metadata, idempotencyToken: "tok" }),
    ).to.equal("job-1");
    expect(backup.commandCalls(StartRestoreJobCommand)[0].args[0].input).to.deep.equal({
      RecoveryPointArn: "rp-1",
      ResourceType: "EFS",
      IamRoleArn: "arn:role",
      Metadata: metadata,
      IdempotencyToken: "tok",
    });
    expect(await a.describeRestoreJob("us-west-2", "job-1")).to.deep.equal({
      id: "job-1",
      status: "COMPLETED",
      createdResourceArn: "arn:aws:elasticfilesystem:us-west-2:1:file-system/fs-2",
    });
  });

  it("a failed call names the service, API and Region", async () => {
    backup.on(StartRestoreJobCommand).rejects(Object.assign(new Error("denied"), { name: "AccessDeniedException", $metadata: { httpStatusCode: 403 } }));
    const err = await adapter()
      .startRestoreJob("us-west-2", { recoveryPointArn: "rp-1", resourceType: "Aurora", iamRoleArn: "r", metadata: {}, idempotencyToken: "t" })
      .catch((e: Error) => e);
    expect(err).to.be.instanceOf(AwsCallError);
    expect((err as Error).message)
      .to.include("StartRestoreJob")
      .and.include("us-west-2");
  });

  it("creates the missing instances of the restored cluster once (an existing one, or one created by a lost answer, is not an error)", async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: "c-1", DBInstanceStatus: "available" }] });
    rds.on(CreateDBInstanceCommand, { DBInstanceIdentifier: "c-2" }).resolves({});
    rds
      .on(CreateDBInstanceCommand, { DBInstanceIdentifier: "c-3" })
      .rejects(new DBInstanceAlreadyExistsFault({ message: "exists", $metadata: { httpStatusCode: 400 } }));
    const a = adapter();
    await a.ensureDbInstances("us-west-2", "c", 3, "db.r6g.large");
    const created = rds.commandCalls(CreateDBInstanceCommand).map((c) => c.args[0].input);
    expect(created).to.deep.equal([
      { DBInstanceIdentifier: "c-2", DBClusterIdentifier: "c", DBInstanceClass: "db.r6g.large", Engine: "aurora-mysql" },
      { DBInstanceIdentifier: "c-3", DBClusterIdentifier: "c", DBInstanceClass: "db.r6g.large", Engine: "aurora-mysql" },
    ]);
    expect(rds.commandCalls(DescribeDBInstancesCommand)[0].args[0].input.Filters).to.deep.equal([{ Name: "db-cluster-id", Values: ["c"] }]);
    expect(await a.availableDbInstances("us-west-2", "c")).to.equal(1);
  });
});
