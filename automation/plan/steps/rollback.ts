/**
 * Rollback of a planned switch that failed before its point of no return: nothing irreversible has
 * happened (Aurora not switched, EFS replication intact, and DNS untouched: the swap comes after
 * that point), so the source goes back into service: unquiesced by config and `up`, the target's
 * capacity back to its standby sizes and its headless setting restored in config.
 */
import { siteServes } from "../../cloud/serving/site";
import { PRIORITY } from "../priorities";
import { NODE_GROUPS } from "../../../stacks/config";
import type { Pair } from "../sites";
import type { Step, StepContext } from "../types";
import { scaleNodesStep } from "./nodes";
import { MARK, opts, waitFor } from "./shared";

const rid = (prefix: string, name: string) => `rollback:${prefix}${name}`;

/** The source's endpoint serves (a source exporting none passes: nothing to probe). */
async function sourceServes(ctx: StepContext, pair: Pair): Promise<boolean> {
  return (await siteServes(ctx.cloud.serving, pair.source.outputs, opts(ctx))) ?? true;
}

/**
 * The source takes writes again: quiesced=false, up, and its endpoint serves. A quiesced site's
 * endpoint answers too (read-only mode), so its outputs must say its last `up` left read-only mode.
 */
export function unquiesceStep(pair: Pair, prefix: string): Step {
  const { source } = pair;
  const done = async (ctx: StepContext) =>
    !(await ctx.stacks.readConfig(source.stack)).quiesced && (await ctx.stacks.outputs(source.stack))?.readOnly !== true && (await sourceServes(ctx, pair));
  return {
    id: rid(prefix, "unquiesce-source"),
    title: `Put ${source.stack} back into service (quiesced=false, up, serving)`,
    dependsOn: [],
    effect: `config ${source.stack} quiesced=false; pulumi up ${source.stack}; wait until it serves`,
    priority: PRIORITY.unquiesce,
    bound: { what: `putting ${source.stack} back into service (pulumi up, then serving)`, key: "upMs", ms: (t) => t.upMs + t.servingMs },
    check: done,
    run: async (ctx) => {
      if ((await ctx.stacks.readConfig(source.stack)).quiesced) await ctx.stacks.setConfig(source.stack, [{ key: "quiesced", value: false }]);
      await ctx.stacks.up(source.stack, { signal: ctx.signal, onOutput: ctx.log });
      await waitFor(ctx, `${source.stack} to serve again`, () => sourceServes(ctx, pair), ctx.timeouts.servingMs);
      return { detail: `${source.stack} serves again` };
    },
  };
}

/** The headless setting the promotion raised, restored in config (the instance goes at the next up). */
export function restoreReadersStep(pair: Pair, prefix: string): Step {
  const { target } = pair;
  const original = (ctx: StepContext) => ctx.marks.get(MARK.readersOriginal(target.stack))?.data.value;
  return {
    id: rid(prefix, "restore-readers"),
    title: `Restore ${target.stack}'s database.readers.standby if the run raised it`,
    dependsOn: [],
    effect: `config ${target.stack} database.readers.standby back to its value before the run (if changed)`,
    check: async (ctx) => {
      const value = original(ctx);
      return typeof value !== "number" || (await ctx.stacks.readConfig(target.stack)).database.readers.standby === value;
    },
    run: async (ctx) => {
      await ctx.stacks.setConfig(target.stack, [{ key: "database.readers.standby", value: original(ctx) as number }]);
      return { detail: `restored to ${String(original(ctx))}; the instance created for the promotion goes at ${target.stack}'s next up` };
    },
  };
}

/** The rollback steps of a planned switch with step-id prefix `prefix` ("back:" inside failback). */
export function rollbackSteps(pair: Pair, prefix = ""): Step[] {
  const unquiesce = unquiesceStep(pair, prefix);
  // The target's capacity goes back once the source serves (off its path, not before).
  const nodes = NODE_GROUPS.map((g) => ({
    ...scaleNodesStep(pair.target, g, "standby"),
    id: rid(prefix, `scale-nodes-${g}`),
    dependsOn: [unquiesce.id],
    priority: PRIORITY.default,
  }));
  return [unquiesce, ...nodes, restoreReadersStep(pair, prefix)];
}
