import type * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { Velero, VELERO_AWS_PLUGIN_IMAGE, VELERO_CHART_VERSION, VELERO_SERVICE_ACCOUNT, type VeleroArgs } from "../../components/velero";
import { VeleroBucket, type VeleroBucketArgs } from "../../components/velero-bucket";
import type { VeleroConfig } from "../../stacks/config";
import { componentChildren, evaluateComponent } from "../harness/component";
import { recordResourceOptions } from "../../automation/sim/program/resource-options";

const BUCKET = "aws:s3/bucket:Bucket";
const REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const PEER_BUCKET = "arn:aws:s3:::dr-velero-0a1b2c3";
const PEER_KEY = "arn:aws:kms:us-west-2:123456789012:key/mrk-0123456789abcdef0123456789abcdef";
const VELERO: VeleroConfig = { namespaces: ["app", "payments"], schedule: "0 5 * * *", retentionDays: 30 };

async function evaluateBucket(region: string, overrides: Partial<VeleroBucketArgs> = {}) {
  const { options, transformation } = recordResourceOptions();
  const evaluation = await evaluateComponent(
    (ctx) =>
      new VeleroBucket(
        "velero-bucket",
        {
          kmsKeyArn: `arn:aws:kms:${ctx.region}:123456789012:key/mrk-site`,
          retentionDays: 30,
          peerBucketArn: PEER_BUCKET,
          peerKmsKeyArn: PEER_KEY,
          peerRegion: "us-west-2",
          peerStack: "dr",
          ...overrides,
        },
        { providers: [ctx.aws], transformations: [transformation] },
      ),
    { region, stack: "primary" },
  );
  return { ...evaluation, options };
}

async function evaluateVelero(
  writesBackups: VeleroArgs["writesBackups"],
  velero: VeleroConfig = VELERO,
  more: Partial<VeleroArgs> = {},
  transformations: pulumi.ResourceTransformation[] = [],
) {
  return evaluateComponent(
    (ctx) =>
      new Velero(
        "velero",
        {
          clusterName: "eks-dr-site",
          writesBackups,
          velero,
          bucketName: "primary-velero-1a2b3c4",
          bucketArn: "arn:aws:s3:::primary-velero-1a2b3c4",
          kmsKeyArn: `arn:aws:kms:${ctx.region}:123456789012:key/mrk-site`,
          region: ctx.region,
          ...more,
        },
        { providers: [ctx.aws, ctx.k8s], transformations },
      ),
    { region: "eu-west-3" },
  );
}

describe("VeleroBucket", () => {
  it("is versioned, encrypted with the site's key, closed to the public and protected", async () => {
    const { cloud, options } = await evaluateBucket("eu-west-3");
    const bucket = cloud.one(BUCKET);
    expect(bucket.inputs.forceDestroy).to.equal(false);
    expect(options.get(`${BUCKET}::velero-bucket`)?.protect).to.equal(true);
    expect(options.get("aws:s3/bucketVersioning:BucketVersioning::velero-bucket")?.protect).to.equal(true);
    expect(cloud.one("aws:s3/bucketVersioning:BucketVersioning").inputs).to.deep.equal({ bucket: bucket.id, versioningConfiguration: { status: "Enabled" } });
    expect(cloud.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs.rules).to.deep.equal([
      {
        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: "arn:aws:kms:eu-west-3:123456789012:key/mrk-site" },
        bucketKeyEnabled: true,
      },
    ]);
    expect(cloud.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs).to.deep.equal({
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const [rule] = cloud.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs.rules;
    expect(rule).to.deep.include({ status: "Enabled", expiration: { days: 37 }, noncurrentVersionExpiration: { noncurrentDays: 30 } });
  });

  it("on the active site replicates into the peer's bucket, re-encrypted with the peer's key, without delete markers", async () => {
    const { cloud } = await evaluateBucket("eu-west-3");
    const replication = cloud.one(REPLICATION);
    expect(replication.inputs.bucket).to.equal(cloud.one(BUCKET).id);
    expect(replication.inputs.rules).to.deep.equal([
      {
        id: "to-peer",
        status: "Enabled",
        filter: {},
        deleteMarkerReplication: { status: "Disabled" },
        sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
        destination: { bucket: PEER_BUCKET, encryptionConfiguration: { replicaKmsKeyId: PEER_KEY } },
      },
    ]);
    const role = cloud.ofType("aws:iam/role:Role").find((r) => r.name === "velero-bucket-replication")!;
    expect(replication.inputs.role).to.equal(role.state.arn);
    expect(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal).to.deep.equal({ Service: "s3.amazonaws.com" });
  });

  it("lets the replication role use each key only through S3 in its own Region, for its own bucket", async () => {
    const { cloud } = await evaluateBucket("eu-west-3");
    const source = cloud.one(BUCKET).state.arn;
    const bySid = Object.fromEntries(JSON.parse(cloud.one("aws:iam/rolePolicy:RolePolicy").inputs.policy).Statement.map((s: any) => [s.Sid, s]));
    expect(bySid.DecryptSource.Resource).to.equal("arn:aws:kms:eu-west-3:123456789012:key/mrk-site");
    expect(bySid.DecryptSource.Condition.StringLike).to.deep.equal({
      "kms:ViaService": "s3.eu-west-3.amazonaws.com",
      "kms:EncryptionContext:aws:s3:arn": [source, `${source}/*`],
    });
    expect(bySid.EncryptReplicas.Resource).to.equal(PEER_KEY);
    expect(bySid.EncryptReplicas.Condition.StringLike).to.deep.equal({
      "kms:ViaService": "s3.us-west-2.amazonaws.com",
      "kms:EncryptionContext:aws:s3:arn": [PEER_BUCKET, `${PEER_BUCKET}/*`],
    });
    expect(bySid.WriteReplicas.Resource).to.equal(`${PEER_BUCKET}/*`);
    expect(bySid.ReadSourceVersions.Resource).to.equal(`${source}/*`);
  });

  it("replicates nothing while off (a standby's bucket, an impaired peer Region); warns while the peer's bucket is unknown", async () => {
    const off = await evaluateBucket("eu-west-3", { off: { reason: "this site is standby" } });
    expect(off.cloud.ofType(REPLICATION)).to.have.length(0);
    expect(off.value.skippedReason).to.equal("this site is standby");
    expect(off.warnings).to.deep.equal([]);
    const first = await evaluateBucket("eu-west-3", { peerBucketArn: undefined });
    expect(first.cloud.ofType(REPLICATION)).to.have.length(0);
    expect(first.warnings.join("\n")).to.match(/not replicated to us-west-2 yet.*`pulumi up -s dr`, then `pulumi up -s primary`/s);
  });

  it("keeps every child in the provider's Region and under the component", async () => {
    for (const region of ["eu-west-3", "ap-southeast-2"]) {
      const { cloud } = await evaluateBucket(region);
      for (const r of componentChildren(cloud).filter((c) => c.custom)) {
        expect(r.region, `${r.type} ${r.name}`).to.equal(region);
        expect(r.urn).to.include("eks-dr:index:VeleroBucket$");
      }
    }
  });
});

describe("Velero", () => {
  it("installs the pinned chart with the AWS plugin, Pod Identity instead of a credentials Secret", async () => {
    const { cloud } = await evaluateVelero(true);
    const release = cloud.one(RELEASE);
    expect(release.inputs).to.deep.include({ name: "velero", chart: "velero", version: VELERO_CHART_VERSION, namespace: "velero" });
    expect(release.inputs.repositoryOpts).to.deep.equal({ repo: "https://vmware-tanzu.github.io/helm-charts" });
    const values = release.inputs.values;
    expect(values.initContainers.map((c: any) => c.image)).to.deep.equal([VELERO_AWS_PLUGIN_IMAGE]);
    expect(values.credentials).to.deep.equal({ useSecret: false });
    expect(values.serviceAccount.server.name).to.equal(VELERO_SERVICE_ACCOUNT);
    expect(cloud.one("aws:eks/podIdentityAssociation:PodIdentityAssociation").inputs).to.include({
      namespace: "velero",
      serviceAccount: VELERO_SERVICE_ACCOUNT,
    });
    expect(values.snapshotsEnabled).to.equal(false);
    expect(values.deployNodeAgent).to.equal(false);
  });

  it("grants exactly the plugin's S3 actions on its bucket and the key through S3, no EC2", async () => {
    const { cloud } = await evaluateVelero(true);
    const statements = JSON.parse(cloud.one("aws:iam/rolePolicy:RolePolicy").inputs.policy).Statement;
    const actions = statements.flatMap((s: any) => s.Action).sort();
    expect(actions).to.deep.equal(
      [
        "kms:Decrypt",
        "kms:GenerateDataKey",
        "s3:AbortMultipartUpload",
        "s3:DeleteObject",
        "s3:GetObject",
        "s3:ListBucket",
        "s3:ListMultipartUploadParts",
        "s3:PutObject",
      ].sort(),
    );
    const resources = statements.flatMap((s: any) => [s.Resource].flat());
    expect(resources).to.have.members([
      "arn:aws:s3:::primary-velero-1a2b3c4/*",
      "arn:aws:s3:::primary-velero-1a2b3c4",
      "arn:aws:kms:eu-west-3:123456789012:key/mrk-site",
    ]);
  });

  it("writing backups, backs up the listed namespaces on schedule, without Secrets, into its bucket", async () => {
    const values = (await evaluateVelero(true)).cloud.one(RELEASE).inputs.values;
    expect(values.configuration.backupStorageLocation).to.deep.equal([
      {
        name: "default",
        provider: "aws",
        bucket: "primary-velero-1a2b3c4",
        default: true,
        accessMode: "ReadWrite",
        config: { region: "eu-west-3", kmsKeyId: "arn:aws:kms:eu-west-3:123456789012:key/mrk-site" },
      },
    ]);
    expect(values.schedules).to.deep.equal({
      objects: {
        schedule: "0 5 * * *",
        template: {
          ttl: "720h0m0s",
          storageLocation: "default",
          includedNamespaces: ["app", "payments"],
          excludedResources: ["secrets"],
          snapshotVolumes: false,
        },
      },
    });
  });

  it("not writing backups (a standby), only reads its bucket (the replicas) and schedules nothing", async () => {
    const values = (await evaluateVelero(false)).cloud.one(RELEASE).inputs.values;
    expect(values.configuration.backupStorageLocation[0].accessMode).to.equal("ReadOnly");
    expect(values.schedules).to.deep.equal({});
  });

  it("schedules nothing when no namespace is listed", async () => {
    const values = (await evaluateVelero(true, { ...VELERO, namespaces: [] })).cloud.one(RELEASE).inputs.values;
    expect(values.schedules).to.deep.equal({});
  });

  const RESTORE = "kubernetes:velero.io/v1:Restore";

  it("restores nothing unless a backup is named", async () => {
    const { cloud } = await evaluateVelero(false);
    expect(cloud.resources.filter((r) => r.type === RESTORE)).to.have.length(0);
  });

  it("restores the named backup's objects: a Restore in its namespace, Secrets excluded, existing objects kept, created without waiting (the driver reads its phase)", async () => {
    const { cloud } = await evaluateVelero(false, VELERO, { restoreBackupName: "velero-objects-20250101045000" });
    const restore = cloud.one(RESTORE);
    expect(restore.inputs.metadata).to.deep.include({ name: "restore-velero-objects-20250101045000", namespace: "velero" });
    expect(restore.inputs.metadata.annotations).to.deep.equal({ "pulumi.com/skipAwait": "true" });
    expect(restore.inputs.spec).to.deep.equal({ backupName: "velero-objects-20250101045000", excludedResources: ["secrets"], existingResourcePolicy: "none" });
    // Velero (and its CRDs) first: the Restore depends on the chart's release.
    const release = cloud.one(RELEASE);
    expect(restore.dependencies).to.include(release.urn);
  });

  it("a later attempt is a new Restore (Velero never reruns a finished one), and the replaced one stays in the cluster with its logs", async () => {
    const given: pulumi.CustomResourceOptions[] = [];
    const record: pulumi.ResourceTransformation = (a) => void (a.type === RESTORE && given.push(a.opts));
    const { cloud } = await evaluateVelero(false, VELERO, { restoreBackupName: "velero-objects-20250101045000", restoreAttempt: 2 }, [record]);
    expect(cloud.one(RESTORE).inputs.metadata.name).to.equal("restore-velero-objects-20250101045000-2");
    expect(given.map((o) => o.retainOnDelete)).to.deep.equal([true]);
  });
});
