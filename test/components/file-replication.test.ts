import { expect } from "chai";
import { FileReplication, type FileReplicationArgs } from "../../components/file-replication";
import { componentChildren, evaluateComponent } from "../harness/component";
import { recordResourceOptions } from "../../automation/sim/program/resource-options";

const REPLICATION = "aws:efs/replicationConfiguration:ReplicationConfiguration";

async function evaluate(region: string, overrides: Partial<FileReplicationArgs>, protect?: boolean) {
  const { options, transformation } = recordResourceOptions();
  const args: FileReplicationArgs = {
    sourceFileSystemId: "fs-0aaaaaaaaaaaaaaaa",
    peerFileSystemId: "fs-0bbbbbbbbbbbbbbbb",
    peerRegion: "eu-central-1",
    peerStack: "dr",
    ...overrides,
  };
  const result = await evaluateComponent((ctx) => new FileReplication("files", args, { providers: [ctx.aws], protect, transformations: [transformation] }), {
    region,
    stack: "primary",
  });
  return { ...result, options };
}

describe("FileReplication", () => {
  for (const [region, peerRegion] of [
    ["eu-west-3", "eu-central-1"],
    ["us-east-1", "us-west-2"],
  ]) {
    it(`replicates its file system to the peer's existing one (${region} -> ${peerRegion})`, async () => {
      const { cloud, value, options, warnings } = await evaluate(region, { peerRegion, peerFileSystemId: "fs-0123456789abcdef0" });
      const replication = cloud.one(REPLICATION);
      expect(replication.inputs.sourceFileSystemId).to.equal("fs-0aaaaaaaaaaaaaaaa");
      expect(replication.inputs.destination).to.deep.equal({ fileSystemId: "fs-0123456789abcdef0", region: peerRegion });
      expect(replication.region, "created in the source Region, by this site's provider").to.equal(region);
      expect(replication.urn).to.contain("eks-dr:index:FileReplication$");
      // A file system is in one replication at most: a replacement must delete first. Not
      // protected: the role swap removes it.
      expect(options.get(`${REPLICATION}::files`)).to.include({ protect: false, deleteBeforeReplace: true });
      expect(value.efsReplication).to.deep.equal({ destinationFileSystemId: "fs-0123456789abcdef0", destinationRegion: peerRegion });
      expect(value.skippedReason).to.equal(undefined);
      expect(warnings).to.deep.equal([]);
      for (const r of componentChildren(cloud).filter((r) => r.type !== "eks-dr:index:FileReplication")) {
        expect(r.region, r.name).to.equal(region);
      }
    });
  }

  it("stays removable under a protected component (children inherit protect)", async () => {
    const { options } = await evaluate("eu-west-3", {}, true);
    expect(options.get(`${REPLICATION}::files`)?.protect).to.equal(false);
  });

  it("is not created while the peer's file system is unknown, and says to run up on the peer then here", async () => {
    const { cloud, value, warnings } = await evaluate("eu-west-3", { peerFileSystemId: undefined });
    expect(cloud.ofType(REPLICATION)).to.have.length(0);
    expect(value.efsReplication).to.equal(undefined);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.contain("`pulumi up -s dr`, then `pulumi up -s primary` again");
    expect(value.skippedReason).to.contain("fileSystemId");
  });

  it("is not created while off with a warning reason, and warns with it", async () => {
    const { cloud, value, warnings } = await evaluate("eu-west-3", { off: { reason: "eks-dr:replicateToPeer is false", warn: true } });
    expect(cloud.ofType(REPLICATION)).to.have.length(0);
    expect(value.efsReplication).to.equal(undefined);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(/replicateToPeer is false/);
  });

  it("is not created while off for a quiet reason (a standby is the destination); no warning", async () => {
    const { cloud, value, warnings } = await evaluate("eu-central-1", { off: { reason: "this site is standby", warn: false }, peerRegion: "eu-west-3" });
    expect(cloud.ofType(REPLICATION)).to.have.length(0);
    expect(value.efsReplication).to.equal(undefined);
    expect(value.skippedReason).to.match(/standby/);
    expect(warnings).to.deep.equal([]);
  });

  it("rejects a peer file system id that is not an EFS id", async () => {
    let error: unknown;
    try {
      await evaluate("eu-west-3", { peerFileSystemId: "arn:aws:elasticfilesystem:eu-central-1:123456789012:file-system/fs-1" });
    } catch (e) {
      error = e;
    }
    expect((error as Error)?.message).to.match(/not an EFS id/);
  });
});
