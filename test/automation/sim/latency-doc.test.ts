/** docs/latency.md shows the latency table the simulation uses, row for row, so the two cannot drift. */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../../../automation/sim/program/evaluate";
import { LATENCY_STEPS, LATENCY_TABLE } from "../../../automation/sim/latency";

const UNIT_SECONDS: Record<string, number> = { s: 1, min: 60, h: 3600 };

/** "30 s", "1.5 min", "4 h" in seconds. */
function seconds(cell: string): number {
  const m = /^(\d+(?:\.\d+)?) (s|min|h)$/.exec(cell.trim());
  if (!m) throw new Error(`"${cell}" is not a duration like 30 s, 1.5 min or 4 h`);
  return Number(m[1]) * UNIT_SECONDS[m[2]];
}

describe("docs/latency.md", () => {
  const doc = fs.readFileSync(path.join(REPO_ROOT, "docs", "latency.md"), "utf8");
  const rows = new Map(
    doc
      .split("\n")
      .filter((l) => l.startsWith("| `"))
      .map((l) => l.split("|").map((c) => c.trim()))
      .map((cells) => [cells[1].replace(/`/g, ""), { min: cells[3], typical: cells[4], max: cells[5], source: cells[6] }] as const),
  );

  it("has one row per step of the model, with its min, typical and max", () => {
    expect([...rows.keys()]).to.have.members([...LATENCY_STEPS]);
    for (const step of LATENCY_STEPS) {
      const row = rows.get(step)!;
      const { minSeconds, typicalSeconds, maxSeconds } = LATENCY_TABLE[step];
      expect([seconds(row.min), seconds(row.typical), seconds(row.max)], step).to.deep.equal([minSeconds, typicalSeconds, maxSeconds]);
      expect(row.source.length, `${step} has a source`).to.be.greaterThan(0);
    }
  });
});
