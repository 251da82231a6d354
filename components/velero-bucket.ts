/**
 * The S3 bucket Velero keeps the site's Kubernetes object backups in: versioned, encrypted with the
 * site's key, closed to the public, protected, and replicated from the active site into the peer's
 * bucket (read through the stack reference) so the backups survive the loss of the Region.
 *
 * Like EFS replication, the replication configuration is owned by the active site and moves with the
 * role. Delete markers are not replicated: a backup deleted on the active side (Velero's own expiry,
 * or someone with the wrong intentions) stays in the peer's bucket until that bucket's lifecycle
 * expires it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface VeleroBucketArgs {
  /**
   * Why this bucket is not replicated to the peer's now, or undefined when it is: a standby's bucket
   * receives the active site's replicas, and replication pauses while the peer Region is impaired,
   * like EFS replication (whose component warns about it). @default undefined (replicates)
   */
  off?: { reason: string };
  /** The site's key: default encryption of the bucket (SSE-KMS). */
  kmsKeyArn: pulumi.Input<string>;
  /** Days Velero keeps a backup (config `velero.retentionDays`); objects older than that plus a margin expire. */
  retentionDays: number;
  /** The peer's bucket ARN (peer output `veleroBucketArn`), undefined until the peer is deployed. */
  peerBucketArn?: string;
  /** The peer's key (peer output `kmsKeyArn`): S3 encrypts the replicas with it, in the peer's Region. */
  peerKmsKeyArn?: string;
  peerRegion: string;
  /** The peer's stack name, for the message when its bucket is not known yet. */
  peerStack: string;
}

/**
 * Days an object outlives Velero's own retention before the bucket's lifecycle expires it: a margin
 * for Velero's garbage collection on the active side, and the only expiry on the replica side.
 */
export const EXPIRY_MARGIN_DAYS = 7;
/** Overwritten or deleted versions are kept this long, to recover from an overwrite. */
export const NONCURRENT_VERSION_DAYS = 30;

const BUCKET_ARN = /^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Values the replication role's policy is written for. */
export interface ReplicationPolicyContext {
  sourceBucketArn: string;
  sourceKeyArn: string;
  sourceRegion: string;
  destinationBucketArn: string;
  destinationKeyArn: string;
  destinationRegion: string;
}

/**
 * The replication role's permissions (Amazon S3 User Guide, "Setting up permissions for live
 * replication" and "Replicating encrypted objects"): read the source's versions, write replicas,
 * decrypt with the source key and encrypt with the destination key, only through S3 in each bucket's
 * Region and only for these buckets. With S3 Bucket Keys the encryption context is the bucket ARN,
 * and the replica key also needs kms:Decrypt, so both forms of the context are allowed.
 */
export function replicationRolePolicy(ctx: ReplicationPolicyContext): object {
  const context = (bucketArn: string) => [bucketArn, `${bucketArn}/*`];
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "ReadReplicationConfiguration", Effect: "Allow", Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"], Resource: ctx.sourceBucketArn },
      {
        Sid: "ReadSourceVersions",
        Effect: "Allow",
        Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
        Resource: `${ctx.sourceBucketArn}/*`,
      },
      {
        Sid: "WriteReplicas",
        Effect: "Allow",
        Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
        Resource: `${ctx.destinationBucketArn}/*`,
      },
      {
        Sid: "DecryptSource",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: ctx.sourceKeyArn,
        Condition: {
          StringLike: { "kms:ViaService": `s3.${ctx.sourceRegion}.amazonaws.com`, "kms:EncryptionContext:aws:s3:arn": context(ctx.sourceBucketArn) },
        },
      },
      {
        Sid: "EncryptReplicas",
        Effect: "Allow",
        Action: ["kms:Encrypt", "kms:Decrypt"],
        Resource: ctx.destinationKeyArn,
        Condition: {
          StringLike: { "kms:ViaService": `s3.${ctx.destinationRegion}.amazonaws.com`, "kms:EncryptionContext:aws:s3:arn": context(ctx.destinationBucketArn) },
        },
      },
    ],
  };
}

export class VeleroBucket extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  /** Only on the active site once the peer's bucket is known: where the backups are replicated to. */
  readonly replicatesTo?: string;
  /** Why this site does not replicate, or undefined when it does. */
  readonly skippedReason?: string;

  constructor(name: string, args: VeleroBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("eks-dr:index:VeleroBucket", name, {}, opts);
    if (args.peerBucketArn !== undefined && !BUCKET_ARN.test(args.peerBucketArn)) {
      throw new Error(`VeleroBucket ${name}: peer bucket "${args.peerBucketArn}" is not an S3 bucket ARN (arn:aws:s3:::<name>)`);
    }

    // The backups outlive any change to this program: protected, never force-destroyed.
    const bucket = new aws.s3.Bucket(name, { forceDestroy: false }, { parent: this, protect: true });
    // Replication needs versioning on both buckets; suspending it would stop replication.
    const versioning = new aws.s3.BucketVersioning(
      name,
      { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
      { parent: this, protect: true },
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      name,
      {
        bucket: bucket.id,
        // A bucket key cuts the KMS requests of Velero's many small objects.
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn }, bucketKeyEnabled: true }],
      },
      { parent: this },
    );
    new aws.s3.BucketPublicAccessBlock(
      name,
      { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      { parent: this },
    );
    new aws.s3.BucketLifecycleConfiguration(
      name,
      {
        bucket: bucket.id,
        rules: [
          {
            id: "expire-old-backups",
            status: "Enabled",
            filter: {},
            expiration: { days: args.retentionDays + EXPIRY_MARGIN_DAYS },
            noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_VERSION_DAYS },
            abortIncompleteMultipartUpload: { daysAfterInitiation: EXPIRY_MARGIN_DAYS },
          },
        ],
      },
      { parent: this, dependsOn: [versioning] },
    );

    let skippedReason: string | undefined;
    if (args.off) skippedReason = args.off.reason;
    else if (args.peerBucketArn === undefined || args.peerKmsKeyArn === undefined) {
      skippedReason = `the Velero bucket of stack "${args.peerStack}" is not known yet (no output veleroBucketArn)`;
      pulumi.log.warn(
        `Velero backups are not replicated to ${args.peerRegion} yet: ${skippedReason}. Run \`pulumi up -s ${args.peerStack}\`, then \`pulumi up -s ${pulumi.getStack()}\` again.`,
        this,
      );
    }

    if (skippedReason === undefined) {
      const destinationBucketArn = args.peerBucketArn as string;
      const destinationKeyArn = args.peerKmsKeyArn as string;
      const region = aws.getRegionOutput({}, { parent: this }).region;
      const role = new aws.iam.Role(
        `${name}-replication`,
        {
          description: "S3 replication of the Velero bucket into the peer Region's bucket",
          assumeRolePolicy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "s3.amazonaws.com" }, Action: "sts:AssumeRole" }],
          }),
        },
        { parent: this },
      );
      const policy = new aws.iam.RolePolicy(
        `${name}-replication`,
        {
          role: role.name,
          policy: pulumi.all([bucket.arn, args.kmsKeyArn, region]).apply(([sourceBucketArn, sourceKeyArn, sourceRegion]) =>
            JSON.stringify(
              replicationRolePolicy({
                sourceBucketArn,
                sourceKeyArn,
                sourceRegion,
                destinationBucketArn,
                destinationKeyArn,
                destinationRegion: args.peerRegion,
              }),
            ),
          ),
        },
        { parent: this },
      );
      new aws.s3.BucketReplicationConfig(
        name,
        {
          bucket: bucket.id,
          role: role.arn,
          rules: [
            {
              id: "to-peer",
              status: "Enabled",
              filter: {},
              deleteMarkerReplication: { status: "Disabled" },
              // SSE-KMS objects are replicated only when opted in, re-encrypted with a key of the
              // destination's Region (Amazon S3 User Guide, "Replicating encrypted objects").
              sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
              destination: { bucket: destinationBucketArn, encryptionConfiguration: { replicaKmsKeyId: destinationKeyArn } },
            },
          ],
        },
        // Never protected: the role swap must remove it. S3 rejects replication from an unversioned bucket.
        { parent: this, protect: false, dependsOn: [versioning, policy] },
      );
      this.replicatesTo = destinationBucketArn;
    }
    this.skippedReason = skippedReason;

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn, replicatesTo: this.replicatesTo });
  }
}
