/**
 * A drill: a full failover and failback on the simulated Regions, with the driver's own plans,
 * executor and journal (in memory). Unplanned drills impair the active site's Region first, and
 * let it recover before the failback. Besides the driver's report, the simulation's own
 * measurements (data actually lost, user-visible outage through DNS) are printed as a cross-check.
 */
import { failback, failover, type RunOptions } from "./driver";
import type { ExecutionObserver } from "./engine/executor";
import type { Plan } from "./plan/types";
import { formatReport, type RunReport } from "./report/report";
import { withSimulatedUsers } from "./sim/user-view";
import { formatDuration } from "./util/duration";
import { driverDeps, type Wiring } from "./wiring";

export interface DrillOptions {
  mode: "planned" | "unplanned";
  observer?: (plan: Plan, startedAt: number) => ExecutionObserver;
  log?: (line: string) => void;
}

export interface DrillResult {
  seed: string;
  mode: "planned" | "unplanned";
  from: string;
  to: string;
  failover: RunReport;
  failback?: RunReport;
  /** What the simulated world measured, independently of the driver. */
  simulation: {
    dataLoss: { kind: string; reason: string; fromStack: string; toStack: string; lostWrites: number; lostWindowMs: number }[];
    userOutages: { from: string; to?: string; durationMs: number }[];
    /** When users resolving the name could not even read (a site in read-only mode serves reads). */
    readOutages: { from: string; to?: string; durationMs: number }[];
    before: string[];
    after: string[];
  };
}

const outagesSince = (outages: { from: number; to?: number; durationMs: number }[], t0: number) =>
  outages
    .filter((o) => (o.to ?? Infinity) >= t0)
    .map((o) => ({ from: new Date(o.from).toISOString(), ...(o.to !== undefined ? { to: new Date(o.to).toISOString() } : {}), durationMs: o.durationMs }));

export async function runDrill(w: Wiring, opts: DrillOptions): Promise<DrillResult> {
  const sim = w.sim;
  if (!sim) throw new Error("a drill runs on the simulated Regions only");
  const log = opts.log ?? (() => undefined);
  const deps = driverDeps(w);
  const configs = await Promise.all(w.stackNames.map((s) => w.stacks.readConfig(s)));
  const from = w.stackNames[configs.findIndex((c) => c.role === "active")];
  const to = w.stackNames.find((s) => s !== from)!;
  const before = sim.world.describe();
  const runOpts: RunOptions = { observer: opts.observer };

  log(`drill (seed ${sim.seed}): ${opts.mode} failover ${from} -> ${to}, then failback`);
  let incidentAt: number | undefined;
  if (opts.mode === "unplanned") {
    incidentAt = w.clock.now();
    sim.faults.impairRegion(from);
    log(`  ${from}'s Region impaired at ${new Date(incidentAt).toISOString()}`);
  }
  const fo = await failover(deps, { to, mode: opts.mode }, { ...runOpts, ...(incidentAt !== undefined ? { incidentAt } : {}) });
  if (fo.kind !== "run") throw new Error("unexpected dry run");
  let fb: RunReport | undefined;
  if (fo.report.outcome === "succeeded") {
    if (opts.mode === "unplanned") {
      sim.faults.recoverRegion(from);
      log(`  ${from}'s Region recovered at ${new Date(w.clock.now()).toISOString()}`);
    }
    const r = await failback(deps, runOpts);
    if (r.kind === "run") fb = r.report;
  }
  const t0 = Date.parse(fo.report.startedAt);
  return {
    seed: sim.seed,
    mode: opts.mode,
    from,
    to,
    failover: withSimulatedUsers(fo.report, sim.world),
    ...(fb ? { failback: withSimulatedUsers(fb, sim.world) } : {}),
    simulation: {
      dataLoss: sim.world
        .dataLoss()
        .map((d) => ({ kind: d.kind, reason: d.reason, fromStack: d.fromStack, toStack: d.toStack, lostWrites: d.lostWrites, lostWindowMs: d.lostWindowMs })),
      userOutages: outagesSince(sim.world.userView().outages, t0),
      readOutages: outagesSince(sim.world.userView("reads").outages, t0),
      before,
      after: sim.world.describe(),
    },
  };
}

export function formatDrill(d: DrillResult): string[] {
  const lines = [`DRILL seed ${d.seed}, ${d.mode} failover ${d.from} -> ${d.to} and failback (simulated Regions, virtual time)`];
  lines.push("", ...formatReport(d.failover, { timeline: true }));
  if (d.failback) lines.push("", ...formatReport(d.failback, { timeline: true }));
  lines.push("", "simulation's own measurements:");
  for (const l of d.simulation.dataLoss) {
    lines.push(`  ${l.kind} ${l.reason} ${l.fromStack} -> ${l.toStack}: ${l.lostWrites} write(s) lost (window ${formatDuration(l.lostWindowMs)})`);
  }
  for (const o of d.simulation.userOutages)
    lines.push(`  users without service through DNS: ${o.from} .. ${o.to ?? "still"} (${formatDuration(o.durationMs)})`);
  for (const o of d.simulation.readOutages) lines.push(`  users unable to read through DNS: ${o.from} .. ${o.to ?? "still"} (${formatDuration(o.durationMs)})`);
  lines.push("  final state:", ...d.simulation.after.map((l) => `    ${l}`));
  return lines;
}
