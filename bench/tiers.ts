/**
 * Modeled RTO per DR tier, on the same seeds and latency model: pilot light (the stack files: no
 * web/app nodes on the standby), warm standby (the standby's node groups at the active sizes) and
 * backup and restore (`restore` from the copies in the standby's vault). Each run starts the instant
 * the active site's Region is impaired and ends when the new site serves.
 *
 * Backup and restore twice: into the stack files' standby (it keeps its cluster and system nodes),
 * and into a backup-only standby (drTier backup-restore: no cluster, nodes, database or file system),
 * whose restore's up creates the EKS control plane and node groups. The latter with the active site
 * in us-east-2: with us-east-1 lost, a restore into a backup-only standby is refused (its up needs
 * the IAM and Route 53 control planes there).
 */
import { readStackFileConfig } from "../stacks/stack-files";
import * as path from "node:path";
import { restoreToPeerPlan } from "../automation/plan/restore-plan";
import { restoreTarget } from "../automation/restore";
import { loadRestorePair } from "../automation/plan/sites";
import { createSimulation } from "../automation/sim";
import { formatDuration } from "../automation/util/duration";
import { modeledRto, percentile } from "./drills";
import { runInSimulation } from "./run-in-simulation";

const PROJECT_DIR = path.resolve(__dirname, "..");

/** The stack files with the standby's web/app node groups at their active sizes: warm standby. */
export function warmConfigs(): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const stack of ["primary", "dr"]) {
    const raw = structuredClone(readStackFileConfig(PROJECT_DIR, stack)!);
    const groups = raw.nodeGroups as Record<string, { active: object; standby: object }>;
    for (const tier of ["web", "app"]) groups[tier].standby = { ...groups[tier].active };
    out[stack] = raw;
  }
  return out;
}

/** The stack files in the backup-restore tier (backup-only standby), the active site in us-east-2. */
export function backupOnlyConfigs(): Record<string, Record<string, unknown>> {
  const regions: Record<string, string> = { primary: "us-east-2", dr: "us-west-2" };
  return Object.fromEntries(
    ["primary", "dr"].map((s) => [s, { ...structuredClone(readStackFileConfig(PROJECT_DIR, s)!), drTier: "backup-restore", region: regions[s] }]),
  );
}

/** One restore drill: the RTO (ms) from the incident until dr serves on the restored data. */
export async function modeledRestoreRto(seed: number, configs?: Record<string, Record<string, unknown>>): Promise<number> {
  const sim = await createSimulation({ seed, ...(configs ? { configs } : {}) });
  const start = sim.clock.now();
  sim.faults.impairRegion("primary");
  const pair = await loadRestorePair(sim.stacks, "dr");
  const plan = restoreToPeerPlan(sim.backup, pair, restoreTarget(pair.target), { point: { latest: true }, maxSkewMs: 3_600_000 });
  const result = await runInSimulation(sim, plan, { label: "restore", seed, startedAt: start });
  const serving = result.marks.get("serving");
  if (!serving) throw new Error(`restore seed ${seed}: no serving mark`);
  return serving.at - start;
}

export async function benchTiers(seeds: number): Promise<string[]> {
  const tiers: [string, (seed: number) => Promise<number>][] = [
    ["pilot light (stack files)", async (seed) => (await modeledRto(seed, "concurrent")).rtoMs],
    ["warm standby (web/app nodes running)", async (seed) => (await modeledRto(seed, "concurrent", { configs: warmConfigs() })).rtoMs],
    ["backup and restore (restore --to dr)", (seed) => modeledRestoreRto(seed)],
    ["backup-only standby (us-east-2 lost)", (seed) => modeledRestoreRto(seed, backupOnlyConfigs())],
  ];
  const lines = [`RTO per DR tier, unplanned loss of us-east-1 (${seeds} seeds each)`];
  for (const [label, run] of tiers) {
    const values: number[] = [];
    const failures: string[] = [];
    for (let seed = 1; seed <= seeds; seed++)
      await run(seed).then(
        (v) => values.push(v),
        (err: unknown) => failures.push(String(err)),
      );
    values.sort((a, b) => a - b);
    lines.push(
      `  ${label.padEnd(40)} p50 ${formatDuration(percentile(values, 50)).padStart(7)}   p95 ${formatDuration(percentile(values, 95)).padStart(7)}${failures.length ? `   ${failures.length} failed: ${failures[0]}` : ""}`,
    );
  }
  return lines;
}
