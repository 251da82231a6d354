/** `status`: the pair's readiness, and an unfinished run that must be finished first. */
import { evaluateReadiness, type Readiness } from "../readiness";
import { runEnd } from "../journal/events";
import type { SwitchMode } from "../plan/types";
import { isoTime } from "../util/duration";
import { argsText, commandLine, resumableRun, type DriverDeps } from "./run";

export interface StatusResult {
  readiness: Readiness;
  unfinished?: { runId: string; command: string; args: Record<string, unknown>; startedAt: string; failed: boolean };
}

export async function status(deps: DriverDeps, input: { mode?: SwitchMode } = {}): Promise<StatusResult> {
  // The journal first: a site an open run left read-only is cleared by finishing that run.
  const r = resumableRun(await deps.journal.lastRun());
  const openRun = r && { runId: r.start.runId, command: commandLine(deps, r.start.command, r.start.args), crashed: !runEnd(r.events) };
  const readiness = await evaluateReadiness(deps, deps.stackNames, { ...input, ...(openRun ? { openRun } : {}) });
  if (deps.locationChecks) readiness.checks.push(...(await deps.locationChecks()));
  if (!r) return { readiness };
  readiness.checks.push({
    name: "journal",
    ok: false,
    detail: `run ${r.start.runId} (\`${argsText(r.start.command, r.start.args)}\`) is ${runEnd(r.events) ? "failed" : "unfinished"}; finish it before another failover`,
    severity: "error",
    neededFor: "both",
  });
  readiness.ready = false;
  readiness.readyUnplanned = false;
  return {
    readiness,
    unfinished: { runId: r.start.runId, command: r.start.command, args: r.start.args, startedAt: isoTime(r.start.at), failed: !!runEnd(r.events) },
  };
}
