/**
 * Config and IaC steps: the quiesce (config + up), the role swap in config, and the `pulumi up` of
 * one site that converges it on what the driver changed.
 */
import { PRIORITY } from "../priorities";
import type { ConfigChange } from "../../ports";
import type { SiteConfig } from "../../../stacks/config";
import type { SiteOutputs } from "../../../stacks/outputs";
import type { PairView, Site, SiteView } from "../sites";
import type { Step, StepContext } from "../types";
import { id, MARK } from "./shared";

/** Sets `quiesced: true` on the active site and runs its `up` (decision 5); marks when writes stopped. */
export function quiesceStep(site: Site, prefix: string, dependsOn: string[]): Step {
  return {
    id: id(prefix, "quiesce-source"),
    title: `Stop writes on ${site.stack} (quiesced=true, up)`,
    dependsOn,
    effect: `config ${site.stack} quiesced=true; pulumi up ${site.stack} (the app in read-only mode, READ_ONLY=true: reads still served)`,
    priority: PRIORITY.quiesce,
    bound: { what: `pulumi up ${site.stack} (quiesce)`, key: "upMs", ms: (t) => t.upMs + t.callMs },
    check: async (ctx) => ctx.marks.has(MARK.quiesced),
    run: async (ctx) => {
      const cfg = await ctx.stacks.readConfig(site.stack);
      if (!cfg.quiesced) await ctx.stacks.setConfig(site.stack, [{ key: "quiesced", value: true }]);
      await ctx.stacks.up(site.stack, { signal: ctx.signal, onOutput: ctx.log });
      await ctx.mark(MARK.quiesced, { stack: site.stack });
      return { detail: "writes stopped" };
    },
  };
}

const configValue = (cfg: SiteConfig, key: ConfigChange["key"]): unknown => {
  switch (key) {
    case "role":
      return cfg.role;
    case "replicateToPeer":
      return cfg.replicateToPeer;
    case "quiesced":
      return cfg.quiesced;
    case "database.readers.standby":
      return cfg.database.readers.standby;
    case "database.readers.active":
      return cfg.database.readers.active;
    case "impairedRegions":
      return cfg.impairedRegions;
    case "veleroRestore.backupName":
      return cfg.veleroRestore?.backupName;
    case "veleroRestore.attempt":
      return cfg.veleroRestore?.attempt;
    case "restoredData":
      return cfg.restoredData;
  }
};

/**
 * The role swap in config, per stack (the old active site first, so two actives never coexist).
 * `targetReplicates`: the new active site replicates to the old one from its converge `up`.
 * `targetAvoids`: Regions the target's `up`s must not reach (an unplanned failover: the source's).
 */
export function convergeChanges(pair: PairView, targetReplicates: boolean, targetAvoids?: string[]): { stack: string; changes: ConfigChange[] }[] {
  return [
    {
      stack: pair.source.stack,
      changes: [
        { key: "role", value: "standby" },
        { key: "quiesced", value: false },
      ],
    },
    {
      stack: pair.target.stack,
      changes: [
        { key: "role", value: "active" },
        { key: "quiesced", value: false },
        { key: "replicateToPeer", value: targetReplicates },
        ...(targetAvoids ? [{ key: "impairedRegions" as const, value: targetAvoids }] : []),
      ],
    },
  ];
}

/**
 * Failback starts here: the Regions are healthy again, so the active site's `up`s may reach them
 * again (its alarm in us-east-1 gets the notifications of its role back on the next `up`).
 */
export function clearImpairedRegionsStep(site: Site, prefix: string, dependsOn: string[]): Step {
  return {
    id: id(prefix, "clear-impaired-regions"),
    title: `Let ${site.stack}'s ups reach every Region again (impairedRegions=[])`,
    dependsOn,
    effect: `config ${site.stack} impairedRegions=[]`,
    check: async (ctx) => (await ctx.stacks.readConfig(site.stack)).impairedRegions.length === 0,
    run: async (ctx) => {
      const before = (await ctx.stacks.readConfig(site.stack)).impairedRegions;
      await ctx.stacks.setConfig(site.stack, [{ key: "impairedRegions", value: [] }]);
      return { detail: `${site.stack} no longer avoids ${before.join(", ")}` };
    },
  };
}

/**
 * Roles swap in config once the target serves. The target's `database.readers.standby` goes
 * back to the value marked before the headless promotion (it only applies while standby).
 */
export function convergeConfigStep(pair: PairView, targetReplicates: boolean, prefix: string, dependsOn: string[], targetAvoids?: string[]): Step {
  const wanted = (ctx: StepContext) =>
    convergeChanges(pair, targetReplicates, targetAvoids).map(({ stack, changes }) => {
      const original = ctx.marks.get(MARK.readersOriginal(stack))?.data.value;
      return typeof original === "number"
        ? { stack, changes: [...changes, { key: "database.readers.standby" as const, value: original }] }
        : { stack, changes };
    });
  const pending = async (ctx: StepContext) => {
    const out: { stack: string; changes: ConfigChange[] }[] = [];
    for (const { stack, changes } of wanted(ctx)) {
      const cfg = await ctx.stacks.readConfig(stack);
      const diff = changes.filter((c) => JSON.stringify(configValue(cfg, c.key)) !== JSON.stringify(c.value));
      if (diff.length) out.push({ stack, changes: diff });
    }
    return out;
  };
  const show = (changes: ConfigChange[]) => changes.map((c) => `${c.key}=${Array.isArray(c.value) ? JSON.stringify(c.value) : c.value}`).join(", ");
  return {
    id: id(prefix, "converge-config"),
    title: `Swap roles in config: ${pair.target.stack} active, ${pair.source.stack} standby`,
    dependsOn,
    effect: convergeChanges(pair, targetReplicates, targetAvoids)
      .map(({ stack, changes }) => `config ${stack}: ${show(changes)}`)
      .join("; "),
    check: async (ctx) => (await pending(ctx)).length === 0,
    run: async (ctx) => {
      const todo = await pending(ctx);
      for (const { stack, changes } of todo) await ctx.stacks.setConfig(stack, changes);
      return { detail: todo.map(({ stack, changes }) => `${stack}: ${show(changes)}`).join("; ") };
    },
  };
}

export interface UpStepArgs {
  id: string;
  title: string;
  site: SiteView;
  dependsOn: string[];
  /** The postcondition, read from the stack's outputs (and the cloud when needed). */
  converged: (outputs: SiteOutputs | undefined, ctx: StepContext) => Promise<boolean> | boolean;
  /** Leave the site's DNS record out when the Route 53 swap failed (decision 6). */
  excludeDnsOnSwapFailure?: boolean;
  /** Leave these URNs out in any case. */
  exclude?: string[];
}

/** `pulumi up` of one site, refreshing exactly the URNs the driver changed (decision 3). */
export function upStep(a: UpStepArgs): Step {
  return {
    id: a.id,
    title: a.title,
    dependsOn: a.dependsOn,
    bound: { what: `pulumi up ${a.site.stack}`, key: "upMs", ms: (t) => t.upMs },
    effect:
      `pulumi up ${a.site.stack} --refresh-targets ${(a.site.outputs.outOfBandUrns ?? []).length} out-of-band URN(s)` +
      (a.excludeDnsOnSwapFailure && a.site.outputs.dnsRecordUrn ? ` (excluding ${a.site.outputs.dnsRecordUrn} if the DNS swap failed)` : ""),
    // A backup-only standby's outputs are not a full site's until this up made it one: not converged yet.
    check: async (ctx) =>
      a.converged(await (a.site.backupOnly ? ctx.stacks.outputs(a.site.stack).catch(() => undefined) : ctx.stacks.outputs(a.site.stack)), ctx),
    run: async (ctx) => {
      const dnsOut = a.excludeDnsOnSwapFailure && ctx.marks.has(MARK.dnsSwapFailed) && a.site.outputs.dnsRecordUrn ? [a.site.outputs.dnsRecordUrn] : [];
      const exclude = [...(a.exclude ?? []), ...dnsOut].length ? [...(a.exclude ?? []), ...dnsOut] : undefined;
      const result = await ctx.stacks.up(a.site.stack, {
        refreshTargets: a.site.outputs.outOfBandUrns ?? [],
        ...(exclude ? { exclude } : {}),
        signal: ctx.signal,
        onOutput: ctx.log,
      });
      if (!(await a.converged(await ctx.stacks.outputs(a.site.stack), ctx))) {
        throw new Error(`pulumi up ${a.site.stack} finished but its outputs do not show the expected state yet`);
      }
      const changed = Object.entries(result.changes)
        .filter(([k, n]) => k !== "same" && n > 0)
        .map(([k, n]) => `${n} ${k}`)
        .join(", ");
      return { detail: (changed || "no changes") + (exclude ? `; ${exclude.length} URN(s) left out` : ""), data: { changes: result.changes } };
    },
  };
}
