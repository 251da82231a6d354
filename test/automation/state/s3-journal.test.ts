/**
 * The run lock and journal in an S3 bucket, shared by operators on different machines: the lock is
 * created with If-None-Match "*" (one winner), renewed and released with If-Match on its ETag, taken
 * over only once its lease expired; every journal append is a conditional write on the journal's
 * ETag, so a run that lost its lock cannot write over another's events.
 */
import { expect } from "chai";
import { LockHeldError } from "../../../automation/journal/lock";
import { JournalDamagedError } from "../../../automation/journal/events";
import type { JournalEvent } from "../../../automation/ports";
import { S3Client } from "@aws-sdk/client-s3";
import { S3Journal, parseStateUrl } from "../../../automation/state/s3-journal";
import { failover, type RunResult } from "../../../automation/driver";
import { driverDeps, simWiring, wire } from "../../../automation/wiring";
import { PROJECT_DIR, simulate } from "../helpers";
import { cli } from "../gates/harness";
import { FakeBucket } from "./fake-bucket";

const start = (runId: string, at: number): JournalEvent => ({
  kind: "run-start",
  runId,
  at,
  command: "failover",
  args: { to: "dr", mode: "planned" },
  pid: 1,
  host: "h",
});

describe("state: lock and journal in S3 with conditional writes", () => {
  let bucket: FakeBucket;
  let now: number;
  const client = () => new S3Client({ region: "eu-central-1" });
  const location = () => parseStateUrl("s3://ops-state/eks-dr/prod?region=eu-central-1");
  const journal = (host: string, pid = 100, renewal?: (renew: () => void) => () => void) =>
    new S3Journal({ client: client(), location: location(), host, pid, now: () => now, leaseMs: 60_000, renewal: renewal ?? (() => () => undefined) });

  beforeEach(() => {
    bucket = new FakeBucket("ops-state");
    now = Date.parse("2025-01-01T00:00:00Z");
  });
  afterEach(() => bucket.restore());

  it("parses s3://bucket/prefix?region= and refuses anything else, saying what to give", () => {
    expect(parseStateUrl("s3://ops-state/eks-dr/prod?region=eu-central-1")).to.include({ bucket: "ops-state", prefix: "eks-dr/prod/", region: "eu-central-1" });
    expect(parseStateUrl("s3://ops-state")).to.include({ bucket: "ops-state", prefix: "" });
    for (const bad of ["ops-state", "file:///tmp/x", "s3:///prefix", "s3://Bad_Bucket/x"]) expect(() => parseStateUrl(bad), bad).to.throw(/s3:\/\/<bucket>/);
  });

  it("one operator gets the lock; the other, on another machine, is refused naming the holder", async () => {
    const a = journal("ops-laptop-a");
    const b = journal("ops-laptop-b");
    await a.lock("run-a", { takeOver: false });
    const err = await b.lock("run-b", { takeOver: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(LockHeldError);
    expect((err as Error).message)
      .to.match(/run-a/)
      .and.match(/ops-laptop-a/)
      .and.match(/lease until 2025-01-01T00:01:00.000Z/);
    // The create carried If-None-Match "*": S3 itself picked the winner.
    expect(bucket.writes.filter((w) => w.key === "eks-dr/prod/lock.json").map((w) => `${w.ifNoneMatch ?? w.ifMatch}:${w.outcome}`)).to.deep.equal([
      "*:ok",
      "*:412",
    ]);
  });

  it("a lease renewed by the living run keeps others out; once it lapses, --take-over succeeds", async () => {
    let tick: () => void = () => undefined;
    const a = journal("ops-laptop-a", 100, (renew) => {
      tick = renew;
      return () => undefined;
    });
    await a.lock("run-a", { takeOver: false });
    const b = journal("ops-laptop-b");
    for (let i = 0; i < 4; i++) {
      now += 45_000;
      tick();
      await a.settled();
    }
    const still = await b.lock("run-b", { takeOver: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(still).to.be.instanceOf(LockHeldError);
    // a dies: no more renewals. 61 s later its lease has expired.
    now += 61_000;
    await b.lock("run-b", { takeOver: true });
    const renewals = bucket.writes.filter((w) => w.key === "eks-dr/prod/lock.json" && w.op === "put" && w.ifMatch !== undefined);
    expect(renewals.length).to.be.at.least(5);
    // The take-over was conditional on the ETag it read: had a renewed meanwhile, it would have failed.
    expect(renewals[renewals.length - 1]).to.include({ outcome: "ok" });
    // a's next renewal finds another holder and stops, and a can no longer write the journal.
    tick();
    await a.settled();
    const write = await a.append(start("run-a", 1)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((write as Error).message).to.match(/lost the lock/);
  });

  it("appends are conditional on the journal's ETag, and the journal reads back validated", async () => {
    const a = journal("ops-laptop-a");
    await a.lock("r1", { takeOver: false });
    await a.append(start("r1", 1));
    await a.append({ kind: "step-start", runId: "r1", at: 2, step: "x" });
    const puts = bucket.writes.filter((w) => w.key === "eks-dr/prod/journal.jsonl");
    expect(puts.map((w) => (w.ifNoneMatch ? "create" : w.ifMatch ? "if-match" : "blind"))).to.deep.equal(["create", "if-match"]);
    // Another machine reads the same history.
    expect((await journal("ops-laptop-b").lastRun()).map((e) => e.kind)).to.deep.equal(["run-start", "step-start"]);
    // Someone edits the journal behind the run's back: the next append fails instead of overwriting.
    bucket.objects.set("eks-dr/prod/journal.jsonl", { body: bucket.objects.get("eks-dr/prod/journal.jsonl")!.body + "junk\n", etag: '"edited"' });
    const err = await a.append({ kind: "step-end", runId: "r1", at: 3, step: "x", outcome: "done" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as Error).message).to.match(/changed under this run/);
    const damaged = await journal("ops-laptop-b")
      .lastRun()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(damaged).to.be.instanceOf(JournalDamagedError);
    expect((damaged as Error).message)
      .to.include("s3://ops-state/eks-dr/prod/journal.jsonl")
      .and.match(/line 3/);
  });

  it("the driver runs on it: a second operator on another machine is refused while a failover runs, and finds it journaled afterwards", async () => {
    const t = await simulate({ seed: 21, journal: journal("ops-laptop-a") });
    const other = driverDeps(simWiring(t.sim, { journal: journal("ops-laptop-b"), stackNames: ["primary", "dr"] }));
    const first = failover(t.deps, { to: "dr", mode: "planned" });
    const refused = await failover(other, { to: "dr", mode: "planned" }, { takeOver: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((refused as Error).message)
      .to.match(/ops-laptop-a/)
      .and.match(/lease until/);
    const r = (await first) as RunResult;
    expect(r.report.outcome, r.report.error).to.equal("succeeded");
    const seen = await journal("ops-laptop-b").lastRun();
    expect(seen.find((e) => e.kind === "run-end")).to.include({ outcome: "succeeded" });
    expect(bucket.objects.has("eks-dr/prod/lock.json")).to.equal(false);
  });

  it("unlock deletes the lock only if it is still ours (If-Match)", async () => {
    const a = journal("ops-laptop-a");
    await a.lock("r1", { takeOver: false });
    await a.unlock("r1");
    expect(bucket.objects.has("eks-dr/prod/lock.json")).to.equal(false);
    expect(bucket.writes.find((w) => w.op === "delete")!.ifMatch).to.match(/^"etag-/);
  });
});

describe("state: --state at the command line", () => {
  it("builds the S3 journal for the real Regions, repeated in resume commands", async () => {
    const w = await wire({ projectDir: PROJECT_DIR, state: "s3://ops-state/eks-dr?region=eu-central-1" });
    expect(w.journal).to.be.instanceOf(S3Journal);
    expect(w.journalLabel).to.equal("s3://ops-state/eks-dr");
    expect(w.resumeFlags).to.deep.equal(["--state s3://ops-state/eks-dr?region=eu-central-1"]);
  });

  for (const [argv, pattern] of [
    [["failover", "--to", "dr", "--mode", "planned", "--yes", "--state", "ops-state"], /option '--state <url>': "ops-state" is not a URL/],
    [["failover", "--to", "dr", "--mode", "planned", "--yes", "--sim", "--state", "s3://ops-state/x"], /'--state <url>' applies to the real Regions/],
    [["failover", "--to", "dr", "--mode", "planned", "--yes", "--journal", "/tmp/j.jsonl", "--state", "s3://ops-state/x"], /give one/],
  ] as [string[], RegExp][]) {
    it(`${argv.slice(5).join(" ")}: refused naming the flag (exit 2)`, async () => {
      const r = await cli(argv);
      expect(r.code).to.equal(2);
      expect(r.err).to.match(pattern);
    });
  }
});
