/**
 * The run lock and journal in an S3 bucket (`--state s3://bucket/prefix`), so that operators on
 * different machines share one lock and one record of the runs. Put the bucket in a Region that is
 * neither site's, so that losing either Region leaves it readable.
 *
 *   <prefix>lock.json      the holder (run id, host, pid, since) and its lease (expiresAt)
 *   <prefix>journal.jsonl  the events, one JSON line each
 *
 * S3 gives no append and no lock, but it gives conditional writes (Amazon S3 User Guide, "How to
 * prevent object overwrites with conditional writes" and "How to perform conditional deletes"):
 *   - PutObject with If-None-Match "*" fails (412) when the key exists: the lock is created by
 *     exactly one run;
 *   - PutObject with If-Match <ETag> fails (412) when the object changed since it was read: the
 *     lease is renewed, and a stale lock taken over, only over the version that was seen, and each
 *     journal append rewrites the journal only over the version this run wrote last, so a run that
 *     lost its lock cannot write over another's events;
 *   - DeleteObject with If-Match <ETag>: the lock is released only if it is still this run's.
 * A concurrent conflicting write may answer 409 ConditionalRequestConflict, and an If-Match on a
 * missing key 404: each is handled as the precondition failing.
 */
import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import * as os from "node:os";
import { errorMessage } from "../errors";
import { lastRunOf, parseLines, toLine } from "../journal/events";
import { DEFAULT_LEASE_MS, holderLiveness, LockHeldError, renewEvery, type LockHolder } from "../journal/lock";
import type { JournalEvent, JournalPort } from "../ports";

export interface S3StateLocation {
  bucket: string;
  /** Key prefix, "" or ending with "/". */
  prefix: string;
  /** The bucket's Region, when the URL names it (`?region=`). */
  region?: string;
  url: string;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** `s3://bucket[/prefix][?region=<region>]`; throws saying what to give. */
export function parseStateUrl(text: string): S3StateLocation {
  const usage = `use s3://<bucket>/<prefix>, optionally with ?region=<the bucket's Region>, e.g. s3://ops-dr-state/eks-dr?region=eu-central-1`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`"${text}" is not a URL; ${usage}`);
  }
  if (url.protocol !== "s3:" || !BUCKET.test(url.hostname)) throw new Error(`"${text}" is not an S3 location; ${usage}`);
  const path = url.pathname.replace(/^\/+|\/+$/g, "");
  const region = url.searchParams.get("region") ?? undefined;
  return { bucket: url.hostname, prefix: path ? `${path}/` : "", ...(region ? { region } : {}), url: `s3://${url.hostname}/${path}`.replace(/\/$/, "") };
}

/** The Region a bucket lives in (HeadBucket's BucketRegion). */
export async function bucketRegionOf(client: S3Client, bucket: string): Promise<string> {
  const res = await client.send(new HeadBucketCommand({ Bucket: bucket }));
  if (!res.BucketRegion) throw new Error(`HeadBucket ${bucket} named no Region`);
  return res.BucketRegion;
}

/** S3's answer that a condition did not hold (412), a concurrent conditional write (409), or no object for If-Match (404). */
function preconditionFailed(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return ["PreconditionFailed", "ConditionalRequestConflict", "NoSuchKey"].includes(e?.name ?? "") || [412, 409].includes(e?.$metadata?.httpStatusCode ?? 0);
}

const notFound = (err: unknown) =>
  (err as { name?: string })?.name === "NoSuchKey" || (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 404;

export interface S3JournalOptions {
  client: S3Client;
  location: S3StateLocation;
  /** @default os.hostname() */
  host?: string;
  /** @default process.pid */
  pid?: number;
  /** Wall-clock time of the lease. @default Date.now */
  now?: () => number;
  /** @default DEFAULT_LEASE_MS */
  leaseMs?: number;
  /** Starts the lease renewal; returns its stop. @default every third of the lease */
  renewal?: (renew: () => void) => () => void;
}

export class S3Journal implements JournalPort {
  readonly label: string;
  private readonly client: S3Client;
  private readonly loc: S3StateLocation;
  private readonly host: string;
  private readonly pid: number;
  private readonly now: () => number;
  private readonly leaseMs: number;
  private readonly renewal: (renew: () => void) => () => void;
  /** The journal as this run last read or wrote it (ETag null: no object yet). */
  private journal?: { text: string; etag: string | null };
  private held?: { runId: string; since: string; etag: string };
  /** Set when a renewal found another holder: this run may not write any more. */
  private lost?: string;
  private stopRenewal?: () => void;
  private inFlight: Promise<void> = Promise.resolve();
  private appends: Promise<void> = Promise.resolve();

  constructor(opts: S3JournalOptions) {
    this.client = opts.client;
    this.loc = opts.location;
    this.label = opts.location.url;
    this.host = opts.host ?? os.hostname();
    this.pid = opts.pid ?? process.pid;
    this.now = opts.now ?? Date.now;
    this.leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    this.renewal = opts.renewal ?? renewEvery(this.leaseMs / 3);
  }

  private key(name: string): string {
    return `${this.loc.prefix}${name}`;
  }

  private where(name: string): string {
    return `s3://${this.loc.bucket}/${this.key(name)}`;
  }

  private async get(name: string): Promise<{ text: string; etag: string } | undefined> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.loc.bucket, Key: this.key(name) }));
      return { text: (await res.Body?.transformToString()) ?? "", etag: res.ETag ?? "" };
    } catch (err) {
      if (notFound(err)) return undefined;
      throw err;
    }
  }

  private async put(name: string, body: string, condition: { ifMatch: string } | { ifNoneMatch: "*" }): Promise<string> {
    const res = await this.client.send(
      new PutObjectCommand({
        Bucket: this.loc.bucket,
        Key: this.key(name),
        Body: body,
        ContentType: "application/json",
        ...("ifMatch" in condition ? { IfMatch: condition.ifMatch } : { IfNoneMatch: "*" }),
      }),
    );
    return res.ETag ?? "";
  }

  // -------------------------------------------------------------------------------------------
  // Journal

  /** After the appends already queued, so that the journal read is never older than this run's own writes. */
  async history(): Promise<JournalEvent[]> {
    await this.appends;
    return this.read();
  }

  private async read(): Promise<JournalEvent[]> {
    const got = await this.get("journal.jsonl");
    this.journal = got ?? { text: "", etag: null };
    return parseLines(this.journal.text, this.where("journal.jsonl"));
  }

  async lastRun(): Promise<JournalEvent[]> {
    return lastRunOf(await this.history());
  }

  /** Appends one after another: the executor journals concurrent steps, and each write is over the last ETag. */
  append(event: JournalEvent): Promise<void> {
    const next = this.appends.then(() => this.appendNow(event));
    this.appends = next.catch(() => undefined);
    return next;
  }

  private async appendNow(event: JournalEvent): Promise<void> {
    if (this.lost)
      throw new Error(
        `this run lost the lock ${this.where("lock.json")} to ${this.lost}; it stops writing the journal. Check \`npm run status\` before anything else.`,
      );
    if (!this.journal) await this.read();
    const current = this.journal!;
    const text = current.text + toLine(event);
    try {
      const etag = await this.put("journal.jsonl", text, current.etag === null ? { ifNoneMatch: "*" } : { ifMatch: current.etag });
      this.journal = { text, etag };
    } catch (err) {
      if (!preconditionFailed(err)) throw err;
      throw new Error(
        `the journal ${this.where("journal.jsonl")} changed under this run (another writer appended to it); nothing was overwritten. Stop and check \`npm run status\`.`,
      );
    }
  }

  // -------------------------------------------------------------------------------------------
  // Lock

  private body(runId: string, since: string): { holder: LockHolder; text: string } {
    const holder: LockHolder = { runId, pid: this.pid, host: this.host, since, expiresAt: new Date(this.now() + this.leaseMs).toISOString() };
    return { holder, text: JSON.stringify(holder) };
  }

  async lock(runId: string, opts: { takeOver: boolean }): Promise<void> {
    const since = new Date(this.now()).toISOString();
    const mine = this.body(runId, since);
    let etag: string;
    try {
      etag = await this.put("lock.json", mine.text, { ifNoneMatch: "*" });
    } catch (err) {
      if (!preconditionFailed(err)) throw err;
      const current = await this.get("lock.json");
      if (!current) return this.lock(runId, opts); // released meanwhile: try again
      let holder: LockHolder;
      try {
        holder = JSON.parse(current.text) as LockHolder;
      } catch {
        holder = { runId: "unknown", pid: -1, host: "unknown", since: "unknown" };
      }
      const liveness = holderLiveness(holder, this.host, this.now());
      if (liveness === "alive") throw new LockHeldError(holder, this.where("lock.json"), false, true, holder.host === this.host);
      if (!opts.takeOver) throw new LockHeldError(holder, this.where("lock.json"), liveness === "gone");
      try {
        // Over exactly the version read: if its holder renewed meanwhile, it is alive after all.
        etag = await this.put("lock.json", this.body(runId, since).text, { ifMatch: current.etag });
      } catch (takeErr) {
        if (!preconditionFailed(takeErr)) throw takeErr;
        throw new LockHeldError(holder, this.where("lock.json"), false, true, false);
      }
    }
    this.held = { runId, since, etag };
    this.lost = undefined;
    this.stopRenewal?.();
    this.stopRenewal = this.renewal(() => {
      this.inFlight = this.inFlight.then(() => this.renew()).catch(() => undefined);
    });
  }

  /** Moves the lease forward over the version this run wrote; another version means it was taken over. */
  private async renew(): Promise<void> {
    const held = this.held;
    if (!held) return;
    try {
      held.etag = await this.put("lock.json", this.body(held.runId, held.since).text, { ifMatch: held.etag });
    } catch (err) {
      if (!preconditionFailed(err)) return; // a transient failure: the next renewal tries again within the lease
      const now = await this.get("lock.json").catch(() => undefined);
      this.lost = now ? errorMessage(JSON.parse(now.text)?.runId ?? "another run") : "nobody (it was removed)";
      this.held = undefined;
      this.stopRenewal?.();
    }
  }

  /** Resolves once no renewal is in flight. */
  async settled(): Promise<void> {
    await this.inFlight;
  }

  async unlock(runId: string): Promise<void> {
    await this.abandon();
    await this.settled();
    const held = this.held;
    if (!held || held.runId !== runId) return;
    this.held = undefined;
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.loc.bucket, Key: this.key("lock.json"), IfMatch: held.etag }));
    } catch (err) {
      if (!preconditionFailed(err) && !notFound(err)) throw err; // not ours any more, or gone: nothing to release
    }
  }

  async abandon(): Promise<void> {
    this.stopRenewal?.();
    this.stopRenewal = undefined;
  }
}
