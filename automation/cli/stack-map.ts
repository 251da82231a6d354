/**
 * Which Pulumi stack each site is: `--stack primary=acme/eks-dr/primary` (repeatable), or
 * EKS_DR_STACKS="primary=acme/eks-dr/primary,dr=acme/eks-dr/dr", for organisation-qualified stacks
 * as the CI workflows select them. Without either, a site's stack is its name.
 *
 * Rules relied on (pulumi/pulumi):
 * - a stack reference is `stack`, `org/stack` or `org/project/stack`, each part matching
 *   `^[A-Za-z0-9_.-]{1,100}$` (pkg/backend/diy/backend.go `validateStackName`, the rule it shares
 *   with the Pulumi Cloud backend; a DIY backend's only organisation is the literal `organization`);
 * - the stack's config is read from `Pulumi.<stack>.yaml`, named after the last part only
 *   (sdk/go/common/workspace/paths.go `DetectProjectStackPath`, given the reference's name), so the
 *   last part must be the site's name: otherwise Pulumi would read another file than the one this
 *   driver validates and rewrites.
 */
import { UsageError } from "../errors";

const PART = /^[A-Za-z0-9_.-]{1,100}$/;

export type StackMap = Record<string, string>;

/** Commander's collector for the repeatable `--stack <site=stack>`: keeps every value, checked later. */
export function collectStack(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function parseEntry(entry: string, source: string, sites: readonly string[], project: string): [string, string] {
  const example = `e.g. ${source === "--stack" ? "--stack " : ""}primary=acme/${project}/primary`;
  const eq = entry.indexOf("=");
  if (eq <= 0 || eq === entry.length - 1) throw new UsageError(`${what(source)}: "${entry}" is not <site>=<stack>; ${example}`);
  const site = entry.slice(0, eq).trim();
  const stack = entry.slice(eq + 1).trim();
  if (!sites.includes(site)) {
    throw new UsageError(`${what(source)}: "${site}" is not a site of this project; its sites are ${sites.join(", ")} (one Pulumi.<site>.yaml each)`);
  }
  const parts = stack.split("/");
  if (parts.length > 3 || parts.some((p) => !PART.test(p))) {
    throw new UsageError(
      `${what(source)}: "${stack}" is not a Pulumi stack name: use <stack>, <org>/<stack> or <org>/<project>/<stack>, each part letters, digits, "-", "_" or "." (${example})`,
    );
  }
  if (parts[parts.length - 1] !== site) {
    throw new UsageError(
      `${what(source)}: the stack for site "${site}" must end in /${site} (Pulumi reads a stack's config from Pulumi.<last part>.yaml, and this site's is Pulumi.${site}.yaml); got "${stack}"`,
    );
  }
  if (parts.length === 3 && parts[1] !== project) {
    throw new UsageError(`${what(source)}: "${stack}" names project "${parts[1]}", and this project is "${project}" (Pulumi.yaml)`);
  }
  return [site, stack];
}

const what = (source: string) => (source === "--stack" ? "option '--stack <site=stack>'" : source);

/**
 * The stack of each site from EKS_DR_STACKS, then the flags (a flag wins for its site). Throws a
 * UsageError naming the flag or the variable.
 */
export function stackMap(opts: { flags?: string[]; env?: string; sites: readonly string[]; project: string }): StackMap {
  const map: StackMap = {};
  const fromEnv = (opts.env ?? "").split(/[,\s]+/).filter((e) => e !== "");
  for (const entry of fromEnv) {
    const [site, stack] = parseEntry(entry, "EKS_DR_STACKS", opts.sites, opts.project);
    map[site] = stack;
  }
  const seen = new Set<string>();
  for (const entry of opts.flags ?? []) {
    const [site, stack] = parseEntry(entry, "--stack", opts.sites, opts.project);
    if (seen.has(site)) throw new UsageError(`option '--stack <site=stack>': site "${site}" is given twice; give each site once`);
    seen.add(site);
    map[site] = stack;
  }
  return map;
}

/** The flags that give the same mapping again (for the resume commands messages print). */
export function stackFlags(map: StackMap): string[] {
  return Object.entries(map).map(([site, stack]) => `--stack ${site}=${stack}`);
}
