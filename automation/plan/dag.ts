/** Checks on a plan's step graph, and its steps in an order that respects dependencies. */
import type { Plan, Step } from "./types";

/** Throws when ids repeat, a dependency is unknown, or the graph has a cycle. */
export function validatePlan(plan: Plan): void {
  const ids = new Set<string>();
  for (const s of plan.steps) {
    if (ids.has(s.id)) throw new Error(`plan "${plan.title}": step id "${s.id}" appears twice`);
    ids.add(s.id);
  }
  for (const s of plan.steps) {
    for (const d of s.dependsOn) if (!ids.has(d)) throw new Error(`plan "${plan.title}": step "${s.id}" depends on unknown step "${d}"`);
  }
  topologicalOrder(plan.steps);
}

/** Steps ordered so that each comes after its dependencies; among ready ones, by priority then plan order. */
export function topologicalOrder(steps: Step[]): Step[] {
  const index = new Map(steps.map((s, i) => [s.id, i]));
  const done = new Set<string>();
  const out: Step[] = [];
  while (out.length < steps.length) {
    const ready = steps
      .filter((s) => !done.has(s.id) && s.dependsOn.every((d) => done.has(d)))
      .sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0) || index.get(a.id)! - index.get(b.id)!);
    if (ready.length === 0) {
      const left = steps.filter((s) => !done.has(s.id)).map((s) => s.id);
      throw new Error(`the plan's dependencies form a cycle among: ${left.join(", ")}`);
    }
    // One at a time so the order reads like the executor's start order with a single worker.
    out.push(ready[0]);
    done.add(ready[0].id);
  }
  return out;
}

/** The longest chain of dependencies (steps), for display. */
export function depth(steps: Step[]): Map<string, number> {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const memo = new Map<string, number>();
  const d = (id: string): number => {
    if (memo.has(id)) return memo.get(id)!;
    const s = byId.get(id)!;
    const v = s.dependsOn.length === 0 ? 0 : 1 + Math.max(...s.dependsOn.map(d));
    memo.set(id, v);
    return v;
  };
  for (const s of steps) d(s.id);
  return memo;
}
