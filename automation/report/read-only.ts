/**
 * Sites whose app runs read-only. A planned failover quiesces its source (config `eks-dr:quiesced:
 * true`, then `up`: the app gets READ_ONLY=true, outputs `readOnly`), and clears it at its converge
 * or its rollback. A run abandoned in between, or the key left set, leaves a site that refuses every
 * write: an active site so is an outage of writes. A standby so is a lesser risk: a failover to it
 * clears the key at its converge, but a warm standby's pods already run read-only and answer the
 * health path, so the failover's RTO would end while it still refuses writes.
 * `status` and a failed run's report name them with the command that clears them.
 */
import type { StackPort } from "../ports";
import { stackFileName, type SiteConfig } from "../../stacks/config";
import type { SiteOutputs } from "../../stacks/outputs";

export interface ReadOnlySite {
  stack: string;
  /** The site's role in its config. */
  role: "active" | "standby";
  /** The config key that puts the app in read-only mode. */
  configKey: "eks-dr:quiesced";
  /** The key is still true in config; false: it was cleared but the `up` that applies it has not run. */
  quiescedInConfig: boolean;
  /** What clears it: the open run's resume command, else the config change and the `up`. */
  clear: string;
}

/** The run that quiesced the site, still open in the journal: finishing it clears the key (converge or rollback). */
export interface OpenRun {
  runId: string;
  /** The whole command that resumes it. */
  command: string;
  /** No run end in the journal: its process died, so the resume needs --take-over once that process is gone. */
  crashed: boolean;
}

/** The command(s) that clear `stack`'s read-only mode. */
export function clearReadOnly(stack: string, quiescedInConfig: boolean, openRun?: OpenRun): string {
  if (openRun) {
    return (
      `finish run ${openRun.runId}, which quiesced it: \`${openRun.command}\`${openRun.crashed ? " (with --take-over once its process is gone)" : ""} ` +
      `(its rollback or its converge sets quiesced=false and runs up)`
    );
  }
  const up = `\`pulumi up -s ${stack}\``;
  return quiescedInConfig
    ? `set eks-dr:quiesced: false in ${stackFileName(stack)} (\`pulumi config set eks-dr:quiesced false -s ${stack}\`), then run ${up}`
    : `its config already says quiesced=false; run ${up} to apply it`;
}

/**
 * The sites among `stacks` whose last `up` left the app read-only (outputs `readOnly`). A site
 * whose config or outputs cannot be read is left out: the caller reports those reads itself.
 */
export async function readOnlySites(stacks: StackPort, names: readonly string[], openRun?: OpenRun): Promise<ReadOnlySite[]> {
  const sites = await Promise.all(
    names.map(async (stack) => {
      const [outputs, config] = await Promise.all([stacks.outputs(stack).catch(() => undefined), stacks.readConfig(stack).catch(() => undefined)]);
      return config && outputs ? readOnlySite(stack, config, outputs, openRun) : undefined;
    }),
  );
  return sites.filter((s): s is ReadOnlySite => s !== undefined);
}

/** The site, if its last `up` left its app read-only. */
export function readOnlySite(
  stack: string,
  config: Pick<SiteConfig, "role" | "quiesced">,
  outputs: Pick<SiteOutputs, "readOnly">,
  openRun?: OpenRun,
): ReadOnlySite | undefined {
  if (outputs.readOnly !== true) return undefined;
  return { stack, role: config.role, configKey: "eks-dr:quiesced", quiescedInConfig: config.quiesced, clear: clearReadOnly(stack, config.quiesced, openRun) };
}

/** The readiness check's text for one site. */
export function describeReadOnly(site: ReadOnlySite): string {
  return site.role === "active"
    ? `${site.stack} is the active site and its app runs read-only (READ_ONLY=true, from ${site.configKey}): it refuses every write; clear it: ${site.clear}`
    : `${site.stack}'s app runs read-only (READ_ONLY=true, from ${site.configKey}): a failover to it clears the key only at its converge, and a warm standby's health path ` +
        `already answers, so the failover would count it serving while it still refuses writes; clear it: ${site.clear}`;
}
