/**
 * Policies on the replication that makes the pair a DR pair. They depend on the site's role and
 * on the peer, so they are stack-scoped (see `site.ts` for where role and peer come from).
 */
import { NotApplicable, definePolicy, type Violation } from "../policy";
import { T, describe, isSet, isUnknown, knownArray, knownString, ofType, prop, type ResourceLike } from "../resources";
import { adoptedStoreIds, peerOutputs, restoredDatabase, siteRegion, siteRole } from "../site";

function requireRole(resources: readonly ResourceLike[], allowFileSystemSignal = true) {
  const role = siteRole(resources);
  if (!role || (!allowFileSystemSignal && role.source.startsWith("file system"))) {
    throw new NotApplicable(
      "the site's role is not visible: the stack exports no `role` output and has no Route 53 failover record" +
        (allowFileSystemSignal ? " or EFS overwrite protection" : ""),
    );
  }
  return role;
}

export const efsReplicationFollowsRole = definePolicy({
  name: "efs-replication-follows-role",
  description:
    "The active site replicates its EFS file system into the peer's file system (in another Region, read through the stack reference); a standby site replicates nothing.",
  enforcementLevel: "mandatory",
  scope: "stack",
  relaxedWhen: ["replication-paused", "region-impaired"],
  defaults: {},
  validate(resources) {
    const { role, source } = requireRole(resources);
    const replications = ofType(resources, T.efsReplication);
    const out: Violation[] = [];
    if (role === "standby") {
      for (const r of replications) {
        out.push({
          urn: r.urn,
          message:
            `${describe(r)} replicates from a standby site (role from ${source}): it would overwrite the active site's live file system with stale data. ` +
            "Fix: only the active site owns the `aws.efs.ReplicationConfiguration`; check `eks-dr:role` on both stacks.",
        });
      }
      return out;
    }

    const peer = peerOutputs(resources);
    const peerFs = knownString(peer?.fileSystemId);
    if (replications.length === 0) {
      // First deploy of the pair: the peer has no file system yet; the program warns and skips.
      if (peer && !peerFs) return out;
      out.push({
        message:
          `The active site (role from ${source}) has no EFS replication configuration, so its shared files are not copied to the peer ` +
          `(${peer ? `peer file system ${peerFs}` : "no peer stack reference"}). Fix: deploy the peer, keep \`eks-dr:replicateToPeer\` true ` +
          "and run `pulumi up` on this site. With replication off on purpose (`eks-dr:replicateToPeer: false` after an unplanned failover), " +
          "the pack config generated from the stack files (`scripts/policy-pack-config.ts`, as CI and the driver run it) makes this policy advisory.",
      });
      return out;
    }

    const region = siteRegion(resources);
    // The site's file systems: its own, and one it adopted from a restore, which it replicates from
    // while it serves from it (the peer must hold the data users see).
    const localFsIds = new Set([
      ...ofType(resources, T.efsFileSystem)
        .map((fs) => knownString(fs.props.id))
        .filter((id): id is string => id !== undefined),
      ...adoptedStoreIds(resources),
    ]);
    for (const r of replications) {
      const destRegion = knownString(prop(r, "destination.region"));
      const destFs = prop(r, "destination.fileSystemId");
      if (region && destRegion === region) {
        out.push({
          urn: r.urn,
          message: `${describe(r)} replicates within ${region}, which does not survive a regional outage. Fix: set \`destination.region\` to the peer's Region.`,
        });
      }
      if (!isSet(destFs)) {
        out.push({
          urn: r.urn,
          message:
            `${describe(r)} has no \`destination.fileSystemId\`, so AWS creates a new file system no stack manages. ` +
            "Fix: replicate into the peer's file system (its `fileSystemId` output, read through the stack reference; its overwrite protection DISABLED).",
        });
      } else if (peerFs && knownString(destFs) && knownString(destFs) !== peerFs) {
        out.push({
          urn: r.urn,
          message:
            `${describe(r)} replicates into ${knownString(destFs)}, not the peer's file system ${peerFs}. ` +
            "Fix: take `destination.fileSystemId` from the peer's `fileSystemId` output through the stack reference, never a copied id.",
        });
      }
      const source = knownString(r.props.sourceFileSystemId);
      if (source && localFsIds.size > 0 && !localFsIds.has(source)) {
        out.push({
          urn: r.urn,
          message: `${describe(r)} replicates ${source}, which is not this site's file system. Fix: set \`sourceFileSystemId\` to this site's file system id.`,
        });
      }
    }
    return out;
  },
});

export const efsOverwriteProtectionMatchesRole = definePolicy({
  name: "efs-overwrite-protection-matches-role",
  description:
    "A standby site's EFS file system has replication overwrite protection DISABLED (so the active site can replicate into it); an active site's is not DISABLED.",
  enforcementLevel: "mandatory",
  scope: "stack",
  defaults: {},
  validate(resources) {
    // Judging the setting by a role read from that same setting would prove nothing.
    const { role, source } = requireRole(resources, false);
    const out: Violation[] = [];
    for (const fs of ofType(resources, T.efsFileSystem)) {
      const value = prop(fs, "protection.replicationOverwrite");
      const known = knownString(value);
      if (value !== undefined && !known) continue; // unknown during preview
      // Unset means ENABLED (the AWS default).
      const protection = known ?? "ENABLED";
      if (role === "standby" && protection === "ENABLED") {
        out.push({
          urn: fs.urn,
          message:
            `${describe(fs)} is on a standby site (role from ${source}) with replication overwrite protection ENABLED: the active site's ` +
            'replication into it fails. Fix: set `protection.replicationOverwrite: "DISABLED"` on the standby (the program derives it from `eks-dr:role`).',
        });
      }
      if (role === "active" && protection === "DISABLED") {
        out.push({
          urn: fs.urn,
          message:
            `${describe(fs)} is on the active site (role from ${source}) with replication overwrite protection DISABLED: a replication ` +
            'started from the peer would overwrite live files. Fix: set `protection.replicationOverwrite: "ENABLED"` on the active site.',
        });
      }
    }
    return out;
  },
});

export const auroraGlobalMembership = definePolicy({
  name: "aurora-global-membership",
  description:
    "The site runs an Aurora cluster, and every Aurora cluster is a member of the pair's one global cluster (owned by one site, read by the other through the stack reference); a cluster restored from a recovery point writes the global database `restore` created from it (`restoredData.globalClusterIdentifier`).",
  enforcementLevel: "mandatory",
  scope: "stack",
  // After an unplanned failover (FailoverGlobalCluster with AllowDataLoss, for a Regional disaster:
  // RDS API Reference) the old primary's cluster can be outside the global cluster until it is
  // rebuilt or re-added, and nothing in an impaired Region can be checked: reported, not enforced.
  relaxedWhen: ["replication-paused", "region-impaired"],
  defaults: {},
  validate(resources) {
    const out: Violation[] = [];
    // The global database a restored cluster writes is read, not declared: not the pair's.
    const adopted = adoptedStoreIds(resources);
    const globalId = (g: ResourceLike) => knownString(g.props.globalClusterIdentifier) ?? knownString(g.props.id);
    const globals = ofType(resources, T.rdsGlobalCluster).filter((g) => !adopted.has(globalId(g) ?? ""));
    if (globals.length > 1) {
      out.push({
        urn: globals[1].urn,
        message: `The site declares ${globals.length} global clusters (${globals.map((g) => g.name).join(", ")}); the pair shares exactly one. Fix: keep the one owned by the site with \`eks-dr:ownsGlobalResources: true\`.`,
      });
    }
    const ownGlobal = globals[0];
    const expected = ownGlobal ? globalId(ownGlobal) : knownString(peerOutputs(resources)?.globalClusterIdentifier);
    const clusters = ofType(resources, T.rdsCluster);
    // The standby of the backup-restore tier holds no database by design: Aurora's copies are in its
    // backup vault (the stack's `drTier` output says so).
    const backupOnlyStandby =
      siteRole(resources)?.role === "standby" && ofType(resources, T.stack).some((st) => knownString(st.props.drTier) === "backup-restore");
    if (clusters.length === 0 && !backupOnlyStandby) {
      out.push({
        message:
          "The site has no Aurora cluster, so it holds no copy of the database to fail over to. " +
          "Fix: deploy the database component (a secondary cluster in the global database on a standby site).",
      });
    }
    // A cluster restored from a recovery point is created outside any global database
    // (RestoreDBClusterFromSnapshot); `restore` then makes it the writer of a new one
    // (CreateGlobalCluster), named by `restoredData.globalClusterIdentifier`.
    const restored = restoredDatabase(resources);
    for (const c of clusters) {
      const cid = knownString(c.props.clusterIdentifier) ?? knownString(c.props.id);
      if (cid && adopted.has(cid)) {
        out.push(...restoredClusterMembership(c, cid, restored?.globalClusterIdentifier, resources));
        continue;
      }
      const member = c.props.globalClusterIdentifier;
      if (!isSet(member)) {
        out.push({
          urn: c.urn,
          message:
            `${describe(c)} is not in a global database, so nothing replicates it to the peer Region. ` +
            `Fix: set \`globalClusterIdentifier\` to ${expected ? `"${expected}"` : "the pair's global cluster"} ` +
            "(the owner's `GlobalCluster`, or the owner's `globalClusterIdentifier` output through the stack reference on the other site).",
        });
      } else if (expected && knownString(member) && knownString(member) !== expected) {
        out.push({
          urn: c.urn,
          message:
            `${describe(c)} is in global cluster "${knownString(member)}", not the pair's "${expected}": the sites would hold two unrelated databases. ` +
            "Fix: take `globalClusterIdentifier` from the owner's GlobalCluster (through the stack reference on the other site).",
        });
      }
    }
    return out;
  },
});

/**
 * A restored cluster the site serves from writes the global database named by `restoredData`: set,
 * read by the stack, and (where the read shows them) with this cluster as its writer.
 */
function restoredClusterMembership(c: ResourceLike, cid: string, gid: string | undefined, resources: readonly ResourceLike[]): Violation[] {
  if (!gid) {
    return [
      {
        urn: c.urn,
        message:
          `${describe(c)} (${cid}) was restored from a recovery point and writes no global database, so nothing can replicate it to the peer Region. ` +
          "Fix: resume or rerun `npm run restore`, which makes it the writer of a new global database (CreateGlobalCluster) and sets `restoredData.globalClusterIdentifier`.",
      },
    ];
  }
  const member = knownString(c.props.globalClusterIdentifier);
  const read = ofType(resources, T.rdsGlobalCluster).find((g) => (knownString(g.props.globalClusterIdentifier) ?? knownString(g.props.id)) === gid);
  const writer = (knownArray(read?.props.globalClusterMembers) ?? []).map((m) => m as Record<string, unknown> | undefined).find((m) => m?.isWriter === true);
  const writerArn = knownString(writer?.dbClusterArn);
  const arn = knownString(c.props.arn);
  if ((member && member !== gid) || (writerArn && arn && writerArn !== arn)) {
    return [
      {
        urn: c.urn,
        message:
          `${describe(c)} (${cid}) is not the writer of "${gid}", the global database \`restoredData.globalClusterIdentifier\` names (it is in "${member ?? "?"}", whose writer is ${writerArn ?? "unknown"}). ` +
          "Fix: set `restoredData.globalClusterIdentifier` to the global database `restore` created from this cluster.",
      },
    ];
  }
  return [];
}

export const ecrReplication = definePolicy({
  name: "ecr-replication",
  description: "A site with ECR repositories replicates its registry to another Region, so the peer can pull the same images after a failover.",
  enforcementLevel: "advisory",
  scope: "stack",
  defaults: {},
  validate(resources) {
    const repos = ofType(resources, T.ecrRepository);
    if (repos.length === 0) return [];
    const region = siteRegion(resources);
    const destinations = ofType(resources, T.ecrReplication).flatMap((r) =>
      (knownArray(prop(r, "replicationConfiguration.rules")) ?? []).flatMap((rule) =>
        (knownArray((rule as Record<string, unknown> | undefined)?.destinations) ?? []).map((d) => (d as Record<string, unknown> | undefined)?.region),
      ),
    );
    const crossRegion = destinations.some((d) => isSet(d) && (!region || knownString(d) !== region));
    if (crossRegion) return [];
    return [
      {
        urn: repos[0].urn,
        message:
          `The site has ECR repositories (${repos.map((r) => r.name).join(", ")}) but no registry replication to another Region: ` +
          "after a failover the peer's nodes cannot pull images pushed here. Fix: add an `aws.ecr.ReplicationConfiguration` with a rule whose destination is the peer's Region.",
      },
    ];
  },
});

/** The metric an alarm watches: its own, or the first metric of its metric-math queries. */
function alarmMetric(alarm: ResourceLike): { namespace?: string; metricName?: string; dimensions: Record<string, unknown> } {
  const queries = (knownArray(alarm.props.metricQueries) ?? []).map(
    (q) => (q as Record<string, unknown> | undefined)?.metric as Record<string, unknown> | undefined,
  );
  const source = knownString(alarm.props.metricName) ? alarm.props : (queries.find((m) => knownString(m?.metricName)) ?? {});
  const dimensions = source.dimensions !== null && typeof source.dimensions === "object" ? (source.dimensions as Record<string, unknown>) : {};
  return { namespace: knownString(source.namespace), metricName: knownString(source.metricName), dimensions };
}

export const replicationLagAlarms = definePolicy({
  name: "replication-lag-alarms",
  description:
    "The RPO evidence is alarmed where it is published: EFS TimeSinceLastSync on the site that replicates (active), Aurora AuroraGlobalDBRPOLag (or AuroraGlobalDBReplicationLag before Aurora MySQL 3.04) on the secondary's site (standby), each notifying someone.",
  enforcementLevel: "advisory",
  scope: "stack",
  defaults: {},
  validate(resources) {
    const { role } = requireRole(resources);
    const alarms = ofType(resources, T.metricAlarm).map((a) => ({ alarm: a, metric: alarmMetric(a) }));
    const out: Violation[] = [];
    const check = (subject: ResourceLike, namespace: string, metricNames: string | string[], dimension: string, value: string | undefined, fix: string) => {
      const names = [metricNames].flat();
      const metricName = names.join(" or ");
      const candidates = alarms.filter(({ metric }) => metric.namespace === namespace && names.includes(metric.metricName ?? ""));
      // With the identifier known, the alarm must watch this resource; otherwise any such alarm will do.
      const matching = candidates.filter(
        ({ metric }) => !value || !knownString(metric.dimensions[dimension]) || knownString(metric.dimensions[dimension]) === value,
      );
      if (matching.length === 0) {
        out.push({
          urn: subject.urn,
          message: `${describe(subject)} has no ${namespace} ${metricName} alarm${value ? ` on ${dimension}=${value}` : ""}: replication can fall behind the RPO target unnoticed. Fix: ${fix}`,
        });
        return;
      }
      for (const { alarm } of matching) {
        const actions = alarm.props.alarmActions;
        if (!isUnknown(actions) && (knownArray(actions) ?? []).length === 0) {
          out.push({
            urn: alarm.urn,
            message: `${describe(alarm)} watches ${metricName} but notifies no one. Fix: set \`alarmActions\` to the site's alarm topic.`,
          });
        }
      }
    };
    if (role === "active") {
      for (const r of ofType(resources, T.efsReplication)) {
        check(
          r,
          "AWS/EFS",
          "TimeSinceLastSync",
          "FileSystemId",
          knownString(r.props.sourceFileSystemId),
          "alarm on TimeSinceLastSync with FileSystemId (source) and DestinationFileSystemId, at a fraction of `eks-dr:rpoTargetSeconds`.",
        );
      }
    } else {
      for (const c of ofType(resources, T.rdsCluster)) {
        check(
          c,
          "AWS/RDS",
          ["AuroraGlobalDBRPOLag", "AuroraGlobalDBReplicationLag"],
          "DBClusterIdentifier",
          knownString(c.props.clusterIdentifier),
          "alarm on AuroraGlobalDBRPOLag (Aurora MySQL 3.04+; AuroraGlobalDBReplicationLag before, in milliseconds) for this secondary cluster's DBClusterIdentifier.",
        );
      }
    }
    return out;
  },
});
