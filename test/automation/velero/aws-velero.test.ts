import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { AwsCallError } from "../../../automation/cloud/aws/call";
import { AwsCloud, defaultAwsClientFactory } from "../../../automation/cloud/aws-cloud";

/** A GetObject body as the SDK returns it (only the method the adapter reads). */
const body = (o: unknown) => ({ transformToString: async () => JSON.stringify(o) }) as never;

const backupJson = (name: string, phase: string, start: string, end?: string) => ({
  kind: "Backup",
  apiVersion: "velero.io/v1",
  metadata: { name, namespace: "velero" },
  spec: { includedNamespaces: ["app"], excludedResources: ["secrets"] },
  status: { phase, startTimestamp: start, ...(end ? { completionTimestamp: end } : {}) },
});

describe("Velero port (S3, aws-sdk-client-mock): the backups in a site's bucket", () => {
  const s3 = mockClient(S3Client);
  const regions: string[] = [];
  const cloud = () => {
    const base = defaultAwsClientFactory({ credentials: { accessKeyId: "a", secretAccessKey: "b" } });
    return new AwsCloud({ clients: { ...base, s3: (region) => (regions.push(region), new S3Client({ region })) } });
  };

  beforeEach(() => {
    s3.reset();
    regions.length = 0;
  });

  it("lists every page of backups/<name>/ in the bucket's own Region and reads each velero-backup.json (phase and times)", async () => {
    s3.on(ListObjectsV2Command, { Bucket: "dr-velero", Prefix: "backups/", Delimiter: "/" })
      .resolvesOnce({ CommonPrefixes: [{ Prefix: "backups/velero-objects-20250101045000/" }], IsTruncated: true, NextContinuationToken: "t2" })
      .resolvesOnce({ CommonPrefixes: [{ Prefix: "backups/velero-objects-20250102045000/" }, { Prefix: "backups/half-written/" }], IsTruncated: false });
    s3.on(GetObjectCommand, { Bucket: "dr-velero", Key: "backups/velero-objects-20250101045000/velero-backup.json" }).resolves({
      Body: body(backupJson("velero-objects-20250101045000", "Completed", "2025-01-01T04:50:00Z", "2025-01-01T04:50:40Z")),
      LastModified: new Date("2025-01-01T04:52:00Z"),
    });
    s3.on(GetObjectCommand, { Bucket: "dr-velero", Key: "backups/velero-objects-20250102045000/velero-backup.json" }).resolves({
      Body: body(backupJson("velero-objects-20250102045000", "PartiallyFailed", "2025-01-02T04:50:00Z", "2025-01-02T04:51:00Z")),
      LastModified: new Date("2025-01-02T04:53:00Z"),
    });
    // A backup still being written (or whose replica has not landed) has no velero-backup.json yet.
    s3.on(GetObjectCommand, { Key: "backups/half-written/velero-backup.json" }).rejects(
      new NoSuchKey({ message: "The specified key does not exist.", $metadata: {} }),
    );

    const backups = await cloud().velero.listVeleroBackups("us-west-2", "dr-velero");
    expect(backups).to.deep.equal([
      {
        name: "velero-objects-20250101045000",
        phase: "Completed",
        startedAt: Date.parse("2025-01-01T04:50:00Z"),
        completedAt: Date.parse("2025-01-01T04:50:40Z"),
      },
      {
        name: "velero-objects-20250102045000",
        phase: "PartiallyFailed",
        startedAt: Date.parse("2025-01-02T04:50:00Z"),
        completedAt: Date.parse("2025-01-02T04:51:00Z"),
      },
    ]);
    expect(s3.commandCalls(ListObjectsV2Command)[1].args[0].input.ContinuationToken).to.equal("t2");
    expect([...new Set(regions)]).to.deep.equal(["us-west-2"]);
  });

  it("an object that is not a Velero Backup fails the call, naming the key", async () => {
    s3.on(ListObjectsV2Command).resolves({ CommonPrefixes: [{ Prefix: "backups/odd/" }] });
    s3.on(GetObjectCommand).resolves({ Body: body({ kind: "ConfigMap", metadata: { name: "odd" } }), LastModified: new Date() });
    const err = await cloud()
      .velero.listVeleroBackups("us-west-2", "dr-velero")
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).to.be.instanceOf(AwsCallError);
    expect((err as Error).message)
      .to.include("s3://dr-velero/backups/odd/velero-backup.json")
      .and.include("not a Velero Backup object");
  });

  it("S3's own errors (a missing bucket) come back as AwsCallError with the code", async () => {
    s3.on(ListObjectsV2Command).rejects(
      Object.assign(new Error("The specified bucket does not exist"), { name: "NoSuchBucket", $fault: "client", $metadata: { httpStatusCode: 404 } }),
    );
    const err = (await cloud()
      .velero.listVeleroBackups("us-west-2", "nope")
      .catch((e: unknown) => e)) as AwsCallError;
    expect(err).to.be.instanceOf(AwsCallError);
    expect(err.code).to.equal("NoSuchBucket");
    expect(err.message).to.include("S3 ListObjectsV2 in us-west-2 for bucket nope");
  });
});
