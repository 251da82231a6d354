/**
 * Ctrl-C during a run: no step is cut in the middle and no new one starts; the journal stays
 * resumable (no run end, lock released) and the message gives the exact command that resumes.
 */
import * as path from "node:path";
import { expect } from "chai";
import { runCli } from "../../../automation/cli";
import { FileJournal } from "../../../automation/journal/file-journal";
import { harness, text } from "./harness";
import { tempDir } from "../../harness/temp-dir";

describe("cli: Ctrl-C stops at the next step boundary", () => {
  it("a planned failover interrupted after its first step stops there, and the printed command resumes it to the end", async function () {
    this.timeout(30_000);
    const journal = path.join(tempDir("sigint"), "journal.jsonl");
    let interrupt: (() => void) | undefined;
    let interruptedAfter: string | undefined;
    const h = harness({
      beforeRun: (w) => {
        const original = w.onStepBoundary;
        w.onStepBoundary = async (i, id) => {
          if (interruptedAfter === undefined) {
            interruptedAfter = id;
            interrupt!();
          }
          await original?.(i, id);
        };
      },
    });
    h.env.onInterrupt = (handler) => {
      interrupt = handler;
      return () => (interrupt = undefined);
    };
    const code = await runCli(["failover", "--to", "dr", "--mode", "planned", "--sim", "--yes", "--journal", journal], h.env);
    expect(code).to.equal(1);
    const err = text(h.err);
    const resume = /Resume with: `(npm run failover -- [^`]+)`/.exec(err)?.[1];
    expect(resume).to.equal(`npm run failover -- --to dr --mode planned --journal ${journal} --sim`);
    expect(err)
      .to.match(/Ctrl-C: stopping once the steps running now have finished/)
      .and.match(/Stopped at a step boundary/);
    expect(interrupt, "the handler is removed when the run ends").to.equal(undefined);

    const events = await new FileJournal(journal).lastRun();
    expect(
      events.some((e) => e.kind === "run-end"),
      "no run end: the run is resumable",
    ).to.equal(false);
    const started = events.filter((e) => e.kind === "step-start").map((e) => (e as { step: string }).step);
    const ended = events.filter((e) => e.kind === "step-end").map((e) => (e as { step: string }).step);
    expect(started.sort(), "every step that started also ended: none was cut").to.deep.equal([...ended].sort());
    expect(
      events.some((e) => e.kind === "mark" && (e as { name: string }).name.includes("rollback")),
      "a stop is not a failure: no rollback",
    ).to.equal(false);
    expect(ended).to.include(interruptedAfter);

    // The printed command, in a new process, without --take-over: the lock was released.
    const argv = resume!.replace(/^npm run failover -- /, "").split(" ");
    const again = harness();
    expect(await runCli(["failover", ...argv, "--yes"], again.env)).to.equal(0);
    expect(again.wired[0].wiring.sim!.world.writer()).to.equal("dr");
    const last = await new FileJournal(journal).lastRun();
    const done = last.filter((e) => e.kind === "step-end" && (e as { outcome: string }).outcome !== "failed").map((e) => (e as { step: string }).step);
    expect(new Set(done).size, "each step ends once across both attempts").to.equal(done.length);
  });
});
