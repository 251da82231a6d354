/**
 * --take-over never steals the lock from a live run. The holder is alive when, on this host, its
 * process is running; on another host, while its lease (renewed by the living run) has not expired.
 * Either way the refusal names the holder.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { failover } from "../../../automation/driver";
import { RefusedError } from "../../../automation/errors";
import { FileJournal } from "../../../automation/journal/file-journal";
import { LockHeldError } from "../../../automation/journal/lock";
import { simulate } from "../helpers";
import { cli, DEAD_PID, scratch } from "./harness";

const lockOf = (journal: string, holder: Record<string, unknown>) => fs.writeFileSync(`${journal}.lock`, JSON.stringify(holder));

async function lockError(p: Promise<unknown>): Promise<LockHeldError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "expected the lock to be refused").to.be.instanceOf(LockHeldError);
  return err as LockHeldError;
}

describe("gates: --take-over never steals a live run's lock", () => {
  const s = scratch();
  after(() => s.cleanup());

  it("through the CLI: a live holder on this host is not taken over (exit 2, holder named), and nothing runs", async () => {
    const journal = s.file("live.jsonl");
    lockOf(journal, { runId: "failover-live", pid: process.pid, host: os.hostname(), since: "2025-01-01T00:00:00.000Z" });
    const r = await cli(["failover", "--to", "dr", "--mode", "planned", "--sim", "--yes", "--journal", journal, "--take-over"]);
    expect(r.code).to.equal(2);
    expect(r.err)
      .to.match(/failover-live/)
      .and.include(`pid ${process.pid}`)
      .and.include(os.hostname());
    expect(r.err).to.match(/still running/);
    expect(r.wired[0].sim!.world.sideEffects()).to.deep.equal([]);
    expect(JSON.parse(fs.readFileSync(`${journal}.lock`, "utf8")).runId).to.equal("failover-live");
  });

  it("a holder on this host whose process is gone is taken over", async () => {
    const journal = s.file("dead.jsonl");
    lockOf(journal, { runId: "crashed", pid: DEAD_PID, host: os.hostname(), since: "2025-01-01T00:00:00.000Z" });
    const j = new FileJournal(journal, { pid: process.pid });
    const refused = await lockError(j.lock("new", { takeOver: false }));
    expect(refused.message)
      .to.match(/not running any more/)
      .and.match(/--take-over/);
    await j.lock("new", { takeOver: true });
    expect(j.holder()?.runId).to.equal("new");
    await j.unlock("new");
  });

  it("a holder on another host is alive while its lease runs, and can be taken over once it expired", async () => {
    const journal = s.file("remote.jsonl");
    let now = Date.parse("2025-01-01T00:00:00Z");
    const remote = new FileJournal(journal, { host: "ops-laptop-2", pid: 4242, now: () => now, leaseMs: 60_000, renewal: () => () => undefined });
    await remote.lock("remote-run", { takeOver: false });
    const local = new FileJournal(journal, { host: "ops-laptop-1", pid: process.pid, now: () => now });
    now += 30_000;
    const err = await lockError(local.lock("mine", { takeOver: true }));
    expect(err.message)
      .to.match(/remote-run/)
      .and.match(/ops-laptop-2/)
      .and.match(/lease/)
      .and.include("2025-01-01T00:01:00.000Z");
    now += 31_000;
    await local.lock("mine", { takeOver: true });
    expect(local.holder()).to.include({ runId: "mine", host: "ops-laptop-1" });
  });

  it("a living run renews its lease, so another host cannot take over while it lives", async () => {
    const journal = s.file("renewed.jsonl");
    let now = Date.parse("2025-01-01T00:00:00Z");
    let tick: () => void = () => undefined;
    let stopped = false;
    const remote = new FileJournal(journal, {
      host: "ops-laptop-2",
      pid: 4242,
      now: () => now,
      leaseMs: 60_000,
      renewal: (fn) => {
        tick = fn;
        return () => (stopped = true);
      },
    });
    await remote.lock("remote-run", { takeOver: false });
    const local = new FileJournal(journal, { host: "ops-laptop-1", now: () => now });
    for (let i = 0; i < 5; i++) {
      now += 40_000;
      tick(); // the renewal timer of the living run
    }
    // 200 s after it took the lock, the lease still runs: 60 s from its last renewal.
    expect(Date.parse(remote.holder()!.expiresAt!)).to.equal(now + 60_000);
    await lockError(local.lock("mine", { takeOver: true }));
    await remote.unlock("remote-run");
    expect(stopped).to.equal(true);
  });

  it("in the simulation: a concurrent run of the same (live) driver process is not taken over", async () => {
    const t = await simulate({ seed: 91 });
    const first = failover(t.deps, { to: "dr", mode: "planned" });
    const second = await failover(t.deps, { to: "dr", mode: "planned" }, { takeOver: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(second).to.be.instanceOf(RefusedError);
    expect((second as Error).message).to.match(/still running/);
    await first;
  });

  it("the journal's lock records host, pid and lease expiry", async () => {
    const journal = path.join(s.dir, "fields.jsonl");
    const now = Date.parse("2025-01-01T00:00:00Z");
    const j = new FileJournal(journal, { host: "h1", pid: 77, now: () => now, leaseMs: 90_000, renewal: () => () => undefined });
    await j.lock("r", { takeOver: false });
    expect(JSON.parse(fs.readFileSync(`${journal}.lock`, "utf8"))).to.deep.equal({
      runId: "r",
      pid: 77,
      host: "h1",
      since: "2025-01-01T00:00:00.000Z",
      expiresAt: "2025-01-01T00:01:30.000Z",
    });
    await j.unlock("r");
  });
});
