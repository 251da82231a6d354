/**
 * Every plan variant's DAG, rendered, against a committed fixture: a change to a plan (a step, an
 * edge, a priority, a bound, a config change) fails here until the fixture is updated on purpose
 * (`UPDATE_PLAN_SNAPSHOTS=1 npm run test:one -- test/automation/plans/plan-snapshots.test.ts`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { failbackPlan, plannedFailoverPlan, unplannedFailoverPlan } from "../../../automation/plan/plans";
import { renderPlanDag } from "../../../automation/plan/render";
import { loadPair, type Pair } from "../../../automation/plan/sites";
import type { Plan } from "../../../automation/plan/types";
import { simulate, type Variant } from "../helpers";

const FIXTURES = path.join(__dirname, "fixtures");

const variants: Record<string, Variant> = { warm: {}, cold: { cold: true }, headless: { headless: true } };
const builders: Record<string, (pair: Pair) => Plan> = {
  planned: plannedFailoverPlan,
  unplanned: unplannedFailoverPlan,
  // The failback after a failover to dr: dr is the active site, primary the one to return to.
  failback: (pair) => failbackPlan(pair.target, pair.source, pair.globalClusterIdentifier),
};

describe("plan snapshots (rendered DAG of every variant)", () => {
  for (const [variant, v] of Object.entries(variants)) {
    describe(variant, () => {
      let pair: Pair;
      before(async () => {
        const t = await simulate({ seed: 1, ...v });
        pair = await loadPair(t.deps.stacks, "dr");
      });
      for (const [kind, build] of Object.entries(builders)) {
        it(`${kind} matches fixtures/${variant}-${kind}.txt`, () => {
          const text = renderPlanDag(build(pair));
          const file = path.join(FIXTURES, `${variant}-${kind}.txt`);
          if (process.env.UPDATE_PLAN_SNAPSHOTS === "1") fs.writeFileSync(file, text);
          expect(text).to.equal(fs.readFileSync(file, "utf8"));
        });
      }
    });
  }
});
