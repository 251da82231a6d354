/**
 * The offline gate: the rules between the two sites' configs (stacks/config.ts `pairProblems`:
 * different Regions, non-overlapping CIDRs, one owner of global resources, one active site, the
 * same DNS name and engine version), checked before anything reads or changes the cloud. A `pulumi
 * up` would refuse the same config, but only after the driver had promoted and detached.
 */
import { ConfigError, pairProblems, configKey, type SiteConfig } from "../../stacks/config";
import { RefusedError } from "../errors";
import type { StackPort } from "../ports";

export interface PairConfigs {
  stacks: [string, string];
  configs: [SiteConfig, SiteConfig];
}

/**
 * Reads both sites' configs (each validated by the schema) and refuses on any rule between them.
 * `duringRun`: a resumed run may have stopped between its two role changes, so "one active site"
 * is not required then; every other rule is.
 */
export async function checkPairConfig(stacks: StackPort, names: [string, string], opts: { duringRun: boolean }): Promise<PairConfigs> {
  const configs = (await Promise.all(names.map((s) => stacks.readConfig(s)))) as [SiteConfig, SiteConfig];
  const problems = pairProblems({ stack: names[0], config: configs[0] }, { stack: names[1], config: configs[1] }).filter(
    (p) => !(opts.duringRun && p.key === configKey("role")),
  );
  if (problems.length > 0) {
    throw new RefusedError(`${new ConfigError(names[0], problems).message}\nNothing was changed: the driver checks the pair's config before it acts.`);
  }
  return { stacks: names, configs };
}
