/** The plan builder: ids with the prefix, dependencies only on steps that are in the plan. */
import { expect } from "chai";
import { PlanBuilder } from "../../../automation/plan/builder";
import type { Step } from "../../../automation/plan/types";

const step = (id: string, dependsOn: string[] = []): Step => ({ id, title: id, dependsOn, effect: id, check: async () => true, run: async () => undefined });

describe("PlanBuilder", () => {
  it("an optional step that is absent adds no step and no dependency", () => {
    const b = PlanBuilder.create();
    const a = b.add(step("a"));
    const dns = b.add(undefined as Step | undefined);
    b.add(step("c", b.after(a, dns)));
    expect(b.steps().map((s) => [s.id, s.dependsOn])).to.deep.equal([
      ["a", []],
      ["c", ["a"]],
    ]);
  });

  it("prefixes ids per part of the plan and keeps the order steps were added in", () => {
    const b = PlanBuilder.create();
    const first = b.add(step("resync"));
    const back = b.withPrefix("back:");
    back.add(step(back.id("quiesce"), b.after(first)));
    expect(b.steps().map((s) => s.id)).to.deep.equal(["resync", "back:quiesce"]);
  });

  it("refuses a dependency on a step that is not in the plan, and an id added twice", () => {
    const b = PlanBuilder.create();
    b.add(step("a", ["ghost"]));
    expect(() => b.steps()).to.throw(/depends on "ghost"/);
    const twice = PlanBuilder.create();
    twice.add([step("a"), step("a")]);
    expect(() => twice.steps()).to.throw(/added twice/);
  });
});
