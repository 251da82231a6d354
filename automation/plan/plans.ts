/**
 * The driver's plans, as DAGs of the steps in steps/ ("a <- b, c": a starts once b and c are done).
 *
 * Planned failover (both Regions healthy, no data loss):
 *   scale-nodes-{system,web,app}, add-db-instance          target capacity first (decisions 4, 7)
 *   quiesce-source            <- scale-nodes-*, add-db-instance   writes stop only once capacity is there (decision 5)
 *   wait-aurora-lag, wait-efs-sync <- quiesce-source
 *   point-of-no-return        <- wait-aurora-lag, wait-efs-sync   every data store caught up, every control
 *                                                                 plane the switch calls answers; a failure
 *                                                                 before it rolls back (steps/rollback.ts)
 *   switchover-db             <- point-of-no-return, add-db-instance
 *   delete-efs-replication    <- point-of-no-return
 *   swap-dns                  <- switchover-db, delete-efs-replication   one change batch (decision 6)
 *   warm target (standby pods Pending, decision 4's default):
 *     wait-serving            <- swap-dns, scale-nodes-*   end of RTO and of the write downtime
 *     converge-config         <- wait-serving              target active, source standby, quiesced=false
 *     wait-clients-moved      <- wait-serving              the record's TTL: the source serves reads until then
 *     converge-up-source      <- converge-config, wait-clients-moved   first: its file system becomes a destination
 *     converge-up-target      <- converge-up-source        creates the reverse replication
 *   cold target (workload.replicas.*.standby: 0: no pods until its up as active):
 *     converge-config         <- switchover-db, delete-efs-replication   target replicateToPeer=false for now
 *     converge-up-target      <- converge-config, swap-dns                starts its pods
 *     wait-serving            <- converge-config, swap-dns, scale-nodes-*
 *     wait-clients-moved      <- wait-serving
 *     converge-up-source      <- converge-config, wait-clients-moved
 *     converge-replication    <- converge-up-*, wait-serving              replicateToPeer=true, up target
 *
 * Unplanned failover (source Region impaired; nothing waits on it, calls into it are bounded):
 *   scale-nodes-*, add-db-instance, detach-efs, swap-dns   start at once, nodes first; the DNS
 *                                                          swap is bounded, health-check failover if it fails
 *   failover-db               <- add-db-instance
 *   warm: wait-serving <- failover-db, detach-efs, swap-dns, scale-nodes-*;
 *         converge-config <- wait-serving; converge-up-target <- converge-config
 *   cold: converge-config <- failover-db, detach-efs; converge-up-target <- converge-config, swap-dns;
 *         wait-serving <- converge-config, swap-dns, scale-nodes-*
 *   (target active with replicateToPeer=false, source standby in config only, no up of the source;
 *    the target's up leaves its DNS record out if the swap failed)
 *
 * Failback (old Region healthy again; then a planned failover back, steps prefixed "back:"):
 *   clean-stale-replication, reconcile-dns (active site PRIMARY, if an unplanned swap failed),
 *   wait-aurora-rebuild (Aurora rebuilds the old primary after an unplanned failover),
 *   up-old-site <- all three, replicate-to-old-site <- up-old-site,
 *   wait-resync <- replicate-to-old-site; back:scale-nodes-*, back:add-db-instance <- up-old-site;
 *   back:quiesce-source <- back:scale-nodes-*, back:add-db-instance, wait-resync; then as planned.
 */
import { NODE_GROUPS } from "../../stacks/config";
import type { SiteConfig } from "../../stacks/config";
import type { SiteOutputs } from "../../stacks/outputs";
import {
  auroraDrainStep,
  auroraRebuiltStep,
  clearImpairedRegionsStep,
  clientsMovedStep,
  cleanStaleReplicationStep,
  convergeChanges,
  convergeConfigStep,
  dbInstanceStep,
  deleteReplicationStep,
  detachReplicationStep,
  efsSyncAfterStep,
  MARK,
  pointOfNoReturnStep,
  promoteDbStep,
  quiesceStep,
  replicateToPeerStep,
  resyncStep,
  rollbackSteps,
  scaleNodesStep,
  swapDnsStep,
  upStep,
  waitServingStep,
} from "./steps";
import { plannedControlPlanes } from "../gates/control-planes";
import type { Pair, Site } from "./sites";
import { PlanBuilder } from "./builder";
import type { Plan, StackConfigChanges, Step } from "./types";

/**
 * True when the site runs no web or app pods while standby (`workload.replicas.<tier>.standby: 0`):
 * then it can only serve after an `up` with its new role, so the plans converge the target before
 * waiting for it to serve, which puts one `up` (planned: two) on the critical path. With standby
 * replicas > 0 (decision 4's default), pods wait Pending for nodes and no `up` is on that path.
 */
export function coldWorkload(cfg: SiteConfig): boolean {
  const w = cfg.workload;
  return !!w && (w.replicas.web.standby < 1 || w.replicas.app.standby < 1);
}

function coldNote(target: Site): string[] {
  return coldWorkload(target.config)
    ? [
        `${target.stack} runs no web/app pods while standby (workload.replicas.*.standby: 0): it serves only after its converge up, which is on the critical path (0.5-5 min per up).`,
      ]
    : [];
}

function headlessNote(target: Site): string[] {
  return target.config.database.readers.standby === 0
    ? [`${target.stack}'s DB cluster is headless (database.readers.standby: 0): promotion first creates an instance (5-15 min).`]
    : [];
}

/**
 * Adds the steps of a planned failover to `b` (ids with its prefix). `rootDeps` hold back the
 * quiesce (failback waits for the old site to catch up first); `capacityDeps` hold back the
 * target's capacity steps.
 */
export function plannedSteps(b: PlanBuilder, pair: Pair, rootDeps: string[] = [], capacityDeps: string[] = []): void {
  const { source, target } = pair;
  const prefix = b.prefix;
  const nodes = b.add(NODE_GROUPS.map((g) => scaleNodesStep(target, g, "active", prefix, capacityDeps)));
  const instance = b.add(dbInstanceStep(target, prefix, capacityDeps));
  // Writes stop only once the target's capacity is there: that keeps the write downtime short.
  const quiesce = b.add(quiesceStep(source, prefix, [...b.after(nodes, instance), ...rootDeps]));
  const drain = b.add(auroraDrainStep(pair, prefix, b.after(quiesce)));
  const sync = b.add(efsSyncAfterStep(pair, prefix, b.after(quiesce), { mark: MARK.quiesced, label: "the quiesce" }));
  // Nothing is switched until every data store has caught up: a store that cannot catch up fails
  // the run while the source can still go back into service.
  const switchIds = ["switchover-db", "delete-efs-replication", "swap-dns"].map((n) => b.id(n));
  const noReturn = b.add(pointOfNoReturnStep(prefix, b.after(drain, sync), plannedControlPlanes(pair, prefix), switchIds));
  const promote = b.add(promoteDbStep(pair, "planned", prefix, b.after(noReturn, instance)));
  const efs = b.add(deleteReplicationStep(pair, prefix, b.after(noReturn)));
  const dataDone = [promote, efs];
  const dns = b.add(swapDnsStep(pair, "planned", prefix, b.after(dataDone)));
  const upSourceArgs = {
    id: b.id("converge-up-source"),
    title: `Converge ${source.stack} as standby (refresh out-of-band URNs, up; its file system can receive replication)`,
    site: source,
    converged: (o: SiteOutputs | undefined) => o?.role === "standby" && o.efsReplication === undefined,
  };
  if (!coldWorkload(target.config)) {
    // Warm: the target serves on its own; both ups come after, off the critical path.
    const serving = b.add(waitServingStep(pair, "planned", prefix, b.after(dns ?? dataDone, nodes)));
    const config = b.add(convergeConfigStep(pair, true, prefix, b.after(serving)));
    // The source serves reads until clients have moved; its up scales it down.
    const moved = b.add(clientsMovedStep(pair, prefix, b.after(serving)));
    const upSource = b.add(upStep({ ...upSourceArgs, dependsOn: b.after(config, moved) }));
    b.add(
      upStep({
        id: b.id("converge-up-target"),
        title: `Converge ${target.stack} as active (refresh out-of-band URNs, up; creates replication to ${source.stack})`,
        site: target,
        dependsOn: b.after(upSource),
        converged: (o) => o?.role === "active" && o.efsReplication?.destinationFileSystemId === source.outputs.fileSystemId,
      }),
    );
    return;
  }
  // Cold: the target runs pods only after its up as active, so that up is on the critical path.
  // It runs without replication (which would wait for a first sync) beside the source's up; the
  // reverse replication is switched on once the target serves and the source is a standby.
  const config = b.add(convergeConfigStep(pair, false, prefix, b.after(dataDone)));
  const upTarget = b.add(
    upStep({
      id: b.id("converge-up-target"),
      title: `Converge ${target.stack} as active (refresh out-of-band URNs, up; starts its pods)`,
      site: target,
      dependsOn: b.after(config, dns),
      converged: (o) => o?.role === "active",
    }),
  );
  const serving = b.add(waitServingStep(pair, "planned", prefix, b.after(config, dns, nodes)));
  // The source serves reads until clients have moved to the target; its up scales it down.
  const moved = b.add(clientsMovedStep(pair, prefix, b.after(serving)));
  const upSource = b.add(upStep({ ...upSourceArgs, dependsOn: b.after(config, moved) }));
  b.add(replicateToPeerStep(target, source, b.id("converge-replication"), b.after(upSource, upTarget, serving)));
}

function plannedConfigChanges(pair: Pair): StackConfigChanges[] {
  const out: StackConfigChanges[] = [{ stack: pair.source.stack, changes: [{ key: "quiesced", value: true }], when: "quiesce (before the switch)" }];
  if (pair.target.config.database.readers.standby === 0) {
    out.push({ stack: pair.target.stack, changes: [{ key: "database.readers.standby", value: 1 }], when: "headless promotion (restored at converge)" });
  }
  const cold = coldWorkload(pair.target.config);
  for (const { stack, changes } of convergeChanges(pair, !cold))
    out.push({ stack, changes, when: cold ? "once the data is promoted" : "after the target serves" });
  if (cold)
    out.push({ stack: pair.target.stack, changes: [{ key: "replicateToPeer", value: true }], when: "once the target serves and the source is standby" });
  return out;
}

function plannedPlanSteps(pair: Pair): Step[] {
  const b = PlanBuilder.create();
  plannedSteps(b, pair);
  return b.steps();
}

export function plannedFailoverPlan(pair: Pair): Plan {
  return {
    command: "failover",
    args: { to: pair.target.stack, mode: "planned" },
    title: `Planned failover ${pair.source.stack} (${pair.source.region}) -> ${pair.target.stack} (${pair.target.region})`,
    source: pair.source.stack,
    target: pair.target.stack,
    mode: "planned",
    steps: plannedPlanSteps(pair),
    configChanges: plannedConfigChanges(pair),
    pointOfNoReturn: "point-of-no-return",
    rollback: rollbackSteps(pair),
    notes: [
      `Writes stop on ${pair.source.stack} once ${pair.target.stack}'s capacity is ready; write downtime lasts until ${pair.target.stack} serves. ${pair.source.stack} keeps serving reads (read-only) until clients reach ${pair.target.stack}.`,
      ...headlessNote(pair.target),
      ...coldNote(pair.target),
    ],
  };
}

export function unplannedFailoverPlan(pair: Pair): Plan {
  const { source, target } = pair;
  const b = PlanBuilder.create();
  const nodes = b.add(NODE_GROUPS.map((g) => scaleNodesStep(target, g, "active")));
  // Every up of the target runs the whole program: none may reach the source's Region (its
  // providers configured without calls, nothing there changed; config impairedRegions).
  const avoid = [source.region];
  const instance = b.add(dbInstanceStep(target, "", [], avoid));
  const efs = b.add(detachReplicationStep(pair, "", []));
  const promote = b.add(promoteDbStep(pair, "unplanned", "", b.after(instance)));
  // The source serves nobody now: the DNS swap (bounded) goes first, off the critical path.
  const dns = b.add(swapDnsStep(pair, "unplanned", "", []));
  const dataDone = [promote, efs];
  const cold = coldWorkload(target.config);
  const upTargetArgs = {
    id: "converge-up-target",
    title: `Converge ${target.stack} as active without replication (refresh out-of-band URNs, up${cold ? "; starts its pods" : ""})`,
    site: target,
    converged: (o: SiteOutputs | undefined) => o?.role === "active",
    excludeDnsOnSwapFailure: true,
  };
  if (!cold) {
    const serving = b.add(waitServingStep(pair, "unplanned", "", b.after(dataDone, dns, nodes)));
    const config = b.add(convergeConfigStep(pair, false, "", b.after(serving), avoid));
    b.add(upStep({ ...upTargetArgs, dependsOn: b.after(config) }));
  } else {
    const config = b.add(convergeConfigStep(pair, false, "", b.after(dataDone), avoid));
    // After the DNS step, so the up knows whether to leave the record out.
    b.add(upStep({ ...upTargetArgs, dependsOn: b.after(config, dns) }));
    b.add(waitServingStep(pair, "unplanned", "", b.after(config, dns, nodes)));
  }
  const steps = b.steps();
  const changes: StackConfigChanges[] = convergeChanges(pair, false, avoid).map(({ stack, changes }) => ({
    stack,
    changes,
    when: cold ? "once the data is promoted (no up of the source)" : "after the target serves (no up of the source)",
  }));
  if (target.config.database.readers.standby === 0) {
    changes.unshift({
      stack: target.stack,
      changes: [
        { key: "database.readers.standby", value: 1 },
        { key: "impairedRegions", value: avoid },
      ],
      when: "headless promotion (readers restored at converge)",
    });
  }
  return {
    command: "failover",
    args: { to: target.stack, mode: "unplanned" },
    title: `Unplanned failover ${source.stack} (${source.region}, impaired) -> ${target.stack} (${target.region})`,
    source: source.stack,
    target: target.stack,
    mode: "unplanned",
    steps,
    configChanges: changes,
    notes: [
      `Writes not yet replicated to ${target.region} are lost (Aurora AllowDataLoss, EFS since its last sync).`,
      `${source.stack} is set to standby in config only; run \`npm run failback\` once ${source.region} is healthy.`,
      `${target.stack}'s ups avoid ${source.region} (impairedRegions) until the failback.`,
      ...headlessNote(target),
      ...coldNote(target),
    ],
  };
}

/**
 * Failback from `active` (the site that took over) to `old` (healthy again): bring `old` back as
 * a standby that receives replication, let it catch up, then a planned failover back.
 */
export function failbackPlan(active: Site, old: Site, globalClusterIdentifier: string): Plan {
  const b = PlanBuilder.create();
  const clean = b.add(cleanStaleReplicationStep(old, "", []));
  // The unplanned failover made the active site's ups avoid the old Region; it answers again.
  const reach = b.add(clearImpairedRegionsStep(active, "", []));
  // An unplanned failover whose Route 53 swap failed left the old site's record PRIMARY: fix the
  // designations before the old site's up makes its record SECONDARY (else no PRIMARY answers).
  const dns = b.add(swapDnsStep({ source: old, target: active, globalClusterIdentifier }, "planned", "", [], "reconcile-dns"));
  // The old site's up changes its DB instances, which Aurora refuses until it has rebuilt the cluster.
  const rebuilt = b.add(auroraRebuiltStep(old, globalClusterIdentifier, "", []));
  const upOld = b.add(
    upStep({
      id: "up-old-site",
      title: `Bring ${old.stack} back as standby (up; its file system can receive replication)`,
      site: old,
      dependsOn: b.after(clean, dns, rebuilt),
      converged: (o) => o?.role === "standby",
    }),
  );
  const replicate = b.add(replicateToPeerStep(active, old, "replicate-to-old-site", b.after(upOld, reach)));
  const resync = b.add(resyncStep(active, old, globalClusterIdentifier, "", b.after(replicate)));
  const back: Pair = { source: active, target: old, globalClusterIdentifier };
  plannedSteps(b.withPrefix("back:"), back, b.after(resync), b.after(upOld));
  const steps = b.steps();
  const changes: StackConfigChanges[] = [];
  if (active.config.impairedRegions.length > 0)
    changes.push({ stack: active.stack, changes: [{ key: "impairedRegions", value: [] }], when: "first (every Region answers again)" });
  if (!active.config.replicateToPeer)
    changes.push({ stack: active.stack, changes: [{ key: "replicateToPeer", value: true }], when: "before replicating back" });
  changes.push(...plannedConfigChanges(back));
  return {
    command: "failback",
    args: { to: old.stack },
    title: `Failback ${active.stack} (${active.region}) -> ${old.stack} (${old.region})`,
    source: active.stack,
    target: old.stack,
    mode: "planned",
    steps,
    configChanges: changes,
    pointOfNoReturn: "back:point-of-no-return",
    rollback: rollbackSteps(back, "back:"),
    notes: [`${old.stack} first receives replication and catches up; then a planned failover back (no data loss).`, ...headlessNote(old)],
  };
}

/**
 * Deploy: the owner of global resources first, then its peer, then the active site again when
 * its replication needs the peer's file system id (absent on the very first deploy).
 */
export function deployPlan(stacks: { stack: string; config: SiteConfig }[]): Plan {
  const owner = stacks.find((s) => s.config.ownsGlobalResources)!;
  const peer = stacks.find((s) => s !== owner)!;
  const active = stacks.find((s) => s.config.role === "active")!;
  const up = (stack: string, id: string, dependsOn: string[], title: string): Step => ({
    id,
    title,
    dependsOn,
    effect: `pulumi up ${stack}`,
    bound: { what: `pulumi up ${stack}`, key: "upMs", ms: (t) => t.upMs },
    check: async () => false,
    run: async (ctx) => {
      const r = await ctx.stacks.up(stack, { signal: ctx.signal, onOutput: ctx.log });
      const changed = Object.entries(r.changes)
        .filter(([k, n]) => k !== "same" && n > 0)
        .map(([k, n]) => `${n} ${k}`)
        .join(", ");
      return { detail: changed || "no changes", data: { changes: r.changes } };
    },
  });
  const first = up(owner.stack, `up-${owner.stack}`, [], `Deploy ${owner.stack} (owner of the global database and KMS primary key)`);
  const second = up(peer.stack, `up-${peer.stack}`, [first.id], `Deploy ${peer.stack}`);
  const replicationReady = async (ctx: Parameters<Step["check"]>[0]) => {
    const o = await ctx.stacks.outputs(active.stack);
    return !active.config.replicateToPeer || o?.efsReplication !== undefined;
  };
  const again: Step = {
    id: `up-${active.stack}-replication`,
    title: `Deploy ${active.stack} again if its EFS replication still waits for the peer's file system`,
    dependsOn: [second.id],
    effect: `pulumi up ${active.stack} (only when its outputs have no efsReplication yet)`,
    bound: { what: `pulumi up ${active.stack}`, key: "upMs", ms: (t) => t.upMs },
    check: replicationReady,
    run: async (ctx) => {
      await ctx.stacks.up(active.stack, { signal: ctx.signal, onOutput: ctx.log });
      if (!(await replicationReady(ctx)))
        throw new Error(`${active.stack} still exports no efsReplication after up; check that ${peer.stack} exports fileSystemId`);
      return { detail: "replication configured" };
    },
  };
  return {
    command: "deploy",
    args: {},
    title: `Deploy ${owner.stack} then ${peer.stack}`,
    steps: [first, second, again],
    configChanges: [],
    notes: [],
  };
}
