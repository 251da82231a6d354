/**
 * Durations as people write them, the same in a stack file (`eks-dr:rpoTargetSeconds: 15m`) and on
 * the command line (`--max-data-loss 5m`): a bare number is seconds (what the config keys named
 * `...Seconds` always took), anything else is one or more `<number><unit>` parts read by `ms`
 * (`500ms`, `45s`, `5m`, `2h`, `1d`; `1h30m` is `1h` + `30m`).
 */
import ms from "ms";
import { z } from "zod";

const ACCEPTED = "use e.g. 30s, 5m, 1h30m, 500ms or a number of seconds";

/** Milliseconds of a duration; throws an Error saying what is accepted. */
export function parseDuration(text: string): number {
  const value = text.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  // Split `1h30m` / `1h 30m` into parts, each a number and a unit that `ms` must read on its own.
  const parts = value.split(/(?<=[a-z])\s*(?=[\d.])/i);
  let total = 0;
  for (const part of parts) {
    const partMs = /[a-z]$/i.test(part) ? (ms(part as ms.StringValue) as number | undefined) : undefined;
    if (partMs === undefined || !Number.isFinite(partMs)) throw new Error(`"${text}" is not a duration; ${ACCEPTED}`);
    total += partMs;
  }
  return Math.round(total);
}

/**
 * A config value in seconds, given as a number (`300`) or a duration (`"5m"`); `then` checks the
 * seconds (range, whole number). Non-integral seconds are refused by `then` where whole ones are needed.
 */
export function seconds<T extends z.ZodType<unknown, number>>(then: T) {
  return z
    .union([z.number(), z.string()])
    .transform((value, ctx) => {
      if (typeof value === "number") return value;
      try {
        return parseDuration(value) / 1000;
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message, input: value });
        return z.NEVER;
      }
    })
    .pipe(then);
}
