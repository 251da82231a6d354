/**
 * Temporary project directories with modified stack files, and the deploy-order chain that
 * wires two stacks through their (mocked) outputs, as `pulumi up` would in a real pair.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { evaluateSite, REPO_ROOT, stackFileConfig, type Evaluation } from "../../automation/sim/program/evaluate";
import { tempDir } from "./temp-dir";

/** A copy of the repository's stack files with project keys overridden per stack. */
export function projectWith(overrides: Record<string, Record<string, unknown>>): string {
  const dir = tempDir("project");
  for (const stack of ["primary", "dr"]) {
    const config = stackFileConfig(stack, REPO_ROOT);
    for (const [k, v] of Object.entries(overrides[stack] ?? {})) {
      if (v === undefined) delete config[`eks-dr:${k}`];
      else config[`eks-dr:${k}`] = v;
    }
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stringify({ config }));
  }
  return dir;
}

/** The repository's stack files with the two sites' roles exchanged (the state after a failover). */
export function swappedRolesProject(): string {
  return projectWith({ primary: { role: "standby" }, dr: { role: "active" } });
}

export interface PairEvaluation {
  primary: Evaluation;
  dr: Evaluation;
  /** Primary's first evaluation (no peer outputs yet). */
  primaryFirst: Evaluation;
  /** Dr's first evaluation, with the first primary's outputs. */
  drFirst: Evaluation;
}

/**
 * Evaluates both stacks in the README's deploy order: primary (no peer outputs yet), dr (with
 * primary's outputs), then primary again with dr's outputs, then dr again with the final
 * primary's. Each later evaluation sees exactly what the earlier one exported.
 */
export async function deployPair(projectDir = REPO_ROOT): Promise<PairEvaluation> {
  const first = await evaluateSite({ stack: "primary", projectDir });
  const dr = await evaluateSite({ stack: "dr", projectDir, stackOutputs: { primary: first.outputs } });
  const primary = await evaluateSite({ stack: "primary", projectDir, stackOutputs: { dr: dr.outputs } });
  const drFinal = await evaluateSite({ stack: "dr", projectDir, stackOutputs: { primary: primary.outputs } });
  return { primary, dr: drFinal, primaryFirst: first, drFirst: dr };
}
