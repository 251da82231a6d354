/**
 * Progress: redrawn in place on a terminal (correct at any width), plain lines elsewhere (one per
 * state change, a heartbeat for a step running longer than a minute), NO_COLOR and TERM=dumb
 * honoured, and a drill that prints its timeline once.
 */
import { stripVTControlCharacters } from "node:util";
import { expect } from "chai";
import { Terminal } from "@xterm/headless";
import { runCli } from "../../../automation/cli";
import type { StepRecord } from "../../../automation/engine/executor";
import type { Step } from "../../../automation/plan/types";
import type { Clock } from "../../../automation/ports";
import { LiveProgress } from "../../../automation/ui/live-progress";
import { rendering } from "../../../automation/ui/output";
import { PlainProgress } from "../../../automation/ui/plain-progress";
import { harness, text } from "./harness";

const ESC = String.fromCharCode(27);
const ANSI_SGR = new RegExp(`${ESC}\\[[0-9;]*m`);
const ANSI_ANY = new RegExp(`${ESC}\\[`);

class ManualClock implements Clock {
  constructor(public t = 0) {}
  now() {
    return this.t;
  }
  sleep(): Promise<void> {
    throw new Error("progress must not sleep on the driver's clock");
  }
}

const step = (id: string, title = `the ${id} step, whose title is long enough to be cut on a narrow terminal`): Step =>
  ({ id, title, dependsOn: [], effect: "", check: async () => false, run: async () => undefined }) as unknown as Step;
const ended = (s: Step, startedAt: number, endedAt: number, detail?: string): StepRecord => ({
  id: s.id,
  title: s.title,
  dependsOn: [],
  outcome: "done",
  startedAt,
  endedAt,
  retries: 0,
  ...(detail ? { detail } : {}),
});

/** What a terminal of `cols` columns shows after `data`: its non-empty lines. */
async function screen(data: string, cols: number): Promise<string[]> {
  // convertEol: a terminal's line discipline turns "\n" into CR LF (stty onlcr).
  const term = new Terminal({ cols, rows: 60, allowProposedApi: true, convertEol: true });
  await new Promise<void>((resolve) => term.write(data, resolve));
  const lines: string[] = [];
  const buf = term.buffer.active;
  for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i)!.translateToString(true));
  term.dispose();
  return lines.filter((l) => l.trim() !== "");
}

describe("cli: progress", () => {
  describe("live task list on a terminal", () => {
    for (const cols of [12, 40, 200]) {
      it(`at ${cols} columns the screen holds exactly the last frame, one line per step, after many redraws`, async () => {
        const clock = new ManualClock();
        let written = "";
        const steps = ["scale-nodes-web", "failover-db", "detach-efs"].map((id) => step(id));
        const live = new LiveProgress({ write: (s) => void (written += s), isTTY: true, columns: cols }, clock, steps, { color: true });
        live.stepStarted(steps[0], 0);
        live.stepStarted(steps[1], 0);
        clock.t = 5_000;
        live.stepLog(steps[1], "waiting for the secondary cluster to become the writer (a long note that wraps)");
        clock.t = 65_000;
        live.stepEnded(ended(steps[0], 0, 65_000, "3 nodes Ready"));
        live.stepStarted(steps[2], 65_000);
        clock.t = 300_000;
        live.stepEnded(ended(steps[1], 0, 300_000));
        live.stepEnded(ended(steps[2], 65_000, 300_000, "writable"));
        live.stop();
        const shown = await screen(written, cols);
        const expected = stripVTControlCharacters(live.frame()).split("\n");
        expect(shown.map((l) => l.trimEnd())).to.deep.equal(expected.map((l) => l.trimEnd()));
        expect(expected).to.have.length(3);
        for (const l of expected) expect([...l].length).to.be.lessThan(cols);
      });
    }

    it("NO_COLOR: the list is redrawn in place but carries no colour or dimming", async () => {
      const h = harness({ terminalColumns: 100, vars: { NO_COLOR: "1" } });
      expect(await runCli(["failover", "--to", "dr", "--mode", "planned", "--sim", "--yes"], h.env)).to.equal(0);
      expect(text(h.out)).to.match(ANSI_ANY).and.not.match(ANSI_SGR);
    });

    it("colour only on a terminal whose NO_COLOR is unset or empty; in place only when TERM is not dumb", () => {
      const tty = { write: () => undefined, isTTY: true };
      expect(rendering(tty, {})).to.deep.equal({ live: true, color: true });
      expect(rendering(tty, { NO_COLOR: "" })).to.deep.equal({ live: true, color: true });
      expect(rendering(tty, { NO_COLOR: "0" })).to.deep.equal({ live: true, color: false });
      expect(rendering(tty, { TERM: "dumb" })).to.deep.equal({ live: false, color: false });
      expect(rendering({ write: () => undefined, isTTY: false }, {})).to.deep.equal({ live: false, color: false });
      const steps = [step("detach-efs")];
      const live = new LiveProgress({ write: () => undefined, isTTY: true, columns: 200 }, new ManualClock(), steps, { color: true });
      live.stepLog(steps[0], "deleting the replication");
      expect(live.frame()).to.match(ANSI_SGR);
    });
  });

  describe("plain lines (not a terminal, or TERM=dumb)", () => {
    it("TERM=dumb on a terminal: plain lines, no escape sequence at all", async () => {
      const h = harness({ terminalColumns: 80, vars: { TERM: "dumb" } });
      expect(await runCli(["failover", "--to", "dr", "--mode", "planned", "--sim", "--yes"], h.env)).to.equal(0);
      const out = text(h.out);
      expect(out).not.to.match(ANSI_ANY);
      expect(out)
        .to.match(/^\[\+\d\d:\d\d\] ▶ scale-nodes-web {2}started: /m)
        .and.match(/^\[\+\d\d:\d\d\] ✔ scale-nodes-web {2}done in /m);
    });

    it("one line when a step starts and one when it ends, in the order they happened", async () => {
      const h = harness();
      expect(await runCli(["failover", "--to", "dr", "--mode", "unplanned", "--sim", "--yes"], h.env)).to.equal(0);
      const lines = text(h.out)
        .split("\n")
        .filter((l) => /^\[\+/.test(l) && / (▶|✔|↷|✖|■) /.test(l));
      for (const id of ["scale-nodes-web", "failover-db", "converge-up-target"]) {
        const started = lines.findIndex((l) => l.includes(`▶ ${id}  started`));
        const done = lines.findIndex((l) => l.includes(`✔ ${id}  done`));
        expect(started, id).to.be.at.least(0);
        expect(done, id).to.be.greaterThan(started);
        expect(
          lines.filter((l) => l.includes(` ${id}  `)),
          id,
        ).to.have.length(2);
      }
    });

    it("at each minute of the run, one heartbeat line naming the steps running longer than a minute", () => {
      const clock = new ManualClock(1_000);
      const lines: string[] = [];
      let tick: () => void = () => undefined;
      const p = new PlainProgress({ write: (s) => void lines.push(s) }, clock, 1_000, { ticker: (fn) => ((tick = fn), () => undefined) });
      p.start();
      const up = step("converge-up-target", "up");
      const dns = step("swap-dns", "dns");
      p.stepStarted(up, 1_000);
      clock.t = 59_000;
      tick();
      expect(lines).to.have.length(1);
      p.stepStarted(dns, 31_000);
      clock.t = 62_000;
      tick();
      tick();
      clock.t = 100_000;
      tick();
      // No tick for two minutes (a virtual clock between two events): the event brings them in order.
      p.stepEnded(ended(up, 1_000, 190_000));
      clock.t = 400_000;
      tick();
      p.stop();
      expect(lines).to.deep.equal([
        "[+00:00] ▶ converge-up-target  started: up\n",
        "[+00:30] ▶ swap-dns  started: dns\n",
        "[+01:00] … still running: converge-up-target (1m 00s)\n",
        "[+02:00] … still running: converge-up-target (2m 00s), swap-dns (1m 30s)\n",
        "[+03:00] … still running: converge-up-target (3m 00s), swap-dns (2m 30s)\n",
        "[+03:09] ✔ converge-up-target  done in 3m 09s\n",
        "[+04:00] … still running: swap-dns (3m 30s)\n",
        "[+05:00] … still running: swap-dns (4m 30s)\n",
        "[+06:00] … still running: swap-dns (5m 30s)\n",
      ]);
    });
  });

  describe("the drill prints its timeline once", () => {
    it("not on a terminal: no progress lines besides the timelines", async function () {
      this.timeout(20_000);
      const h = harness();
      expect(await runCli(["drill", "--seed", "3", "--mode", "planned"], h.env)).to.equal(0);
      const out = text(h.out);
      expect(out).not.to.match(/^\[\+\d/m);
      expect(out.match(/^ {2}\+\S+ \.\. \+\S+ +scale-nodes-web /gm)).to.have.length(1);
    });

    it("on a terminal: the live list is cleared before the timelines", async function () {
      this.timeout(20_000);
      const h = harness({ terminalColumns: 160 });
      expect(await runCli(["drill", "--seed", "3", "--mode", "planned"], h.env)).to.equal(0);
      const shown = await screen(text(h.out), 160);
      expect(shown.filter((l) => / scale-nodes-web /.test(l))).to.have.length(1);
    });
  });
});
