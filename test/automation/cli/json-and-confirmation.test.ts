/**
 * --json is for scripts: it never prompts, and stdout holds the JSON document only. Flag errors
 * come before the question whether anyone can confirm.
 */
import { expect } from "chai";
import { runCli } from "../../../automation/cli";
import { harness, text } from "./harness";

describe("cli: --json and confirmation", () => {
  it("--json without --yes refuses (exit 2) instead of prompting, even on a terminal", async () => {
    const h = harness({ tty: true, answer: "dr" });
    const code = await runCli(["failover", "--to", "dr", "--mode", "planned", "--sim", "--json"], h.env);
    expect(code).to.equal(2);
    expect(h.asked).to.deep.equal([]);
    const doc = JSON.parse(text(h.out));
    expect(doc.error.kind).to.equal("refused");
    expect(doc.error.message)
      .to.match(/--json never prompts/)
      .and.match(/--yes/);
    expect(h.wired).to.have.length(0);
  });

  it("--json with --yes: stdout is exactly one JSON document, every other line on stderr", async () => {
    const h = harness({ tty: true });
    const code = await runCli(["failover", "--to", "dr", "--mode", "unplanned", "--sim", "--yes", "--json"], h.env);
    expect(code).to.equal(0);
    expect(() => JSON.parse(text(h.out))).not.to.throw();
    expect(text(h.err)).to.match(/simulation: primary's Region is impaired/);
  });

  const flagErrors: [string[], RegExp][] = [
    [["failover", "--to", "dr", "--mode", "planned", "--seed", "3"], /--seed only applies to the simulated Regions/],
    [["failback", "--sim-crash-after", "up-old-site"], /'--sim-crash-after <step>' only applies to the simulated Regions/],
    [["deploy", "--journal", "/tmp/j.jsonl", "--state", "s3://bucket/prefix"], /'--state <url>' and '--journal <path>'/],
    [["failover", "--to", "nope", "--mode", "planned"], /option '--to <stack>': unknown stack "nope"; this project's stacks are dr, primary/],
    [
      ["failover", "--to", "dr", "--mode", "unplanned", "--incident-at", "2099-01-01T00:00:00Z"],
      /option '--incident-at <time>': 2099-01-01T00:00:00.000Z is after now/,
    ],
  ];
  for (const [argv, pattern] of flagErrors) {
    it(`a flag error is reported before the terminal check: ${argv.join(" ")}`, async () => {
      const h = harness({ tty: false });
      expect(await runCli(argv, h.env)).to.equal(2);
      expect(text(h.err))
        .to.match(pattern)
        .and.not.match(/stdin is not a terminal/);
    });
  }
});
