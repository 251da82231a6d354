/** Who holds the run lock, and the error a second run gets. */

export interface LockHolder {
  runId: string;
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  since: string;
}

/** Another run holds the lock (or held it and crashed: then `--take-over`). */
export class LockHeldError extends Error {
  override name = "LockHeldError";
  constructor(
    readonly holder: LockHolder,
    readonly where: string,
    /** True when the holder is on this host and its process is gone. */
    readonly looksStale: boolean,
  ) {
    super(
      `Another eks-dr run holds the lock ${where}: run ${holder.runId}, pid ${holder.pid} on ${holder.host}, since ${holder.since}.\n` +
        (looksStale
          ? `That process is not running any more, so the lock looks stale (a crashed run). Rerun with --take-over to take it over; the journal lets the crashed run resume.`
          : `Wait for it to finish. If you are sure it is gone (crashed, or its host is lost), rerun with --take-over.`),
    );
  }
}

/** True when `pid` names a live process on this host. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
