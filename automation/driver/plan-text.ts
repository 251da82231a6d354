/** A plan as the operator reads it: the summary confirmed before a run, and the dry run. */
import type { Plan } from "../plan/types";
import type { DryRunResult } from "./run";

function pointOfNoReturnLine(plan: Plan): string {
  return (
    `point of no return: ${plan.pointOfNoReturn} (a failure before it puts ${plan.source} back into service by itself; ` +
    `after it the run only finishes forward)`
  );
}

export function formatPlanSummary(plan: Plan): string[] {
  const lines = [plan.title];
  for (const n of plan.notes) lines.push(`  note: ${n}`);
  if (plan.configChanges.length) {
    lines.push("  config changes:");
    for (const c of plan.configChanges) lines.push(`    ${c.stack}: ${c.changes.map((x) => `${x.key}=${String(x.value)}`).join(", ")}  (${c.when})`);
  }
  if (plan.pointOfNoReturn) lines.push(`  ${pointOfNoReturnLine(plan)}`);
  lines.push(`  steps (${plan.steps.length}):`);
  for (const s of plan.steps) lines.push(`    ${s.id}${s.dependsOn.length ? ` <- ${s.dependsOn.join(", ")}` : ""}: ${s.effect}`);
  return lines;
}

export function formatDryRun(r: DryRunResult, gateNotes: string[] = []): string[] {
  const lines = [`DRY RUN (nothing is changed): ${r.plan.title}`];
  if (r.resumes) lines.push(`  would resume run ${r.resumes.runId}; already done: ${r.resumes.done.join(", ") || "none"}`);
  for (const n of [...r.plan.notes, ...gateNotes]) lines.push(`  note: ${n}`);
  if (r.refusal !== undefined) lines.push(`  WOULD REFUSE: ${r.refusal}`);
  if (r.plan.configChanges.length) {
    lines.push("  config changes per stack:");
    for (const c of r.plan.configChanges) lines.push(`    ${c.stack}: ${c.changes.map((x) => `${x.key}=${String(x.value)}`).join(", ")}  (${c.when})`);
  }
  if (r.plan.pointOfNoReturn) lines.push(`  ${pointOfNoReturnLine(r.plan)}`);
  lines.push("  steps (verdict from each step's postcondition read now):");
  for (const s of r.steps) {
    lines.push(`    [${s.verdict}] ${s.id}${s.dependsOn.length ? ` <- ${s.dependsOn.join(", ")}` : ""}`);
    lines.push(`        ${s.effect}${s.note ? ` (${s.note})` : ""}`);
  }
  return lines;
}
