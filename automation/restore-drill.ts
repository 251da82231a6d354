/**
 * The drill of the backup-restore tier (`npm run drill -- --tier backup-restore`): the active site's
 * Region is lost, and `restore` rebuilds the peer from the copies in its vault, on the simulated
 * Regions with the driver's own plan, executor and journal. Beside the driver's report, the
 * simulation's own measurements: the writes the restored stores do not have (their window is the
 * RPO), and when the restored site first served (the end of the RTO), with whether both agree.
 *
 * The standby is the stack files' tier: a full standby keeps its cluster, a backup-only one
 * (`drTier: backup-restore`) has its EKS cluster and node groups created by the restore's `up`.
 */
import type { ExecutionObserver } from "./engine/executor";
import type { Plan } from "./plan/types";
import { formatReport, type RunReport } from "./report/report";
import { formatRestoreFigures, restore, type RestoreDeps, type RestoreFigures } from "./restore";
import { formatDuration, isoTime } from "./util/duration";
import { driverDeps, type Wiring } from "./wiring";

/** How far the driver's figures may be from the simulation's: its serving poll, a write's spacing. */
export const AGREEMENT = { rtoMs: 15_000, rpoMs: 1_000 };

export interface RestoreDrillResult {
  seed: string;
  tier: "backup-restore";
  from: string;
  to: string;
  report: RunReport;
  restore?: RestoreFigures;
  simulation: {
    incidentAt: string;
    /** Per store: writes the restored copy lacks, and their window (the measured RPO). */
    dataLoss: { kind: string; lostWrites: number; lostWindowMs: number }[];
    /** From the incident until the restored site first served (with its health check healthy when `healthCheckRequired`). */
    rtoMs: number | null;
    /** The driver's wait also required the site's Route 53 health check healthy: it has one and Route 53's API answers. */
    healthCheckRequired: boolean;
    /** The Velero Restore the simulated cluster ran: its backup, phase and duration (none when no backup was restored). */
    veleroRestore?: { backupName: string; phase: string; durationMs?: number };
    /** Driver and simulation agree within AGREEMENT (and on the Velero backup restored). */
    agrees: boolean;
    after: string[];
  };
}

export async function runRestoreDrill(
  w: Wiring,
  opts: { observer?: (plan: Plan, startedAt: number) => ExecutionObserver; log?: (line: string) => void; maxSkewMs?: number } = {},
): Promise<RestoreDrillResult> {
  const sim = w.sim;
  if (!sim) throw new Error("a drill runs on the simulated Regions only");
  const log = opts.log ?? (() => undefined);
  const configs = await Promise.all(w.stackNames.map((s) => w.stacks.readConfig(s)));
  const from = w.stackNames[configs.findIndex((c) => c.role === "active")];
  const to = w.stackNames.find((s) => s !== from)!;
  const incidentAt = w.clock.now();
  log(`drill (seed ${sim.seed}): backup-restore tier, ${from}'s Region lost, ${to} restored from its vault's copies`);
  sim.faults.impairRegion(from);
  const deps = Object.defineProperty(driverDeps(w), "backup", { get: () => sim.backup, enumerable: true }) as RestoreDeps;
  const r = await restore(deps, { to, point: { latest: true }, maxSkewMs: opts.maxSkewMs ?? 3_600_000 }, { incidentAt, observer: opts.observer });
  if (r.kind !== "run") throw new Error("unexpected dry run");
  const losses = sim.world.dataLoss().filter((d) => d.reason === "restore" && d.toStack === to);
  // The end of the RTO as the driver's wait-serving defines it: the site serves and, while Route 53's
  // control plane answers (the wait reads the check only then), its health check is healthy.
  const healthCheckRequired = !!(await w.stacks.outputs(to))?.healthCheckId && !sim.world.isRoute53Impaired();
  const servedAt = firstServedAt(sim.world.servingLog(to), healthCheckRequired ? sim.world.healthCheckLog(to) : undefined, incidentAt);
  const rtoMs = servedAt === undefined ? null : servedAt - incidentAt;
  const rpoAgrees = losses.every((l) => {
    const p = r.restore?.points[l.kind === "efs" ? "EFS" : "Aurora"];
    return p !== undefined && Math.abs(p.rpoMs - l.lostWindowMs) <= AGREEMENT.rpoMs;
  });
  const rtoAgrees = rtoMs !== null && r.report.rto !== undefined && Math.abs(r.report.rto.ms - rtoMs) <= AGREEMENT.rtoMs;
  // Velero: the backup the driver reports restored is the one the simulated cluster restored.
  const made = sim.world.veleroRestores().find((x) => x.stack === to);
  const veleroRestore = made && {
    backupName: made.backupName,
    phase: made.phase,
    ...(made.completedAt ? { durationMs: made.completedAt - made.startedAt } : {}),
  };
  const reported = r.restore?.velero;
  const veleroAgrees =
    reported === undefined || "none" in reported
      ? veleroRestore === undefined
      : veleroRestore?.backupName === reported.backupName && veleroRestore.phase === "Completed";
  return {
    seed: sim.seed,
    tier: "backup-restore",
    from,
    to,
    report: r.report,
    ...(r.restore ? { restore: r.restore } : {}),
    simulation: {
      incidentAt: isoTime(incidentAt),
      dataLoss: losses.map((l) => ({ kind: l.kind, lostWrites: l.lostWrites, lostWindowMs: l.lostWindowMs })),
      rtoMs,
      healthCheckRequired,
      ...(veleroRestore ? { veleroRestore } : {}),
      agrees: r.report.outcome === "succeeded" && losses.length === 2 && rpoAgrees && rtoAgrees && veleroAgrees,
      after: sim.world.describe(),
    },
  };
}

/** The first moment from `since` when the site served and (given its check's log) its health check was healthy. */
function firstServedAt(
  serving: { at: number; serving: boolean }[],
  healthCheck: { at: number; healthy: boolean }[] | undefined,
  since: number,
): number | undefined {
  const stateAt = <T extends { at: number }>(log: T[], t: number) => log.filter((e) => e.at <= t).pop();
  const candidates = [...serving.filter((e) => e.serving), ...(healthCheck ?? []).filter((e) => e.healthy)]
    .map((e) => Math.max(e.at, since))
    .sort((a, b) => a - b);
  return candidates.find((t) => stateAt(serving, t)?.serving === true && (!healthCheck || stateAt(healthCheck, t)?.healthy === true));
}

export function formatRestoreDrill(d: RestoreDrillResult): string[] {
  const lines = [
    `DRILL seed ${d.seed}, backup-restore tier: ${d.from}'s Region lost, ${d.to} restored from the recovery points (simulated Regions, virtual time)`,
  ];
  lines.push("", ...formatReport(d.report, { timeline: true }), ...(d.restore ? formatRestoreFigures(d.restore) : []));
  lines.push("", "simulation's own measurements:");
  for (const l of d.simulation.dataLoss)
    lines.push(
      Number.isFinite(l.lostWindowMs)
        ? `  ${l.kind} restore ${d.from} -> ${d.to}: ${l.lostWrites} write(s) not in the recovery point (window ${formatDuration(l.lostWindowMs)})`
        : `  ${l.kind} restore ${d.from} -> ${d.to}: nothing restored reached the application (its files are still in aws-backup-restore_*, or it started before they were moved): all ${l.lostWrites} write(s) lost`,
    );
  lines.push(
    `  ${d.to} first served${d.simulation.healthCheckRequired ? " with its health check healthy" : ""} ${d.simulation.rtoMs === null ? "never" : `${formatDuration(d.simulation.rtoMs)} after the incident (${d.simulation.incidentAt})`}`,
  );
  const v = d.simulation.veleroRestore;
  lines.push(
    v
      ? `  Velero in ${d.to} restored ${v.backupName}: ${v.phase}${v.durationMs !== undefined ? ` in ${formatDuration(v.durationMs)}` : ""}`
      : `  Velero in ${d.to} restored no backup`,
  );
  lines.push(
    `  driver and simulation ${d.simulation.agrees ? "agree" : "DISAGREE"} on RTO (within ${formatDuration(AGREEMENT.rtoMs)}), RPO (within ${formatDuration(AGREEMENT.rpoMs)}) and the Velero backup restored`,
  );
  lines.push("  final state:", ...d.simulation.after.map((l) => `    ${l}`));
  return lines;
}
