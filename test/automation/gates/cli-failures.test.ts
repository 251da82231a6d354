/**
 * Clear failures at the command line: damaged journals, bad --journal and --incident-at values,
 * dry runs that would refuse, a cancelled prompt, refusals that say nothing about what they did not
 * do, and hints that repeat the flags needed. Each is refused with exit 2 before anything changes.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import { cli, scratch } from "./harness";

const finishedRun = (runId: string) =>
  [
    { kind: "run-start", runId, at: 1, command: "deploy", args: {}, pid: 1, host: "h" },
    { kind: "run-end", runId, at: 2, outcome: "succeeded" },
  ]
    .map((e) => JSON.stringify(e) + "\n")
    .join("");

describe("gates: clear failures at the command line", () => {
  const s = scratch();
  after(() => s.cleanup());

  describe("a damaged journal is refused when opened, before anything runs", () => {
    const cases: [string, string, RegExp][] = [
      ["a junk line after a finished run", finishedRun("r1") + "junk\n", /line 3 is not valid JSON/],
      ["a null line", finishedRun("r1") + "null\n", /line 3 is not a journal event/],
      ["an event of no known kind", finishedRun("r1") + '{"kind":"mystery","runId":"r1","at":3}\n', /line 3 is not a journal event/],
      ["a step-end without its step", JSON.stringify({ kind: "step-end", runId: "r1", at: 3, outcome: "done" }) + "\n", /line 1 is not a journal event.*step/s],
    ];
    for (const [name, text, pattern] of cases) {
      it(name, async () => {
        const journal = s.file(`damaged-${name.replace(/\W+/g, "-")}.jsonl`, text);
        const r = await cli(["failover", "--to", "dr", "--mode", "planned", "--sim", "--yes", "--journal", journal]);
        expect(r.code).to.equal(2);
        expect(r.err).to.match(pattern).and.include(journal);
        expect(r.err)
          .to.match(/move it aside/i)
          .and.match(/--journal/);
        expect(r.err).to.not.match(/Cannot read properties/);
        for (const w of r.wired) expect(w.sim!.world.sideEffects()).to.deep.equal([]);
        // Nothing was appended to the damaged file.
        expect(fs.readFileSync(journal, "utf8")).to.equal(text);
      });
    }

    it("status says the same instead of failing later", async () => {
      const journal = s.file("damaged-status.jsonl", finishedRun("r1") + "null\n");
      const r = await cli(["status", "--sim", "--journal", journal]);
      expect(r.code).to.equal(2);
      expect(r.err).to.match(/line 3 is not a journal event/);
    });
  });

  describe("--journal must name a file", () => {
    it("a directory is refused naming the flag", async () => {
      const r = await cli(["failover", "--to", "dr", "--mode", "planned", "--sim", "--yes", "--journal", s.dir]);
      expect(r.code).to.equal(2);
      expect(r.err)
        .to.match(/option '--journal <path>'/)
        .and.match(/is a directory/);
      expect(r.wired).to.have.length(0);
    });

    it("an empty path is refused naming the flag", async () => {
      const r = await cli(["failover", "--to", "dr", "--mode", "planned", "--sim", "--yes", "--journal", ""]);
      expect(r.code).to.equal(2);
      expect(r.err)
        .to.match(/option '--journal <path>'/)
        .and.match(/empty/);
    });
  });

  describe("--incident-at must be a real, plausible time", () => {
    for (const value of ["2024-02-30T00:00:00Z", "2024-13-01T00:00:00Z", "2024-02-10T25:00:00Z", "0099-01-01T00:00:00Z", "1970-01-01T00:00:00Z"]) {
      it(value, async () => {
        const r = await cli(["failover", "--to", "dr", "--mode", "unplanned", "--sim", "--yes", "--incident-at", value]);
        expect(r.code).to.equal(2);
        expect(r.err).to.match(/option '--incident-at <time>'/);
        for (const w of r.wired) expect(w.sim!.world.sideEffects()).to.deep.equal([]);
      });
    }

    it("a recent valid time is accepted", async () => {
      const r = await cli(["failover", "--to", "dr", "--mode", "unplanned", "--sim", "--dry-run", "--incident-at", "2024-12-31T23:50:00Z"]);
      expect(r.code, r.err).to.equal(0);
    });
  });

  it("a dry run that would refuse exits with the refusal's code", async () => {
    const r = await cli(["failover", "--to", "primary", "--mode", "planned", "--sim", "--dry-run"]);
    expect(r.code).to.equal(2);
    expect(r.out).to.match(/DRY RUN/);
    expect(r.out + r.err).to.match(/WOULD REFUSE: primary is already the active site/);
  });

  for (const [name, error] of [
    ["Ctrl-C", Object.assign(new Error("The operation was aborted"), { name: "AbortError" })],
    ["Ctrl-D", new Error("readline was closed")],
  ] as const) {
    it(`${name} at the confirmation prompt exits 2 like "no", changing nothing`, async () => {
      const r = await cli(["failover", "--to", "dr", "--mode", "planned", "--sim"], { tty: true, answer: error });
      expect(r.code).to.equal(2);
      expect(r.asked).to.have.length(1);
      expect(r.err).to.match(/Cancelled at the confirmation prompt; nothing was changed/);
      expect(r.wired[0].sim!.world.sideEffects()).to.deep.equal([]);
    });
  }

  it("a refused unplanned run says nothing about an impairment it did not apply", async () => {
    const r = await cli(["failover", "--to", "primary", "--mode", "unplanned", "--sim", "--yes"]);
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/primary is already the active site/);
    expect(r.out + r.err).to.not.match(/impaired/);
    const w = r.wired[0];
    expect(w.sim!.world.isImpaired("us-west-2")).to.equal(false);
  });

  it('the "finish it first" hint repeats --journal and --sim', async () => {
    const journal = s.file("unfinished.jsonl");
    const first = await cli(["failover", "--to", "dr", "--mode", "planned", "--sim", "--yes", "--journal", journal], {
      beforeRun: (w) => w.sim!.faults.timeout("switchoverGlobalCluster", 100),
    });
    expect(first.code).to.equal(1);
    const other = await cli(["failback", "--sim", "--yes", "--journal", journal]);
    expect(other.code).to.equal(2);
    expect(other.err).to.match(/Finish it first by running `npm run failover -- --to dr --mode planned --journal \S+ --sim`/);
  });
});
