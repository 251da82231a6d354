/**
 * Modeled RTO over many simulated drills: the driver's concurrent unplanned plan against the
 * manual DR runbook written as a sequential plan (bench/runbook-plan.ts `sequentialRunbookPlan`:
 * EFS, then Aurora, then the node groups, then serving) on the same ports, latency model and
 * seeds. Both start the instant the active site's Region is impaired and end when the new site
 * serves and its health check is healthy (the driver's `wait-serving`), and, for users, when
 * clients resolving the application's name are served again (the simulated world's measurement:
 * health checks, the failover answer, the record's TTL).
 *
 * The floor of a run is what no ordering of the same steps could beat, in two parts:
 * - its slowest single branch of steps: the longest chain of steps leading to `wait-serving`, each
 *   taking the time it took in that run;
 * - its serving path: a tier's node branch up to its nodes turning Ready in the world, then that
 *   tier's path to answering (pod start, readiness probe, and for the web tier the ALB target's
 *   registration and first check). That path starts only when a node is Ready and no step runs it,
 *   so no ordering overlaps it; leaving it out made the floor lower than any possible run.
 * measured / floor says how much the driver (and DNS, for users) adds on top. The bench prints the
 * ratio over the steps alone too, so the part each contributes stays visible.
 */
import { unplannedFailoverPlan } from "../automation/plan/plans";
import { sequentialRunbookPlan } from "./runbook-plan";
import { runInSimulation } from "./run-in-simulation";
import { loadPair } from "../automation/plan/sites";
import type { Plan } from "../automation/plan/types";
import { createSimulation, type LatencyOverrides, type ServingChain, type ServingSettings } from "../automation/sim";
import { formatDuration } from "../automation/util/duration";

/** What a run is made of besides the plan: the stack configs, and counterfactuals of the bench's variants. */
export interface RunVariant {
  /** Raw stack configs (namespace stripped) instead of the project's files, e.g. a warm variant. */
  configs?: Record<string, Record<string, unknown>>;
  /** The target's probes and target health check replaced at the start (a "before" variant: settings the program no longer has). */
  targetServingSettings?: ServingSettings;
  /** Latency rows replaced, e.g. a pod start of 0 (what the rest of the tail would be). */
  latencyOverrides?: LatencyOverrides;
}

const VARIANT_FIELDS = ["configs", "targetServingSettings", "latencyOverrides"] as const satisfies readonly (keyof RunVariant)[];

export interface RtoBenchOptions extends RunVariant {
  seeds: number;
  label: string;
  /** Also run the sequential runbook on each seed. @default true */
  runbook?: boolean;
  onProgress?: (done: number) => void;
}

/**
 * Where users' time beyond the floor went, on one run (ms, from the end of the floor's last step):
 * the binding tier's nodes Ready (negative: the floor's step saw them only at its next poll), its
 * pods' start, readiness probe, and for the web tier the ALB target's registration and first check;
 * then whatever came after the workload answered (the data stores, or DNS).
 */
export interface TailBreakdown {
  nodesMs: number;
  podStartMs: number;
  probeMs: number;
  registrationMs: number;
  checkMs: number;
  afterMs: number;
  /** What the site waited for last: its pods' path (`workload`), its database or files (`data`), or clients resolving it (`dns`). */
  bound: "workload" | "data" | "dns";
}

export interface Percentiles {
  p50: number;
  p95: number;
  mean: number;
}

export interface RtoBenchResult {
  label: string;
  seeds: number;
  concurrent: Percentiles;
  sequential: Percentiles;
  /** concurrent / sequential, of the p50s and of the p95s. */
  ratioP50: number;
  ratioP95: number;
  /** The driver's concurrent plan over its own floor (slowest single branch): site-level and users'. */
  floorRatio: { site: Percentiles; users: Percentiles; usersOverSteps: Percentiles };
  /** The mean tail breakdown of the runs at or above users' p95 over the floor, and how many they are. */
  tailAtP95: { runs: number; mean: Omit<TailBreakdown, "bound">; bound: Record<TailBreakdown["bound"], number> };
  /** Whether the runbook was run (its figures are NaN otherwise). */
  runbook: boolean;
  /** Users' RTO (clients resolving the name served), concurrent plan. */
  users: Percentiles;
  /**
   * The same comparison up to the moment the data is promoted and the nodes are Ready, i.e.
   * without the tail both share (pods Ready, then Route 53's health check turning healthy).
   */
  work: { concurrent: Percentiles; sequential: Percentiles; ratioP50: number; ratioP95: number };
  failures: string[];
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

function summary(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), mean: values.reduce((a, b) => a + b, 0) / Math.max(1, values.length) };
}

const WORK_STEPS = /^(scale-nodes|add-db-instance|failover-db|detach-efs)/;

type MeasuredStep = { id: string; dependsOn: string[]; startedAt?: number; endedAt?: number };

/** The slowest single branch into `servingStep`: the longest chain of its dependencies, each at its measured duration. */
export function slowestBranchMs(steps: MeasuredStep[], servingStep: string): number {
  return slowestBranch(steps, servingStep).ms;
}

/** The slowest single branch into `servingStep` (ms) and when its last step ended (the floor's end on this run's clock). */
export function slowestBranch(steps: MeasuredStep[], servingStep: string): { ms: number; endedAt?: number } {
  const serving = steps.find((s) => s.id === servingStep);
  if (!serving) throw new Error(`no step ${servingStep}`);
  const chains = chainsOf(steps);
  let best: { ms: number; endedAt?: number } = { ms: 0 };
  for (const dep of serving.dependsOn) {
    const ms = chains(dep);
    if (ms > best.ms) best = { ms, endedAt: steps.find((s) => s.id === dep)?.endedAt };
  }
  return best;
}

/** A step's chain: its measured duration plus the slowest chain of its dependencies (ms), memoised over `steps`. */
function chainsOf(steps: MeasuredStep[]): (id: string) => number {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const memo = new Map<string, number>();
  const chain = (id: string): number => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    const s = byId.get(id);
    const own = s && s.startedAt !== undefined && s.endedAt !== undefined ? s.endedAt - s.startedAt : 0;
    const v = own + Math.max(0, ...(s?.dependsOn ?? []).map(chain));
    memo.set(id, v);
    return v;
  };
  return chain;
}

/**
 * The serving path of a run (ms), the slower of the web and app tiers: the tier's node branch
 * (`scale-nodes-<tier>` and what it depends on) up to the moment its pods were scheduled on a Ready
 * node (not the step's later poll), plus the tier's path from there to answering. NaN when the
 * tier's pods did not start during the run (a warm standby's were already running).
 */
export function servingPathMs(steps: MeasuredStep[], chain: ServingChain, runStartedAt: number): number {
  const tierPath = (tier: "web" | "app"): number => {
    const c = chain[tier];
    const scale = steps.find((s) => s.id === `scale-nodes-${tier}` || s.id.endsWith(`:scale-nodes-${tier}`));
    const answeredAt = tier === "web" ? chain.target.healthyAt : c.readyAt;
    if (!scale || scale.endedAt === undefined || c.scheduledAt === undefined || c.scheduledAt < runStartedAt || answeredAt === undefined) return NaN;
    // Nodes Ready before the step saw them: the poll's slack is the driver's, not the floor's.
    const toReady = chainsOf(steps)(scale.id) - Math.max(0, scale.endedAt - c.scheduledAt);
    return toReady + (answeredAt - c.scheduledAt);
  };
  const paths = [tierPath("web"), tierPath("app")].filter((v) => !Number.isNaN(v));
  return paths.length ? Math.max(...paths) : NaN;
}

/**
 * The tail of one run: from the floor's end until users were served, link by link along what the
 * target waited for last (the simulated world's own times).
 */
export function tailBreakdown(chain: ServingChain, at: { floorEndAt: number; servingAt: number; usersAt: number; clientsAt: number }): TailBreakdown {
  const webLast = (chain.target.healthyAt ?? -Infinity) >= (chain.app.readyAt ?? -Infinity);
  const tier = webLast ? chain.web : chain.app;
  const answeredAt = webLast ? (chain.target.healthyAt ?? NaN) : (tier.readyAt ?? NaN);
  const bound = at.servingAt > answeredAt ? "data" : at.clientsAt > at.servingAt ? "dns" : "workload";
  return {
    nodesMs: (tier.scheduledAt ?? NaN) - at.floorEndAt,
    podStartMs: (tier.upAt ?? NaN) - (tier.scheduledAt ?? NaN),
    probeMs: (tier.readyAt ?? NaN) - (tier.upAt ?? NaN),
    registrationMs: webLast ? (chain.target.registeredAt ?? NaN) - (tier.readyAt ?? NaN) : 0,
    checkMs: webLast ? answeredAt - (chain.target.registeredAt ?? NaN) : 0,
    afterMs: at.usersAt - answeredAt,
    bound,
  };
}

/**
 * One drill: impair the active site's Region, run the plan to the standby; the RTO (ms) and the
 * time until the data was promoted and the nodes were Ready (ms).
 */
export async function modeledRto(
  seed: number,
  which: "concurrent" | "sequential",
  variant: RunVariant = {},
): Promise<{ rtoMs: number; workMs: number; usersMs: number; floorMs: number; stepsFloorMs: number; tail?: TailBreakdown }> {
  // Stack configs type-check as a variant (its fields are optional) and would be ignored: refuse them.
  const unknown = Object.keys(variant).filter((k) => !(VARIANT_FIELDS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new Error(`not a run variant field: ${unknown.join(", ")}; use ${VARIANT_FIELDS.join(", ")}`);
  const sim = await createSimulation({
    seed,
    ...(variant.configs ? { configs: variant.configs } : {}),
    ...(variant.latencyOverrides ? { latencyOverrides: variant.latencyOverrides } : {}),
  });
  const start = sim.clock.now();
  if (variant.targetServingSettings) sim.world.setServingSettings("dr", variant.targetServingSettings);
  sim.faults.impairRegion("primary");
  const pair = await loadPair(sim.stacks, "dr");
  const plan: Plan = which === "concurrent" ? unplannedFailoverPlan(pair) : sequentialRunbookPlan(pair);
  const result = await runInSimulation(sim, plan, { label: which, seed, startedAt: start, maxConcurrency: which === "concurrent" ? 8 : 1 });
  const serving = result.marks.get("serving");
  if (!serving) throw new Error(`${which} seed ${seed}: no serving mark`);
  const workEnd = Math.max(...result.steps.filter((s) => WORK_STEPS.test(s.id)).map((s) => s.endedAt ?? start));
  // Users: the outage under way at the incident, until clients resolving the name were served.
  const outage = sim.world.userView().outages.find((o) => o.from <= start && (o.to ?? Infinity) >= start);
  // The runbook stops at serving, before clients may have moved; only the driver's users' figure is kept.
  if (which === "concurrent" && outage && outage.to === undefined) throw new Error(`${which} seed ${seed}: users not served by the end of the run`);
  const usersMs = !outage ? 0 : outage.to !== undefined ? outage.to - start : NaN;
  const servingStep = result.steps.find((s) => /(^|:)wait-serving$/.test(s.id));
  const floor = servingStep ? slowestBranch(result.steps, servingStep.id) : { ms: NaN };
  const servingAt = sim.world.servingLog("dr").find((e) => e.serving && e.at >= start)?.at;
  const clientsAt = sim.world.dns().clientsLog.find((e) => e.setIdentifier === "dr" && e.at >= start)?.at ?? start;
  const tail =
    which === "concurrent" && floor.endedAt !== undefined && servingAt !== undefined && outage?.to !== undefined
      ? tailBreakdown(sim.world.servingChain("dr"), { floorEndAt: floor.endedAt, servingAt, usersAt: outage.to, clientsAt })
      : undefined;
  const servingPath = which === "concurrent" ? servingPathMs(result.steps, sim.world.servingChain("dr"), start) : NaN;
  const floorMs = Number.isNaN(servingPath) ? floor.ms : Math.max(floor.ms, servingPath);
  return { rtoMs: serving.at - start, workMs: workEnd - start, usersMs, floorMs, stepsFloorMs: floor.ms, ...(tail ? { tail } : {}) };
}

export async function benchRto(opts: RtoBenchOptions): Promise<RtoBenchResult> {
  const concurrent: number[] = [];
  const sequential: number[] = [];
  const workC: number[] = [];
  const workS: number[] = [];
  const users: number[] = [];
  const siteOverFloor: number[] = [];
  const usersOverFloor: number[] = [];
  const usersOverSteps: number[] = [];
  const tails: (TailBreakdown | undefined)[] = [];
  const failures: string[] = [];
  const runbook = opts.runbook ?? true;
  const variant: RunVariant = {
    ...(opts.configs ? { configs: opts.configs } : {}),
    ...(opts.targetServingSettings ? { targetServingSettings: opts.targetServingSettings } : {}),
    ...(opts.latencyOverrides ? { latencyOverrides: opts.latencyOverrides } : {}),
  };
  for (let seed = 1; seed <= opts.seeds; seed++) {
    try {
      const c = await modeledRto(seed, "concurrent", variant);
      const s = runbook ? await modeledRto(seed, "sequential", variant) : { rtoMs: NaN, workMs: NaN };
      concurrent.push(c.rtoMs);
      sequential.push(s.rtoMs);
      workC.push(c.workMs);
      workS.push(s.workMs);
      users.push(c.usersMs);
      siteOverFloor.push(c.rtoMs / c.floorMs);
      usersOverFloor.push(c.usersMs / c.floorMs);
      usersOverSteps.push(c.usersMs / c.stepsFloorMs);
      tails.push(c.tail);
    } catch (err) {
      failures.push(err instanceof Error ? err.message : String(err));
    }
    opts.onProgress?.(seed);
  }
  const c = summary(concurrent);
  const s = summary(sequential);
  const ratioP50 = c.p50 / s.p50;
  const ratioP95 = c.p95 / s.p95;
  const wc = summary(workC);
  const ws = summary(workS);
  const usersRatio = summary(usersOverFloor);
  const usersStepsRatio = summary(usersOverSteps);
  return {
    label: opts.label,
    seeds: opts.seeds,
    concurrent: c,
    sequential: s,
    ratioP50,
    ratioP95,
    floorRatio: { site: summary(siteOverFloor), users: usersRatio, usersOverSteps: usersStepsRatio },
    tailAtP95: tailAt(tails, usersOverSteps, usersStepsRatio.p95),
    runbook,
    users: summary(users),
    work: { concurrent: wc, sequential: ws, ratioP50: wc.p50 / ws.p50, ratioP95: wc.p95 / ws.p95 },
    failures,
  };
}

/** The mean breakdown of the runs whose users' ratio is at or above `threshold`, and what bound them. */
function tailAt(tails: (TailBreakdown | undefined)[], ratios: number[], threshold: number): RtoBenchResult["tailAtP95"] {
  const picked = tails.filter((t, i): t is TailBreakdown => t !== undefined && ratios[i] >= threshold);
  const mean = (k: keyof Omit<TailBreakdown, "bound">) => picked.reduce((sum, t) => sum + t[k], 0) / Math.max(1, picked.length);
  const bound = { workload: 0, data: 0, dns: 0 };
  for (const t of picked) bound[t.bound]++;
  return {
    runs: picked.length,
    mean: {
      nodesMs: mean("nodesMs"),
      podStartMs: mean("podStartMs"),
      probeMs: mean("probeMs"),
      registrationMs: mean("registrationMs"),
      checkMs: mean("checkMs"),
      afterMs: mean("afterMs"),
    },
    bound,
  };
}

/** Seconds with a sign and one decimal: "+41.2s", "-4.8s". */
const signed = (ms: number) => `${ms >= 0 ? "+" : "-"}${Math.abs(ms / 1000).toFixed(1)}s`;

/** The tail line: where the time between the floor's end and users being served went, on the p95 runs. */
export function formatTail(t: RtoBenchResult["tailAtP95"]): string[] {
  const m = t.mean;
  if (t.bound.workload === 0) {
    return [
      `  users' tail past the steps' floor, the ${t.runs} runs at or above its p95: the pods answered before the floor's end; then ${signed(m.nodesMs + m.podStartMs + m.probeMs + m.registrationMs + m.checkMs + m.afterMs)}`,
      `    (data stores, DNS); bound by the data in ${t.bound.data}, by DNS in ${t.bound.dns}`,
    ];
  }
  return [
    `  users' tail past the steps' floor, mean of the ${t.runs} runs at or above its p95: nodes Ready ${signed(m.nodesMs)} (vs the floor's end, its step's poll),`,
    `    pod start ${signed(m.podStartMs)}, readiness probe ${signed(m.probeMs)}, ALB target registration ${signed(m.registrationMs)}, its first check ${signed(m.checkMs)},`,
    `    then ${signed(m.afterMs)} (data stores, DNS); bound by the pods in ${t.bound.workload}, by the data in ${t.bound.data}, by DNS in ${t.bound.dns}`,
  ];
}

export function formatRtoBench(r: RtoBenchResult): string[] {
  const f = formatDuration;
  const x = (v: number) => v.toFixed(2).padStart(7);
  return [
    `${r.label} (${r.seeds} seeds${r.failures.length ? `, ${r.failures.length} failed` : ""})`,
    `  driver, concurrent unplanned plan   p50 ${f(r.concurrent.p50).padStart(7)}   p95 ${f(r.concurrent.p95).padStart(7)}   mean ${f(r.concurrent.mean)}   (site-level: the new site serves)`,
    `    users' RTO (through DNS)          p50 ${f(r.users.p50).padStart(7)}   p95 ${f(r.users.p95).padStart(7)}   mean ${f(r.users.mean)}   (clients resolving the name served)`,
    ...(r.runbook
      ? [
          `  sequential runbook plan             p50 ${f(r.sequential.p50).padStart(7)}   p95 ${f(r.sequential.p95).padStart(7)}   mean ${f(r.sequential.mean)}`,
          `  ratio concurrent/sequential         p50 ${x(r.ratioP50)}   p95 ${x(r.ratioP95)}`,
        ]
      : []),
    `  driver over its floor, site-level   p50 ${x(r.floorRatio.site.p50)}   p95 ${x(r.floorRatio.site.p95)}   (floor: the slowest branch of steps, or the nodes' branch plus pods to a healthy ALB target; 1.00 = no ordering could do better)`,
    `  driver over its floor, users        p50 ${x(r.floorRatio.users.p50)}   p95 ${x(r.floorRatio.users.p95)}   (clients served through DNS)`,
    `  users over the steps alone          p50 ${x(r.floorRatio.usersOverSteps.p50)}   p95 ${x(r.floorRatio.usersOverSteps.p95)}   (floor without the serving path: what the path from nodes Ready to a healthy target adds, broken down below)`,
    ...formatTail(r.tailAtP95),
    ...(r.runbook
      ? [
          `  until data promoted + nodes Ready:  driver p50 ${f(r.work.concurrent.p50)}, runbook p50 ${f(r.work.sequential.p50)}; ratio p50 ${r.work.ratioP50.toFixed(2)}, p95 ${r.work.ratioP95.toFixed(2)}`,
          `  (the rest, pods Ready on the new nodes and the serving probe, is the same in both and bounds the ratio)`,
        ]
      : []),
    ...r.failures.slice(0, 3).map((x) => `  failure: ${x}`),
  ];
}
