/**
 * `parseSiteConfig` once per distinct config: the simulated stacks read and check a stack's config
 * on every port call and every program run, and the schema's checks were a large share of a
 * simulated drill. Each caller gets its own copy of the result (it may change it); a config that
 * fails is parsed again each time, so the error is thrown as the schema throws it.
 */
import { parseSiteConfig, type SiteConfig } from "../../stacks/config";

const MAX_KEPT = 512;
const parsed = new Map<string, SiteConfig>();

/** The config as text, or undefined when JSON would not keep it exactly (undefined, non-finite numbers...). */
function exactKey(stack: string, raw: Record<string, unknown>): string | undefined {
  let exact = true;
  const text = JSON.stringify(raw, (_k, v: unknown) => {
    if (v === undefined || typeof v === "function" || typeof v === "symbol" || typeof v === "bigint" || (typeof v === "number" && !Number.isFinite(v)))
      exact = false;
    else if (v !== null && typeof v === "object" && !Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype) exact = false;
    return v;
  });
  return exact ? `${stack}\0${text}` : undefined;
}

export function parseSiteConfigCached(stack: string, raw: Record<string, unknown>): SiteConfig {
  const key = exactKey(stack, raw);
  if (key === undefined) return parseSiteConfig(stack, raw);
  let config = parsed.get(key);
  if (!config) {
    config = parseSiteConfig(stack, raw);
    parsed.set(key, config);
    if (parsed.size > MAX_KEPT) parsed.delete(parsed.keys().next().value as string);
  }
  return structuredClone(config);
}
