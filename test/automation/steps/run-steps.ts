/**
 * Runs a few plan steps through the real executor on a simulation, with a journal the test can
 * read and marks it can seed (as an earlier attempt of the run would have left them).
 */
import { execute, type ExecutionResult } from "../../../automation/engine/executor";
import { MemoryJournal } from "../../../automation/journal/memory-journal";
import type { JournalEvent } from "../../../automation/ports";
import { DEFAULT_TIMEOUTS, type Step } from "../../../automation/plan/types";
import type { Simulation } from "../../../automation/sim";

export interface StepRun extends ExecutionResult {
  events: JournalEvent[];
}

export async function runSteps(
  sim: Simulation,
  steps: Step[],
  opts: { marks?: Record<string, Record<string, unknown>>; journal?: MemoryJournal; logs?: string[] } = {},
): Promise<StepRun> {
  const journal = opts.journal ?? new MemoryJournal();
  const runId = "steps";
  const at = sim.clock.now();
  const prior: JournalEvent[] = Object.entries(opts.marks ?? {}).map(([name, data]) => ({ kind: "mark", runId, at, name, data }));
  for (const e of prior) await journal.append(e);
  const result = await execute({
    plan: { command: "test", args: {}, title: "steps under test", steps, configChanges: [], notes: [] },
    cloud: sim.cloud,
    stacks: sim.stacks,
    clock: sim.clock,
    journal,
    runId,
    runStartedAt: at,
    prior,
    random: () => 0.5,
    timeouts: DEFAULT_TIMEOUTS,
    observer: { stepLog: (_step, line) => void opts.logs?.push(line) },
  });
  return { ...result, events: journal.events };
}
