/**
 * The run report, computed from the journal's events (so a resumed run reports its whole history)
 * and the step records of the last attempt.
 *
 * - RTO, site-level: from when users lost service (the incident with `--incident-at`; in a planned
 *   run the start of the quiesce; else the run's start) until the new active site served and was
 *   healthy (the `serving` mark).
 * - RTO for users: the same start until clients resolving the application's name are served; on
 *   the real path an estimate from the health check and the record's TTL (users.ts), measured on
 *   the simulated Regions (sim/user-view.ts).
 * - RPO: one definition for every command (rpo.ts): an upper bound from evidence, never below
 *   what was lost.
 * - Write downtime (planned): from the start of the quiesce until the new site served.
 */
import type { JournalEvent } from "../ports";
import { marksOf, runStart } from "../journal/events";
import type { StepRecord } from "../engine/executor";
import { isDnsStepId, MARK } from "../plan/steps";
import { auroraRpo, efsRpo, worstWindow, type AuroraRpo, type EfsRpo, type RpoEvidence } from "./rpo";
import type { ReadOnlySite } from "./read-only";
import { dnsTermsOf, estimateUsersRto, type UsersRto } from "./users";
import type { Plan } from "../plan/types";
import { formatDuration, isoTime } from "../util/duration";

/**
 * Where an RTO starts: the incident (--incident-at), the start of a planned run's quiesce, the
 * run's start, or (simulation) when users measurably lost service.
 */
export type RtoFrom = "start" | "incident" | "quiesce" | "measured";

const stepNamed =
  (...names: string[]) =>
  (stepId: string) =>
    names.some((n) => stepId === n || stepId.endsWith(`:${n}`));
const isQuiesceStepId = stepNamed("quiesce-source");
const isEfsDetachStepId = stepNamed("detach-efs", "delete-efs-replication");

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
  /** For a failed run: the sites it left with their app read-only (refusing writes), and what clears it. */
  readOnly?: ReadOnlySite[];
  /** Site-level: from when users lost service until the new site served and was healthy. */
  rto?: { from: RtoFrom; fromAt: string; servingAt: string; ms: number };
  /** As users experience it, through the application's name (absent without failover DNS). */
  users?: UsersRto;
  rpo?: {
    aurora?: AuroraRpo;
    efs?: EfsRpo;
    /** The larger data-loss window; null when a figure is unknown. */
    worstMs: number | null;
  };
  writeDowntime?: { quiescedAt: string; servingAt: string; ms: number };
  /**
   * Planned moves: how long clients could not read. The quiesce puts the source's app in read-only
   * mode, so it serves reads until clients resolving the name reach the new site. On the real path
   * the estimate is an upper bound, the users' RTO (as if reads had stopped with writes); the
   * simulation measures it. Null when reads were not back at the end of the run.
   */
  readDowntime?: { how: "estimate" | "measured"; ms: number | null };
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
      ...((r.detail ?? e?.detail) ? { detail: r.detail ?? e?.detail } : {}),
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

  // When users lost service, as far as the driver's evidence goes: the incident the operator
  // gives; in a planned run the start of the quiesce (service may stop as soon as its up begins,
  // not when the driver sees it finish); else the run's start. The simulation replaces it with
  // what it measured (automation/sim/user-view.ts).
  const serving = marks.get(MARK.serving);
  const quiesced = marks.get(MARK.quiesced);
  const quiesceStart = [...starts].find(([id]) => isQuiesceStepId(id))?.[1];
  const lost: { at: number; from: RtoFrom; basis: string } =
    input.incidentAt !== undefined
      ? { at: input.incidentAt, from: "incident", basis: "the incident (--incident-at)" }
      : quiesced && quiesceStart !== undefined
        ? { at: quiesceStart, from: "quiesce", basis: "the start of the quiesce" }
        : { at: startedAt, from: "start", basis: "the run's start (give --incident-at for the incident's time)" };
  if (serving) {
    report.rto = { from: lost.from, fromAt: isoTime(lost.at), servingAt: isoTime(serving.at), ms: serving.at - lost.at };
    const terms = dnsTermsOf(serving);
    if (terms) report.users = estimateUsersRto(terms, serving.at, lost);
  }
  if (quiesced && serving && quiesceStart !== undefined) {
    report.writeDowntime = { quiescedAt: isoTime(quiesceStart), servingAt: isoTime(serving.at), ms: serving.at - quiesceStart };
    if (report.users) report.readDowntime = { how: report.users.how, ms: report.users.ms };
  }

  const aurora = marks.get(MARK.auroraPromoted);
  const efs = marks.get(MARK.efsPromoted);
  // An EFS detach step that found the target already writable: no replication carried anything into it.
  const efsStep = steps.find((st) => isEfsDetachStepId(st.id));
  const efsNotReplicated = !efs && plan.mode !== undefined && efsStep !== undefined && /^skipped/.test(efsStep.outcome);
  if (aurora || efs || efsNotReplicated) {
    const stepEnd = (test: (id: string) => boolean) => [...ends].find(([id, e]) => test(id) && e.outcome === "done")?.[1].at;
    const evidence: RpoEvidence = {
      mode: plan.mode,
      endedAt: input.endedAt,
      ...(aurora ? { aurora } : {}),
      ...(efs ? { efs } : {}),
      auroraWriterAt: marks.get(MARK.auroraWriter)?.at,
      efsWritableAt: stepEnd(isEfsDetachStepId),
      quiescedAt: quiesced?.at,
      efsLocalFallback: marks.has(MARK.efsLocalFallback),
      efsNotReplicated,
    };
    const a = auroraRpo(evidence);
    const e = efsRpo(evidence);
    report.rpo = { ...(a ? { aurora: a } : {}), ...(e ? { efs: e } : {}), worstMs: worstWindow(a?.dataLossWindowMs, e?.dataLossWindowMs) };
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
  lines.push(
    `${report.title}: ${report.outcome === "rolled-back" ? "ROLLED BACK" : report.outcome.toUpperCase()} in ${formatDuration(report.durationMs)}${report.attempts > 1 ? ` (${report.attempts} attempts)` : ""}`,
  );
  if (report.failedStep) lines.push(`  failed step: ${report.failedStep}: ${report.error ?? ""}`);
  if (report.outcome === "rolled-back") {
    lines.push(
      `  ${report.source ?? "the source"} serves again: the run failed before its point of no return, so nothing was switched; ` +
        `it was unquiesced (its DNS record is as it was: the swap comes after that point), and ${report.target ?? "the target"}'s capacity set back to standby. ` +
        `Fix the cause, then run the command again (a new run).`,
    );
  } else if (report.outcome === "failed" && report.pointOfNoReturn?.crossed) {
    lines.push(
      `  the run is past its point of no return (crossed ${report.pointOfNoReturn.at}): it can only finish forward. Once the cause is fixed, finish it with:`,
    );
    lines.push(`    ${report.resumeCommand ?? "the same command"}`);
    if (report.sites?.length) lines.push("  state now:", ...report.sites.map((l) => `    ${l}`));
  } else if (report.outcome === "failed") {
    lines.push(`  the run can be resumed: fix the cause and run \`${report.resumeCommand ?? "the same command"}\` (steps done are not repeated)`);
  }
  for (const site of report.readOnly ?? [])
    lines.push(`  ${site.stack} is left read-only (${site.role}: its app refuses every write, ${site.configKey}); clear it: ${site.clear}`);
  if (opts.timeline) lines.push(`  timeline (offsets from the start, ${inHours(report) ? "h:mm:ss" : "mm:ss"}):`, ...formatTimeline(report));
  const u = report.users;
  if (u) {
    const name = u.hostname ? `clients resolving ${u.hostname}` : "clients";
    if (u.ms === null) lines.push(`  RTO for users: none: ${name} were still without service at the end of the run (since ${u.lostAt}, ${u.lostBasis})`);
    else if (u.how === "measured")
      lines.push(
        `  RTO for users: ${formatDuration(u.ms)} measured (${u.lostBasis} ${u.lostAt} until ${name} were served, ${u.servedAt}${u.terms.length ? `; ${u.terms.join("; ")}` : ""})`,
      );
    else lines.push(`  RTO for users: ≤ ${formatDuration(u.ms)} estimated from ${u.lostBasis} ${u.lostAt}: ${u.terms.join(" + ")}`);
  }
  if (report.rto) {
    const from =
      report.rto.from === "incident"
        ? "the incident"
        : report.rto.from === "quiesce"
          ? "the start of the quiesce"
          : report.rto.from === "measured"
            ? "users losing service"
            : "the start";
    lines.push(
      `  RTO ${u ? "site-level" : "(site-level)"}: ${formatDuration(report.rto.ms)} (from ${from} ${report.rto.fromAt} until ${report.target ?? "the new site"} served, ${report.rto.servingAt})`,
    );
  }
  if (report.rpo) {
    const a = report.rpo.aurora;
    const e = report.rpo.efs;
    const fmt = (v: number | null) => (v === null ? "unknown" : v > 0 ? `≤ ${formatDuration(v)}` : formatDuration(v));
    if (a) lines.push(`  RPO Aurora: ${fmt(a.dataLossWindowMs)} (${a.basis}; promoted ${a.promotedAt})`);
    if (e) lines.push(`  RPO EFS: ${fmt(e.dataLossWindowMs)} (${e.basis}${e.deletionMode ? `; ${e.deletionMode}` : ""})`);
  }
  if (report.writeDowntime)
    lines.push(
      `  write downtime: ${formatDuration(report.writeDowntime.ms)} (writes stopped ${report.writeDowntime.quiescedAt} until ${report.target ?? "the new site"} served)`,
    );
  const r = report.readDowntime;
  if (r) {
    const figure = r.ms === null ? "not over at the end of the run" : `${r.how === "estimate" ? "≤ " : ""}${formatDuration(r.ms)} ${r.how}`;
    lines.push(
      `  read downtime: ${figure} (${report.source ?? "the old site"} serves reads in read-only mode until clients reach ${report.target ?? "the new site"})`,
    );
  }
  const dns = report.dns;
  if (dns && "none" in dns) {
    const where = `${dns.target ?? "the new site"}${dns.albHostname ? `'s load balancer, ${dns.albHostname}` : ""}`;
    lines.push(`  DNS: no failover record (no eks-dr:dns): users still resolve to what they resolved before; point the application's name at ${where}`);
  } else if (dns && !dns.swapped) lines.push(`  DNS: the Route 53 swap failed; traffic moved by ${dns.fallback}`);
  return lines;
}
