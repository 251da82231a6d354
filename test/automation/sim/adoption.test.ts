/**
 * The rules a site adopting restored data relies on, as the simulated Regions enforce them: a pod
 * mounts a file system through a mount target in its VPC (an EFS restore into a new file system
 * creates none), the workload serves from the stores its volume and DB endpoints name, and a
 * `.get()` of a resource that does not exist fails the `up` (Pulumi's read step).
 */
import { expect } from "chai";
import type { Simulation } from "../../../automation/sim";
import { MIN, rejection, restoreIntoPrimary, sim } from "./helpers";

describe("simulated Regions: adopting restored stores", function () {
  this.timeout(60_000);
  let s: Simulation;

  beforeEach(async () => {
    s = await sim();
  });

  it("a restored file system has no mount target: a workload whose volume names it cannot serve until one exists in the site's VPC", async () => {
    const restored = await restoreIntoPrimary(s);
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
