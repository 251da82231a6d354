/**
 * The RPO the report gives: one definition, one computation, for every command and path
 * (`failover`, `failback`, `failover --sim`, `drill`).
 *
 * An RPO here is an upper bound on the window of writes the target never received, from evidence
 * only: the window runs from the newest time the evidence proves replicated (Aurora: a lag
 * datapoint's `P - M`, see aurora-rpo.ts; EFS: LastReplicatedTimestamp read when the detach was
 * sent) to the time the source provably stopped taking writes that would matter to the target:
 * - planned: the end of the quiesce (writes stopped, the driver saw the `up` finish);
 * - unplanned: when the target was seen authoritative (Aurora: seen as the writer, the old primary
 *   is then demoted or fenced; EFS: seen writable, no longer a replication destination). Writes
 *   the source made until then may be lost; an `--incident-at` says when users lost service, not
 *   when writes stopped (a Region may keep taking writes well past the incident anyone declared),
 *   so it never shortens the window.
 * Without evidence (no datapoint, no sync timestamp, or no replication into the target at all)
 * the figure is unknown (null), never 0.
 */
import type { Mark } from "../journal/events";
import { isoTime } from "../util/duration";
import { auroraEvidencedUpTo, auroraLossBoundMs, describeAuroraLag } from "./aurora-rpo";

export interface AuroraRpo {
  promotedAt: string;
  /** The newest lag datapoint read before the promotion: its metric, maximum and period start. */
  lagMs: number | null;
  lagMetric?: string;
  lagPeriodStart?: string;
  /** 0 for a planned switchover; else an upper bound; null without a datapoint. */
  dataLossWindowMs: number | null;
  /** How the window was derived, for people. */
  basis: string;
}

export interface EfsRpo {
  promotedAt: string | null;
  lastReplicatedAt: string | null;
  /** Promotion minus the last sync, as read when the detach was sent. */
  lagMs: number | null;
  /** Upper bound; null when unknown. */
  dataLossWindowMs: number | null;
  deletionMode?: string;
  basis: string;
}

export interface RpoEvidence {
  mode?: "planned" | "unplanned";
  aurora?: Mark;
  /** When the target was seen as Aurora's writer. */
  auroraWriterAt?: number;
  efs?: Mark;
  /** When the target's file system was seen writable (the end of the detach step). */
  efsWritableAt?: number;
  /** When the quiesce ended: writes on the source had stopped. */
  quiescedAt?: number;
  /** The run's end: the latest a missing time can be. */
  endedAt: number;
  /** An unplanned detach fell back to LOCAL_CONFIGURATION_ONLY. */
  efsLocalFallback?: boolean;
  /** The plan has an EFS detach step and it found the target already writable (no replication into it). */
  efsNotReplicated?: boolean;
}

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** When writes that the target would need stopped on the source, and why (for the basis). */
function writesEnd(ev: RpoEvidence, seenAt: number | undefined): { at: number; why: string } {
  if (ev.mode === "planned" && ev.quiescedAt !== undefined) return { at: ev.quiescedAt, why: `the quiesce ended (${isoTime(ev.quiescedAt)})` };
  const at = seenAt ?? ev.endedAt;
  return { at, why: `the target took over (${isoTime(at)})` };
}

export function auroraRpo(ev: RpoEvidence): AuroraRpo | undefined {
  const m = ev.aurora;
  if (!m) return undefined;
  const lagMs = num(m.data.lagMs);
  const periodStart = num(m.data.lagPeriodStart);
  const metric = typeof m.data.lagMetric === "string" ? m.data.lagMetric : undefined;
  const d = lagMs !== null && periodStart !== null ? { metric: metric ?? "Aurora lag", maxMs: lagMs, periodStart, periodMs: 60_000 } : undefined;
  const planned = ev.mode === "planned";
  const end = writesEnd(ev, ev.auroraWriterAt);
  // A switchover synchronizes the secondary before it changes roles ("Using switchover or failover
  // in Amazon Aurora Global Database", Aurora User Guide): nothing unreplicated, whatever the lag read.
  const window = planned ? 0 : d ? auroraLossBoundMs(d, end.at) : null;
  const basis = planned
    ? "switchover after the quiesce: Aurora synchronizes the secondary before switching"
    : d
      ? `upper bound: ${describeAuroraLag(d)}, the newest datapoint before the promotion, proves the secondary had every write before ` +
        `${isoTime(auroraEvidencedUpTo(d))}; writes counted until ${end.why}`
      : "unknown: no lag datapoint before the promotion";
  return {
    promotedAt: isoTime(m.at),
    lagMs,
    ...(metric ? { lagMetric: metric } : {}),
    ...(periodStart !== null ? { lagPeriodStart: isoTime(periodStart) } : {}),
    dataLossWindowMs: window,
    basis,
  };
}

export function efsRpo(ev: RpoEvidence): EfsRpo | undefined {
  const m = ev.efs;
  if (!m) {
    if (!ev.efsNotReplicated) return undefined;
    return {
      promotedAt: null,
      lastReplicatedAt: null,
      lagMs: null,
      dataLossWindowMs: null,
      basis: "unknown: the target's file system was not a replication destination, so nothing proves what the source wrote reached it",
    };
  }
  const last = num(m.data.lastReplicatedAt);
  const lagMs = num(m.data.lagMs);
  const end = writesEnd(ev, ev.efsWritableAt);
  const window = last === null ? null : Math.max(0, end.at - last);
  const deletionMode = ev.efsLocalFallback ? "LOCAL_CONFIGURATION_ONLY" : typeof m.data.deletionMode === "string" ? m.data.deletionMode : undefined;
  return {
    promotedAt: isoTime(m.at),
    lastReplicatedAt: last !== null ? isoTime(last) : null,
    lagMs,
    dataLossWindowMs: window,
    ...(deletionMode ? { deletionMode } : {}),
    basis: last === null ? "unknown: no sync recorded before the detach" : `upper bound: last sync ${isoTime(last)}; writes counted until ${end.why}`,
  };
}

/** The larger window; null when either figure is unknown. */
export function worstWindow(...windows: (number | null | undefined)[]): number | null {
  const present = windows.filter((v) => v !== undefined);
  return present.some((v) => v === null) ? null : Math.max(0, ...(present as number[]));
}
