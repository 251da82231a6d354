/**
 * EFS replication from this site's file system to the peer's existing file system.
 *
 * Each site owns its file system; the active site owns the `ReplicationConfiguration` pointing at
 * the standby's file system id (read from the peer), whose replication overwrite protection the
 * standby sets to DISABLED, as replicating into an existing file system requires (Amazon EFS User
 * Guide, "Configuring replication to an existing EFS file system"). The
 * configuration is created with this site's provider (the source Region); the destination is named
 * by file system id and Region only, so no provider for the peer Region is needed.
 *
 * When roles swap, the configuration moves from one stack to the other:
 * - The old active site's next `up` deletes its configuration (it is no longer declared). The
 *   provider deletes it in the destination Region, then in the source Region, and treats
 *   `ReplicationNotFound` / `FileSystemNotFound` as already deleted, waiting while it reads
 *   DELETING (terraform-provider-aws internal/service/efs/replication_configuration.go,
 *   resourceReplicationConfigurationDelete). So a configuration the driver already removed out of
 *   band (including with DeletionMode=LOCAL_CONFIGURATION_ONLY from the surviving Region) is
 *   dropped from state without error, and the remaining side is cleaned up when its Region answers.
 * - The new active site's `up` creates the reverse configuration. A file system takes part in one
 *   replication configuration at most, so this fails while the old one still exists (its file
 *   system is still a destination); the driver deletes the old configuration first, and a plain
 *   `up` run in the wrong order fails without changing anything and succeeds when re-run after
 *   the other stack's `up`.
 * - A configuration is never changed (EFS has no update call; the provider marks
 *   `source_file_system_id` and `destination` ForceNew): a new source (the site serving a restored
 *   file system) or destination replaces it, deleted before the new one is created
 *   (`deleteBeforeReplace`), since a file system is in one replication at most. Deleting it
 *   re-enables the destination's overwrite protection (EFS User Guide, "Deleting replication
 *   configurations"), so a replacement into the same destination fails unless that protection is
 *   DISABLED again in between: `restore --in-place` deletes the old configuration, disables the
 *   protection and only then runs this site's `up` (automation/plan/steps/reseed.ts).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface FileReplicationArgs {
  /**
   * Why this site does not replicate now, or undefined when it does: a standby is the destination of
   * its peer's replication, and replication pauses while the peer Region is impaired. A reason with
   * `warn` is logged as a warning. @default undefined (replicates)
   */
  off?: { reason: string; warn: boolean };
  /** The file system this site serves (the replication source): its own, or one adopted from a restore. */
  sourceFileSystemId: pulumi.Input<string>;
  /**
   * The peer's file system id (peer output `fileSystemId`), undefined until the peer is deployed.
   * Pass the raw peer output (not `PeerSite.get`) to have a single warning, this component's.
   */
  peerFileSystemId: string | undefined;
  /** The peer's Region (the destination). */
  peerRegion: string;
  /** The peer's stack name, for the message when its file system is not known yet. */
  peerStack: string;
}

/** What the outputs contract exports as `efsReplication`. */
export interface EfsReplicationOutput {
  destinationFileSystemId: string;
  destinationRegion: string;
}

const FILE_SYSTEM_ID = /^fs-[0-9a-f]{8,40}$/;

export class FileReplication extends pulumi.ComponentResource {
  /** The replication configuration, when this site replicates. */
  readonly replication: aws.efs.ReplicationConfiguration | undefined;
  /** Output `efsReplication`: where this site replicates to, or undefined. */
  readonly efsReplication: EfsReplicationOutput | undefined;
  /** Why there is no replication from this site, or undefined when there is. */
  readonly skippedReason: string | undefined;

  constructor(name: string, args: FileReplicationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("eks-dr:index:FileReplication", name, {}, opts);

    const self = pulumi.getStack();
    let skippedReason: string | undefined;
    if (args.off) {
      skippedReason = args.off.reason;
      if (args.off.warn) pulumi.log.warn(`EFS replication is off: ${skippedReason}`, this);
    } else if (args.peerFileSystemId === undefined) {
      skippedReason =
        `the file system of stack "${args.peerStack}" is not known yet (no output fileSystemId). ` +
        `Run \`pulumi up -s ${args.peerStack}\`, then \`pulumi up -s ${self}\` again.`;
      pulumi.log.warn(`EFS replication to ${args.peerRegion} is not configured: ${skippedReason}`, this);
    } else if (!FILE_SYSTEM_ID.test(args.peerFileSystemId)) {
      throw new Error(`FileReplication ${name}: peer file system id "${args.peerFileSystemId}" is not an EFS id (fs-...)`);
    }

    if (skippedReason === undefined) {
      const destinationFileSystemId = args.peerFileSystemId as string;
      this.replication = new aws.efs.ReplicationConfiguration(
        name,
        {
          sourceFileSystemId: args.sourceFileSystemId,
          // An existing file system: no kmsKeyId / availabilityZoneName (they only apply when EFS
          // creates the destination); it keeps its own encryption with the peer's key.
          destination: { fileSystemId: destinationFileSystemId, region: args.peerRegion },
        },
        // Never protected (even under a protected parent): the role swap must remove it.
        { parent: this, protect: false, deleteBeforeReplace: true },
      );
      this.efsReplication = { destinationFileSystemId, destinationRegion: args.peerRegion };
    } else {
      this.replication = undefined;
      this.efsReplication = undefined;
    }
    this.skippedReason = skippedReason;
    this.registerOutputs({ efsReplication: this.efsReplication, skippedReason });
  }
}
