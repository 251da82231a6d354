/**
 * One plan executed on a simulated pair, as every bench section runs it: an in-memory journal, the
 * simulation's clock and random draws from the seed. A run that does not succeed is an error naming
 * the seed and the step, so that a broken model never turns into a figure.
 */
import { execute, type ExecutionResult } from "../automation/engine/executor";
import { MemoryJournal } from "../automation/journal/memory-journal";
import type { Plan } from "../automation/plan/types";
import type { Simulation } from "../automation/sim";
import { seededRandom } from "../automation/util/random";

export async function runInSimulation(
  sim: Simulation,
  plan: Plan,
  run: { label: string; seed: number; startedAt: number; maxConcurrency?: number },
): Promise<ExecutionResult> {
  const result = await execute({
    plan,
    cloud: sim.cloud,
    stacks: sim.stacks,
    clock: sim.clock,
    journal: new MemoryJournal(),
    runId: `${run.label}-${run.seed}`,
    runStartedAt: run.startedAt,
    maxConcurrency: run.maxConcurrency ?? 8,
    random: seededRandom(run.seed),
  });
  if (result.outcome !== "succeeded") throw new Error(`${run.label} seed ${run.seed}: step ${result.failedStep} failed: ${String(result.error)}`);
  return result;
}
