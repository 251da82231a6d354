/**
 * Modeled RTO over many simulated drills: the driver's concurrent unplanned plan against the
 * manual DR runbook written as a sequential plan (bench/runbook-plan.ts `sequentialRunbookPlan`:
 * EFS, then Aurora, then the node groups, then serving) on the same ports, latency model and
 * seeds. Both start the instant the active site's Region is impaired and end when the new site
 * serves and its health check is healthy (the driver's `wait-serving`).
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
  /** The target: concurrent <= half of sequential (both percentiles). */
  targetMet: boolean;
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

/**
 * One drill: impair the active site's Region, run the plan to the standby; the RTO (ms) and the
 * time until the data was promoted and the nodes were Ready (ms).
 */
export async function modeledRto(seed: number, which: "concurrent" | "sequential", configs?: Record<string, Record<string, unknown>>): Promise<{ rtoMs: number; workMs: number }> {
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
  return { rtoMs: serving.at - start, workMs: workEnd - start };
}

export async function benchRto(opts: RtoBenchOptions): Promise<RtoBenchResult> {
  const concurrent: number[] = [];
  const sequential: number[] = [];
  const workC: number[] = [];
  const workS: number[] = [];
  const failures: string[] = [];
  for (let seed = 1; seed <= opts.seeds; seed++) {
    try {
      const c = await modeledRto(seed, "concurrent", opts.configs);
      const s = await modeledRto(seed, "sequential", opts.configs);
      concurrent.push(c.rtoMs);
      sequential.push(s.rtoMs);
      workC.push(c.workMs);
      workS.push(s.workMs);
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
    targetMet: ratioP50 <= 0.5 && ratioP95 <= 0.5,
    work: { concurrent: wc, sequential: ws, ratioP50: wc.p50 / ws.p50, ratioP95: wc.p95 / ws.p95 },
    failures,
  };
}

export function formatRtoBench(r: RtoBenchResult): string[] {
  const f = formatDuration;
  return [
    `${r.label} (${r.seeds} seeds${r.failures.length ? `, ${r.failures.length} failed` : ""})`,
    `  driver, concurrent unplanned plan   p50 ${f(r.concurrent.p50).padStart(7)}   p95 ${f(r.concurrent.p95).padStart(7)}   mean ${f(r.concurrent.mean)}`,
    `  manual runbook, sequential plan     p50 ${f(r.sequential.p50).padStart(7)}   p95 ${f(r.sequential.p95).padStart(7)}   mean ${f(r.sequential.mean)}`,
    `  ratio concurrent/sequential         p50 ${r.ratioP50.toFixed(2).padStart(7)}   p95 ${r.ratioP95.toFixed(2).padStart(7)}   target <= 0.50: ${r.targetMet ? "MET" : "NOT MET"}`,
    `  until data promoted + nodes Ready:  driver p50 ${f(r.work.concurrent.p50)}, runbook p50 ${f(r.work.sequential.p50)}; ratio p50 ${r.work.ratioP50.toFixed(2)}, p95 ${r.work.ratioP95.toFixed(2)}`,
    `  (the rest, pods Ready on the new nodes and the serving probe, is the same in both and bounds the ratio)`,
    ...r.failures.slice(0, 3).map((x) => `  failure: ${x}`),
  ];
}
