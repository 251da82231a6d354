/**
 * The run report, computed from the journal's events (so a resumed run reports its whole history)
 * and the step records of the last attempt.
 *
 * - RTO: from the run's start, or `--incident-at`, until the new active site served and was
 *   healthy (the `serving` mark).
 * - RPO: what replication had not carried across when the target was promoted. Aurora: an upper
 *   bound from the newest lag datapoint read just before the failover call (a one-minute Maximum
 *   M from P proves the secondary had every write made before P - M; the window lost is at most
 *   from there to the end of writes: the incident with --incident-at, else the moment the target
 *   was seen as the writer; see
 *   aurora-rpo.ts for why the lag value itself is not the loss). EFS: the time since the last sync
 *   when its replication was deleted. A planned run loses nothing: writes stopped at the quiesce
 *   and the switch waited for both to catch up, so its data-loss window is 0 whatever the figures.
 * - Write downtime (planned): quiesce until serving.
 */
import type { JournalEvent } from "../ports";
import { marksOf, runStart } from "../journal/events";
import type { StepRecord } from "../engine/executor";
import { isDnsStepId, MARK } from "../plan/steps";
import { auroraEvidencedUpTo, auroraLossBoundMs, describeAuroraLag } from "./aurora-rpo";
import type { Plan } from "../plan/types";
import { formatDuration, isoTime } from "../util/duration";

export interface ReportStep {
  id: string;
  title: string;
  dependsOn: string[];
  outcome: string;
  /** Offsets from the run's start, ms. */
  startOffsetMs?: number;
  endOffsetMs?: number;
  elapsedMs?: number;
  detail?: string;
  retries: number;
}

export interface RunReport {
  command: string;
  args: Record<string, unknown>;
  runId: string;
  title: string;
  mode?: "planned" | "unplanned";
  source?: string;
  target?: string;
  /** rolled-back: a planned switch failed before its point of no return and the source serves again. */
  outcome: "succeeded" | "failed" | "rolled-back";
  startedAt: string;
  endedAt: string;
  durationMs: number;
  /** Attempts of the run (1 + resumes after crashes). */
  attempts: number;
  failedStep?: string;
  error?: string;
  /** A planned switch's point of no return: whether the run crossed it, and when. */
  pointOfNoReturn?: { step: string; crossed: boolean; at?: string };
  /** For a failed run: the command that resumes it (with the flags it needs). */
  resumeCommand?: string;
  /** For a run stopped past its point of no return: both sites' state, read when it stopped. */
  sites?: string[];
  rto?: { from: "start" | "incident"; fromAt: string; servingAt: string; ms: number };
  rpo?: {
    aurora?: {
      promotedAt: string;
      /** The newest lag datapoint read before the promotion: its metric, maximum and period start. */
      lagMs: number | null;
      lagMetric?: string;
      lagPeriodStart?: string;
      /** 0 for a planned run; else an upper bound, null without a datapoint. */
      dataLossWindowMs: number | null;
      /** How the window was derived, for people. */
      basis: string;
    };
    efs?: { promotedAt: string; lastReplicatedAt: string | null; lagMs: number | null; dataLossWindowMs: number | null; deletionMode?: string };
    /** The larger data-loss window; null when a figure is unknown. */
    worstMs: number | null;
  };
  writeDowntime?: { quiescedAt: string; servingAt: string; ms: number };
  /**
   * What happened to the failover record: swapped, or moved by health-check failover; `none` when
   * the pair has no failover DNS (no `eks-dr:dns`), so nothing moved the users.
   */
  dns?: { swapped: boolean; fallback?: string } | { none: true; target?: string; albHostname?: string };
  steps: ReportStep[];
}

export interface ReportInput {
  plan: Plan;
  events: JournalEvent[];
  records: StepRecord[];
  outcome: "succeeded" | "failed" | "rolled-back";
  endedAt: number;
  incidentAt?: number;
  failedStep?: string;
  error?: string;
}

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

export function buildReport(input: ReportInput): RunReport {
  const { plan, events } = input;
  const start = runStart(events);
  const startedAt = start?.at ?? input.endedAt;
  const marks = marksOf(events);
  const attempts = events.filter((e) => e.kind === "run-start").length;

  // Step times from the journal (all attempts); retries from this attempt's records.
  const starts = new Map<string, number>();
  const ends = new Map<string, { at: number; outcome: string; detail?: string }>();
  for (const e of events) {
    if (e.kind === "step-start") starts.set(e.step, e.at);
    if (e.kind === "step-end") ends.set(e.step, { at: e.at, outcome: e.outcome, detail: e.detail });
  }
  const steps: ReportStep[] = input.records.map((r) => {
    const s = starts.get(r.id);
    const e = ends.get(r.id);
    const outcome = r.outcome === "earlier" ? (e?.outcome ?? "done") : r.outcome;
    return {
      id: r.id,
      title: r.title,
      dependsOn: r.dependsOn,
      outcome: r.outcome === "earlier" ? `${outcome} (earlier attempt)` : outcome,
      ...(s !== undefined ? { startOffsetMs: s - startedAt } : {}),
      ...(e !== undefined && s !== undefined && e.at >= s ? { endOffsetMs: e.at - startedAt, elapsedMs: e.at - s } : {}),
      ...(r.detail ?? e?.detail ? { detail: r.detail ?? e?.detail } : {}),
      retries: r.retries,
    };
  });

  const report: RunReport = {
    command: plan.command,
    args: plan.args,
    runId: start?.runId ?? "",
    title: plan.title,
    ...(plan.mode ? { mode: plan.mode } : {}),
    ...(plan.source ? { source: plan.source } : {}),
    ...(plan.target ? { target: plan.target } : {}),
    outcome: input.outcome,
    startedAt: isoTime(startedAt),
    endedAt: isoTime(input.endedAt),
    durationMs: input.endedAt - startedAt,
    attempts,
    ...(input.failedStep ? { failedStep: input.failedStep } : {}),
    ...(input.error ? { error: input.error } : {}),
    steps,
  };
  if (plan.pointOfNoReturn) {
    const crossed = marks.get(MARK.pointOfNoReturn);
    report.pointOfNoReturn = { step: plan.pointOfNoReturn, crossed: crossed !== undefined, ...(crossed ? { at: isoTime(crossed.at) } : {}) };
  }

  const serving = marks.get(MARK.serving);
  if (serving) {
    const from = input.incidentAt ?? startedAt;
    report.rto = { from: input.incidentAt !== undefined ? "incident" : "start", fromAt: isoTime(from), servingAt: isoTime(serving.at), ms: serving.at - from };
  }
  const quiesced = marks.get(MARK.quiesced);
  if (quiesced && serving) report.writeDowntime = { quiescedAt: isoTime(quiesced.at), servingAt: isoTime(serving.at), ms: serving.at - quiesced.at };

  const aurora = marks.get(MARK.auroraPromoted);
  const efs = marks.get(MARK.efsPromoted);
  if (aurora || efs) {
    const planned = plan.mode === "planned";
    const rpo: NonNullable<RunReport["rpo"]> = { worstMs: null };
    if (aurora) {
      const lagMs = num(aurora.data.lagMs);
      const periodStart = num(aurora.data.lagPeriodStart);
      const metric = typeof aurora.data.lagMetric === "string" ? aurora.data.lagMetric : undefined;
      const d = lagMs !== null && periodStart !== null ? { metric: metric ?? "Aurora lag", maxMs: lagMs, periodStart, periodMs: 60_000 } : undefined;
      // Writes on the old primary are counted until the incident when it is given (as for EFS
      // below), else until the target was seen as the writer: Aurora fences the old primary only
      // best effort, and demotes it when the promotion completes (the run's end if not marked).
      const writerAt = marks.get(MARK.auroraWriter)?.at ?? input.endedAt;
      const writesEnd = input.incidentAt !== undefined ? Math.min(input.incidentAt, writerAt) : writerAt;
      const window = planned ? 0 : d ? auroraLossBoundMs(d, writesEnd) : null;
      const basis = planned
        ? "switchover after the quiesce: nothing unreplicated"
        : d
          ? `upper bound: ${describeAuroraLag(d)}, the newest datapoint before the promotion, proves the secondary had every write before ` +
            `${isoTime(auroraEvidencedUpTo(d))}; writes counted until ${input.incidentAt !== undefined ? "the incident" : `the new writer took over (${isoTime(writerAt)})`}`
          : "unknown: no lag datapoint before the promotion";
      rpo.aurora = {
        promotedAt: isoTime(aurora.at),
        lagMs,
        ...(metric ? { lagMetric: metric } : {}),
        ...(periodStart !== null ? { lagPeriodStart: isoTime(periodStart) } : {}),
        dataLossWindowMs: window,
        basis,
      };
    }
    if (efs) {
      const last = num(efs.data.lastReplicatedAt);
      const lagMs = num(efs.data.lagMs);
      // Planned: the sync waited for started after the quiesce, so every write made it across.
      // Unplanned: writes made after the last sync are lost; with --incident-at, none after it.
      const window = planned
        ? quiesced && last !== null
          ? Math.max(0, quiesced.at - last)
          : 0
        : input.incidentAt !== undefined && last !== null && lagMs !== null
          ? Math.min(lagMs, Math.max(0, input.incidentAt - last))
          : lagMs;
      rpo.efs = {
        promotedAt: isoTime(efs.at),
        lastReplicatedAt: last !== null ? isoTime(last) : null,
        lagMs,
        dataLossWindowMs: window,
        // An unplanned detach that fell back ended with LOCAL_CONFIGURATION_ONLY whatever it tried first.
        ...(marks.has(MARK.efsLocalFallback)
          ? { deletionMode: "LOCAL_CONFIGURATION_ONLY" }
          : typeof efs.data.deletionMode === "string"
            ? { deletionMode: efs.data.deletionMode }
            : {}),
      };
    }
    const windows = [rpo.aurora?.dataLossWindowMs, rpo.efs?.dataLossWindowMs].filter((v) => v !== undefined);
    rpo.worstMs = windows.some((v) => v === null) ? null : Math.max(0, ...(windows as number[]));
    report.rpo = rpo;
  }
  if ((plan.command === "failover" || plan.command === "failback") && !plan.steps.some((s) => isDnsStepId(s.id))) {
    // The DNS steps exist exactly when a site has `eks-dr:dns` (plan/steps/dns.ts).
    const albHostname = typeof serving?.data.albHostname === "string" ? serving.data.albHostname : undefined;
    report.dns = { none: true, ...(plan.target ? { target: plan.target } : {}), ...(albHostname ? { albHostname } : {}) };
  } else if (marks.has(MARK.dnsSwapped) || marks.has(MARK.dnsSwapFailed)) {
    report.dns = marks.has(MARK.dnsSwapFailed) && !marks.has(MARK.dnsSwapped) ? { swapped: false, fallback: "health-check failover" } : { swapped: true };
  }
  return report;
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length));
/** mm:ss, or h:mm:ss for runs of an hour or more (a failback may wait hours for Aurora's rebuild). */
const clockOffset = (ms: number | undefined, hours: boolean) => {
  const two = (n: number) => String(n).padStart(2, "0");
  if (ms === undefined) return hours ? "       " : "     ";
  const s = Math.round(ms / 1000);
  return hours ? `${Math.floor(s / 3600)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}` : `${two(Math.floor(s / 60))}:${two(s % 60)}`;
};
const inHours = (report: RunReport) => report.durationMs >= 3_600_000;

/** The timeline: one line per step with its start and end offsets and duration. */
export function formatTimeline(report: RunReport): string[] {
  const width = Math.max(...report.steps.map((s) => s.id.length), 4);
  const hours = inHours(report);
  return report.steps.map(
    (s) =>
      `  +${clockOffset(s.startOffsetMs, hours)} .. +${clockOffset(s.endOffsetMs, hours)}  ${pad(s.id, width)}  ${pad(s.outcome, 8)} ${pad(
        s.elapsedMs !== undefined ? formatDuration(s.elapsedMs) : "",
        8,
      )}${s.detail ? ` ${s.detail}` : ""}${s.retries ? ` [${s.retries} throttling retr${s.retries === 1 ? "y" : "ies"}]` : ""}`,
  );
}

/** The final report for people. */
export function formatReport(report: RunReport, opts: { timeline?: boolean } = {}): string[] {
  const lines: string[] = [];
  lines.push(`${report.title}: ${report.outcome === "rolled-back" ? "ROLLED BACK" : report.outcome.toUpperCase()} in ${formatDuration(report.durationMs)}${report.attempts > 1 ? ` (${report.attempts} attempts)` : ""}`);
  if (report.failedStep) lines.push(`  failed step: ${report.failedStep}: ${report.error ?? ""}`);
  if (report.outcome === "rolled-back") {
    lines.push(
      `  ${report.source ?? "the source"} serves again: the run failed before its point of no return, so nothing was switched; ` +
        `it was unquiesced (its DNS record is as it was: the swap comes after that point), and ${report.target ?? "the target"}'s capacity set back to standby. ` +
        `Fix the cause, then run the command again (a new run).`,
    );
  } else if (report.outcome === "failed" && report.pointOfNoReturn?.crossed) {
    lines.push(`  the run is past its point of no return (crossed ${report.pointOfNoReturn.at}): it can only finish forward. Once the cause is fixed, finish it with:`);
    lines.push(`    ${report.resumeCommand ?? "the same command"}`);
    if (report.sites?.length) lines.push("  state now:", ...report.sites.map((l) => `    ${l}`));
  } else if (report.outcome === "failed") {
    lines.push(`  the run can be resumed: fix the cause and run \`${report.resumeCommand ?? "the same command"}\` (steps done are not repeated)`);
  }
  if (opts.timeline) lines.push(`  timeline (offsets from the start, ${inHours(report) ? "h:mm:ss" : "mm:ss"}):`, ...formatTimeline(report));
  if (report.rto) {
    lines.push(`  RTO: ${formatDuration(report.rto.ms)} (from ${report.rto.from === "incident" ? "the incident" : "the start"} ${report.rto.fromAt} until ${report.target ?? "the new site"} served, ${report.rto.servingAt})`);
  }
  if (report.rpo) {
    const a = report.rpo.aurora;
    const e = report.rpo.efs;
    const fmt = (v: number | null) => (v === null ? "unknown" : formatDuration(v));
    if (a) lines.push(`  RPO Aurora: ${a.dataLossWindowMs !== null && a.dataLossWindowMs > 0 ? "≤ " : ""}${fmt(a.dataLossWindowMs)} (${a.basis}; promoted ${a.promotedAt})`);
    if (e) {
      lines.push(
        `  RPO EFS: ${fmt(e.dataLossWindowMs)} (last sync ${e.lastReplicatedAt ?? "never"}, ${fmt(e.lagMs)} before the promotion${e.deletionMode ? `, ${e.deletionMode}` : ""})`,
      );
    }
  }
  if (report.writeDowntime) lines.push(`  write downtime: ${formatDuration(report.writeDowntime.ms)} (quiesce ${report.writeDowntime.quiescedAt} until serving)`);
  const dns = report.dns;
  if (dns && "none" in dns) {
    const where = `${dns.target ?? "the new site"}${dns.albHostname ? `'s load balancer, ${dns.albHostname}` : ""}`;
    lines.push(`  DNS: no failover record (no eks-dr:dns): users still resolve to what they resolved before; point the application's name at ${where}`);
  } else if (dns && !dns.swapped) lines.push(`  DNS: the Route 53 swap failed; traffic moved by ${dns.fallback}`);
  return lines;
}
