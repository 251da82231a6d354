/**
 * Downtime of a planned switchover primary -> dr over many simulated runs, as users see it:
 * - write downtime: from when the source stopped taking writes (its workload stopped) until the
 *   target took them (the simulated world's serving logs);
 * - read downtime: how long clients resolving the application's name could not read (the world's
 *   user view of reads, through DNS: the source serves them in read-only mode until clients reach
 *   the target).
 */
import { plannedFailoverPlan } from "../automation/plan/plans";
import { loadPair } from "../automation/plan/sites";
import { createSimulation } from "../automation/sim";
import { formatDuration } from "../automation/util/duration";
import { percentile, type Percentiles } from "./drills";
import { runInSimulation } from "./run-in-simulation";

export interface PlannedBenchResult {
  seeds: number;
  write: Percentiles;
  read: Percentiles;
  failures: string[];
}

const summary = (values: number[]): Percentiles => {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), mean: values.reduce((a, b) => a + b, 0) / Math.max(1, values.length) };
};

/** One planned switchover: write and read downtime (ms) as the world measured them. */
export async function plannedDowntime(seed: number): Promise<{ writeMs: number; readMs: number }> {
  const sim = await createSimulation({ seed });
  const start = sim.clock.now();
  const pair = await loadPair(sim.stacks, "dr");
  await runInSimulation(sim, plannedFailoverPlan(pair), { label: "planned", seed, startedAt: start });
  const stopped = sim.world.servingLog("primary").find((e) => !e.serving && e.at >= start)?.at;
  const started = sim.world.servingLog("dr").find((e) => e.serving && e.at >= start)?.at;
  if (stopped === undefined || started === undefined) throw new Error(`planned seed ${seed}: no switch of serving in the world`);
  const readMs = sim.world
    .userView("reads")
    .outages.filter((o) => (o.to ?? Infinity) >= start)
    .reduce((sum, o) => sum + o.durationMs, 0);
  return { writeMs: Math.max(0, started - stopped), readMs };
}

export async function benchPlanned(seeds: number): Promise<PlannedBenchResult> {
  const write: number[] = [];
  const read: number[] = [];
  const failures: string[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    try {
      const d = await plannedDowntime(seed);
      write.push(d.writeMs);
      read.push(d.readMs);
    } catch (err) {
      failures.push(err instanceof Error ? err.message : String(err));
    }
  }
  return { seeds, write: summary(write), read: summary(read), failures };
}

export function formatPlannedBench(r: PlannedBenchResult): string[] {
  const f = (ms: number) => formatDuration(ms).padStart(7);
  return [
    `planned switchover primary -> dr (${r.seeds} seeds${r.failures.length ? `, ${r.failures.length} failed` : ""})`,
    `  write downtime   p50 ${f(r.write.p50)}   p95 ${f(r.write.p95)}   mean ${formatDuration(r.write.mean)}   (the source stopped taking writes until the target took them)`,
    `  read downtime    p50 ${f(r.read.p50)}   p95 ${f(r.read.p95)}   mean ${formatDuration(r.read.mean)}   (clients resolving the name could not read)`,
    ...r.failures.slice(0, 3).map((x) => `  failure: ${x}`),
  ];
}
