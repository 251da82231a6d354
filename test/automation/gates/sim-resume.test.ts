/**
 * Rehearsing a crash and its resume through the CLI on the simulated Regions, as one would for
 * real: each command is a new driver process, so the simulated world (its Regions, the stacks'
 * config and state, the virtual clock) is saved beside the journal and picked up by the next one.
 */
import { expect } from "chai";
import { cli, DEAD_PID, scratch } from "./harness";

describe("gates: crash and resume through the CLI with --sim", () => {
  const s = scratch();
  after(() => s.cleanup());

  it("a crashed planned failover resumes in a new process on the same world, each side effect once; failback follows", async function () {
    this.timeout(60_000);
    const journal = s.file("rehearsal/journal.jsonl");
    const base = ["--sim", "--yes", "--journal", journal];
    // Process 1 dies right after the switchover (its pid is gone afterwards).
    const first = await cli(["failover", "--to", "dr", "--mode", "planned", ...base, "--sim-crash-after", "switchover-db", "--json"], { pid: DEAD_PID });
    expect(first.code).to.equal(1);
    expect(first.err)
      .to.match(/crash/i)
      .and.match(/--take-over/)
      .and.include(`--journal ${journal}`);
    expect(first.wired[0].sim!.world.writer()).to.equal("dr");

    // Process 2: the same command resumes it on the saved world.
    const second = await cli(["failover", "--to", "dr", "--mode", "planned", ...base, "--take-over", "--json"]);
    expect(second.code, second.err).to.equal(0);
    const report = JSON.parse(second.out);
    expect(report.attempts).to.equal(2);
    expect(report.steps.find((x: { id: string }) => x.id === "switchover-db").outcome).to.match(/earlier attempt/);
    const world = second.wired[0].sim!.world;
    expect(world.writer()).to.equal("dr");
    // The switchover happened once, in process 1; process 2 saw it in the saved world.
    expect(world.sideEffects("SwitchoverGlobalCluster")).to.have.length(1);
    expect(world.site("dr").serving).to.equal(true);
    // Its virtual clock went on from where process 1 stopped.
    expect(Date.parse(report.startedAt)).to.be.below(second.wired[0].clock.now() - 10 * 60_000);

    // Process 3: status and failback on the failed-over world.
    const status = await cli(["status", "--sim", "--journal", journal, "--json"]);
    expect(JSON.parse(status.out).readiness.active).to.equal("dr");
    const back = await cli(["failback", ...base]);
    expect(back.code, back.err).to.equal(0);
    expect(back.wired[0].sim!.world.writer()).to.equal("primary");
  });

  it("after an unplanned failover in one process, failback in the next finds the source Region impaired and recovers it (its premise)", async function () {
    this.timeout(60_000);
    const journal = s.file("unplanned/journal.jsonl");
    const first = await cli(["failover", "--to", "dr", "--mode", "unplanned", "--sim", "--yes", "--journal", journal]);
    expect(first.code, first.err).to.equal(0);
    const back = await cli(["failback", "--sim", "--yes", "--journal", journal]);
    expect(back.code, back.err).to.equal(0);
    expect(back.out + back.err).to.match(/primary's Region has recovered/);
    expect(back.wired[0].sim!.world.writer()).to.equal("primary");
  });

  it("refuses to resume a run whose simulated world was not saved (a journal from elsewhere)", async () => {
    const journal = s.file(
      "orphan.jsonl",
      JSON.stringify({ kind: "run-start", runId: "r1", at: 1, command: "failover", args: { to: "dr", mode: "planned" }, pid: 1, host: "h" }) + "\n",
    );
    const r = await cli(["failover", "--to", "dr", "--mode", "planned", "--sim", "--yes", "--journal", journal]);
    expect(r.code).to.equal(2);
    expect(r.err)
      .to.match(/no simulated world/)
      .and.include(journal);
    expect(r.wired).to.have.length(0);
  });

  it("refuses a --seed or --latency-file other than the saved simulation's, naming the flag", async function () {
    this.timeout(30_000);
    const journal = s.file("seeded/journal.jsonl");
    expect((await cli(["deploy", "--sim", "--yes", "--journal", journal, "--seed", "3"])).code).to.equal(0);
    const r = await cli(["status", "--sim", "--journal", journal, "--seed", "4"]);
    expect(r.code).to.equal(2);
    expect(r.err)
      .to.match(/--seed 4/)
      .and.match(/seed 3/);
    expect((await cli(["status", "--sim", "--journal", journal])).code).to.equal(0);
  });

  it("a real run refuses a journal written by simulated runs", async () => {
    const journal = s.file("seeded/journal.jsonl");
    const r = await cli(["failover", "--to", "dr", "--mode", "planned", "--yes", "--journal", journal]);
    expect(r.code).to.equal(2);
    expect(r.err)
      .to.match(/simulated/)
      .and.match(/--journal/);
  });

  it("--sim-crash-after applies to the simulated Regions only", async () => {
    const r = await cli(["failover", "--to", "dr", "--mode", "planned", "--yes", "--sim-crash-after", "quiesce-source"]);
    expect(r.code).to.equal(2);
    expect(r.err)
      .to.match(/--sim-crash-after/)
      .and.match(/--sim/);
  });
});
