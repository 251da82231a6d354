/**
 * The shape of one DR policy: pure logic over `ResourceLike` objects, plus the metadata the
 * policy pack needs. `index.ts` turns each into a CrossGuard policy; tests call `validate` directly.
 */
import type { ResourceLike } from "./resources";

export interface Violation {
  message: string;
  /** The offending resource; omitted when the stack as a whole is in violation. */
  urn?: string;
}

/** JSON-schema properties of a policy's config (`pulumi preview --policy-pack-config`). */
export type ConfigSchema = Record<
  string,
  { type: "integer" | "number" | "string" | "boolean"; default: number | string | boolean; minimum?: number; description: string }
>;

/**
 * A degraded DR state the stack files can record:
 * - `replication-paused`: the active site has `replicateToPeer: false` (set by the driver's
 *   unplanned failover while the old Region is impaired, cleared by failback). EFS replication is
 *   off and the old primary's DB cluster may be out of the global cluster until Aurora rebuilds it.
 * - `region-impaired`: a Region of the pair is listed as impaired (`impairedRegions`), so the pair's
 *   cross-Region wiring cannot be completed or checked until it recovers.
 */
export type DrCondition = "replication-paused" | "region-impaired";

export interface DrPolicy<C extends object = object> {
  /** Unique within the pack; what `--policy-pack-config` keys on. */
  name: string;
  description: string;
  enforcementLevel: "mandatory" | "advisory";
  /**
   * `resource`: checked on each resource's inputs before it is created or updated (blocks the
   * change). `validate` must then judge every resource on its own.
   * `stack`: checked once over all resources (their outputs) after the program has run; needed
   * when the rule spans resources (role, peer, pairs).
   */
  scope: "resource" | "stack";
  /** Resource types a `resource` policy reads (others are not applicable). */
  types?: readonly string[];
  configSchema?: ConfigSchema;
  /**
   * Degraded states of the pair, as the stack files record them, in which this mandatory policy
   * is legitimately violated and is run as advisory instead (see `dr-state.ts`): reported, not
   * blocking. Only policies that depend on replication between the two sites list any.
   */
  relaxedWhen?: readonly DrCondition[];
  /** Config values used when the pack config sets none. */
  defaults: C;
  validate(resources: readonly ResourceLike[], config: C): Violation[];
}

/**
 * Thrown by a stack policy that cannot judge the stack (e.g. the site's role is not visible);
 * the pack reports it as "not applicable" with the reason rather than passing silently.
 */
export class NotApplicable extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "NotApplicable";
  }
}

/** Identity helper that keeps each policy's config type. */
export function definePolicy<C extends object>(policy: DrPolicy<C>): DrPolicy<C> {
  return policy;
}

export interface PolicyResult {
  violations: Violation[];
  /** Set when the policy reported itself not applicable. */
  notApplicable?: string;
}

/** Runs one policy the way the pack does (defaults merged under the given config). */
export function runPolicy<C extends object>(policy: DrPolicy<C>, resources: readonly ResourceLike[], config: Partial<C> = {}): PolicyResult {
  const merged = { ...policy.defaults, ...config } as C;
  const scoped = policy.scope === "resource" && policy.types ? resources.filter((r) => policy.types?.includes(r.type)) : resources;
  try {
    return { violations: policy.validate(scoped, merged) };
  } catch (e) {
    if (e instanceof NotApplicable) return { violations: [], notApplicable: e.reason };
    throw e;
  }
}
