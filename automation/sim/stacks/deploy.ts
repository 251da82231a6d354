/**
 * The simulated pair's first deploy, in the README's order: the owner of global resources (no
 * peer outputs yet), its peer (with the owner's outputs), then the owner again (its EFS replication
 * needs the peer's file system id). Each stack's state is what its last `up` registered, created
 * by `deployedBy`.
 */
import { parseSiteConfig } from "../../../stacks/config";
import type { SiteProgram } from "../../../stacks/program";
import { runProgram, type ProgramRun } from "../program/run";
import { stateOf, type StackState } from "./state";

/** What the simulated stacks keep between driver processes: plain JSON data. */
export interface SimStacksState {
  /** Each stack's project config (its stack file), namespace stripped. */
  raw: Record<string, Record<string, unknown>>;
  /** Each stack's Pulumi state. */
  state: Record<string, StackState>;
  /** Each stack's outputs, as its last successful `up` exported them. */
  outputs: Record<string, Record<string, unknown>>;
  /** Stacks with an update in progress. */
  running: string[];
}

/** A run's registrations as the state after a successful `up` holds them. */
export function stateFromRun(run: ProgramRun, createdBy: string): StackState {
  return run.resources.map((r) => stateOf(r, r.inputs, r.outputs, createdBy));
}

export async function deployPair(
  configs: Record<string, Record<string, unknown>>,
  opts: { deployedBy: string; program?: SiteProgram },
): Promise<SimStacksState> {
  const stacks = Object.keys(configs);
  if (stacks.length !== 2) throw new Error(`the simulation deploys two stacks, got ${stacks.length} (${stacks.join(", ")})`);
  const owner = stacks.find((s) => parseSiteConfig(s, configs[s]).ownsGlobalResources) ?? stacks[0];
  const peer = stacks.find((s) => s !== owner) as string;
  const run = (stack: string, other: string, otherOutputs?: Record<string, unknown>) =>
    runProgram({
      stack,
      config: configs[stack],
      stackFiles: { [other]: configs[other] },
      peerOutputs: otherOutputs ? { [other]: otherOutputs as Record<string, unknown> } : {},
      program: opts.program,
    });
  const first = await run(owner, peer);
  const second = await run(peer, owner, first.outputs);
  const third = await run(owner, peer, second.outputs);
  return {
    raw: structuredClone(configs),
    state: { [owner]: stateFromRun(third, opts.deployedBy), [peer]: stateFromRun(second, opts.deployedBy) },
    outputs: { [owner]: structuredClone(third.outputs) as Record<string, unknown>, [peer]: structuredClone(second.outputs) as Record<string, unknown> },
    running: [],
  };
}
