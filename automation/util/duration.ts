/**
 * Durations as people type them on a command line (`90s`, `5m`, `1h30m`, `500ms`, or seconds) and
 * as the driver prints them (`3m 12s`).
 */

/** The one duration parser, shared with the config keys named `...Seconds` (stacks/duration.ts). */
export { parseDuration } from "../../stacks/duration";

/** `850ms`, `42s`, `3m 12s`, `1h 02m`; negative values get a minus sign. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return "n/a";
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 60) return `${totalSeconds}s`;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, "0")}m`;
  return `${minutes}m ${String(seconds).padStart(2, "0")}s`;
}

/** ISO time of a clock value, for reports. */
export const isoTime = (ms: number): string => new Date(ms).toISOString();
