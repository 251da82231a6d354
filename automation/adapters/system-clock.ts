/**
 * The real `Clock`: wall-clock time and an abortable sleep.
 */
import type { Clock } from "../ports";

export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  /** Resolves after `ms`; rejects with the signal's reason when aborted (at once if it already is). */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
