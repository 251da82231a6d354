/**
 * Builds a plan's step list: owns the id prefix ("back:" for the switch back of a failback), the
 * order the steps were added in (the executor's tie-break), and the dependencies between them. An
 * optional step that is not in this plan (e.g. no DNS swap without a DNS config) is `undefined`:
 * adding it adds nothing, and depending on it adds no edge.
 */
import type { Step } from "./types";

export type StepRef = Step | undefined | readonly (Step | undefined)[];

export class PlanBuilder {
  private constructor(
    /** Prepended to every step id made with `id()`. */
    readonly prefix: string,
    private readonly list: Step[],
  ) {}

  static create(prefix = ""): PlanBuilder {
    return new PlanBuilder(prefix, []);
  }

  /** A builder adding to the same plan with another id prefix. */
  withPrefix(prefix: string): PlanBuilder {
    return new PlanBuilder(prefix, this.list);
  }

  /** The id of step `name` in this plan. */
  id(name: string): string {
    return `${this.prefix}${name}`;
  }

  /** The ids of the steps given, optional ones left out: what a new step depends on. */
  after(...refs: StepRef[]): string[] {
    return refs.flatMap((r) => (Array.isArray(r) ? r : [r])).flatMap((s: Step | undefined) => (s ? [s.id] : []));
  }

  /** Adds the step (nothing when it is undefined) and returns it. */
  add<S extends Step | undefined>(step: S): S;
  add(steps: Step[]): Step[];
  add(step: Step | undefined | Step[]): Step | undefined | Step[] {
    for (const s of Array.isArray(step) ? step : [step]) if (s) this.list.push(s);
    return step;
  }

  /** The steps in the order they were added; throws when an id repeats or a dependency is unknown. */
  steps(): Step[] {
    const ids = new Set<string>();
    for (const s of this.list) {
      if (ids.has(s.id)) throw new Error(`plan builder: step id "${s.id}" added twice`);
      ids.add(s.id);
    }
    for (const s of this.list) {
      for (const d of s.dependsOn) if (!ids.has(d)) throw new Error(`plan builder: step "${s.id}" depends on "${d}", which is not in the plan`);
    }
    return [...this.list];
  }
}
