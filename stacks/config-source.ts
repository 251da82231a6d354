/**
 * Loads and checks a site's config inside a Pulumi program, before any resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, formatConfigProblem, PROJECT, pairProblems, parseSiteConfig, siteConfigWarnings, type SiteConfig } from "./config";
import { readStackFileConfig, stackFileName } from "./stack-files";

export interface LoadedSite {
  stack: string;
  config: SiteConfig;
  /** The peer's config, from its stack file in the project directory. */
  peerConfig: SiteConfig;
}

/** The project's keys of the running stack, as Pulumi holds them (JSON text for non-strings). */
export function runtimeProjectConfig(): Record<string, string> {
  const prefix = `${PROJECT}:`;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (key.startsWith(prefix)) out[key.slice(prefix.length)] = value;
  }
  return out;
}

/**
 * Validates this site's config, the peer's stack file, and the rules between the two sites (different Regions, non-overlapping CIDRs, one active, one owner of global resources).
 * Throws a ConfigError naming every bad file and key; nothing has been created at that point.
 * What is valid but worth a look (a Region the AWS SDK does not list yet) is logged as a warning.
 */
export function loadSite(
  stack: string,
  raw: Record<string, unknown>,
  projectDir: string,
  readStackFile: (stack: string) => Record<string, unknown> | undefined = (s) => readStackFileConfig(projectDir, s),
): LoadedSite {
  const config = parseSiteConfig(stack, raw);
  const peerRaw = readStackFile(config.peerStack);
  if (peerRaw === undefined) {
    // Both sites' stack files live in this project: the peer's Region and CIDR are needed to wire
    // replication and to check the pair before anything is created.
    throw new ConfigError(stack, [
      {
        file: stackFileName(stack),
        key: `${PROJECT}:peerStack`,
        message: `is "${config.peerStack}" but ${stackFileName(config.peerStack)} is not in ${projectDir}; create it (pulumi stack init ${config.peerStack}) or fix the name`,
      },
    ]);
  }
  // The peer's own problems name its file: the same lines `npm run validate` prints for it.
  const peerConfig = parseSiteConfig(config.peerStack, peerRaw);
  const problems = pairProblems({ stack, config }, { stack: config.peerStack, config: peerConfig });
  if (problems.length > 0) throw new ConfigError(stack, problems);
  for (const warning of siteConfigWarnings(stack, config)) void pulumi.log.warn(formatConfigProblem(warning));
  return { stack, config, peerConfig };
}
