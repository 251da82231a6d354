/**
 * The pair's DR state as its stack files record it, and the enforcement levels it selects.
 *
 * A policy pack cannot read stack config (@pulumi/policy hands policies only resources, their
 * options and the pack's own config), so the state is read from the two `Pulumi.<stack>.yaml`
 * files and turned into a `--policy-pack-config` file: a mandatory policy that lists the recorded
 * condition in `relaxedWhen` runs as advisory (reported, not blocking). Nothing is relaxed by hand:
 * the files are what the failover driver writes and what the deploy refuses to contradict.
 */
import type { DrCondition, DrPolicy } from "./policy";

/** Config key (in the `eks-dr:` namespace) listing Regions to stay away from during an outage. */
export const IMPAIRED_REGIONS_KEY = "impairedRegions";

/** One site's stack file: its name and its raw `eks-dr:` values (namespace stripped). */
export interface StackFileRecord {
  stack: string;
  config: Record<string, unknown>;
}

/** A condition the stack files record, with the evidence for messages. */
export interface DrFinding {
  condition: DrCondition;
  reason: string;
}

/** A mandatory policy run as advisory, and the findings that made it so. */
export interface Relaxation {
  policy: string;
  because: string[];
}

/** `false` as YAML or as the string `pulumi config set` stores for a top-level value. */
function isFalse(value: unknown): boolean {
  return value === false || value === "false";
}

function stringList(value: unknown): string[] {
  let v = value;
  if (typeof v === "string") {
    try {
      v = JSON.parse(v);
    } catch {
      v = [v];
    }
  }
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string" && x.trim() !== "").map((x) => x.trim()) : [];
}

/** The conditions recorded in the site's stack file and its peer's (either site can record them). */
export function drFindings(site: StackFileRecord, peer: StackFileRecord | undefined): DrFinding[] {
  const findings: DrFinding[] = [];
  const files = peer ? [site, peer] : [site];
  for (const file of files) {
    if (file.config.role === "active" && isFalse(file.config.replicateToPeer)) {
      findings.push({
        condition: "replication-paused",
        reason: `Pulumi.${file.stack}.yaml records replicateToPeer: false on the active site (unplanned failover; failback turns it back on)`,
      });
    }
  }
  const pairRegions = new Map(files.map((f) => [f.config.region, f.stack] as const).filter((e): e is [string, string] => typeof e[0] === "string"));
  for (const file of files) {
    for (const region of stringList(file.config[IMPAIRED_REGIONS_KEY])) {
      const owner = pairRegions.get(region);
      if (owner === undefined) continue;
      findings.push({
        condition: "region-impaired",
        reason: `Pulumi.${file.stack}.yaml lists ${region} (${owner}'s Region) in ${IMPAIRED_REGIONS_KEY}`,
      });
    }
  }
  return findings;
}

/** The mandatory policies the findings relax, each with its reasons; policies in pack order. */
export function relaxations(policies: readonly Pick<DrPolicy, "name" | "enforcementLevel" | "relaxedWhen">[], findings: readonly DrFinding[]): Relaxation[] {
  const out: Relaxation[] = [];
  for (const p of policies) {
    if (p.enforcementLevel !== "mandatory" || !p.relaxedWhen) continue;
    const because = findings.filter((f) => p.relaxedWhen?.includes(f.condition)).map((f) => f.reason);
    if (because.length > 0) out.push({ policy: p.name, because: [...new Set(because)] });
  }
  return out;
}

/**
 * The `--policy-pack-config` document: `{ "<policy>": "advisory" }` per relaxation, the short form
 * the engine accepts for an enforcement level (pulumi/pulumi pkg/resource/analyzer/config.go,
 * `parsePolicyPackConfig`). Empty when nothing is relaxed.
 */
export function policyPackConfig(relaxed: readonly Relaxation[]): Record<string, "advisory"> {
  return Object.fromEntries(relaxed.map((r) => [r.policy, "advisory" as const]));
}
