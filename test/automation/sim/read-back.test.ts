/**
 * What the provider reads back stays in the state: after any update of the standby's file system
 * while it is a replication destination, the state holds `REPLICATING`, and AWS refuses to change
 * the protection of a destination. The program must not try to (terraform-provider-aws #36811).
 */
import { expect } from "chai";
import type { Simulation } from "../../../automation/sim";
import { sim } from "./helpers";

const FILE_SYSTEM = "aws:efs/fileSystem:FileSystem";

/** A person edits a stack file (`pulumi config set` of a key the driver never changes). */
function editStackFile(s: Simulation, stack: string, edit: (raw: Record<string, any>) => void): void {
  edit(s.stacks.shared.raw[stack] as Record<string, any>);
}

const fileSystemOf = (s: Simulation, stack: string) => s.stacks.stateOf(stack).find((r) => r.type === FILE_SYSTEM)!;

describe("sim: read-back of the standby's file system", () => {
  it("keeps REPLICATING in the state after an update of a replication destination, and the next up still succeeds", async () => {
    const s = await sim();
    expect(s.world.site("dr").fs.protection).to.equal("REPLICATING");
    // Any change to the file system, e.g. its throughput mode.
    editStackFile(s, "dr", (raw) => (raw.efs = { throughputMode: "bursting" }));
    await s.stacks.up("dr");
    expect(s.world.sideEffects("UpdateFileSystem").filter((c) => c.origin === "pulumi:dr")).to.have.length(1);
    // The provider read the file system back: the state now holds what AWS reports.
    expect(fileSystemOf(s, "dr").outputs.protection).to.deep.equal({ replicationOverwrite: "REPLICATING" });

    // The next up must not try to set DISABLED again: AWS refuses it while dr is a destination.
    const r = await s.stacks.up("dr");
    expect(r.changes).to.not.have.property("failed");
    expect(s.world.calls({ api: "UpdateFileSystemProtection", origin: "pulumi:dr" })).to.have.length(0);
    expect(s.world.site("dr").fs.protection).to.equal("REPLICATING");
  });

  it("AWS refuses UpdateFileSystemProtection on a replication destination", async () => {
    const s = await sim();
    let err: Error | undefined;
    try {
      s.world.setFileSystemProtection("dr", "DISABLED");
    } catch (e) {
      err = e as Error;
    }
    expect(err?.name).to.equal("ReplicationAlreadyExists");
    expect(err?.message).to.equal("ReplicationOverwriteProtection cannot be changed while the file system is a replication destination.");
  });
});
