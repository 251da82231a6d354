/**
 * The rules a site adopting restored data relies on, as the simulated Regions enforce them: a pod
 * mounts a file system through a mount target in its VPC (an EFS restore into a new file system
 * creates none), the workload serves from the stores its volume and DB endpoints name, and a
 * `.get()` of a resource that does not exist fails the `up` (Pulumi's read step).
 */
import { expect } from "chai";
import type { Simulation } from "../../../automation/sim";
import { MIN, rejection, sim } from "./helpers";

describe("simulated Regions: adopting restored stores", function () {
  this.timeout(60_000);
  let s: Simulation;

  beforeEach(async () => {
    s = await sim();
  });

  /** Restores primary's newest EFS and Aurora points into a new file system and cluster in us-east-1 (its own vault). */
  async function restoreIntoPrimary(): Promise<{ fileSystemId: string; dbClusterIdentifier: string }> {
    const outputs = (await s.stacks.outputs("primary"))!;
    const points = s.world.listRecoveryPoints("us-east-1", outputs.backupVaultName!);
    const newest = (type: "EFS" | "Aurora") => points.filter((p) => p.resourceType === type).at(-1)!;
    const role = outputs.backupRoleArn!;
    const efs = s.world.startRestoreJob("us-east-1", {
      recoveryPointArn: newest("EFS").arn,
      resourceType: "EFS",
      iamRoleArn: role,
      metadata: {
        "file-system-id": "fs-1",
        newFileSystem: "true",
        Encrypted: "true",
        KmsKeyId: outputs.kmsKeyArn,
        PerformanceMode: "generalPurpose",
        CreationToken: "t",
      },
    });
    const db = s.world.startRestoreJob("us-east-1", {
      recoveryPointArn: newest("Aurora").arn,
      resourceType: "Aurora",
      iamRoleArn: role,
      metadata: {
        DBClusterIdentifier: "primary-restored-1",
        Engine: "aurora-mysql",
        DBSubnetGroupName: outputs.dbSubnetGroupName!,
        VpcSecurityGroupIds: JSON.stringify([outputs.dbSecurityGroupId]),
      },
    });
    await s.clock.sleep(Math.max(efs.completesAt, db.completesAt) - s.clock.now() + 1);
    s.world.setDbInstances("primary", 2);
    await s.clock.sleep(30 * MIN);
    return {
      fileSystemId: s.world.describeRestoreJob("us-east-1", efs.id).createdResourceArn!.split("/").at(-1)!,
      dbClusterIdentifier: "primary-restored-1",
    };
  }

  it("a restored file system has no mount target: a workload whose volume names it cannot serve until one exists in the site's VPC", async () => {
    const restored = await restoreIntoPrimary();
    expect(restored.fileSystemId).to.match(/^fs-[0-9a-f]{8,}$/);
    // The workload still on the old stores does not serve from the restored data.
    expect(s.world.site("primary").serving).to.equal(false);
    s.world.setWorkloadStores("primary", restored);
    await s.clock.sleep(10 * MIN);
    expect(s.world.site("primary").serving, "no mount target for the restored file system").to.equal(false);
    s.world.addMountTarget("us-east-1", restored.fileSystemId);
    await s.clock.sleep(10 * MIN);
    expect(s.world.site("primary").serving).to.equal(true);
    const unknown = await rejection(() => s.world.addMountTarget("us-east-1", "fs-0000000000000dead"));
    expect(unknown.name).to.equal("FileSystemNotFound");
  });

  it("an up reading a file system or DB cluster that does not exist fails, naming it, as Pulumi's read does", async () => {
    await s.stacks.setConfig("primary", [{ key: "restoredData", value: { fileSystemId: "fs-0000000000000dead", dbClusterIdentifier: "primary-restored-1" } }]);
    const err = await rejection(s.stacks.up("primary"));
    expect(err.message).to.match(/resource 'fs-0000000000000dead' does not exist/);
  });
});
