/**
 * An S3 bucket in memory behind aws-sdk-client-mock, with S3's conditional-request rules as the
 * Amazon S3 User Guide states them ("How to prevent object overwrites with conditional writes",
 * "How to perform conditional deletes"): PutObject with If-None-Match "*" fails 412 when the key
 * exists; with If-Match, 412 when the ETag differs (404 when there is no object); DeleteObject with
 * If-Match, 412 on another ETag. Every object write gets a new ETag.
 */
import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";

const s3Error = (name: string, status: number, message: string) =>
  new S3ServiceException({ name, $fault: "client", $metadata: { httpStatusCode: status }, message });

export class FakeBucket {
  readonly objects = new Map<string, { body: string; etag: string }>();
  /** Keys of writes in order, with the condition each carried. */
  readonly writes: { op: "put" | "delete"; key: string; ifMatch?: string; ifNoneMatch?: string; outcome: string }[] = [];
  private n = 0;
  readonly mock = mockClient(S3Client);

  constructor(
    readonly bucket: string,
    readonly region = "eu-central-1",
  ) {
    this.mock.on(PutObjectCommand).callsFake((input: { Bucket: string; Key: string; Body: string; IfMatch?: string; IfNoneMatch?: string }) => {
      const log = (outcome: string) => this.writes.push({ op: "put", key: input.Key, ifMatch: input.IfMatch, ifNoneMatch: input.IfNoneMatch, outcome });
      const current = this.objects.get(input.Key);
      if (input.IfNoneMatch === "*" && current) {
        log("412");
        throw s3Error("PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold");
      }
      if (input.IfMatch !== undefined && !current) {
        log("404");
        throw s3Error("NoSuchKey", 404, "The specified key does not exist.");
      }
      if (input.IfMatch !== undefined && current && current.etag !== input.IfMatch) {
        log("412");
        throw s3Error("PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold");
      }
      const etag = `"etag-${++this.n}"`;
      this.objects.set(input.Key, { body: String(input.Body), etag });
      log("ok");
      return { ETag: etag };
    });
    this.mock.on(GetObjectCommand).callsFake((input: { Key: string }) => {
      const current = this.objects.get(input.Key);
      if (!current) throw s3Error("NoSuchKey", 404, "The specified key does not exist.");
      // The SDK's stream body, as far as the adapter reads it.
      return { ETag: current.etag, Body: { transformToString: async () => current.body } } as never;
    });
    this.mock.on(DeleteObjectCommand).callsFake((input: { Key: string; IfMatch?: string }) => {
      const current = this.objects.get(input.Key);
      if (input.IfMatch !== undefined && current && current.etag !== input.IfMatch) {
        this.writes.push({ op: "delete", key: input.Key, ifMatch: input.IfMatch, outcome: "412" });
        throw s3Error("PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold");
      }
      this.objects.delete(input.Key);
      this.writes.push({ op: "delete", key: input.Key, ifMatch: input.IfMatch, outcome: "ok" });
      return {};
    });
    this.mock.on(HeadBucketCommand).callsFake(() => ({ BucketRegion: this.region }));
  }

  restore(): void {
    this.mock.restore();
  }
}
