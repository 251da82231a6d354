/** The run journal on disk and in memory: durable lines, last run, torn lines, the run lock. */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { failover, type RunResult } from "../../automation/driver";
import { lastRunOf } from "../../automation/journal/events";
import { DEFAULT_JOURNAL_PATH, FileJournal } from "../../automation/journal/file-journal";
import { LockHeldError } from "../../automation/journal/lock";
import { MemoryJournal, MemoryJournalStore } from "../../automation/journal/memory-journal";
import type { JournalEvent } from "../../automation/ports";
import { driverDeps, simWiring } from "../../automation/wiring";
import { PROJECT_DIR, simulate } from "./helpers";
import { tempDir } from "../harness/temp-dir";

const start = (runId: string, at: number, command = "failover"): JournalEvent => ({
  kind: "run-start",
  runId,
  at,
  command,
  args: { to: "dr", mode: "planned" },
  pid: 1,
  host: "h",
});

describe("journal", () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir("journal");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("defaults to .eks-dr/journal.jsonl, which git ignores", () => {
    expect(DEFAULT_JOURNAL_PATH).to.equal(path.join(".eks-dr", "journal.jsonl"));
    expect(fs.readFileSync(path.join(PROJECT_DIR, ".gitignore"), "utf8")).to.match(/^\.eks-dr\/$/m);
  });

  it("appends one JSON line per event, on disk as soon as append returns, and reads back the last run", async () => {
    const j = new FileJournal(path.join(dir, "sub", "journal.jsonl"));
    await j.append(start("r1", 1));
    await j.append({ kind: "run-end", runId: "r1", at: 2, outcome: "succeeded" });
    await j.append(start("r2", 3));
    expect(fs.readFileSync(j.path, "utf8").trim().split("\n")).to.have.length(3);
    await j.append({ kind: "step-start", runId: "r2", at: 4, step: "a" });
    // A resumed run appends another run-start with the same id: the last run spans both.
    await j.append(start("r2", 5));
    await j.append({ kind: "step-end", runId: "r2", at: 6, step: "a", outcome: "done" });
    const last = await new FileJournal(j.path).lastRun();
    expect(last.map((e) => e.kind)).to.deep.equal(["run-start", "step-start", "run-start", "step-end"]);
    expect(last.every((e) => e.runId === "r2")).to.equal(true);
  });

  it("ignores a torn last line (crash mid-write) and starts the next event on a fresh line", async () => {
    const file = path.join(dir, "j.jsonl");
    fs.writeFileSync(file, JSON.stringify(start("r1", 1)) + "\n" + '{"kind":"step-st');
    const j = new FileJournal(file);
    expect((await j.lastRun()).map((e) => e.kind)).to.deep.equal(["run-start"]);
    await j.append({ kind: "step-start", runId: "r1", at: 2, step: "a" });
    expect((await new FileJournal(file).lastRun()).map((e) => e.kind)).to.deep.equal(["run-start", "step-start"]);
  });

  it("refuses a damaged line in the middle, naming the file", async () => {
    const file = path.join(dir, "j.jsonl");
    fs.writeFileSync(file, "not json\n" + JSON.stringify(start("r1", 1)) + "\n");
    let err: Error | undefined;
    await new FileJournal(file).lastRun().catch((e: Error) => (err = e));
    expect(err?.message).to.include(file).and.include("line 1");
  });

  it("lock: a second run is refused naming the holder; once the holder is gone, take-over replaces it", async () => {
    const file = path.join(dir, "j.jsonl");
    // The holder runs on this host under a pid no process can have: it crashed.
    const a = new FileJournal(file, { host: os.hostname(), pid: 2 ** 22 + 99 });
    const b = new FileJournal(file, { host: os.hostname(), pid: process.pid });
    await a.lock("run-a", { takeOver: false });
    let err: unknown;
    await b.lock("run-b", { takeOver: false }).catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(LockHeldError);
    const msg = (err as Error).message;
    expect(msg)
      .to.include("run-a")
      .and.include(`pid ${2 ** 22 + 99}`)
      .and.include(os.hostname())
      .and.include("--take-over");
    expect((err as LockHeldError).looksStale).to.equal(true);
    await b.lock("run-b", { takeOver: true });
    expect(a.holder()?.runId).to.equal("run-b");
    await a.unlock("run-a"); // not the holder any more: no effect
    expect(fs.existsSync(a.lockPath)).to.equal(true);
    await b.unlock("run-b");
    expect(fs.existsSync(a.lockPath)).to.equal(false);
  });

  it("lock: says a lock looks stale when its process is gone", async () => {
    const file = path.join(dir, "j.jsonl");
    fs.writeFileSync(`${file}.lock`, JSON.stringify({ runId: "old", pid: 2 ** 22 + 12345, host: os.hostname(), since: "2025-01-01T00:00:00Z" }));
    let err: LockHeldError | undefined;
    await new FileJournal(file).lock("new", { takeOver: false }).catch((e: LockHeldError) => (err = e));
    expect(err?.looksStale).to.equal(true);
    expect(err?.message)
      .to.match(/not running any more/)
      .and.match(/--take-over/);
  });

  it("memory journals on one store share events and lock", async () => {
    const store = new MemoryJournalStore();
    const a = new MemoryJournal(store);
    const b = new MemoryJournal(store);
    await a.append(start("r1", 1));
    expect(await b.lastRun()).to.have.length(1);
    await a.lock("x", { takeOver: false });
    let err: unknown;
    await b.lock("y", { takeOver: false }).catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(LockHeldError);
    expect(lastRunOf([])).to.deep.equal([]);
  });

  it("with the driver: a crash leaves the file lock and an unfinished run; the same command resumes it with --take-over", async () => {
    const file = path.join(dir, "journal.jsonl");
    // The first driver process records a pid that no longer runs once it has crashed.
    const t = await simulate({ seed: 81, journal: new FileJournal(file, { pid: 2 ** 22 + 81 }) });
    t.sim.faults.crashAfterStep("switchover-db");
    const crash = await failover(t.deps, { to: "dr", mode: "planned" }).catch((e: Error) => e);
    expect((crash as Error).name).to.equal("SimulatedCrash");
    expect(fs.existsSync(`${file}.lock`)).to.equal(true);
    t.sim.restart();
    const next = driverDeps(simWiring(t.sim, { journal: new FileJournal(file), stackNames: ["primary", "dr"], seed: 81 }));
    const refused = await failover(next, { to: "dr", mode: "planned" }).catch((e: Error) => e);
    expect((refused as Error).message).to.match(/holds the lock/);
    const r = (await failover(next, { to: "dr", mode: "planned" }, { takeOver: true })) as RunResult;
    expect(r.report.outcome).to.equal("succeeded");
    expect(fs.existsSync(`${file}.lock`)).to.equal(false);
    const events = fs
      .readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as JournalEvent);
    expect(events.filter((e) => e.kind === "run-start")).to.have.length(2);
    expect(new Set(events.map((e) => e.runId)).size).to.equal(1);
    expect(events.filter((e) => e.kind === "run-end")).to.have.length(1);
    // Each step ended once as done/skipped across both attempts.
    const ends = events.filter((e) => e.kind === "step-end" && e.outcome !== "failed").map((e) => (e as { step: string }).step);
    expect(ends.length).to.equal(new Set(ends).size);
  });
});
