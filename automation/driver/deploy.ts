/** `deploy`: the two stacks in the order their references need. */
import { ConfigError, pairProblems, type SiteConfig } from "../../stacks/config";
import { RefusedError } from "../errors";
import { deployPlan } from "../plan/plans";
import { runPlan, type CommandResult, type DriverDeps, type RunOptions } from "./run";

export async function deploy(deps: DriverDeps, opts: RunOptions = {}): Promise<CommandResult> {
  return runPlan(
    deps,
    {
      command: "deploy",
      args: {},
      build: async () => {
        const sites: { stack: string; config: SiteConfig }[] = [];
        for (const stack of deps.stackNames) sites.push({ stack, config: await deps.stacks.readConfig(stack) });
        const problems = pairProblems(sites[0], sites[1]);
        if (problems.length) throw new RefusedError(new ConfigError(sites[0].stack, problems).message);
        return deployPlan(sites);
      },
    },
    opts,
  );
}
