/**
 * The real Velero port: the backups in a site's Velero bucket, read through S3 (AWS SDK v3), as
 * Velero's own backup sync reads them (velero source, pkg/persistence/object_store.go `ListBackups`
 * and `GetBackupMetadata`):
 *
 * - `ListObjectsV2` with `Prefix: "backups/"` and `Delimiter: "/"` returns one CommonPrefix per
 *   backup (`backups/<name>/`), paginated by ContinuationToken (Amazon S3 API reference,
 *   ListObjectsV2: "CommonPrefixes ... Delimiter").
 * - `GetObject backups/<name>/velero-backup.json` is the Backup object as JSON. Its `LastModified`
 *   says nothing of when a replica arrived: S3 keeps the source object's creation time on the
 *   replica (Amazon S3 Developer Guide, "Cross-Region Replication and Other Bucket Configurations"),
 *   so it is not read; a backup listed here is in the bucket now, which is what the restore needs.
 *
 * A backup without its velero-backup.json (still being written, or its replica not there yet:
 * NoSuchKey) is not listed: Velero itself cannot sync it either. Needs `s3:ListBucket` on the bucket
 * and `s3:GetObject` on its objects, and `kms:Decrypt` on the site's key through S3 (SSE-KMS).
 */
import { GetObjectCommand, paginateListObjectsV2 } from "@aws-sdk/client-s3";
import { z } from "zod";
import type { CallOptions } from "../call-options";
import { AwsCallError, boundedCall, type CallSite } from "../aws/call";
import type { AwsContext } from "../aws/context";
import type { VeleroBackup, VeleroPort } from "./port";

export const VELERO_BACKUPS_PREFIX = "backups/";
export const veleroBackupKey = (name: string) => `${VELERO_BACKUPS_PREFIX}${name}/velero-backup.json`;

/** The parts of velero.io/v1 Backup the choice reads; the rest of the object is ignored. */
const backupObject = z.object({
  kind: z.literal("Backup"),
  metadata: z.object({ name: z.string() }),
  status: z.object({ phase: z.string().optional(), startTimestamp: z.string().optional(), completionTimestamp: z.string().optional() }).optional(),
});

const time = (v: string | undefined) => (v === undefined || Number.isNaN(Date.parse(v)) ? undefined : Date.parse(v));

export class VeleroApi implements VeleroPort {
  constructor(private readonly ctx: AwsContext) {}

  async listVeleroBackups(region: string, bucket: string, opts?: CallOptions): Promise<VeleroBackup[]> {
    const site: CallSite = { service: "S3", api: "ListObjectsV2", region, resource: `bucket ${bucket}` };
    const client = this.ctx.clients.client("s3", region);
    // One bound for the listing and every read, as one call of the port.
    return boundedCall(site, this.ctx.bound(opts), async (abortSignal) => {
      const names: string[] = [];
      for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: VELERO_BACKUPS_PREFIX, Delimiter: "/" }, { abortSignal })) {
        for (const p of page.CommonPrefixes ?? []) {
          const name = p.Prefix?.slice(VELERO_BACKUPS_PREFIX.length).replace(/\/$/, "");
          if (name) names.push(name);
        }
      }
      const out: VeleroBackup[] = [];
      for (const name of names) {
        const key = veleroBackupKey(name);
        const read: CallSite = { service: "S3", api: "GetObject", region, resource: `s3://${bucket}/${key}` };
        let body: string;
        try {
          const obj = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal });
          body = (await obj.Body?.transformToString()) ?? "";
        } catch (err) {
          if ((err as { name?: string }).name === "NoSuchKey") continue;
          throw new AwsCallError(read, err);
        }
        let parsed: z.infer<typeof backupObject>;
        try {
          parsed = backupObject.parse(JSON.parse(body));
        } catch (err) {
          throw new AwsCallError(read, new Error(`not a Velero Backup object (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`));
        }
        const startedAt = time(parsed.status?.startTimestamp);
        const completedAt = time(parsed.status?.completionTimestamp);
        out.push({
          name: parsed.metadata.name,
          phase: parsed.status?.phase ?? "New",
          ...(startedAt !== undefined ? { startedAt } : {}),
          ...(completedAt !== undefined ? { completedAt } : {}),
        });
      }
      return out;
    });
  }
}
