/**
 * The real EFS port (AWS SDK v3): replication configurations and replication overwrite protection.
 *
 * - `DescribeReplicationConfigurations` takes any file system id (source or destination) but only
 *   answers for file systems in the Region it is sent to.
 * - `DeleteReplicationConfiguration` always names the *source* id and may be sent from the source
 *   or the destination Region; `LOCAL_CONFIGURATION_ONLY` deletes only the side the request is sent to.
 * - `DescribeFileSystems` returns `FileSystemProtection.ReplicationOverwriteProtection`
 *   (ENABLED | DISABLED | REPLICATING); `UpdateFileSystemProtection` sets it (ENABLED | DISABLED).
 */
import {
  DeleteReplicationConfigurationCommand,
  DescribeFileSystemsCommand,
  DescribeReplicationConfigurationsCommand,
  type ReplicationConfigurationDescription,
  UpdateFileSystemProtectionCommand,
} from "@aws-sdk/client-efs";
import type { CallOptions } from "../call-options";
import { AwsCallError, awsErrorCode, boundedCall, type CallSite } from "../aws/call";
import { type AwsContext, required } from "../aws/context";
import type { EfsPort, EfsReplication, EfsReplicationStatus, FileSystemProtection, ReplicationDeletionMode } from "./port";

export class EfsApi implements EfsPort {
  constructor(private readonly ctx: AwsContext) {}

  async describeReplication(region: string, fileSystemId: string, opts?: CallOptions): Promise<EfsReplication | undefined> {
    const site: CallSite = { service: "EFS", api: "DescribeReplicationConfigurations", region, resource: `file system ${fileSystemId}` };
    let replications: ReplicationConfigurationDescription[];
    try {
      const out = await boundedCall(site, this.ctx.bound(opts), (abortSignal) =>
        this.ctx.clients.client("efs", region).send(new DescribeReplicationConfigurationsCommand({ FileSystemId: fileSystemId }), { abortSignal }),
      );
      replications = out.Replications ?? [];
    } catch (err) {
      if (awsErrorCode(err) === "ReplicationNotFound") return undefined;
      throw err;
    }
    const id = bareFileSystemId(fileSystemId);
    const r =
      replications.find((x) => bareFileSystemId(x.SourceFileSystemId) === id || x.Destinations?.some((d) => bareFileSystemId(d.FileSystemId) === id)) ??
      replications[0];
    if (!r) return undefined;
    const dest = r.Destinations?.[0];
    if (!dest) throw new AwsCallError(site, new Error("the replication configuration lists no destination"));
    return {
      sourceFileSystemId: required(site, r.SourceFileSystemId, "SourceFileSystemId"),
      sourceRegion: required(site, r.SourceFileSystemRegion, "SourceFileSystemRegion"),
      destinationFileSystemId: required(site, dest.FileSystemId, "Destinations[0].FileSystemId"),
      destinationRegion: required(site, dest.Region, "Destinations[0].Region"),
      status: required(site, dest.Status, "Destinations[0].Status") as EfsReplicationStatus,
      lastReplicatedAt: dest.LastReplicatedTimestamp ? new Date(dest.LastReplicatedTimestamp).getTime() : undefined,
    };
  }

  async deleteReplication(region: string, sourceFileSystemId: string, mode: ReplicationDeletionMode, opts?: CallOptions): Promise<void> {
    const site: CallSite = {
      service: "EFS",
      api: "DeleteReplicationConfiguration",
      region,
      resource: `replication from ${sourceFileSystemId} (${mode})`,
      mutating: true,
    };
    try {
      await boundedCall(site, this.ctx.bound(opts), (abortSignal) =>
        this.ctx.clients.client("efs", region).send(new DeleteReplicationConfigurationCommand({ SourceFileSystemId: sourceFileSystemId, DeletionMode: mode }), {
          abortSignal,
        }),
      );
    } catch (err) {
      // Already gone (e.g. a resumed run deleting again): the outcome the caller wants.
      if (awsErrorCode(err) === "ReplicationNotFound") return;
      throw err;
    }
  }

  async fileSystemProtection(region: string, fileSystemId: string, opts?: CallOptions): Promise<FileSystemProtection> {
    const site: CallSite = { service: "EFS", api: "DescribeFileSystems", region, resource: `file system ${fileSystemId}` };
    const out = await boundedCall(site, this.ctx.bound(opts), (abortSignal) =>
      this.ctx.clients.client("efs", region).send(new DescribeFileSystemsCommand({ FileSystemId: fileSystemId }), { abortSignal }),
    );
    const fs = out.FileSystems?.[0];
    if (!fs) throw new AwsCallError(site, new Error("the response lists no file system"));
    return required(site, fs.FileSystemProtection?.ReplicationOverwriteProtection, "FileSystemProtection.ReplicationOverwriteProtection");
  }

  async updateFileSystemProtection(region: string, fileSystemId: string, protection: "ENABLED" | "DISABLED", opts?: CallOptions): Promise<void> {
    const site: CallSite = {
      service: "EFS",
      api: "UpdateFileSystemProtection",
      region,
      resource: `file system ${fileSystemId} (ReplicationOverwriteProtection ${protection})`,
      mutating: true,
    };
    await boundedCall(site, this.ctx.bound(opts), (abortSignal) =>
      this.ctx.clients
        .client("efs", region)
        .send(new UpdateFileSystemProtectionCommand({ FileSystemId: fileSystemId, ReplicationOverwriteProtection: protection }), { abortSignal }),
    );
  }
}

/** fs-0123 from fs-0123 or arn:...:file-system/fs-0123. */
function bareFileSystemId(id: string | undefined): string | undefined {
  return id?.split("/").pop();
}
