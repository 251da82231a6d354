/**
 * A plan's DAG as text: every step with its priority, dependencies, bound and effect, in the order
 * a single worker would start them, then the rollback. The plans' snapshot tests compare this text
 * exactly, so any change to a plan's shape shows up in review as a fixture diff.
 */
import { DEFAULT_TIMEOUTS, type Plan, type Step } from "./types";
import { topologicalOrder } from "./dag";

function stepLines(steps: Step[]): string[] {
  return topologicalOrder(steps).map((s) => {
    const bound = s.bound ? `${s.bound.key} ${s.bound.ms(DEFAULT_TIMEOUTS) / 1000}s` : "default";
    return `  ${s.id} [priority ${s.priority ?? 0}, bound ${bound}]${s.dependsOn.length ? ` <- ${s.dependsOn.join(", ")}` : ""}\n      ${s.effect}`;
  });
}

export function renderPlanDag(plan: Plan): string {
  const lines = [plan.title, `command: ${plan.command} ${JSON.stringify(plan.args)}${plan.mode ? `, mode ${plan.mode}` : ""}`];
  if (plan.source || plan.target) lines.push(`source: ${plan.source ?? "-"}, target: ${plan.target ?? "-"}`);
  for (const n of plan.notes) lines.push(`note: ${n}`);
  for (const c of plan.configChanges) lines.push(`config ${c.stack}: ${c.changes.map((x) => `${x.key}=${JSON.stringify(x.value)}`).join(", ")} (${c.when})`);
  if (plan.pointOfNoReturn) lines.push(`point of no return: ${plan.pointOfNoReturn}`);
  lines.push(`steps (${plan.steps.length}):`, ...stepLines(plan.steps));
  if (plan.rollback) lines.push(`rollback (${plan.rollback.length}):`, ...stepLines(plan.rollback));
  return `${lines.join("\n")}\n`;
}
