/**
 * Durations as people type them on a command line (`90s`, `5m`, `1h30m`, `500ms`) and as the
 * driver prints them (`3m 12s`).
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses `500ms`, `45s`, `5m`, `1h30m` or a plain number of seconds into milliseconds.
 * Throws an Error whose message says what is accepted.
 */
export function parseDuration(text: string): number {
  const value = text.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const parts = value.match(/(\d+(?:\.\d+)?)(ms|s|m|h)/g);
  if (!parts || parts.join("") !== value) {
    throw new Error(`"${text}" is not a duration; use e.g. 30s, 5m, 1h30m, 500ms or a number of seconds`);
  }
  let total = 0;
  for (const part of parts) {
    const [, amount, unit] = part.match(/(\d+(?:\.\d+)?)(ms|s|m|h)/)!;
    total += Number(amount) * UNIT_MS[unit];
  }
  return Math.round(total);
}

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
