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

/** Keys of restore metadata are case-insensitive ("Restore testing inferred metadata", AWS Backup Developer Guide). */
const keysNamed = (m: Record<string, string>, key: string) => Object.entries(m).filter(([k]) => k.toLowerCase() === key.toLowerCase());

describe("restore metadata read whatever the case of the point's own keys", () => {
  const EFS_POINT: RecoveryPoint = { ...POINT, resourceType: "EFS", resourceArn: "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-0source" };

  it("EFS: one value per key, the target's key replacing the source Region's, the point's performance mode kept", () => {
    const base = {
      "file-system-id": "fs-0source",
      kmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/source",
      performanceMode: "maxIO",
      encrypted: "false",
      newfilesystem: "false",
    };
    const metadata = restoreMetadata("EFS", base, TARGET, EFS_POINT, "token");
    expect(keysNamed(metadata, "KmsKeyId")).to.deep.equal([["KmsKeyId", TARGET.kmsKeyArn]]);
    expect(keysNamed(metadata, "PerformanceMode")).to.deep.equal([["PerformanceMode", "maxIO"]]);
    expect(keysNamed(metadata, "Encrypted")).to.deep.equal([["Encrypted", "true"]]);
    expect(keysNamed(metadata, "newFileSystem")).to.deep.equal([["newFileSystem", "true"]]);
  });

  it("Aurora: the point's engine read whatever its key's case, never a second Engine key", () => {
    const metadata = restoreMetadata("Aurora", { engine: "aurora-postgresql", engineVersion: "16.4" }, TARGET, POINT, "t");
    expect(keysNamed(metadata, "Engine")).to.deep.equal([["Engine", "aurora-postgresql"]]);
  });
});

describe("the restored DB cluster's identifier", () => {
  /** RDS: 1-63 letters, digits or hyphens, starting with a letter, no two consecutive hyphens, not ending in one (RestoreDBClusterFromSnapshot, DBClusterIdentifier). */
  const RDS_IDENTIFIER = /^[a-z](?!.*--)[a-z0-9-]{0,61}[a-z0-9]$/;
  const identifierFor = (stack: string) =>
    restoreMetadata("Aurora", SOURCE_METADATA, { ...TARGET, site: { ...TARGET.site, stack } } as RestoreTarget, POINT, "t").DBClusterIdentifier;

  it("is a valid RDS identifier for any site name Pulumi allows", () => {
    for (const stack of ["dr", "DR_West.2", "2nd-site", "a".repeat(100), "dr--b-"]) {
      expect(identifierFor(stack), stack).to.match(RDS_IDENTIFIER);
    }
  });

  it("differs per site and per recovery point", () => {
    expect(identifierFor("dr")).to.not.equal(identifierFor("primary"));
    const later = restoreMetadata("Aurora", SOURCE_METADATA, TARGET, { ...POINT, createdAt: POINT.createdAt + 3_600_000 }, "t").DBClusterIdentifier;
    expect(later).to.not.equal(identifierFor("dr"));
  });
});
