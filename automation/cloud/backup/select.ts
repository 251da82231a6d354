/**
 * Which recovery points a restore uses: per data store, the newest COMPLETED point in the target
 * Region's vault that is not newer than the requested time; and the points of all stores within
 * `maxSkewMs` of each other, so the files and the database describe the same moment (a database
 * row pointing at a file written after the file system's point would dangle). When the newest
 * points are further apart, nothing is chosen: the problem names each store's newest point and the
 * newest time at which a consistent set exists, for `--point`.
 */
import { formatDuration, isoTime } from "../../util/duration";
import { BACKUP_RESOURCE_TYPES, type BackupResourceType, type RecoveryPoint } from "./port";

export type Selection = Record<BackupResourceType, RecoveryPoint>;

export type SelectionResult = { ok: true; points: Selection } | { ok: false; problem: string };

const byNewest = (a: RecoveryPoint, b: RecoveryPoint) => b.createdAt - a.createdAt;

/** The newest consistent set at or before `at`, if any. */
function newestConsistent(candidates: Record<BackupResourceType, RecoveryPoint[]>, maxSkewMs: number): Selection | undefined {
  const [first, ...rest] = BACKUP_RESOURCE_TYPES;
  for (const anchor of candidates[first]) {
    const set = { [first]: anchor } as Partial<Selection>;
    for (const type of rest) {
      const match = candidates[type].find((p) => Math.abs(p.createdAt - anchor.createdAt) <= maxSkewMs);
      if (!match) break;
      set[type] = match;
    }
    if (BACKUP_RESOURCE_TYPES.every((t) => set[t])) return set as Selection;
  }
  return undefined;
}

export function selectRecoveryPoints(points: RecoveryPoint[], opts: { at: number; maxSkewMs: number; vault: string }): SelectionResult {
  const candidates = Object.fromEntries(
    BACKUP_RESOURCE_TYPES.map((t) => [t, points.filter((p) => p.resourceType === t && p.status === "COMPLETED" && p.createdAt <= opts.at).sort(byNewest)]),
  ) as Record<BackupResourceType, RecoveryPoint[]>;
  const missing = BACKUP_RESOURCE_TYPES.filter((t) => candidates[t].length === 0);
  if (missing.length) {
    return { ok: false, problem: `no completed ${missing.join(" or ")} recovery point at or before ${isoTime(opts.at)} in ${opts.vault}` };
  }
  const newest = Object.fromEntries(BACKUP_RESOURCE_TYPES.map((t) => [t, candidates[t][0]])) as Selection;
  const times = BACKUP_RESOURCE_TYPES.map((t) => newest[t].createdAt);
  const skew = Math.max(...times) - Math.min(...times);
  if (skew <= opts.maxSkewMs) return { ok: true, points: newest };
  const consistent = newestConsistent(candidates, opts.maxSkewMs);
  const each = BACKUP_RESOURCE_TYPES.map((t) => `${t} ${isoTime(newest[t].createdAt)}`).join(", ");
  return {
    ok: false,
    problem:
      `the newest recovery points in ${opts.vault} are not consistent with each other: ${each} are ${formatDuration(skew)} apart, more than --max-skew ${formatDuration(opts.maxSkewMs)} ` +
      `(a copy job may have failed or not finished). ` +
      (consistent
        ? `The newest consistent set is at ${isoTime(Math.max(...BACKUP_RESOURCE_TYPES.map((t) => consistent[t].createdAt)))}: rerun with --point ${isoTime(Math.max(...BACKUP_RESOURCE_TYPES.map((t) => consistent[t].createdAt)))}, or raise --max-skew to accept the gap.`
        : `No earlier set is consistent either; raise --max-skew to accept the gap.`),
  };
}
