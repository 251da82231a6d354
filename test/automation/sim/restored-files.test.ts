/**
 * Where AWS Backup puts a restored file system's files, as the simulated Regions model it: never at
 * the root but in a directory `aws-backup-restore_<datetime>` off it, so an application that
 * mounts the root sees nothing restored until the files are moved up, before its pods start.
 */
import { expect } from "chai";
import { RESTORE_DIRECTORY_PREFIX, type Simulation } from "../../../automation/sim";
import { MIN, rejection, restoreIntoPrimary, sim } from "./helpers";

describe("simulated Regions: a restored file system's files are in AWS Backup's recovery directory", function () {
  this.timeout(60_000);
  let s: Simulation;

  beforeEach(async () => {
    s = await sim();
  });

  const efsLoss = () => s.world.dataLoss().find((l) => l.reason === "restore" && l.kind === "efs")!;

  it("a restore puts the files in one aws-backup-restore_<datetime> directory off the root: nothing counts as restored while they are there", async () => {
    const restored = await restoreIntoPrimary(s);
    const dirs = s.world.restoreDirectories(restored.fileSystemId);
    expect(dirs).to.have.length(1);
    expect(dirs[0].startsWith(RESTORE_DIRECTORY_PREFIX)).to.equal(true);
    // Every file primary ever wrote is missing from what an app mounting the root sees.
    const everything = s.world.countWrites("primary", "files", -Infinity, s.clock.now());
    expect(efsLoss().lostWrites).to.equal(everything);
    expect(efsLoss().replicatedUpTo).to.equal(-Infinity);
    expect(efsLoss().lostWindowMs).to.equal(Infinity);
  });

  it("app pods that start before the files are at the root serve an empty volume: the restore stays a loss of everything", async () => {
    const restored = await restoreIntoPrimary(s);
    s.world.addMountTarget("us-east-1", restored.fileSystemId);
    s.world.setWorkloadStores("primary", restored);
    await s.clock.sleep(10 * MIN);
    expect(s.world.site("primary").serving).to.equal(true);
    const everything = s.world.countWrites("primary", "files", -Infinity, efsLoss().at);
    // A move afterwards does not undo what users saw (and the app wrote over).
    s.world.startRestoredFilesMove("primary", restored.fileSystemId, "system");
    await s.clock.sleep(5 * MIN);
    expect(s.world.restoreDirectories(restored.fileSystemId)).to.deep.equal([]);
    expect(efsLoss().lostWrites).to.equal(everything);
  });

  it("a move to the root before the app starts: the restore lacks only what was written after the point; an app waiting for the move starts after it", async () => {
    const restored = await restoreIntoPrimary(s);
    s.world.addMountTarget("us-east-1", restored.fileSystemId);
    s.world.setAppAfterRestoredFilesMove("primary", true);
    const doneAt = s.world.startRestoredFilesMove("primary", restored.fileSystemId, "system");
    s.world.setWorkloadStores("primary", restored);
    expect(s.world.servingChain("primary").app.scheduledAt, "the app's pods wait for the move").to.equal(undefined);
    await s.clock.sleep(10 * MIN);
    expect(s.world.servingChain("primary").app.scheduledAt).to.be.at.least(doneAt);
    expect(s.world.site("primary").serving).to.equal(true);
    expect(s.world.restoreDirectories(restored.fileSystemId)).to.deep.equal([]);
    expect(efsLoss().replicatedUpTo).to.equal(restored.pointAt);
    expect(efsLoss().lostWrites).to.equal(s.world.countWrites("primary", "files", restored.pointAt, efsLoss().at));
    expect(s.world.restoredFilesMoves(restored.fileSystemId)).to.equal(1);
    // Idempotent: with no recovery directory left, a second move changes nothing.
    s.world.startRestoredFilesMove("primary", restored.fileSystemId, "system");
    await s.clock.sleep(5 * MIN);
    expect(efsLoss().replicatedUpTo).to.equal(restored.pointAt);
  });

  it("the move's pod needs a Ready node of its tier: without one coming the Job never completes; with one coming it runs once it is Ready", async () => {
    const restored = await restoreIntoPrimary(s);
    const outputs = (await s.stacks.outputs("primary"))!;
    const system = outputs.nodeGroupNames!.system;
    s.world.scaleNodeGroup("us-east-1", outputs.clusterName!, system, { minSize: 0, desiredSize: 0, maxSize: 2 });
    const pending = await rejection(() => s.world.startRestoredFilesMove("primary", restored.fileSystemId, "system"));
    expect(pending.message).to.match(/stays Pending: no system node is Ready or coming in us-east-1/);
    const readyAt = s.world.scaleNodeGroup("us-east-1", outputs.clusterName!, system, { minSize: 1, desiredSize: 1, maxSize: 2 });
    const doneAt = s.world.startRestoredFilesMove("primary", restored.fileSystemId, "system");
    expect(doneAt).to.be.within(readyAt + 3_000, readyAt + 60_000);
  });

  it("two restores into one existing file system make two recovery directories: the move refuses, naming them", async () => {
    const own = s.world.site("primary").fs.id;
    await restoreIntoPrimary(s, own);
    await restoreIntoPrimary(s, own);
    const dirs = s.world.restoreDirectories(own);
    expect(dirs).to.have.length(2);
    const err = await rejection(() => s.world.startRestoredFilesMove("primary", own, "system"));
    expect(err.message)
      .to.include(dirs[0])
      .and.include(dirs[1])
      .and.match(/more than one aws-backup-restore_\* directory/);
  });
});
