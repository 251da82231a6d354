/**
 * Readiness, evaluated like an ARC Region switch plan evaluation: can a failover to the standby
 * site run now, and what would it lose?
 *
 * Checks: both stacks' config valid as a pair; outputs present and valid; each Region answers;
 * clusters ACTIVE; the global database has the active site's cluster as writer and the standby's
 * as an available secondary (headless or not); EFS replication active -> standby ENABLED; DNS
 * records and health checks as the roles say; endpoints exported. Figures: Aurora lag and EFS
 * time since the last sync, i.e. the RPO an unplanned failover would have now. Plus the steps a
 * failover would run (each step's postcondition read now).
 */
import type { AuroraLagDatapoint, Clock, CloudPort, EfsReplication, StackPort } from "./ports";
import { auroraLossBoundMs, describeAuroraLag } from "./report/aurora-rpo";
import { describeReadOnly, readOnlySite, type OpenRun, type ReadOnlySite } from "./report/read-only";
import { formatConfigProblem, pairProblems, stackFileName, type SiteConfig } from "../stacks/config";
import type { SiteOutputs } from "../stacks/outputs";
import { errorMessage, rethrowAuth, SetupError } from "./errors";
import { readOnlyContext, previewPlan, type StepPreview } from "./engine/inspect";
import { plannedFailoverPlan, unplannedFailoverPlan } from "./plan/plans";
import { writerArn, type Pair, type Site } from "./plan/sites";
import { DEFAULT_TIMEOUTS, type StepContext, type Timeouts } from "./plan/types";
import { formatDuration } from "./util/duration";

export interface ReadinessCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** "error" makes the pair not ready; "warning" is reported only. */
  severity: "error" | "warning";
  /** Which failover mode needs it: both, or only planned (checks on the active site's Region). */
  neededFor: "both" | "planned";
}

export interface EstimatedRpo {
  /**
   * At most this much of Aurora's writes would be lost by a failover now: the time since the point
   * the newest lag datapoint proves the secondary had reached (report/aurora-rpo.ts). Not the lag
   * value itself, which is evidence about its minute only.
   */
  auroraLagMs: number | null;
  /** The datapoint it comes from. */
  auroraLag?: AuroraLagDatapoint;
  efsSinceSyncMs: number | null;
  /** The larger of the two; null when either is unknown. */
  worstMs: number | null;
}

export interface Readiness {
  ready: boolean;
  /** Ready for an unplanned failover (the active site's Region may be down). */
  readyUnplanned: boolean;
  evaluatedAt: string;
  active?: string;
  standby?: string;
  headlessStandby?: boolean;
  checks: ReadinessCheck[];
  estimatedRpo: EstimatedRpo;
  rpoTargetMs?: number;
  failover?: { mode: "planned" | "unplanned"; steps: StepPreview[] };
  /** Sites whose app runs read-only (outputs `readOnly`), with what clears it. */
  readOnly: ReadOnlySite[];
}

export interface ReadinessDeps {
  cloud: CloudPort;
  stacks: StackPort;
  clock: Clock;
  timeouts?: Timeouts;
}

/**
 * A read's failure becomes a check's detail or an unknown value, except a setup problem (no CLI,
 * no login, credentials that do not work, a permission): that is not a fact about the sites, so it
 * stops the evaluation with its own one-line message.
 */
function unlessSetup<T>(what: string, fallback: (err: unknown) => T): (err: unknown) => T {
  return (err) => {
    if (err instanceof SetupError) throw err;
    rethrowAuth(err, what);
    return fallback(err);
  };
}

/**
 * What an unplanned failover now would lose at most, from what the target's Region publishes (the
 * source may be down): Aurora, the time since the newest lag datapoint proves the secondary current;
 * EFS, the time since the last sync.
 */
export async function estimateRpo(ctx: StepContext, target: Site): Promise<EstimatedRpo> {
  const o = { timeoutMs: ctx.timeouts.callMs, signal: ctx.signal };
  const [lag, repl] = await Promise.all([
    ctx.cloud.cloudWatch
      .auroraLag(target.region, target.outputs.dbClusterIdentifier, o)
      .catch(unlessSetup(`reading the Aurora lag in ${target.region}`, () => undefined)),
    ctx.cloud.efs.describeReplication(target.region, target.outputs.fileSystemId, o).catch(unlessSetup(`reading EFS in ${target.region}`, () => undefined)),
  ]);
  const now = ctx.clock.now();
  const auroraLagMs = lag ? auroraLossBoundMs(lag, now) : null;
  const efsSinceSyncMs = repl?.lastReplicatedAt !== undefined ? Math.max(0, now - repl.lastReplicatedAt) : null;
  const worstMs = auroraLagMs === null || efsSinceSyncMs === null ? null : Math.max(auroraLagMs, efsSinceSyncMs);
  return { auroraLagMs, ...(lag ? { auroraLag: lag } : {}), efsSinceSyncMs, worstMs };
}

/** "Aurora at most 1m 02s behind (AuroraGlobalDBRPOLag max 300ms in the minute from ...), EFS last sync 4m 10s ago" */
export function formatEstimatedRpo(e: EstimatedRpo): string {
  const aurora =
    e.auroraLagMs === null
      ? "Aurora lag unknown (no datapoint)"
      : `Aurora at most ${formatDuration(e.auroraLagMs)} behind${e.auroraLag ? ` (${describeAuroraLag(e.auroraLag)})` : ""}`;
  const efs = `EFS last sync ${e.efsSinceSyncMs === null ? "unknown" : `${formatDuration(e.efsSinceSyncMs)} ago`}`;
  return `${aurora}, ${efs}`;
}

/**
 * What the standby's replication says: the pair as it is, a first sync under way from the file
 * system the active site serves (the standby being re-seeded, e.g. after `restore --in-place`), or a
 * source that is not the served file system (the standby holds stale data).
 */
function replicationDetail(repl: EfsReplication | undefined, active: Site, standby: Site): string {
  if (!repl) return `${standby.stack}'s file system is not a replication destination`;
  const pair = `${repl.sourceFileSystemId} -> ${repl.destinationFileSystemId} ${repl.status}`;
  if (repl.sourceFileSystemId !== active.outputs.fileSystemId)
    return `${pair}: stale, ${active.stack} serves ${active.outputs.fileSystemId}; ${standby.stack} must be re-seeded from it before a failover`;
  if (repl.status === "ENABLING" || repl.lastReplicatedAt === undefined)
    return `${pair}: ${standby.stack} is being re-seeded from ${repl.sourceFileSystemId}, first sync under way; a failover now would find its files incomplete`;
  return pair;
}

export async function evaluateReadiness(
  deps: ReadinessDeps,
  stackNames: [string, string],
  opts: {
    mode?: "planned" | "unplanned";
    /** The journal's open run: finishing it is what clears a site it left read-only. */
    openRun?: OpenRun;
  } = {},
): Promise<Readiness> {
  const timeouts = deps.timeouts ?? DEFAULT_TIMEOUTS;
  const ctx = readOnlyContext({ ...deps, timeouts });
  const checks: ReadinessCheck[] = [];
  const readOnly: ReadOnlySite[] = [];
  const add = (name: string, ok: boolean, detail: string, severity: "error" | "warning" = "error", neededFor: "both" | "planned" = "both") =>
    checks.push({ name, ok, detail, severity, neededFor });
  const result = (extra: Partial<Readiness> = {}): Readiness => {
    const failing = (planned: boolean) => checks.filter((c) => !c.ok && c.severity === "error" && (planned || c.neededFor === "both"));
    return {
      ready: failing(true).length === 0,
      readyUnplanned: failing(false).length === 0,
      evaluatedAt: new Date(deps.clock.now()).toISOString(),
      checks,
      estimatedRpo: { auroraLagMs: null, efsSinceSyncMs: null, worstMs: null },
      readOnly,
      ...extra,
    };
  };

  // Config: both sites valid and consistent as a pair.
  const configs = new Map<string, SiteConfig>();
  for (const stack of stackNames) {
    try {
      configs.set(stack, await deps.stacks.readConfig(stack));
      add(`config ${stack}`, true, "valid");
    } catch (err) {
      if (err instanceof SetupError) throw err;
      add(`config ${stack}`, false, errorMessage(err));
    }
  }
  if (configs.size < 2) return result();
  const [a, b] = stackNames.map((s) => ({ stack: s, config: configs.get(s)! }));
  const problems = pairProblems(a, b);
  add(
    "pair config",
    problems.length === 0,
    problems.length ? problems.map(formatConfigProblem).join("; ") : "one active, one standby, distinct Regions and CIDRs",
  );
  if (problems.length) return result();
  const activeCfg = a.config.role === "active" ? a : b;
  const standbyCfg = activeCfg === a ? b : a;

  // Outputs.
  const outputs = new Map<string, SiteOutputs>();
  for (const s of [activeCfg, standbyCfg]) {
    try {
      const o = await deps.stacks.outputs(s.stack);
      if (!o) add(`outputs ${s.stack}`, false, "none yet: run `npm run deploy`");
      else {
        outputs.set(s.stack, o);
        add(`outputs ${s.stack}`, true, `contract v${o.contractVersion}`);
        add(
          `role ${s.stack}`,
          o.role === s.config.role,
          o.role === s.config.role
            ? `${o.role} in config and state`
            : `config says ${s.config.role} but the last up deployed ${o.role}: run up (or finish the failover) first`,
        );
        add(
          `endpoint ${s.stack}`,
          !!(o.endpointUrl || o.healthCheckId),
          o.endpointUrl
            ? o.endpointUrl
            : o.healthCheckId
              ? `health check ${o.healthCheckId}`
              : "no endpointUrl or healthCheckId: the driver cannot tell when it serves",
          s === standbyCfg ? "error" : "warning",
        );
        // An active site refusing writes is an outage of writes: not ready. A standby so is a warning.
        const ro = readOnlySite(s.stack, s.config, o, opts.openRun);
        if (ro) {
          readOnly.push(ro);
          add(`read-only ${s.stack}`, false, describeReadOnly(ro), ro.role === "active" ? "error" : "warning");
        } else if (s.config.quiesced) {
          add(
            `quiesced ${s.stack}`,
            false,
            `eks-dr:quiesced is true in ${stackFileName(s.stack)}: the next up of ${s.stack} puts its app in read-only mode`,
            "warning",
          );
        }
      }
    } catch (err) {
      if (err instanceof SetupError) throw err;
      add(`outputs ${s.stack}`, false, errorMessage(err));
    }
  }
  if (outputs.size < 2) return result({ active: activeCfg.stack, standby: standbyCfg.stack });
  const active: Site = { stack: activeCfg.stack, region: activeCfg.config.region, config: activeCfg.config, outputs: outputs.get(activeCfg.stack)! };
  const standby: Site = { stack: standbyCfg.stack, region: standbyCfg.config.region, config: standbyCfg.config, outputs: outputs.get(standbyCfg.stack)! };
  // The global database the active site's served cluster writes: the pair's, or after a restore the
  // one the restored cluster writes (output dbGlobalClusterIdentifier; absent on older stacks).
  const restoredStandalone = active.outputs.restoredData !== undefined && active.outputs.restoredData.globalClusterIdentifier === undefined;
  const gid = restoredStandalone
    ? undefined
    : (active.outputs.dbGlobalClusterIdentifier ?? active.outputs.globalClusterIdentifier ?? standby.outputs.globalClusterIdentifier);
  add(
    "global database",
    !!gid,
    gid ??
      (restoredStandalone
        ? `${active.stack} serves from a restored DB cluster (${active.outputs.dbClusterIdentifier}) that writes no global database: resume or rerun \`npm run restore\` to create one`
        : "no site exports globalClusterIdentifier: deploy the owner of global resources"),
  );
  const afterRestore = active.outputs.restoredData?.globalClusterIdentifier !== undefined;
  const o = (region: Site) => ({ timeoutMs: region === active ? timeouts.impairedCallMs : timeouts.callMs, signal: ctx.signal });
  const neededFor = (site: Site): "both" | "planned" => (site === active ? "planned" : "both");

  // Regions and clusters.
  await Promise.all(
    [active, standby].map(async (site) => {
      const up = await ctx.cloud.eks
        .probeRegion(site.region, { timeoutMs: timeouts.probeMs, signal: ctx.signal })
        .catch(unlessSetup(`probing ${site.region}`, () => false));
      add(`region ${site.region}`, up, up ? "answers" : `does not answer within ${formatDuration(timeouts.probeMs)}`, "error", neededFor(site));
      if (!up) return;
      const c = await ctx.cloud.eks
        .describeCluster(site.region, site.outputs.clusterName, o(site))
        .catch(unlessSetup(`reading EKS in ${site.region}`, (e) => ({ status: `unknown (${errorMessage(e)})` })));
      add(`cluster ${site.outputs.clusterName}`, c.status === "ACTIVE", c.status, "error", neededFor(site));
    }),
  );
  const sizes = await Promise.all(
    (["system", "web", "app"] as const).map(async (g) => {
      const st = await ctx.cloud.eks
        .describeNodeGroup(standby.region, standby.outputs.clusterName, standby.outputs.nodeGroupNames[g], o(standby))
        .catch(unlessSetup(`reading EKS in ${standby.region}`, () => undefined));
      return st ? `${g} ${st.desiredSize}${st.readyNodes !== undefined ? ` (${st.readyNodes} Ready)` : ""}` : `${g} ?`;
    }),
  );
  add(`node groups ${standby.stack}`, !sizes.some((s) => s.endsWith("?")), sizes.join(", "), "warning");

  // Aurora.
  let headless: boolean | undefined;
  if (gid) {
    const gc = await ctx.cloud.rds
      .describeGlobalCluster(standby.region, gid, o(standby))
      .catch(unlessSetup(`reading RDS in ${standby.region}`, (e) => e as Error));
    if (gc instanceof Error) add("aurora global cluster", false, errorMessage(gc));
    else {
      const writer = writerArn(gc.members);
      add(
        "aurora writer",
        writer === active.outputs.dbClusterArn,
        writer === active.outputs.dbClusterArn ? `${active.stack} writes` : `writer is ${writer ?? "none"}, expected ${active.outputs.dbClusterArn}`,
      );
      const member = gc.members.some((m) => m.clusterArn === standby.outputs.dbClusterArn && !m.isWriter);
      add(
        "aurora secondary",
        member,
        member
          ? `${standby.stack} is a secondary`
          : `${standby.outputs.dbClusterArn} is not a secondary of ${gid}` +
              (afterRestore
                ? ` (the global database ${active.stack}'s restored cluster writes; a cluster of ${standby.stack} must join it before a failover or failback: README, Known limits)`
                : ""),
      );
      if (gc.failoverState)
        add("aurora switch in progress", false, `${gc.failoverState.status} ${gc.failoverState.fromClusterArn} -> ${gc.failoverState.toClusterArn}`);
    }
    const db = await ctx.cloud.rds
      .describeDbCluster(standby.region, standby.outputs.dbClusterIdentifier, o(standby))
      .catch(unlessSetup(`reading RDS in ${standby.region}`, (e) => e as Error));
    if (db instanceof Error) add(`db cluster ${standby.stack}`, false, errorMessage(db));
    else {
      headless = db.instanceCount === 0;
      add(
        `db cluster ${standby.stack}`,
        db.status === "available",
        `${db.status}, ${db.instanceCount} instance(s)${headless ? " (headless: promotion adds 5-15 min)" : ""}`,
      );
    }
  }

  // EFS replication, from the active site's side (planned) and the standby's (always).
  const repl = await ctx.cloud.efs
    .describeReplication(standby.region, standby.outputs.fileSystemId, o(standby))
    .catch(unlessSetup(`reading EFS in ${standby.region}`, () => undefined));
  const replOk =
    !!repl &&
    repl.sourceFileSystemId === active.outputs.fileSystemId &&
    repl.destinationFileSystemId === standby.outputs.fileSystemId &&
    repl.status === "ENABLED";
  add("efs replication", replOk, replicationDetail(repl, active, standby));

  // RPO now.
  const estimatedRpo = await estimateRpo(ctx, standby);
  const rpoTargetMs = active.config.rpoTargetSeconds * 1000;
  add(
    "estimated RPO",
    estimatedRpo.worstMs !== null && estimatedRpo.worstMs <= rpoTargetMs,
    `${formatEstimatedRpo(estimatedRpo)} (target ${formatDuration(rpoTargetMs)})`,
  );

  // DNS. Without it a failover still moves the data and the serving site, but nothing moves the
  // users: a warning, so that READY never hides it.
  const dns = active.config.dns;
  if (!dns) {
    add(
      "failover dns",
      false,
      `none: no eks-dr:dns in ${[active.stack, standby.stack].sort().map(stackFileName).join(" or ")}, so after a failover users keep resolving to the old site ` +
        "until someone points the application's name at the new one; set eks-dr:dns.hostedZoneId and eks-dr:dns.hostname in both files and deploy",
      "warning",
    );
  } else {
    const missing = [active, standby].filter((site) => !site.outputs.healthCheckId || !site.outputs.dnsRecordUrn).map((site) => site.stack);
    if (missing.length > 0) {
      add(
        "failover dns",
        false,
        `${missing.join(" and ")} has no failover record or health check yet although eks-dr:dns is set: run \`npm run deploy\``,
        "warning",
      );
    }
    const records = await ctx.cloud.route53
      .getFailoverRecords(dns.hostedZoneId, dns.hostname, { timeoutMs: timeouts.dnsChangeMs, signal: ctx.signal })
      .catch(unlessSetup("reading Route 53", (e) => e as Error));
    if (records instanceof Error) add("dns records", false, errorMessage(records), "warning");
    else {
      const primary = records.find((r) => r.failover === "PRIMARY")?.setIdentifier;
      add("dns records", primary === active.stack, `PRIMARY is ${primary ?? "missing"}`, "warning");
    }
    for (const site of [active, standby]) {
      if (!site.outputs.healthCheckId) continue;
      const h = await ctx.cloud.route53
        .healthCheckStatus(site.outputs.healthCheckId, { timeoutMs: timeouts.dnsChangeMs, signal: ctx.signal })
        .catch(unlessSetup("reading Route 53", () => "unknown"));
      add(
        `health check ${site.stack}`,
        site === active ? h === "healthy" : true,
        site === active ? h : `${h} (a standby need not serve)`,
        "warning",
        neededFor(site),
      );
    }
  }

  // What a failover would do now.
  let failover: Readiness["failover"];
  if (gid) {
    const mode = opts.mode ?? "unplanned";
    const pair: Pair = { source: active, target: standby, globalClusterIdentifier: gid };
    const plan = mode === "planned" ? plannedFailoverPlan(pair) : unplannedFailoverPlan(pair);
    failover = { mode, steps: await previewPlan(plan, { ...deps, timeouts }) };
  }
  return result({
    active: active.stack,
    standby: standby.stack,
    ...(headless !== undefined ? { headlessStandby: headless } : {}),
    estimatedRpo,
    rpoTargetMs,
    ...(failover ? { failover } : {}),
  });
}

export function formatReadiness(r: Readiness): string[] {
  // Warnings do not make a pair unready, but the headline counts them so they are not missed.
  const warnings = r.checks.filter((c) => !c.ok && c.severity === "warning").map((c) => c.name);
  const withWarnings = warnings.length > 0 ? ` with ${warnings.length} warning${warnings.length === 1 ? "" : "s"} (${warnings.join(", ")})` : "";
  const verdict = r.ready ? "READY" : r.readyUnplanned ? "READY for unplanned failover only" : "NOT READY";
  const lines = [`Readiness ${verdict}${withWarnings} (${r.evaluatedAt})${r.active ? `: ${r.active} active, ${r.standby} standby` : ""}`];
  for (const c of r.checks) lines.push(`  ${c.ok ? "✔" : c.severity === "error" ? "✖" : "!"} ${c.name}: ${c.detail}`);
  const e = r.estimatedRpo;
  lines.push(`  estimated RPO now: ${e.worstMs === null ? "unknown" : formatDuration(e.worstMs)}`);
  if (r.failover) {
    lines.push(`  a ${r.failover.mode} failover to ${r.standby} would:`);
    for (const s of r.failover.steps)
      lines.push(
        `    ${s.verdict === "run" ? "run " : s.verdict === "skip" ? "skip" : s.verdict.padEnd(4)} ${s.id}${s.dependsOn.length ? ` (after ${s.dependsOn.join(", ")})` : ""}: ${s.effect}`,
      );
  }
  return lines;
}
