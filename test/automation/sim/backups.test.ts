import { expect } from "chai";
import { GIB, type Simulation } from "../../../automation/sim";
import { GLOBAL_CLUSTER_ID, MIN, rejection, sim } from "./helpers";

const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe("simulated AWS Backup: recovery points, copies, restores", function () {
  this.timeout(60_000);
  let s: Simulation;
  const vault = (stack: string) => `eks-dr-${stack}-backup-vault`;
  let vaults: Record<string, string>;

  beforeEach(async () => {
    s = await sim();
    const outputs = { primary: await s.stacks.outputs("primary"), dr: await s.stacks.outputs("dr") };
    vaults = { primary: outputs.primary!.backupVaultName!, dr: outputs.dr!.backupVaultName! };
    expect(vaults.primary, vault("primary")).to.be.a("string");
  });

  it("the active site's plan writes a point per resource daily into its vault, and each is copied to the peer's after the copy latency", () => {
    const points = s.world.recoveryPoints();
    const local = points.filter((p) => p.region === "us-east-1");
    const copies = points.filter((p) => p.region === "us-west-2");
    expect(local.length).to.be.greaterThan(20);
    expect(new Set(local.map((p) => p.resourceType))).to.deep.equal(new Set(["EFS", "Aurora"]));
    expect(local.every((p) => p.sourceStack === "primary" && p.vaultName === vaults.primary)).to.equal(true);
    // Daily at 05:00 UTC (the default cron).
    for (const p of local) expect(new Date(p.createdAt).getUTCHours()).to.equal(5);
    for (const c of copies) {
      const original = local.find((p) => p.arn === c.copiedFrom)!;
      expect(original, c.arn).to.not.equal(undefined);
      expect(c.createdAt).to.equal(original.createdAt);
      expect(c.completedAt - c.createdAt).to.be.within(300_000, 14_400_000);
      expect(c.vaultName).to.equal(vaults.dr);
    }
  });

  it("a copy still running is not in the peer's vault; it appears when the copy job completes", async () => {
    const now = s.clock.now();
    const nextRun = Math.ceil((now - 5 * HOUR) / DAY) * DAY + 5 * HOUR;
    await s.clock.sleep(nextRun - now + 1);
    const newest = (region: string) =>
      Math.max(...s.world.listRecoveryPoints(region, region === "us-east-1" ? vaults.primary : vaults.dr).map((p) => p.createdAt));
    expect(newest("us-east-1")).to.equal(nextRun);
    expect(newest("us-west-2")).to.be.below(nextRun);
    await s.clock.sleep(4 * HOUR);
    expect(newest("us-west-2")).to.equal(nextRun);
  });

  it("fault: a failed copy job leaves its point out of the peer's vault", async () => {
    s.world.failBackupCopies(2);
    await s.clock.sleep(DAY + 5 * HOUR);
    const failed = s.world.backupCopyJobs().filter((j) => j.state === "FAILED");
    expect(failed).to.have.length(2);
    const inPeer = new Set(s.world.listRecoveryPoints("us-west-2", vaults.dr).map((p) => p.copiedFrom));
    for (const j of failed) expect(inPeer.has(j.sourceArn)).to.equal(false);
  });

  it("fault: the newest copy missing in the target Region", () => {
    const before = s.world.listRecoveryPoints("us-west-2", vaults.dr).filter((p) => p.resourceType === "EFS");
    s.world.dropNewestBackupCopy("us-west-2", "EFS");
    const after = s.world.listRecoveryPoints("us-west-2", vaults.dr).filter((p) => p.resourceType === "EFS");
    expect(after).to.have.length(before.length - 1);
    expect(Math.max(...after.map((p) => p.createdAt))).to.be.below(Math.max(...before.map((p) => p.createdAt)));
  });

  it("fault: a vault locked in compliance mode refuses deleting a point before its minimum retention", async () => {
    s.world.lockBackupVault("dr", 7 * DAY);
    const points = s.world.listRecoveryPoints("us-west-2", vaults.dr);
    const young = points.reduce((a, p) => (p.createdAt > a.createdAt ? p : a));
    const err = await rejection(() => s.world.deleteRecoveryPoint("us-west-2", vaults.dr, young.arn));
    expect(err.message).to.match(/locked in compliance mode/);
    const old = points.reduce((a, p) => (p.createdAt < a.createdAt ? p : a));
    s.world.deleteRecoveryPoint("us-west-2", vaults.dr, old.arn);
    expect(s.world.listRecoveryPoints("us-west-2", vaults.dr).some((p) => p.arn === old.arn)).to.equal(false);
  });

  it("a restore needs the point in that Region's vault and the service's metadata keys; it takes longer for more data; a running restore's point cannot be deleted", async () => {
    const efs = s.world
      .listRecoveryPoints("us-west-2", vaults.dr)
      .filter((p) => p.resourceType === "EFS")
      .at(-1)!;
    const role = "arn:aws:iam::123456789012:role/backup";
    const original = s.world.recoveryPoints().find((p) => p.arn === efs.copiedFrom)!;
    const wrongRegion = await rejection(() =>
      s.world.startRestoreJob("us-west-2", { recoveryPointArn: original.arn, resourceType: "EFS", metadata: {}, iamRoleArn: role }),
    );
    expect(wrongRegion.message).to.match(/not in a vault in us-west-2/);
    const noKeys = await rejection(() =>
      s.world.startRestoreJob("us-west-2", { recoveryPointArn: efs.arn, resourceType: "EFS", metadata: { newFileSystem: "true" }, iamRoleArn: role }),
    );
    expect(noKeys.message).to.match(/missing file-system-id, Encrypted, KmsKeyId, PerformanceMode, CreationToken/);
    const metadata = {
      "file-system-id": "fs-1",
      newFileSystem: "true",
      Encrypted: "true",
      KmsKeyId: "arn:aws:kms:us-west-2:1:key/k",
      PerformanceMode: "generalPurpose",
      CreationToken: "t",
    };
    const job = s.world.startRestoreJob("us-west-2", { recoveryPointArn: efs.arn, resourceType: "EFS", metadata, iamRoleArn: role, idempotencyToken: "tok" });
    expect(
      s.world.startRestoreJob("us-west-2", { recoveryPointArn: efs.arn, resourceType: "EFS", metadata, iamRoleArn: role, idempotencyToken: "tok" }).id,
    ).to.equal(job.id);
    expect(s.world.restoreJobs()).to.have.length(1);
    const busy = await rejection(() => s.world.deleteRecoveryPoint("us-west-2", vaults.dr, efs.arn));
    expect(busy.message).to.match(/being restored/);
    // 50 GiB at 5-60 s/GiB plus 1-15 min.
    expect(job.completesAt - job.startedAt).to.be.within((60 + 50 * 5) * 1000, (900 + 50 * 60) * 1000);
    expect(efs.sizeBytes).to.equal(50 * GIB);
    await s.clock.sleep(job.completesAt - s.clock.now() + 1);
    expect(s.world.describeRestoreJob("us-west-2", job.id).status).to.equal("COMPLETED");
    // The restored file system is dr's now: writable, in no replication; its files are in AWS
    // Backup's recovery directory, so nothing counts as restored until they are moved to the root.
    // dr's own file system stays the replication's destination: a restore into a new file system changes no other.
    const drOwnFs = s.world.replicationsNow()[0].destinationFileSystemId;
    const restoredFs = s.world.site("dr").fs.id;
    expect(restoredFs).not.to.equal(drOwnFs);
    expect(s.world.site("dr").fs.writable).to.equal(true);
    expect(s.world.describeReplication("us-west-2", restoredFs)).to.equal(undefined);
    expect(s.world.fileSystemProtection("us-west-2", drOwnFs)).to.equal("REPLICATING");
    const loss = s.world.dataLoss().find((l) => l.reason === "restore")!;
    expect(loss).to.include({ kind: "efs", fromStack: "primary", toStack: "dr", replicatedUpTo: -Infinity });
    expect(loss.lostWrites).to.be.greaterThan(0);
  });

  it("an Aurora restore lands in the target Region's network only: a subnet group, security group or AZ of another Region fails the job with RDS's fault", async () => {
    const aurora = s.world
      .listRecoveryPoints("us-west-2", vaults.dr)
      .filter((p) => p.resourceType === "Aurora")
      .at(-1)!;
    const role = "arn:aws:iam::123456789012:role/backup";
    const dr = await s.stacks.outputs("dr");
    const primary = await s.stacks.outputs("primary");
    const good = {
      DBClusterIdentifier: "dr-restored-1",
      Engine: "aurora-mysql",
      DBSubnetGroupName: dr!.dbSubnetGroupName!,
      VpcSecurityGroupIds: JSON.stringify([dr!.dbSecurityGroupId]),
    };
    const run = async (metadata: Record<string, string>, token: string) => {
      const job = s.world.startRestoreJob("us-west-2", {
        recoveryPointArn: aurora.arn,
        resourceType: "Aurora",
        metadata,
        iamRoleArn: role,
        idempotencyToken: token,
      });
      await s.clock.sleep(Math.max(job.completesAt - s.clock.now(), 0) + 1);
      return s.world.describeRestoreJob("us-west-2", job.id);
    };
    const wrongSubnets = await run({ ...good, DBSubnetGroupName: primary!.dbSubnetGroupName! }, "a");
    expect(wrongSubnets.status).to.equal("FAILED");
    expect(wrongSubnets.statusMessage).to.match(/DBSubnetGroupNotFoundFault.*eks-dr-primary/);
    const wrongGroups = await run({ ...good, VpcSecurityGroupIds: JSON.stringify([primary!.dbSecurityGroupId]) }, "b");
    expect(wrongGroups.status).to.equal("FAILED");
    expect(wrongGroups.statusMessage).to.match(/InvalidVPCNetworkStateFault/);
    const wrongAzs = await run({ ...good, AvailabilityZones: JSON.stringify(["us-east-1a"]) }, "c");
    expect(wrongAzs.status).to.equal("FAILED");
    expect(wrongAzs.statusMessage).to.match(/InvalidParameterValue.*us-east-1a/);
    // Without a subnet group RDS would use the default VPC, which the site does not have.
    const noSubnets = await run({ DBClusterIdentifier: "dr-restored-2", Engine: "aurora-mysql" }, "d");
    expect(noSubnets.status).to.equal("FAILED");
    expect(s.world.site("dr").db.role, "a failed restore changes no cluster").to.equal("secondary");
    const ok = await run(good, "e");
    expect(ok.status, ok.statusMessage).to.equal("COMPLETED");
    expect(s.world.site("dr").db.role).to.equal("writer");
  });

  it("an Aurora restore whose DBClusterIdentifier breaks RDS's naming rule fails the job with RDS's fault", async () => {
    const aurora = s.world
      .listRecoveryPoints("us-west-2", vaults.dr)
      .filter((p) => p.resourceType === "Aurora")
      .at(-1)!;
    const dr = await s.stacks.outputs("dr");
    const run = async (identifier: string) => {
      const job = s.world.startRestoreJob("us-west-2", {
        recoveryPointArn: aurora.arn,
        resourceType: "Aurora",
        metadata: {
          DBClusterIdentifier: identifier,
          Engine: "aurora-mysql",
          DBSubnetGroupName: dr!.dbSubnetGroupName!,
          VpcSecurityGroupIds: JSON.stringify([dr!.dbSecurityGroupId]),
        },
        iamRoleArn: "arn:aws:iam::123456789012:role/backup",
        idempotencyToken: `identifier-${identifier}`,
      });
      await s.clock.sleep(Math.max(job.completesAt - s.clock.now(), 0) + 1);
      return s.world.describeRestoreJob("us-west-2", job.id);
    };
    for (const bad of ["DR_West-restored-1", "acme/eks-dr/dr-restored-1", "1dr-restored", "dr--restored", "dr-restored-", "d".repeat(64)]) {
      const job = await run(bad);
      expect(job.status, bad).to.equal("FAILED");
      expect(job.statusMessage, bad).to.match(/InvalidParameterValue.*DBClusterIdentifier/);
    }
  });

  it("a restored cluster is standalone until CreateGlobalCluster names it; RDS's rules: identifier free, source in the call's Region, available, in no global cluster", async () => {
    const aurora = s.world
      .listRecoveryPoints("us-west-2", vaults.dr)
      .filter((p) => p.resourceType === "Aurora")
      .at(-1)!;
    const dr = await s.stacks.outputs("dr");
    const ownArn = s.world.site("dr").db.arn;
    const before = s.world.globalCluster();
    // The peer's own cluster is a secondary of the pair's global cluster: it cannot be the source of another.
    await rejection(() => s.world.createGlobalCluster("us-west-2", "other", ownArn), "InvalidDBClusterStateFault");
    const job = s.world.startRestoreJob("us-west-2", {
      recoveryPointArn: aurora.arn,
      resourceType: "Aurora",
      metadata: {
        DBClusterIdentifier: "dr-restored-1",
        Engine: "aurora-mysql",
        DBSubnetGroupName: dr!.dbSubnetGroupName!,
        VpcSecurityGroupIds: JSON.stringify([dr!.dbSecurityGroupId]),
      },
      iamRoleArn: "arn:aws:iam::123456789012:role/backup",
      idempotencyToken: "global",
    });
    await s.clock.sleep(Math.max(job.completesAt - s.clock.now(), 0) + 1);
    const restored = s.world.describeRestoreJob("us-west-2", job.id).createdResourceArn!;
    // The pair's global cluster is left as it was: the same writer and secondary, the restored cluster in neither.
    expect(s.world.findGlobalCluster("us-west-2", GLOBAL_CLUSTER_ID)!.members).to.deep.equal(before.members);
    expect(s.world.findGlobalCluster("us-west-2", "dr-restored-1-global")).to.equal(undefined);
    await rejection(() => s.world.createGlobalCluster("us-west-2", GLOBAL_CLUSTER_ID, restored), "GlobalClusterAlreadyExistsFault");
    await rejection(() => s.world.createGlobalCluster("us-east-1", "dr-restored-1-global", restored), "DBClusterNotFoundFault");
    await rejection(() => s.world.createGlobalCluster("us-west-2", "1-bad", restored), "InvalidParameterValue");
    s.world.createGlobalCluster("us-west-2", "DR-restored-1-global", restored);
    const created = s.world.findGlobalCluster("us-west-2", "dr-restored-1-global")!;
    expect(created).to.deep.include({ identifier: "dr-restored-1-global", status: "available" });
    expect(created.members.map((m) => [m.clusterArn, m.isWriter])).to.deep.equal([[restored, true]]);
    await rejection(() => s.world.createGlobalCluster("us-west-2", "again", restored), "InvalidDBClusterStateFault");
    await rejection(() => s.world.createGlobalCluster("us-west-2", "dr-restored-1-global", restored), "GlobalClusterAlreadyExistsFault");
  });

  it("the restored cluster's instances are created once: a repeated call (a resume) reads them and creates none, as the real adapter does", async () => {
    await s.backup.ensureDbInstances("us-west-2", "dr-restored-1", 2, "db.r6g.large");
    await s.backup.ensureDbInstances("us-west-2", "dr-restored-1", 2, "db.r6g.large");
    const creates = s.world.calls().filter((c) => c.origin === "backup" && c.api === "CreateDBInstance");
    expect(creates).to.have.length(1);
    expect(creates[0].sideEffect).to.equal(true);
    expect(s.world.calls().filter((c) => c.origin === "backup" && c.api === "DescribeDBInstances" && c.sideEffect === false)).to.have.length(2);
  });
});
