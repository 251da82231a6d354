/** The simulated EFS port: replication and overwrite protection of the simulated world. */
import type { SimCall } from "../../sim/cloud-call";
import type { CallOptions } from "../call-options";
import type { EfsPort, EfsReplication, FileSystemProtection, ReplicationDeletionMode } from "./port";

export class SimEfs implements EfsPort {
  constructor(private readonly sim: SimCall) {}

  describeReplication(region: string, fileSystemId: string, opts?: CallOptions): Promise<EfsReplication | undefined> {
    return this.sim.call(
      { method: "describeReplication", service: "efs", api: "DescribeReplicationConfigurations", region, args: { fileSystemId }, sideEffect: false },
      opts,
      () => this.sim.world.describeReplication(region, fileSystemId),
    );
  }

  async deleteReplication(region: string, sourceFileSystemId: string, mode: ReplicationDeletionMode, opts?: CallOptions): Promise<void> {
    await this.sim.call(
      {
        method: "deleteReplication",
        service: "efs",
        api: "DeleteReplicationConfiguration",
        region,
        args: { sourceFileSystemId, deletionMode: mode },
        sideEffect: true,
      },
      opts,
      () => this.sim.world.deleteReplication(region, sourceFileSystemId, mode),
    );
  }

  fileSystemProtection(region: string, fileSystemId: string, opts?: CallOptions): Promise<FileSystemProtection> {
    return this.sim.call(
      { method: "fileSystemProtection", service: "efs", api: "DescribeFileSystems", region, args: { fileSystemId }, sideEffect: false },
      opts,
      () => this.sim.world.fileSystemProtection(region, fileSystemId),
    );
  }

  async updateFileSystemProtection(region: string, fileSystemId: string, protection: "ENABLED" | "DISABLED", opts?: CallOptions): Promise<void> {
    await this.sim.call(
      {
        method: "updateFileSystemProtection",
        service: "efs",
        api: "UpdateFileSystemProtection",
        region,
        args: { fileSystemId, replicationOverwriteProtection: protection },
        sideEffect: true,
      },
      opts,
      () => this.sim.world.setFileSystemProtection(region, protection, fileSystemId),
    );
  }
}
