/**
 * The planned switch's point of no return, as a step of its own: every data store has caught up
 * (its dependencies) and every control plane the switch calls still answers. Once it is marked the
 * run finishes forward; a failure before it puts the source back into service (rollback.ts).
 */
import { PRIORITY } from "../priorities";
import { describeUnanswered, neededBy, unanswered, type ControlPlane } from "../../gates/control-planes";
import type { Step } from "../types";
import { id, MARK, opts } from "./shared";

/** `switchSteps`: the ids of the steps after it that cannot be undone (their control planes are checked). */
export function pointOfNoReturnStep(prefix: string, dependsOn: string[], planes: ControlPlane[], switchSteps: string[]): Step {
  const needed = neededBy(planes, switchSteps);
  return {
    id: id(prefix, "point-of-no-return"),
    title: "Point of no return: every data store has caught up and every control plane the switch calls answers",
    dependsOn,
    effect: `read ${needed.map((p) => p.name).join(", ")}; then the switch starts and the run only finishes forward`,
    priority: PRIORITY.pointOfNoReturn,
    check: async (ctx) => ctx.marks.has(MARK.pointOfNoReturn),
    run: async (ctx) => {
      const down = await unanswered(ctx.cloud, needed, opts(ctx, ctx.timeouts.probeMs));
      if (down.length > 0) throw new Error(`not crossing the point of no return: ${describeUnanswered(down, ctx.timeouts.probeMs)}`);
      await ctx.mark(MARK.pointOfNoReturn, {});
      return { detail: "crossed: every data store caught up, every control plane answers" };
    },
  };
}
