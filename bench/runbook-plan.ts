/**
 * The bench's reference: a manual runbook written as a sequential plan on the driver's own steps,
 * ports and latency model, so the bench compares the driver's DAG against it.
 */
import { PRIORITY } from "../automation/plan/priorities";
import { NODE_GROUPS } from "../stacks/config";
import { convergeConfigStep, dbInstanceStep, detachReplicationStep, promoteDbStep, scaleNodesStep, upStep, waitServingStep } from "../automation/plan/steps";
import { coldWorkload } from "../automation/plan/plans";
import type { Pair } from "../automation/plan/sites";
import type { Plan, Step } from "../automation/plan/types";

/**
 * FOR THE BENCH ONLY: the manual DR runbook the driver replaces, as a plan on the same
 * ports and latency model, one step after another: EFS replication removed (from the DR Region),
 * then the Aurora global failover (after a first instance if the secondary is headless), then the
 * node groups: one step that calls UpdateNodegroupConfig with the active sizes for every group at
 * once and waits until all are Ready (the runbook's "increase number of Web Server and App Server
 * EKS node group"; a person would not wait for one group before starting the next), then, for a
 * site without standby pods, the role change and its `up`, then serving. No DNS step: the runbook
 * relies on Route 53 failover routing. The end condition is the driver's (`wait-serving`).
 */
export function sequentialRunbookPlan(pair: Pair): Plan {
  const { target } = pair;
  // The same program as the driver's: its ups reach the source's Region unless told to avoid it.
  const avoid = [pair.source.region];
  const efs = detachReplicationStep(pair, "", []);
  const instance = dbInstanceStep(target, "", [efs.id], avoid);
  const promote = promoteDbStep(pair, "unplanned", "", [instance.id]);
  const groups = NODE_GROUPS.map((g) => scaleNodesStep(target, g, "active"));
  const nodes: Step = {
    id: "scale-nodes",
    title: `Scale every node group of ${target.stack} to its active sizes and wait until all are Ready`,
    dependsOn: [promote.id],
    effect: groups.map((g) => g.effect).join("; "),
    check: async (ctx) => (await Promise.all(groups.map((g) => g.check(ctx)))).every(Boolean),
    run: async (ctx) => {
      await Promise.all(groups.map(async (g) => ((await g.check(ctx)) ? undefined : g.run(ctx))));
      return { detail: "all node groups Ready" };
    },
  };
  const steps: Step[] = [efs, instance, promote, nodes];
  let last = nodes.id;
  if (coldWorkload(target.config)) {
    const config = convergeConfigStep(pair, false, "", [nodes.id], avoid);
    // Route 53's control plane is down with us-east-1: the record is left out, as the driver does.
    const up = upStep({
      id: "converge-up-target",
      title: `Deploy ${target.stack} as active (pods)`,
      site: target,
      dependsOn: [config.id],
      converged: (o) => o?.role === "active",
      exclude: target.outputs.dnsRecordUrn ? [target.outputs.dnsRecordUrn] : [],
    });
    steps.push(config, up);
    last = up.id;
  }
  steps.push(waitServingStep(pair, "unplanned", "", [last]));
  return {
    command: "runbook",
    args: { to: target.stack },
    title: `Sequential runbook (manual order): EFS, then Aurora, then node groups -> ${target.stack}`,
    source: pair.source.stack,
    target: target.stack,
    mode: "unplanned",
    steps: steps.map((s) => ({ ...s, priority: PRIORITY.default })),
    configChanges: [],
    notes: ["Reference for the bench: the manual runbook's order, one step at a time."],
  };
}
