/**
 * The CLI: flag validation names the flag and changes nothing; confirmation rules; JSON output;
 * status exit codes; --dry-run; the drill. Always on the simulated Regions.
 */
import { expect } from "chai";
import { runCli } from "../../automation/cli";
import { harness, text } from "./cli/harness";
import { sideEffectCounts } from "./helpers";
import { tempDir } from "../harness/temp-dir";

describe("cli", () => {
  describe("bad flags and values name the flag and change nothing", () => {
    const cases: [string[], RegExp][] = [
      [["failover", "--to", "dr", "--mode", "sideways", "--yes", "--sim"], /option '--mode <mode>' argument 'sideways' is invalid.*planned, unplanned/s],
      [["failover", "--mode", "planned", "--yes", "--sim"], /required option '--to <stack>' not specified/],
      [["failover", "--to", "dr", "--yes", "--sim"], /'--mode <mode>' not specified/],
      [
        ["failover", "--to", "nope", "--mode", "planned", "--yes", "--sim"],
        /option '--to <stack>': unknown stack "nope"; this project's stacks are dr, primary/,
      ],
      [
        ["failover", "--to", "dr", "--mode", "unplanned", "--max-data-loss", "5x", "--yes", "--sim"],
        /option '--max-data-loss <duration>' argument '5x' is invalid. "5x" is not a duration/,
      ],
      [["failover", "--to", "dr", "--mode", "planned", "--max-data-loss", "5m", "--yes", "--sim"], /option '--max-data-loss' applies to --mode unplanned only/],
      [
        ["failover", "--to", "dr", "--mode", "unplanned", "--incident-at", "yesterday", "--yes", "--sim"],
        /option '--incident-at <time>' argument 'yesterday' is invalid.*ISO 8601/s,
      ],
      [
        ["failover", "--to", "dr", "--mode", "unplanned", "--incident-at", "2099-01-01T00:00:00Z", "--yes", "--sim"],
        /option '--incident-at <time>': 2099-01-01T00:00:00.000Z is after now/,
      ],
      [["failover", "--to", "dr", "--mode", "planned", "--max-concurrency", "0", "--yes", "--sim"], /option '--max-concurrency <n>' argument '0' is invalid/],
      [["drill", "--seed", "abc"], /option '--seed <n>' argument 'abc' is invalid/],
      [["status", "--seed", "3"], /--seed only applies to the simulated Regions: add --sim/],
      [["status", "--sim", "--latency-file", "/nonexistent/latency.yaml"], /option '--latency-file'.*cannot read/s],
      [["failover", "--to", "dr", "--mode", "planned", "--bogus"], /unknown option '--bogus'/],
      [["frobnicate"], /unknown command 'frobnicate'/],
    ];
    for (const [argv, pattern] of cases) {
      it(argv.join(" "), async () => {
        const h = harness();
        const code = await runCli(argv, h.env);
        expect(code).to.equal(2);
        expect(text(h.err)).to.match(pattern);
        for (const { wiring } of h.wired) {
          expect(wiring.sim!.world.sideEffects()).to.deep.equal([]);
        }
      });
    }
  });

  it("without --yes and without a terminal, refuses before touching anything", async () => {
    const h = harness({ tty: false });
    const code = await runCli(["failover", "--to", "dr", "--mode", "planned", "--sim"], h.env);
    expect(code).to.equal(2);
    expect(text(h.err)).to.match(/stdin is not a terminal.*--yes/s);
    expect(h.wired).to.have.length(0);
  });

  it("on a terminal, asks; anything but the target's name cancels and changes nothing", async () => {
    const h = harness({ tty: true, answer: "no" });
    const code = await runCli(["failover", "--to", "dr", "--mode", "planned", "--sim"], h.env);
    expect(code).to.equal(2);
    expect(h.asked).to.have.length(1);
    expect(text(h.out))
      .to.match(/Planned failover primary .* -> dr/)
      .and.match(/config changes/);
    expect(text(h.err)).to.match(/Cancelled/);
    expect(h.wired[0].wiring.sim!.world.sideEffects()).to.deep.equal([]);
  });

  it("on a terminal, typing the target's name runs the failover", async () => {
    const h = harness({ tty: true, answer: "dr" });
    expect(await runCli(["failover", "--to", "dr", "--mode", "planned", "--sim", "--seed", "5"], h.env)).to.equal(0);
    expect(text(h.out))
      .to.match(/SUCCEEDED/)
      .and.match(/RTO for users: .* measured/)
      .and.match(/RTO site-level: /)
      .and.match(/write downtime: /);
    expect(h.wired[0].wiring.sim!.world.writer()).to.equal("dr");
  });

  it("--json prints the report as JSON on stdout, progress on stderr", async () => {
    const h = harness();
    const code = await runCli(["failover", "--to", "dr", "--mode", "unplanned", "--sim", "--yes", "--json", "--max-data-loss", "1h"], h.env);
    expect(code).to.equal(0);
    const report = JSON.parse(text(h.out));
    expect(report).to.include({ command: "failover", outcome: "succeeded", mode: "unplanned" });
    expect(report.rto.ms).to.be.a("number");
    expect(report.rpo.efs.deletionMode).to.equal("LOCAL_CONFIGURATION_ONLY");
    expect(text(h.err))
      .to.match(/simulation: primary's Region is impaired/)
      .and.match(/✔ failover-db/);
  });

  it("--dry-run prints the plan and changes nothing", async () => {
    const h = harness();
    const code = await runCli(["failover", "--to", "dr", "--mode", "planned", "--sim", "--dry-run"], h.env);
    expect(code).to.equal(0);
    const out = text(h.out);
    expect(out)
      .to.match(/DRY RUN/)
      .and.match(/config changes per stack/)
      .and.match(/\[run\] switchover-db <- point-of-no-return, add-db-instance/);
    const sim = h.wired[0].wiring.sim!;
    expect(sideEffectCounts(sim)).to.deep.equal({});
    expect(await h.wired[0].wiring.journal.lastRun()).to.deep.equal([]);
  });

  it("status exits 0 when ready and 1 when not (a Region down)", async () => {
    const ok = harness();
    expect(await runCli(["status", "--sim"], ok.env)).to.equal(0);
    expect(text(ok.out))
      .to.match(/Readiness READY/)
      .and.match(/estimated RPO now/)
      .and.match(/would:/);
    const down = harness({ beforeRun: (w) => w.sim!.faults.impairRegion("dr") });
    expect(await runCli(["status", "--sim", "--json"], down.env)).to.equal(1);
    const r = JSON.parse(text(down.out));
    expect(r.readiness.ready).to.equal(false);
    expect(r.readiness.checks.find((c: { name: string }) => c.name === "region us-west-2").ok).to.equal(false);
  });

  it("drill runs a failover and a failback and reports RTO/RPO for both", async function () {
    this.timeout(20_000);
    const h = harness();
    const code = await runCli(["drill", "--seed", "9", "--json"], h.env);
    expect(code).to.equal(0);
    const d = JSON.parse(text(h.out));
    expect(d.failover.outcome).to.equal("succeeded");
    expect(d.failback.outcome).to.equal("succeeded");
    expect(d.failover.rto.from).to.equal("measured");
    expect(d.failover.users.how).to.equal("measured");
    expect(d.failover.rpo.worstMs).to.be.a("number");
    expect(d.failback.writeDowntime.ms).to.be.a("number");
    // The failback is a planned move: users kept reading (but for the switchover's moment), not writing.
    const sum = (os: { durationMs: number }[]) => os.reduce((a, o) => a + o.durationMs, 0);
    expect(d.failback.readDowntime.ms)
      .to.be.a("number")
      .and.below(d.failback.writeDowntime.ms / 4);
    expect(sum(d.simulation.readOutages)).to.be.below(sum(d.simulation.userOutages));
    expect(d.simulation.dataLoss.length).to.be.at.least(2);
  });

  it("deploy runs the owner of global resources first, then its peer; the active site again only if its replication waits", async () => {
    const h = harness();
    expect(await runCli(["deploy", "--sim", "--yes", "--json"], h.env)).to.equal(0);
    const r = JSON.parse(text(h.out));
    expect(r.steps.map((s: { id: string; outcome: string }) => `${s.id}:${s.outcome}`)).to.deep.equal([
      "up-primary:done",
      "up-dr:done",
      "up-primary-replication:skipped",
    ]);
    const ups = h.wired[0].wiring.sim!.world.calls({ api: "pulumi:up" }).map((c) => c.origin);
    expect(ups).to.deep.equal(["pulumi:primary", "pulumi:dr"]);
  });

  it("drill takes measured step durations from --latency-file", async function () {
    this.timeout(20_000);
    const fs = await import("node:fs");
    const path = await import("node:path");
    const file = path.join(tempDir("lat"), "latency.yaml");
    fs.writeFileSync(file, "efs-replication-delete: { minSeconds: 600, typicalSeconds: 600, maxSeconds: 600, source: measured }\n");
    const h = harness();
    expect(await runCli(["drill", "--seed", "2", "--json", "--latency-file", file], h.env)).to.equal(0);
    const d = JSON.parse(text(h.out));
    const detach = d.failover.steps.find((s: { id: string }) => s.id === "detach-efs");
    expect(detach.elapsedMs).to.be.at.least(600_000);
    expect(d.failover.rto.ms).to.be.at.least(600_000);
  });

  for (const cmd of ["deploy", "status", "failover", "failback", "drill"]) {
    it(`${cmd} --help documents its flags`, async () => {
      const h = harness();
      expect(await runCli([cmd, "--help"], h.env)).to.equal(0);
      const help = text(h.out);
      expect(help).to.match(new RegExp(`Usage: eks-dr ${cmd}`));
      if (cmd !== "drill" && cmd !== "status")
        expect(help)
          .to.match(/--dry-run/)
          .and.match(/--yes/)
          .and.match(/--journal/)
          .and.match(/--take-over/)
          .and.match(/--sim/);
      if (cmd === "failover")
        expect(help)
          .to.match(/--max-data-loss/)
          .and.match(/--incident-at/)
          .and.match(/--force/);
      if (cmd === "drill")
        expect(help)
          .to.match(/--seed/)
          .and.match(/--latency-file/)
          .and.match(/--mode/);
    });
  }
});
