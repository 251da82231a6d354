/**
 * Modeled RTO over many simulated drills: the driver's concurrent unplanned plan against the
 * manual DR runbook written as a sequential plan (bench/runbook-plan.ts `sequentialRunbookPlan`:
 * EFS, then Aurora, then the node groups, then serving) on the same ports, latency model and
 * seeds. Both start the instant the active site's Region is impaired and end when the new site
 * serves and its health check is healthy (the driver's `wait-serving`), and, for users, when
 * clients resolving the application's name are served again (the simulated world's measurement:
 * health checks, the failover answer, the record's TTL).
 *
 * The floor of a run is its slowest single branch: the longest chain of steps leading to
 * `wait-serving`, each taking the time it took in that run. No ordering of the same steps could
 * serve sooner, so measured / floor says how much the driver (and DNS, for users) adds on top.
 */
import { execute } from "../automation/engine/executor";
import { MemoryJournal } from "../automation/journal/memory-journal";
import { unplannedFailoverPlan } from "../automation/plan/plans";
import { sequentialRunbookPlan } from "./runbook-plan";
import { loadPair } from "../automation/plan/sites";
import type { Plan } from "../automation/plan/types";
import { createSimulation } from "../automation/sim";
import { seededRandom } from "../automation/util/random";
import { formatDuration } from "../automation/util/duration";

export interface RtoBenchOptions {
  seeds: number;
  /** Raw stack configs (namespace stripped) instead of the project's files, e.g. a warm variant. */
  configs?: Record<string, Record<string, unknown>>;
  label: string;
  onProgress?: (done: number) => void;
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
  floorRatio: { site: Percentiles; users: Percentiles };
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

/** The slowest single branch into `servingStep`: the longest chain of its dependencies, each at its measured duration. */
export function slowestBranchMs(steps: { id: string; dependsOn: string[]; startedAt?: number; endedAt?: number }[], servingStep: string): number {
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
  const serving = byId.get(servingStep);
  if (!serving) throw new Error(`no step ${servingStep}`);
  return Math.max(0, ...serving.dependsOn.map(chain));
}

/**
 * One drill: impair the active site's Region, run the plan to the standby; the RTO (ms) and the
 * time until the data was promoted and the nodes were Ready (ms).
 */
export async function modeledRto(
  seed: number,
  which: "concurrent" | "sequential",
  configs?: Record<string, Record<string, unknown>>,
): Promise<{ rtoMs: number; workMs: number; usersMs: number; floorMs: number }> {
  const sim = await createSimulation({ seed, ...(configs ? { configs } : {}) });
  const start = sim.clock.now();
  sim.faults.impairRegion("primary");
  const pair = await loadPair(sim.stacks, "dr");
  const plan: Plan = which === "concurrent" ? unplannedFailoverPlan(pair) : sequentialRunbookPlan(pair);
  const result = await execute({
    plan,
    cloud: sim.cloud,
    stacks: sim.stacks,
    clock: sim.clock,
    journal: new MemoryJournal(),
    runId: `${which}-${seed}`,
    runStartedAt: start,
    maxConcurrency: which === "concurrent" ? 8 : 1,
    random: seededRandom(seed),
  });
  if (result.outcome !== "succeeded") throw new Error(`${which} seed ${seed}: step ${result.failedStep} failed: ${String(result.error)}`);
  const serving = result.marks.get("serving");
  if (!serving) throw new Error(`${which} seed ${seed}: no serving mark`);
  const workEnd = Math.max(...result.steps.filter((s) => WORK_STEPS.test(s.id)).map((s) => s.endedAt ?? start));
  // Users: the outage under way at the incident, until clients resolving the name were served.
  const outage = sim.world.userView().outages.find((o) => o.from <= start && (o.to ?? Infinity) >= start);
  // The runbook stops at serving, before clients may have moved; only the driver's users' figure is kept.
  if (which === "concurrent" && outage && outage.to === undefined) throw new Error(`${which} seed ${seed}: users not served by the end of the run`);
  const usersMs = !outage ? 0 : outage.to !== undefined ? outage.to - start : NaN;
  const servingStep = result.steps.find((s) => /(^|:)wait-serving$/.test(s.id));
  const floorMs = servingStep ? slowestBranchMs(result.steps, servingStep.id) : NaN;
  return { rtoMs: serving.at - start, workMs: workEnd - start, usersMs, floorMs };
}

export async function benchRto(opts: RtoBenchOptions): Promise<RtoBenchResult> {
  const concurrent: number[] = [];
  const sequential: number[] = [];
  const workC: number[] = [];
  const workS: number[] = [];
  const users: number[] = [];
  const siteOverFloor: number[] = [];
  const usersOverFloor: number[] = [];
  const failures: string[] = [];
  for (let seed = 1; seed <= opts.seeds; seed++) {
    try {
      const c = await modeledRto(seed, "concurrent", opts.configs);
      const s = await modeledRto(seed, "sequential", opts.configs);
      concurrent.push(c.rtoMs);
      sequential.push(s.rtoMs);
      workC.push(c.workMs);
      workS.push(s.workMs);
      users.push(c.usersMs);
      siteOverFloor.push(c.rtoMs / c.floorMs);
      usersOverFloor.push(c.usersMs / c.floorMs);
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
  return {
    label: opts.label,
    seeds: opts.seeds,
    concurrent: c,
    sequential: s,
    ratioP50,
    ratioP95,
    floorRatio: { site: summary(siteOverFloor), users: summary(usersOverFloor) },
    users: summary(users),
    work: { concurrent: wc, sequential: ws, ratioP50: wc.p50 / ws.p50, ratioP95: wc.p95 / ws.p95 },
    failures,
  };
}

export function formatRtoBench(r: RtoBenchResult): string[] {
  const f = formatDuration;
  const x = (v: number) => v.toFixed(2).padStart(7);
  return [
    `${r.label} (${r.seeds} seeds${r.failures.length ? `, ${r.failures.length} failed` : ""})`,
    `  driver, concurrent unplanned plan   p50 ${f(r.concurrent.p50).padStart(7)}   p95 ${f(r.concurrent.p95).padStart(7)}   mean ${f(r.concurrent.mean)}   (site-level: the new site serves)`,
    `    users' RTO (through DNS)          p50 ${f(r.users.p50).padStart(7)}   p95 ${f(r.users.p95).padStart(7)}   mean ${f(r.users.mean)}   (clients resolving the name served)`,
    `  sequential runbook plan             p50 ${f(r.sequential.p50).padStart(7)}   p95 ${f(r.sequential.p95).padStart(7)}   mean ${f(r.sequential.mean)}`,
    `  ratio concurrent/sequential         p50 ${x(r.ratioP50)}   p95 ${x(r.ratioP95)}`,
    `  driver over its floor, site-level   p50 ${x(r.floorRatio.site.p50)}   p95 ${x(r.floorRatio.site.p95)}   (floor: the slowest single branch into wait-serving, 1.00 = no ordering could do better)`,
    `  driver over its floor, users        p50 ${x(r.floorRatio.users.p50)}   p95 ${x(r.floorRatio.users.p95)}   (clients served through DNS; above 1.00: pods turning Ready after their nodes, health checks, TTL)`,
    `  until data promoted + nodes Ready:  driver p50 ${f(r.work.concurrent.p50)}, runbook p50 ${f(r.work.sequential.p50)}; ratio p50 ${r.work.ratioP50.toFixed(2)}, p95 ${r.work.ratioP95.toFixed(2)}`,
    `  (the rest, pods Ready on the new nodes and the serving probe, is the same in both and bounds the ratio)`,
    ...r.failures.slice(0, 3).map((x) => `  failure: ${x}`),
  ];
}
