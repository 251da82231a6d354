/**
 * `npm run bench [-- --seeds N] [--only rto|stacks|planned|tiers]`: modeled RTO of the driver on the simulated
 * Regions, and per-stack program figures.
 *
 * Sections are independent functions returning lines, so more can be added (per-stack resource
 * counts, program evaluation times) without touching the others.
 */
import { readStackFileConfig } from "../stacks/stack-files";
import * as path from "node:path";
import { evaluationStats, type EvaluationStats, type ServingSettings } from "../automation/sim";
import { benchRto, formatRtoBench } from "./drills";
import { benchPlanned, formatPlannedBench } from "./planned";
import { benchStacks, formatStackFigures } from "./stacks";
import { benchTiers, warmConfigs } from "./tiers";

export interface BenchSection {
  title: string;
  run(opts: { seeds: number }): Promise<string[]>;
}

const PROJECT_DIR = path.resolve(__dirname, "..");

/** The project's stack files with no web/app pods on a standby (the cold variant: an up is on the critical path). */
function coldConfigs(): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const stack of ["primary", "dr"]) {
    const raw = structuredClone(readStackFileConfig(PROJECT_DIR, stack)!);
    const w = raw.workload as { replicas: Record<string, { active: number; standby: number }> } | undefined;
    if (w) for (const tier of ["web", "app"]) w.replicas[tier].standby = 0;
    out[stack] = raw;
  }
  return out;
}

/**
 * The serving settings the program had before it probed readiness every second and set the target
 * health check's interval (the Deployments' `periodSeconds: 5`, no interval annotation: the
 * controller's 15 s): the bench's "before" figures, applied to the target at the start of each run.
 */
const SERVING_SETTINGS_BEFORE: ServingSettings = {
  probes: { web: { periodSeconds: 5, successThreshold: 1, initialDelaySeconds: 0 }, app: { periodSeconds: 5, successThreshold: 1, initialDelaySeconds: 0 } },
  targetHealthCheck: { intervalSeconds: 15 },
};

/** What running the program for the simulated stacks cost between two readings of the counters. */
export function formatEvaluationCost(before: EvaluationStats, after: EvaluationStats): string {
  const evaluated = after.evaluations - before.evaluations;
  const seconds = ((after.realMs - before.realMs) / 1000).toFixed(1);
  return (
    `  program runs of the simulated stacks: ${evaluated} evaluated under Pulumi mocks (${seconds} s real, module loading included), ` +
    `${after.memoryHits - before.memoryHits} reused from memory, ${after.diskHits - before.diskHits} from the disk cache`
  );
}

export const rtoSection: BenchSection = {
  title: "Modeled RTO of an unplanned failover primary -> dr (docs/latency.md ranges, triangular draws; us-east-1 impaired at t0)",
  async run({ seeds }) {
    const lines: string[] = [];
    const before = evaluationStats();
    const asConfigured = await benchRto({ seeds, label: "stack files as configured (standby pods Pending for nodes, decision 4)" });
    lines.push(...formatRtoBench(asConfigured));
    const formerSettings = await benchRto({
      seeds,
      runbook: false,
      targetServingSettings: SERVING_SETTINGS_BEFORE,
      label: "before: the program's former readiness probe (every 5 s) and the controller's default target health check (every 15 s)",
    });
    lines.push(...formatRtoBench(formerSettings));
    const noPodStart = await benchRto({
      seeds,
      runbook: false,
      latencyOverrides: { "pod-start": { minSeconds: 0, typicalSeconds: 0, maxSeconds: 0, source: "bench: what the tail is without the pod start" } },
      label: "counterfactual: a pod start of 0 s (as if the images were on the new nodes and the app answered at once)",
    });
    lines.push(...formatRtoBench(noPodStart));
    const warm = await benchRto({
      seeds,
      runbook: false,
      configs: warmConfigs(),
      label: "variant: warm standby (web/app nodes at their active sizes while standby: the pods are Ready before the incident)",
    });
    lines.push(...formatRtoBench(warm));
    const cold = await benchRto({
      seeds,
      configs: coldConfigs(),
      label: "variant: no standby pods (workload.replicas.*.standby: 0; the target's up is on the critical path)",
    });
    lines.push(...formatRtoBench(cold));
    lines.push(
      "  sequential runbook = a manual runbook's order as a plan on the same ports: detach EFS (LOCAL_CONFIGURATION_ONLY), then",
      "  FailoverGlobalCluster, then one step calling UpdateNodegroupConfig for every node group at once and waiting",
      "  until all are Ready, then (cold variant only) the role change and the target's up; no DNS step",
      "  (Route 53 failover routing). Both end when the target serves (its health check too, when Route 53's API",
      "  answers; with us-east-1 impaired it does not, and health-check failover moves the traffic). In the cold",
      "  variant the runbook waits for its whole up (which creates the active role's extra DB reader) before checking;",
      "  the driver checks serving while its up continues.",
      formatEvaluationCost(before, evaluationStats()),
    );
    return lines;
  },
};

export const stacksSection: BenchSection = {
  title: "Per-stack resources and program evaluation time under Pulumi mocks",
  async run() {
    return formatStackFigures(await benchStacks()).split("\n");
  },
};

export const plannedSection: BenchSection = {
  title: "Downtime of a planned switchover primary -> dr (simulated world's measurements)",
  async run({ seeds }) {
    return formatPlannedBench(await benchPlanned(seeds));
  },
};

export const tiersSection: BenchSection = {
  title: "Modeled RTO per DR tier: pilot light, warm standby, backup and restore (at most 50 seeds: a restore drill costs more)",
  async run({ seeds }) {
    return benchTiers(Math.min(seeds, 50));
  },
};

// Stacks first: its cold figure is the first evaluation in the process, before any section loads Pulumi.
export const SECTIONS: BenchSection[] = [stacksSection, rtoSection, plannedSection, tiersSection];
const BY_NAME: Record<string, BenchSection> = { stacks: stacksSection, rto: rtoSection, planned: plannedSection, tiers: tiersSection };

async function main() {
  const only = process.argv.indexOf("--only");
  if (only >= 0 && !BY_NAME[process.argv[only + 1]]) {
    console.error(`--only: "${process.argv[only + 1]}" is not a section; use one of ${Object.keys(BY_NAME).join(", ")}`);
    process.exitCode = 2;
    return;
  }
  const chosen = only >= 0 ? [BY_NAME[process.argv[only + 1]]] : SECTIONS;
  const i = process.argv.indexOf("--seeds");
  const seeds = i >= 0 ? Number(process.argv[i + 1]) : 500;
  if (!Number.isInteger(seeds) || seeds < 1) {
    console.error(`--seeds: "${process.argv[i + 1]}" is not a positive whole number`);
    process.exitCode = 2;
    return;
  }
  for (const section of chosen) {
    const started = Date.now();
    console.log(`== ${section.title}`);
    for (const line of await section.run({ seeds })) console.log(line);
    console.log(`   (${((Date.now() - started) / 1000).toFixed(1)} s real time)`);
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
