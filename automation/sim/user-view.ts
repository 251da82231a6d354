/**
 * A run's report on the simulated Regions, with what the world measured instead of the driver's
 * estimates: when users actually lost service (the world's user view: clients resolving the name,
 * through DNS, reaching a serving site), when they were served again, and when the source actually
 * stopped taking writes. The driver's own figures stay in the report beside them: the site-level
 * RTO is re-based on the measured loss of service, the users' RTO becomes measured.
 */
import type { RunReport } from "../report/report";
import { formatDuration, isoTime } from "../util/duration";
import type { World } from "./world";

type Outage = { from: number; to?: number; durationMs: number };

/** The outage users saw during the run: the last one that began before the new site served (it may end before the driver sees it serve), else the first the run overlaps. */
function runOutage(outages: Outage[], startedAt: number, endedAt: number, servingAt: number | undefined): Outage | undefined {
  const overlapping = outages.filter((o) => o.from <= endedAt && (o.to ?? Infinity) >= startedAt);
  if (servingAt !== undefined) {
    const before = overlapping.filter((o) => o.from <= servingAt);
    if (before.length) return before[before.length - 1];
  }
  return overlapping[0];
}

/** When `stack` last stopped serving at or before `at` (its workload's writes stop with it). */
function stoppedServingAt(world: World, stack: string, notAfter: number, notBefore: number): number | undefined {
  let at: number | undefined;
  for (const e of world.servingLog(stack)) if (!e.serving && e.at <= notAfter && e.at >= notBefore) at = e.at;
  return at;
}

export function withSimulatedUsers(report: RunReport, world: World): RunReport {
  const startedAt = Date.parse(report.startedAt);
  const endedAt = Date.parse(report.endedAt);
  const servingAt = report.rto ? Date.parse(report.rto.servingAt) : undefined;
  const out: RunReport = { ...report };
  const o = runOutage(world.userView().outages, startedAt, endedAt, servingAt);
  const hostname = report.users?.hostname;
  const dnsPath = report.users !== undefined || !(report.dns && "none" in report.dns);
  if (o && dnsPath) {
    const servedAt = o.to !== undefined && o.to <= endedAt ? o.to : null;
    out.users = {
      ...(hostname ? { hostname } : {}),
      how: "measured",
      lostAt: isoTime(o.from),
      lostBasis: "users lost service",
      servedAt: servedAt === null ? null : isoTime(servedAt),
      ms: servedAt === null ? null : servedAt - o.from,
      terms: [
        ...(servedAt === null ? [`without service for ${formatDuration(endedAt - o.from)} at the run's end`] : []),
        ...(report.users !== undefined && report.users.ms !== null
          ? [`the driver's estimate: ≤ ${formatDuration(report.users.ms)} from ${report.users.lostBasis}`]
          : []),
      ],
    };
  } else if (dnsPath && report.rto) {
    out.users = {
      ...(hostname ? { hostname } : {}),
      how: "measured",
      lostAt: report.startedAt,
      lostBasis: "users never lost service",
      servedAt: report.startedAt,
      ms: 0,
      terms: [],
    };
  }
  if (o && report.rto && servingAt !== undefined) out.rto = { ...report.rto, from: "measured", fromAt: isoTime(o.from), ms: servingAt - o.from };
  if (report.readDowntime && dnsPath) {
    // Reads as users saw them: the source serves them in read-only mode until clients reach the target.
    const reads = world.userView("reads").outages.filter((r) => r.from <= endedAt && (r.to ?? Infinity) >= startedAt);
    const open = reads.some((r) => r.to === undefined || r.to > endedAt);
    out.readDowntime = { how: "measured", ms: open ? null : reads.reduce((sum, r) => sum + (r.to as number) - Math.max(r.from, startedAt), 0) };
  }
  if (report.writeDowntime && report.source) {
    const stop = stoppedServingAt(world, report.source, Date.parse(report.writeDowntime.servingAt), startedAt);
    if (stop !== undefined) {
      out.writeDowntime = { ...report.writeDowntime, quiescedAt: isoTime(stop), ms: Date.parse(report.writeDowntime.servingAt) - stop };
    }
  }
  return out;
}
