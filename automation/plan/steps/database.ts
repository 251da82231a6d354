/**
 * Database steps: a headless secondary given an instance, the Aurora lag drained past the quiesce,
 * the target's cluster promoted (switchover or failover), and at failback the wait for Aurora to
 * rebuild the old primary.
 */
import { PRIORITY } from "../priorities";
import type { ConfigChange } from "../../ports";
import { auroraEvidencedUpTo, describeAuroraLag } from "../../report/aurora-rpo";
import { formatDuration } from "../../util/duration";
import { writerArn, type Pair, type Site } from "../sites";
import type { Step, StepContext, SwitchMode } from "../types";
import { id, MARK, opts, waitFor } from "./shared";

/**
 * A headless secondary gets its first instance by a targeted `up` (decision 7), so IaC creates it
 * with the name it will keep. The original `database.readers.standby` is marked first so that the
 * converge step restores it whatever happens in between. `impairedRegions` (an unplanned failover: the
 * source's Region) is set in the same config change, since the targeted `up` runs the whole program.
 */
export function dbInstanceStep(site: Site, prefix = "", dependsOn: string[] = [], impairedRegions?: string[]): Step {
  const describe = (ctx: StepContext) => ctx.cloud.rds.describeDbCluster(site.region, site.outputs.dbClusterIdentifier, opts(ctx));
  const hasInstance = async (ctx: StepContext) => {
    const c = await describe(ctx);
    return c.instanceCount >= 1 && c.status === "available";
  };
  return {
    id: id(prefix, "add-db-instance"),
    title: `Give ${site.stack}'s DB cluster an instance if it is headless`,
    dependsOn,
    effect:
      `if headless: config ${site.stack} database.readers.standby=1${impairedRegions ? `, impairedRegions=${JSON.stringify(impairedRegions)}` : ""}, ` +
      `then pulumi up ${site.stack} --target ${site.outputs.promotionInstanceUrn}`,
    priority: PRIORITY.addDbInstance,
    bound: { what: `the first instance of ${site.stack}'s DB cluster (targeted pulumi up, then available)`, key: "upMs", ms: (t) => t.upMs + t.databaseMs },
    check: hasInstance,
    run: async (ctx) => {
      const cfg = await ctx.stacks.readConfig(site.stack);
      const markName = MARK.readersOriginal(site.stack);
      if (!ctx.marks.has(markName)) await ctx.mark(markName, { value: cfg.database.readers.standby });
      const changes: ConfigChange[] = [];
      if (cfg.database.readers.standby < 1) changes.push({ key: "database.readers.standby", value: 1 });
      if (impairedRegions && impairedRegions.some((r) => !cfg.impairedRegions.includes(r)))
        changes.push({ key: "impairedRegions", value: [...new Set([...cfg.impairedRegions, ...impairedRegions])] });
      if (changes.length > 0) await ctx.stacks.setConfig(site.stack, changes);
      await ctx.stacks.up(site.stack, { target: [site.outputs.promotionInstanceUrn], signal: ctx.signal, onOutput: ctx.log });
      await waitFor(ctx, `an available instance in ${site.outputs.dbClusterIdentifier}`, () => hasInstance(ctx), ctx.timeouts.databaseMs);
      return { detail: "instance created by a targeted up" };
    },
  };
}

/**
 * Before a planned switchover: the target has every write made before the quiesce. A lag datapoint
 * (one-minute Maximum M from P) proves the secondary had every write made before P - M
 * (report/aurora-rpo.ts), so the wait ends on the first datapoint with P - M >= the quiesce; a
 * datapoint from before the quiesce proves nothing about the writes that followed it.
 */
export function auroraDrainStep(pair: Pair, prefix: string, dependsOn: string[]): Step {
  const { target } = pair;
  const lag = (ctx: StepContext) => ctx.cloud.cloudWatch.auroraLag(target.region, target.outputs.dbClusterIdentifier, opts(ctx));
  const drained = async (ctx: StepContext) => {
    const gc = await ctx.cloud.rds.describeGlobalCluster(target.region, pair.globalClusterIdentifier, opts(ctx));
    if (writerArn(gc.members) === target.outputs.dbClusterArn) return true;
    // Without the quiesce there is no point the secondary must reach: not drained (a preview says "run").
    const since = ctx.marks.get(MARK.quiesced)?.at;
    if (since === undefined) return false;
    const d = await lag(ctx);
    return d !== undefined && auroraEvidencedUpTo(d) >= since;
  };
  return {
    id: id(prefix, "wait-aurora-lag"),
    title: `Wait until ${target.stack}'s Aurora secondary has every write made before the quiesce`,
    dependsOn,
    effect: `read the Aurora lag metric of ${target.outputs.dbClusterIdentifier} in ${target.region} until a datapoint shows it current past the quiesce`,
    check: drained,
    run: async (ctx) => {
      // A plan error, not a wait: with no quiesce recorded, no datapoint can ever prove the drain.
      if (!ctx.marks.has(MARK.quiesced)) {
        throw new Error(
          `${id(prefix, "wait-aurora-lag")} needs the "${MARK.quiesced}" mark, recorded by ${id(prefix, "quiesce-source")} when writes stopped on ${pair.source.stack}, ` +
            `and this run has none: the plan must quiesce the source before waiting for Aurora to drain`,
        );
      }
      await waitFor(ctx, `Aurora lag of ${target.stack} drained`, () => drained(ctx), ctx.timeouts.drainMs);
      const d = await lag(ctx).catch(() => undefined);
      return { detail: d ? describeAuroraLag(d) : "writer already" };
    },
  };
}

/**
 * Promotes the target's cluster: SwitchoverGlobalCluster (planned, no data loss), sent to the
 * Region of the current primary, or FailoverGlobalCluster with AllowDataLoss (unplanned), sent to
 * the Region of the secondary being promoted (Aurora User Guide, the CLI procedures' `--region`).
 * The lag at the moment of promotion is marked for the RPO.
 */
export function promoteDbStep(pair: Pair, mode: SwitchMode, prefix: string, dependsOn: string[]): Step {
  const { target } = pair;
  const callRegion = mode === "planned" ? pair.source.region : target.region;
  const gid = pair.globalClusterIdentifier;
  const arn = target.outputs.dbClusterArn;
  const describe = (ctx: StepContext) => ctx.cloud.rds.describeGlobalCluster(target.region, gid, opts(ctx));
  const promoted = async (ctx: StepContext) => {
    const gc = await describe(ctx);
    if (writerArn(gc.members) !== arn || gc.failoverState) return false;
    const c = await ctx.cloud.rds.describeDbCluster(target.region, target.outputs.dbClusterIdentifier, opts(ctx));
    return c.status === "available";
  };
  const api = mode === "planned" ? "SwitchoverGlobalCluster" : "FailoverGlobalCluster (AllowDataLoss)";
  return {
    id: id(prefix, mode === "planned" ? "switchover-db" : "failover-db"),
    title: `Make ${target.stack}'s Aurora cluster the writer (${mode === "planned" ? "switchover" : "failover, data loss allowed"})`,
    dependsOn,
    effect: `RDS ${api} ${gid} in ${callRegion} -> ${arn}`,
    priority: PRIORITY.promoteDb,
    check: promoted,
    run: async (ctx) => {
      const gc = await describe(ctx);
      const underWay = gc.failoverState?.toClusterArn === arn;
      if (underWay) ctx.log(`a ${gc.failoverState?.isDataLossAllowed ? "failover" : "switchover"} to ${target.stack} is already under way; waiting`);
      else if (writerArn(gc.members) !== arn) {
        // The RPO evidence: the newest lag datapoint before the promotion, with its period.
        const d = await ctx.cloud.cloudWatch.auroraLag(target.region, target.outputs.dbClusterIdentifier, opts(ctx)).catch(() => undefined);
        await ctx.mark(MARK.auroraPromoted, {
          mode,
          lagMs: d?.maxMs ?? null,
          lagMetric: d?.metric ?? null,
          lagPeriodStart: d?.periodStart ?? null,
          cluster: arn,
        });
        if (mode === "planned") await ctx.cloud.rds.switchoverGlobalCluster(callRegion, gid, arn, opts(ctx));
        else await ctx.cloud.rds.failoverGlobalCluster(callRegion, gid, arn, opts(ctx));
      }
      await waitFor(ctx, `${target.stack} to be the writer of ${gid}`, () => promoted(ctx), ctx.timeouts.databaseMs);
      if (!ctx.marks.has(MARK.auroraWriter)) await ctx.mark(MARK.auroraWriter, { cluster: arn });
      const m = ctx.marks.get(MARK.auroraPromoted)?.data;
      const lagged = m && typeof m.lagMs === "number" && typeof m.lagPeriodStart === "number" && typeof m.lagMetric === "string";
      return {
        detail: lagged
          ? `newest lag datapoint before the promotion: ${describeAuroraLag({ metric: m.lagMetric as string, maxMs: m.lagMs as number, periodStart: m.lagPeriodStart as number })}`
          : "writer",
      };
    },
  };
}

/**
 * Failback, before anything changes the old primary's DB cluster: after an unplanned failover
 * Aurora adds it back as a secondary on a new storage volume, a rebuild that "can take a few
 * minutes to several hours" (Aurora User Guide, "Using switchover or failover in Amazon Aurora
 * Global Database"). Instance changes meanwhile are refused (InvalidDBClusterStateFault), so the
 * wait ends only when it is a non-writer member whose SynchronizationStatus is not
 * "pending-resync" and whose cluster is "available": both, because the status DescribeDBClusters
 * shows during the rebuild is not documented. After a switchover it holds at once (skipped).
 */
export function auroraRebuiltStep(site: Site, globalClusterIdentifier: string, prefix: string, dependsOn: string[]): Step {
  const arn = site.outputs.dbClusterArn;
  const state = async (ctx: StepContext): Promise<string | undefined> => {
    const gc = await ctx.cloud.rds.describeGlobalCluster(site.region, globalClusterIdentifier, opts(ctx));
    const member = gc.members.find((m) => m.clusterArn === arn);
    if (!member) return `not a member of ${globalClusterIdentifier} yet`;
    if (member.isWriter) return "still the writer (its Region has not been seen back yet)";
    if (member.synchronizationStatus === "pending-resync") return "being rebuilt (pending-resync)";
    const c = await ctx.cloud.rds.describeDbCluster(site.region, site.outputs.dbClusterIdentifier, opts(ctx));
    return c.status === "available" ? undefined : `cluster ${c.status}`;
  };
  return {
    id: id(prefix, "wait-aurora-rebuild"),
    title: `Wait until Aurora has rebuilt ${site.stack}'s DB cluster as an available secondary (after an unplanned failover: minutes to hours)`,
    dependsOn,
    effect:
      `read DescribeGlobalClusters ${globalClusterIdentifier} and DescribeDBClusters ${site.outputs.dbClusterIdentifier} in ${site.region} until it is a ` +
      `non-writer member, not pending-resync, and available`,
    bound: { what: `Aurora's rebuild of ${site.stack}'s DB cluster`, key: "auroraRebuildMs", ms: (t) => t.auroraRebuildMs + 2 * t.callMs },
    check: async (ctx) => (await state(ctx)) === undefined,
    run: async (ctx) => {
      const started = ctx.clock.now();
      let last: string | undefined;
      await waitFor(
        ctx,
        `Aurora to rebuild ${site.stack}'s DB cluster as a secondary`,
        async () => {
          const now = await state(ctx);
          if (now !== last && now) ctx.log(`${site.outputs.dbClusterIdentifier}: ${now}`);
          last = now;
          return now === undefined;
        },
        ctx.timeouts.auroraRebuildMs,
      );
      return { detail: `rebuilt after ${formatDuration(ctx.clock.now() - started)} of waiting` };
    },
  };
}
