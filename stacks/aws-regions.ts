/**
 * AWS Region codes, checked against the AWS SDK v3's partition data (`partition()` of
 * @aws-sdk/util-endpoints, the partitions.json every SDK client resolves its endpoints from, so it
 * follows new Regions with each SDK release), not against a list kept by hand.
 *
 * - A code the data lists is a Region; its partition and name come from the data.
 * - A code one edit away from a listed Region, with letters that differ (`us-esat-1`), is a typo:
 *   refused with the Region meant. Only the number differing (`us-east-7`) is how new Regions are
 *   named, so such a code, and any other code shaped like a Region, is accepted with a warning:
 *   the installed SDK may be older than the Region.
 */
import { partition } from "@aws-sdk/util-endpoints";

/** The shape of every Region code: geography, optional qualifiers, direction, number (`us-gov-west-1`, `eusc-de-east-1`). */
const REGION_SHAPE = /^[a-z]{2,4}(-[a-z]{2,})+-\d{1,2}$/;
const EDIT_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789-";

export type RegionVerdict =
  | { kind: "known"; partition: string; description: string }
  /** Shaped like a Region but not in the data: a Region newer than the installed SDK, or a mistake. */
  | { kind: "unlisted"; partition: string }
  /** Not a Region; `suggestion` is the listed Region it is one edit away from, if any. */
  | { kind: "invalid"; suggestion?: { region: string; description: string } };

/** The data's entry for a code, or undefined when it lists no such Region (pseudo-Regions such as aws-global excluded). */
function listed(code: string): { partition: string; description: string } | undefined {
  if (code.endsWith("-global")) return undefined;
  const p = partition(code) as { name: string; description?: string };
  return p.description !== undefined ? { partition: p.name, description: p.description } : undefined;
}

/** Codes one edit (delete, swap two neighbours, replace, insert) away from `code`. */
function oneEditAway(code: string): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i <= code.length; i++) {
    const [head, tail] = [code.slice(0, i), code.slice(i)];
    if (tail) out.add(head + tail.slice(1));
    if (tail.length > 1) out.add(head + tail[1] + tail[0] + tail.slice(2));
    for (const c of EDIT_ALPHABET) {
      if (tail) out.add(head + c + tail.slice(1));
      out.add(head + c + tail);
    }
  }
  out.delete(code);
  return out;
}

const lettersOf = (code: string) => code.replace(/\d+$/, "");

/** What the SDK's partition data says about a Region code. */
export function checkRegion(code: string): RegionVerdict {
  const known = listed(code);
  if (known) return { kind: "known", ...known };
  const near = [...oneEditAway(code)]
    .map((candidate) => ({ region: candidate, entry: listed(candidate) }))
    .filter((c): c is { region: string; entry: { partition: string; description: string } } => c.entry !== undefined)
    .sort((a, b) => a.region.localeCompare(b.region));
  // A known Region whose letters are spelled differently: a typo, whatever the shape.
  const typo = near.find((c) => lettersOf(c.region) !== lettersOf(code));
  if (typo) return { kind: "invalid", suggestion: { region: typo.region, description: typo.entry.description } };
  if (REGION_SHAPE.test(code)) return { kind: "unlisted", partition: (partition(code) as { name: string }).name };
  const any = near[0];
  return { kind: "invalid", ...(any ? { suggestion: { region: any.region, description: any.entry.description } } : {}) };
}

/**
 * The partition of a Region (`aws`, `aws-cn`, `aws-us-gov`, `aws-iso-b`, `aws-eusc`...): from the
 * data for a listed Region, else from the data's per-partition Region patterns.
 */
export function partitionOf(region: string): string {
  return (partition(region) as { name: string }).name;
}
