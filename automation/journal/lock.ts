/**
 * Who holds the run lock, whether that holder is still alive, and the error a second run gets.
 *
 * A holder is alive when, on this host, its process is running (a pid check); on another host
 * we cannot see its process, so it is alive while its lease has not expired: the living run
 * renews the lease's expiry periodically (every third of the lease), and a run whose host died
 * stops renewing it. `--take-over` replaces only a holder that is not alive.
 */

export interface LockHolder {
  runId: string;
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  since: string;
  /** ISO time the lease ends unless the holder renews it. */
  expiresAt?: string;
}

/** Lease of a lock when none is configured: long enough for a pause, short enough for an outage. */
export const DEFAULT_LEASE_MS = 60_000;

/** Whether the holder runs: yes, no, or unknown (a torn lock, or a remote holder without a lease). */
export type Liveness = "alive" | "gone" | "unknown";

/** The holder's liveness as seen from `host` at `now` (ms). */
export function holderLiveness(holder: LockHolder, host: string, now: number, isAlive: (pid: number) => boolean = processAlive): Liveness {
  if (holder.host === host && holder.pid > 0) return isAlive(holder.pid) ? "alive" : "gone";
  const expiry = holder.expiresAt ? Date.parse(holder.expiresAt) : NaN;
  if (Number.isNaN(expiry)) return "unknown";
  return expiry > now ? "alive" : "gone";
}

/** Another run holds the lock (alive: never taken over; gone or unknown: `--take-over`). */
export class LockHeldError extends Error {
  override name = "LockHeldError";
  constructor(
    readonly holder: LockHolder,
    readonly where: string,
    /** True when the holder is known not to run any more (its process is gone, or its lease expired). */
    readonly looksStale: boolean,
    readonly alive = false,
    /** The holder is on this host (its process was checked), rather than judged by its lease. */
    readonly local = true,
  ) {
    super(
      `Another eks-dr run holds the lock ${where}: run ${holder.runId}, pid ${holder.pid} on ${holder.host}, since ${holder.since}` +
        `${holder.expiresAt ? `, lease until ${holder.expiresAt}` : ""}.\n` +
        (alive
          ? local
            ? `That process is still running, so --take-over is refused: two runs would act at once. Wait for it to finish, or stop it first (kill ${holder.pid}).`
            : `Its lease runs until ${holder.expiresAt} and the living run renews it, so --take-over is refused: two runs would act at once. ` +
              `If ${holder.host} is lost, the lease expires by itself: rerun with --take-over after ${holder.expiresAt}.`
          : looksStale
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

/**
 * Starts calling `renew` every `everyMs` of real time, without keeping the process alive for it;
 * returns the function that stops it.
 */
export function renewEvery(everyMs: number): (renew: () => void) => () => void {
  return (renew) => {
    const timer = setInterval(renew, everyMs);
    timer.unref();
    return () => clearInterval(timer);
  };
}
