/** `failback`: bring the old site back as a standby, let it catch up, then a planned switch back. */
import { RefusedError } from "../errors";
import { checkPairConfig } from "../gates/config";
import { failbackPlan } from "../plan/plans";
import { loadSite, servedGlobalClusterIdentifier, type Pair } from "../plan/sites";
import type { Plan } from "../plan/types";
import { failbackGate, resumeControlPlanes } from "./gates";
import { runPlan, type CommandResult, type DriverDeps, type RunOptions } from "./run";

function otherStack(deps: DriverDeps, stack: string): string {
  return deps.stackNames[0] === stack ? deps.stackNames[1] : deps.stackNames[0];
}

export async function failback(deps: DriverDeps, opts: RunOptions = {}): Promise<CommandResult> {
  /** The planned switch at the end of a failback: from the active site back to the old one. */
  const backPair = async (plan: Plan): Promise<Pair> => {
    const old = await loadSite(deps.stacks, plan.target!);
    const active = await loadSite(deps.stacks, plan.source!);
    return { source: active, target: old, globalClusterIdentifier: servedGlobalClusterIdentifier(active, old)! };
  };
  return runPlan(
    deps,
    {
      command: "failback",
      // The site to return to is the standby in config, unless a resumed run recorded it.
      args: { to: undefined },
      defaults: async () => {
        const configs = await Promise.all(deps.stackNames.map((s) => deps.stacks.readConfig(s)));
        const standby = deps.stackNames.filter((_, i) => configs[i].role === "standby");
        if (standby.length !== 1) {
          throw new RefusedError(
            `Failback needs one active and one standby site in config; found roles ${configs.map((c, i) => `${deps.stackNames[i]}=${c.role}`).join(", ")}.`,
          );
        }
        return { to: standby[0] };
      },
      build: async (args) => {
        const old = await loadSite(deps.stacks, args.to);
        const active = await loadSite(deps.stacks, otherStack(deps, args.to));
        const gid = servedGlobalClusterIdentifier(active, old);
        if (!gid) throw new RefusedError("No site exports globalClusterIdentifier; deploy the owner of global resources first.");
        return failbackPlan(active, old, gid);
      },
      validate: async (plan, resuming) => {
        await checkPairConfig(deps.stacks, [plan.source!, plan.target!], { duringRun: resuming });
        if (resuming) return;
        const [active, old] = await Promise.all([deps.stacks.readConfig(plan.source!), deps.stacks.readConfig(plan.target!)]);
        if (active.role !== "active" || old.role !== "standby") {
          throw new RefusedError(`Failback needs ${plan.source} active and ${plan.target} standby in config; they are ${active.role} and ${old.role}.`);
        }
      },
      resumeGate: async (plan, done, marks) => resumeControlPlanes(deps, await backPair(plan), "back:", plan, done, marks),
      pair: backPair,
      gate: (plan) => failbackGate(deps, plan),
    },
    opts,
  );
}
