/**
 * The confirmation before a run changes anything: what it acts on (AWS account, Pulumi backend,
 * the stacks it touches) and the plan, then the operator types the name of the site that becomes
 * active. A typed name, not "y": a reflex answer cannot start a failover, and the answer says
 * which way it goes.
 */
import type { Plan } from "../plan/types";

export interface RunTarget {
  /** `123456789012 (arn:...)`, or `unknown: why`. */
  account: string;
  /** The backend URL and where it came from. */
  backend: string;
  /** Each stack the run touches, as Pulumi selects it, with its Region and role now. */
  stacks: { site: string; stackName: string; region: string; role: string }[];
}

/** What the operator must type: the site that becomes active, or `yes` for a deploy (both sites, no switch). */
export function expectedAnswer(plan: Plan): string {
  return plan.target ?? "yes";
}

export function targetLines(t: RunTarget): string[] {
  return [
    `AWS account:    ${t.account}`,
    `Pulumi backend: ${t.backend}`,
    `stacks:         ${t.stacks.map((s) => `${s.stackName} (${s.region}, ${s.role})`).join(", ")}`,
  ];
}

export function promptText(plan: Plan): string {
  const word = expectedAnswer(plan);
  return plan.target ? `Type the name of the site that becomes active (${word}) to proceed: ` : `Type yes to proceed: `;
}

/** True only for exactly the expected word (surrounding spaces aside; case matters, as stack names are case-sensitive). */
export function accepted(plan: Plan, answer: string): boolean {
  return answer.trim() === expectedAnswer(plan);
}
