/**
 * What a run acts on, for the confirmation: the AWS account (STS on the real Regions, the
 * simulation's principal with --sim), the Pulumi backend and the stacks the plan touches.
 */
import * as path from "node:path";
import type { Plan } from "../plan/types";
import type { Wiring } from "../wiring";
import type * as SimStacksModule from "../sim/sim-stacks";
import type * as LocationModule from "../state/location";
import { accountOfArn, callerIdentity, describeCaller, type CallerIdentity } from "./identity";
import type { RunTarget } from "./confirm";

export interface RunTargetOptions {
  projectDir: string;
  vars: Record<string, string | undefined>;
  /** The name Pulumi selects for a site (`--stack primary=org/eks-dr/primary`). */
  stackName: (site: string) => string;
  /** Bound of the STS call. @default 10 s */
  timeoutMs?: number;
  /** The account lookup on the real Regions. @default STS GetCallerIdentity in the target's Region */
  identity?: (region: string) => Promise<CallerIdentity>;
}

function lazy<T>(id: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(id) as T;
}

export async function runTarget(w: Wiring, plan: Plan, opts: RunTargetOptions): Promise<RunTarget> {
  const sites = plan.target && plan.source ? [plan.source, plan.target] : [...w.stackNames];
  const configs = await Promise.all(sites.map((s) => w.stacks.readConfig(s)));
  const stacks = sites.map((site, i) => ({ site, stackName: opts.stackName(site), region: configs[i].region, role: configs[i].role }));
  const region = stacks.find((s) => s.site === plan.target)?.region ?? stacks[0].region;
  if (w.sim) {
    const principal = w.sim.creation.principal ?? lazy<typeof SimStacksModule>("../sim/sim-stacks").DEFAULT_PRINCIPAL;
    return {
      account: `${accountOfArn(principal) ?? "unknown"} (${principal}, simulated)`,
      backend: w.resumeFlags?.some((f) => f.startsWith("--journal")) ? `simulated, saved beside ${w.journalLabel}` : "simulated, in this process only",
      stacks,
    };
  }
  const lookup = opts.identity ?? ((r: string) => callerIdentity(r, { timeoutMs: opts.timeoutMs ?? 10_000 }));
  const { pulumiBackendUrl } = lazy<typeof LocationModule>("../state/location");
  const backend = pulumiBackendUrl(opts.vars, path.resolve(opts.projectDir));
  return {
    account: await describeCaller(() => lookup(region)),
    backend: backend.url ? `${backend.url} (from ${backend.source})` : `none (${backend.source})`,
    stacks,
  };
}
