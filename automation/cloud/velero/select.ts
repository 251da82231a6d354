/**
 * Which Velero backup a restore applies: the newest one Velero completed (phase `Completed`) whose
 * completion is not after the data's point in time, i.e. the oldest of the AWS Backup recovery
 * points the restore chose.
 *
 * Not newer, because the objects must not describe a later state than the data they run against:
 * a backup taken after the recovery points may hold a Deployment of the next release expecting a
 * schema migration the restored database never saw, a CronJob whose last run the files do not show,
 * or a custom resource pointing at a file written later. Objects a little older than the data are
 * the usual order of a deploy (the data is migrated forward from them). A `PartiallyFailed` backup
 * lacks some of its objects without saying which to the restore, so it is passed over for an older
 * complete one.
 */
import { isoTime } from "../../util/duration";
import type { VeleroBackup } from "./port";

export type VeleroChoice = { ok: true; backup: VeleroBackup & { completedAt: number } } | { ok: false; problem: string };

export function selectVeleroBackup(backups: VeleroBackup[], opts: { notAfter: number; where: string }): VeleroChoice {
  const completed = backups
    .filter((b): b is VeleroBackup & { completedAt: number } => b.phase === "Completed" && b.completedAt !== undefined)
    .sort((a, b) => b.completedAt - a.completedAt);
  const chosen = completed.find((b) => b.completedAt <= opts.notAfter);
  if (chosen) return { ok: true, backup: chosen };
  if (backups.length === 0) return { ok: false, problem: `no Velero backup in ${opts.where}` };
  const newer = completed.filter((b) => b.completedAt > opts.notAfter);
  const notCompleted = backups.filter((b) => b.phase !== "Completed").map((b) => `${b.name} ${b.phase}`);
  return {
    ok: false,
    problem:
      `no Completed Velero backup in ${opts.where} finished at or before the recovery points (${isoTime(opts.notAfter)})` +
      (newer.length
        ? `: ${newer.length} finished later (the oldest: ${newer.at(-1)!.name} at ${isoTime(newer.at(-1)!.completedAt)}), so their objects may be newer than the data`
        : "") +
      (notCompleted.length ? `${newer.length ? "; " : ": "}not complete: ${notCompleted.join(", ")}` : ""),
  };
}
