/** `failover`: a planned switch to the standby, or an unplanned one away from an impaired Region. */
import { checkPairConfig } from "../gates/config";
import { plannedFailoverPlan, unplannedFailoverPlan } from "../plan/plans";
import { loadPair } from "../plan/sites";
import type { SwitchMode } from "../plan/types";
import { plannedFailoverGate, resumeControlPlanes, rolesGate, unplannedFailoverGate } from "./gates";
import { runPlan, type CommandResult, type DriverDeps, type RunOptions } from "./run";

export async function failover(deps: DriverDeps, input: { to?: string; mode?: SwitchMode }, opts: RunOptions = {}): Promise<CommandResult> {
  return runPlan(
    deps,
    {
      command: "failover",
      args: { to: input.to, mode: input.mode },
      build: async (args) => {
        const pair = await loadPair(deps.stacks, args.to);
        return args.mode === "planned" ? plannedFailoverPlan(pair) : unplannedFailoverPlan(pair);
      },
      validate: async (plan, resuming) => {
        await checkPairConfig(deps.stacks, [plan.source!, plan.target!], { duringRun: resuming });
        if (!resuming) rolesGate(await loadPair(deps.stacks, plan.target!));
      },
      resumeGate: async (plan, done, marks) =>
        plan.mode === "planned" ? resumeControlPlanes(deps, await loadPair(deps.stacks, plan.target!), "", plan, done, marks) : [],
      pair: (plan) => loadPair(deps.stacks, plan.target!),
      gate: async (plan) => {
        const pair = await loadPair(deps.stacks, plan.target!);
        return plan.mode === "planned" ? plannedFailoverGate(deps, pair) : unplannedFailoverGate(deps, pair, opts);
      },
    },
    opts,
  );
}
