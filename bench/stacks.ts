/**
 * Per-stack figures: resources registered and the time to evaluate the program under Pulumi
 * mocks (the same harness as the tests), cold (first evaluation in the process, module loading
 * included) and warm (median of the next runs). Target: under 3 s per stack on 2 cores.
 */
import { performance } from "node:perf_hooks";
import { evaluateSite } from "../automation/sim/program/evaluate";
import { deployPair } from "../test/harness/project";

export interface StackFigures {
  stack: string;
  resources: number;
  resourceTypes: number;
  coldMs: number;
  warmMedianMs: number;
  warmMaxMs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, performance.now() - start];
}

/** Evaluates each stack `runs` times with its peer's outputs wired, as after a full deploy. */
export async function benchStacks(runs = 7): Promise<StackFigures[]> {
  // The first evaluation of the chain is the cold one: it loads the program and its SDK modules.
  const [, coldMs] = await timed(() => evaluateSite({ stack: "primary" }));
  const pair = await deployPair();
  const peerOutputs = { primary: { dr: pair.dr.outputs }, dr: { primary: pair.primary.outputs } };
  const figures: StackFigures[] = [];
  for (const stack of ["primary", "dr"] as const) {
    const times: number[] = [];
    let resources = 0;
    let types = 0;
    for (let i = 0; i < runs; i++) {
      const [ev, ms] = await timed(() => evaluateSite({ stack, stackOutputs: peerOutputs[stack] }));
      times.push(ms);
      resources = ev.cloud.resources.length;
      types = new Set(ev.cloud.resources.map((r) => r.type)).size;
    }
    figures.push({
      stack,
      resources,
      resourceTypes: types,
      coldMs: stack === "primary" ? coldMs : Number.NaN,
      warmMedianMs: median(times),
      warmMaxMs: Math.max(...times),
    });
  }
  return figures;
}

export function formatStackFigures(figures: StackFigures[]): string {
  const lines = ["Stack evaluation under Pulumi mocks (program -> registered resources)", ""];
  lines.push("stack    resources  types  cold (ms)  warm median (ms)  warm max (ms)");
  for (const f of figures) {
    const cold = Number.isNaN(f.coldMs) ? "-" : f.coldMs.toFixed(0);
    lines.push(
      `${f.stack.padEnd(8)} ${String(f.resources).padStart(9)}  ${String(f.resourceTypes).padStart(5)}  ${cold.padStart(9)}  ${f.warmMedianMs.toFixed(0).padStart(16)}  ${f.warmMaxMs.toFixed(0).padStart(13)}`,
    );
  }
  return lines.join("\n");
}
