/**
 * The named safety gates of the commands: each refuses (RefusedError, nothing changed) when acting
 * now could make an outage worse, and returns the notes the operator confirms.
 */
import { RefusedError, rethrowAuth } from "../errors";
import { readOnlyContext } from "../engine/inspect";
import type { Mark } from "../journal/events";
import { failedOverEvidence } from "../gates/failback-evidence";
import { describeUnanswered, neededBy, onlyRegionDown, plannedControlPlanes, unanswered, type ControlPlane } from "../gates/control-planes";
import { loadSite, servedGlobalClusterIdentifier, type Pair } from "../plan/sites";
import { DEFAULT_TIMEOUTS, type Plan } from "../plan/types";
import { estimateRpo, evaluateReadiness, formatEstimatedRpo } from "../readiness";
import { MARK } from "../plan/steps";
import { formatDuration, isoTime } from "../util/duration";
import { commandLine, type DriverDeps, type RunOptions } from "./run";

export async function probe(deps: DriverDeps, region: string): Promise<boolean> {
  const ctx = readOnlyContext(deps);
  const t = (deps.timeouts ?? DEFAULT_TIMEOUTS).probeMs;
  // No answer (a timeout, a network or server failure) is false; credentials that do not work or a
  // denied permission are a setup problem with its own message, never a sign the Region is down.
  return ctx.cloud.eks.probeRegion(region, { timeoutMs: t, signal: ctx.signal }).catch((err: unknown) => {
    rethrowAuth(err, `probing ${region}`);
    return false;
  });
}

/** Refuses when a control plane in `planes` does not answer (each read bounded by the probe timeout). */
export async function requireControlPlanes(
  deps: DriverDeps,
  planes: ControlPlane[],
  refusal: (down: string, onlySourceDown: boolean) => string,
  sourceRegion: string,
): Promise<void> {
  const ctx = readOnlyContext(deps);
  const t = (deps.timeouts ?? DEFAULT_TIMEOUTS).probeMs;
  const down = await unanswered(ctx.cloud, planes, { timeoutMs: t, signal: ctx.signal });
  // Credentials that do not work are a setup problem with its own message, not a control plane down.
  for (const d of down) rethrowAuth(d.error, `reading ${d.plane.name}`);
  if (down.length > 0) throw new RefusedError(refusal(describeUnanswered(down, t), onlyRegionDown(down, sourceRegion)));
}

/**
 * A resumed planned switch checks the control planes its remaining steps call: a resume that would
 * fail at the same step again (a control plane still down) is refused and changes nothing.
 */
export async function resumeControlPlanes(
  deps: DriverDeps,
  pair: Pair,
  prefix: string,
  plan: Plan,
  done: Set<string>,
  marks: ReadonlyMap<string, Mark>,
): Promise<string[]> {
  if (marks.has(MARK.rollbackStarted))
    return [`the run failed before its point of no return; resuming finishes putting ${pair.source.stack} back into service.`];
  const remaining = plan.steps.map((s) => s.id).filter((id) => !done.has(id));
  const crossed = marks.get(MARK.pointOfNoReturn);
  await requireControlPlanes(
    deps,
    neededBy(plannedControlPlanes(pair, prefix), remaining),
    (down) =>
      (crossed
        ? `The run is past its point of no return (crossed ${isoTime(crossed.at)}) and its remaining steps need control planes that do not answer: ${down}. `
        : `The run's remaining steps need control planes that do not answer: ${down}. `) +
      `Nothing was changed by this attempt; run the same command again once they answer.`,
    pair.source.region,
  );
  return [];
}

export function rolesGate(pair: Pair): void {
  if (pair.target.config.role === "active") {
    throw new RefusedError(`${pair.target.stack} is already the active site (eks-dr:role: active); nothing to fail over.`);
  }
  if (pair.source.config.role !== "active") {
    throw new RefusedError(`${pair.source.stack} is not the active site (role ${pair.source.config.role}); check Pulumi.${pair.source.stack}.yaml.`);
  }
}

/**
 * The gate of a fresh planned failover: both Regions answer, every control plane the switch calls
 * answers, and the pair is ready (`npm run status`).
 */
export async function plannedFailoverGate(deps: DriverDeps, pair: Pair): Promise<string[]> {
  const timeouts = deps.timeouts ?? DEFAULT_TIMEOUTS;
  for (const site of [pair.source, pair.target]) {
    if (!(await probe(deps, site.region))) {
      throw new RefusedError(
        `A planned failover needs both Regions healthy, and ${site.region} (${site.stack}) did not answer within ${formatDuration(timeouts.probeMs)}.` +
          (site === pair.source ? ` If ${site.region} is down, use --mode unplanned.` : ` ${pair.target.stack} cannot take over now.`),
      );
    }
  }
  await requireControlPlanes(
    deps,
    plannedControlPlanes(pair),
    (down, onlySourceDown) =>
      `A planned failover calls every one of these control planes, and not all answer: ${down}. Nothing was changed.` +
      (onlySourceDown ? ` If ${pair.source.region} is down, use --mode unplanned.` : " Try again once they answer."),
    pair.source.region,
  );
  const readiness = await evaluateReadiness(deps, [pair.source.stack, pair.target.stack], { mode: "planned" });
  const blocking = readiness.checks.filter((c) => !c.ok && c.severity === "error" && c.name !== "estimated RPO");
  if (blocking.length) {
    throw new RefusedError(
      `Not ready for a planned failover:\n${blocking.map((c) => `  - ${c.name}: ${c.detail}`).join("\n")}\nRun \`npm run status\` for the full evaluation.`,
    );
  }
  return [];
}

/**
 * The gate of a fresh unplanned failover: the target answers, and the estimated data loss is
 * within --max-data-loss unless --force.
 */
export async function unplannedFailoverGate(deps: DriverDeps, pair: Pair, opts: RunOptions): Promise<string[]> {
  const notes: string[] = [];
  // All reads at once: the source probe may cost its whole bound.
  const [targetUp, sourceUp, rpo] = await Promise.all([
    probe(deps, pair.target.region),
    probe(deps, pair.source.region),
    estimateRpo(readOnlyContext(deps), pair.target),
  ]);
  if (!targetUp) throw new RefusedError(`${pair.target.region} (${pair.target.stack}) does not answer: it cannot take over.`);
  await requireRestoredSecondary(deps, pair);
  const shown = rpo.worstMs === null ? "unknown" : formatDuration(rpo.worstMs);
  const detail = formatEstimatedRpo(rpo);
  if (opts.maxDataLossMs !== undefined && (rpo.worstMs === null || rpo.worstMs > opts.maxDataLossMs)) {
    if (!opts.force) {
      throw new RefusedError(
        `Estimated RPO ${shown} (${detail}) exceeds --max-data-loss ${formatDuration(opts.maxDataLossMs)}. ` +
          `Rerun with --force to fail over anyway and accept that loss, or wait for replication to catch up.`,
      );
    }
    notes.push(`--force: accepting an estimated RPO of ${shown} above --max-data-loss ${formatDuration(opts.maxDataLossMs)}`);
  }
  notes.push(`estimated data loss now: ${shown} (${detail})`);
  if (sourceUp) notes.push(`${pair.source.region} answers: a planned failover (--mode planned) would lose no data.`);
  return notes;
}

/**
 * After a restore the source serves from a restored cluster, the writer of a global database of its
 * own: a failover promotes the target's cluster only if it is a secondary there. Without one there is
 * nothing to promote (the target's own cluster is in the pair's global database, which the restore
 * left behind), so the failover is refused before anything changes; the peer's Region has the
 * source's recovery points (the backup plan copies them there) for `restore --to`.
 */
async function requireRestoredSecondary(deps: DriverDeps, pair: Pair): Promise<void> {
  const restoredGlobal = pair.source.outputs.restoredData?.globalClusterIdentifier;
  if (restoredGlobal === undefined || restoredGlobal !== pair.globalClusterIdentifier) return;
  const ctx = readOnlyContext(deps);
  const gc = await ctx.cloud.rds.findGlobalCluster(pair.target.region, restoredGlobal, { timeoutMs: ctx.timeouts.callMs, signal: ctx.signal });
  if (gc?.members.some((m) => m.clusterArn === pair.target.outputs.dbClusterArn && !m.isWriter)) return;
  throw new RefusedError(
    `${pair.target.outputs.dbClusterArn} is not a secondary of ${restoredGlobal} (the global database ${pair.source.stack}'s restored cluster writes): ` +
      `a failover would have no database to promote. Nothing was changed. Add a secondary of ${pair.target.stack} to it first (README, Known limits), ` +
      `or rebuild ${pair.target.stack} from its recovery points: \`${commandLine(deps, "restore", { to: pair.target.stack })}\`.`,
  );
}

/**
 * The gate of a fresh failback: both Regions answer, the journal or the cloud shows the pair did
 * fail over (failback-evidence), and every control plane of the planned switch back answers.
 */
export async function failbackGate(deps: DriverDeps, plan: Plan): Promise<string[]> {
  const old = await loadSite(deps.stacks, plan.target!);
  const active = await loadSite(deps.stacks, plan.source!);
  for (const site of [old, active]) {
    if (!(await probe(deps, site.region))) {
      throw new RefusedError(`Failback needs both Regions healthy; ${site.region} (${site.stack}) does not answer. Try again once it has recovered.`);
    }
  }
  const gid = servedGlobalClusterIdentifier(active, old)!;
  const ctx = readOnlyContext(deps);
  const evidence = await failedOverEvidence({
    cloud: ctx.cloud,
    callOpts: { timeoutMs: ctx.timeouts.callMs, signal: ctx.signal },
    history: await deps.journal.history(),
    journalLabel: deps.journalLabel ?? "",
    active,
    old,
    globalClusterIdentifier: gid,
    plannedCommand: commandLine(deps, "failover", { to: old.stack, mode: "planned" }),
  });
  await requireControlPlanes(
    deps,
    plannedControlPlanes({ source: active, target: old, globalClusterIdentifier: gid }, "back:"),
    (down) =>
      `Failback ends with a planned failover that calls these control planes, and not all answer: ${down}. Nothing was changed. Try again once they answer.`,
    active.region,
  );
  return [...evidence, `${old.stack} is brought back as standby, catches up, then takes over again by a planned failover.`];
}
