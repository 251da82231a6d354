/**
 * The driver's commands on the ports: failover, failback, deploy and status. The CLI parses flags
 * and wires adapters; everything that decides what happens is here, so tests drive it directly on
 * the simulated Regions.
 *
 * - run.ts        the run lifecycle: lock, resume, gates, confirm, execute, rollback, report
 * - gates.ts      the commands' named safety gates
 * - failover.ts, failback.ts, deploy.ts, status.ts   one command each
 * - plan-text.ts  the plan summary and the dry run as text
 */
export { commandLine, resumableRun, runPlan, type CommandResult, type DriverDeps, type DryRunResult, type RunOptions, type RunResult } from "./run";
export { deploy } from "./deploy";
export { failback } from "./failback";
export { failover } from "./failover";
export { status, type StatusResult } from "./status";
export { formatDryRun, formatPlanSummary } from "./plan-text";
