/**
 * The StartRestoreJob metadata of an Aurora restore: GetRecoveryPointRestoreMetadata describes the
 * cluster as it was in the SOURCE Region (its subnet group, security groups, AZs, parameter group);
 * a restore in the target Region must name the target site's network instead.
 */
import { expect } from "chai";
import type { RecoveryPoint } from "../../../automation/cloud/backup/port";
import { restoreMetadata, type RestoreTarget } from "../../../automation/plan/steps/restore";

const TARGET = {
  site: { stack: "dr", region: "us-west-2" },
  vaultName: "eks-dr-dr",
  roleArn: "arn:aws:iam::123456789012:role/backup",
  kmsKeyArn: "arn:aws:kms:us-west-2:123456789012:key/mrk-1",
  dbSubnetGroupName: "eks-dr-dr",
  dbSecurityGroupIds: ["sg-0dr"],
} as unknown as RestoreTarget;

const POINT: RecoveryPoint = {
  arn: "arn:aws:rds:us-west-2:123456789012:cluster-snapshot:awsbackup:job-1",
  resourceType: "Aurora",
  resourceArn: "arn:aws:rds:us-east-1:123456789012:cluster:eks-dr-primary",
  createdAt: Date.UTC(2026, 0, 2, 5),
  status: "COMPLETED",
};

/** What GetRecoveryPointRestoreMetadata returns for a copy of primary's cluster (source Region values). */
const SOURCE_METADATA = {
  DBClusterIdentifier: "eks-dr-primary",
  Engine: "aurora-mysql",
  EngineVersion: "8.0.mysql_aurora.3.08.2",
  Port: "3306",
  DBSubnetGroupName: "eks-dr-primary",
  VpcSecurityGroupIds: '["sg-0primary"]',
  AvailabilityZones: '["us-east-1a","us-east-1b","us-east-1c"]',
  DBClusterParameterGroupName: "eks-dr-primary-aurora-mysql8-0",
  KmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/mrk-1",
  CopyTagsToSnapshot: "true",
};

describe("restore metadata of an Aurora restore in the target Region", () => {
  const metadata = restoreMetadata("Aurora", SOURCE_METADATA, TARGET, POINT, "token");

  it("names the target site's DB subnet group and security groups (list values as JSON-array strings)", () => {
    expect(metadata.DBSubnetGroupName).to.equal("eks-dr-dr");
    expect(JSON.parse(metadata.VpcSecurityGroupIds)).to.deep.equal(["sg-0dr"]);
    expect(metadata.KmsKeyId).to.equal(TARGET.kmsKeyArn);
  });

  it("drops what names the source Region (AZs, parameter group), whatever the key's case", () => {
    expect(metadata).not.to.have.property("AvailabilityZones");
    expect(metadata).not.to.have.property("DBClusterParameterGroupName");
    const lower = restoreMetadata(
      "Aurora",
      { availabilityZones: '["us-east-1a"]', dbsubnetgroupname: "eks-dr-primary", Engine: "aurora-mysql" },
      TARGET,
      POINT,
      "t",
    );
    expect(Object.keys(lower).map((k) => k.toLowerCase())).not.to.include("availabilityzones");
    expect(Object.entries(lower).filter(([k]) => k.toLowerCase() === "dbsubnetgroupname")).to.deep.equal([["DBSubnetGroupName", "eks-dr-dr"]]);
  });

  it("keeps what holds in any Region: engine, version, port; a new cluster identifier", () => {
    expect(metadata).to.include({ Engine: "aurora-mysql", EngineVersion: "8.0.mysql_aurora.3.08.2", Port: "3306", CopyTagsToSnapshot: "true" });
    expect(metadata.DBClusterIdentifier).to.match(/^dr-restored-/);
  });

  it("refuses a target that exports no DB subnet group or security group, naming the output and the fix", () => {
    const bare = { ...TARGET, dbSubnetGroupName: undefined, dbSecurityGroupIds: [] } as unknown as RestoreTarget;
    expect(() => restoreMetadata("Aurora", SOURCE_METADATA, bare, POINT, "t")).to.throw(/dbSubnetGroupName.*pulumi up -s dr/);
  });
});
