/**
 * Restore steps: the recovery points chosen (journaled, so a resumed run restores the same ones),
 * then one AWS Backup restore job per data store into the target's Region, each started once.
 *
 * A restore job is started with an idempotency token derived from the run and the point, and its
 * id is journaled as soon as AWS Backup returns it: a resume waits for that job, and a crash between
 * the start and the mark sends the same token again, which starts nothing new ("Retrying a successful
 * request with the same idempotency token results in a success message with no action taken",
 * AWS Backup API reference, StartRestoreJob IdempotencyToken). Nothing here deletes a recovery point.
 */
import { createHash } from "node:crypto";
import type { BackupPort, BackupResourceType, RecoveryPoint, RestoredClusterPort } from "../../cloud/backup/port";
import { selectRecoveryPoints, type Selection } from "../../cloud/backup/select";
import { RefusedError } from "../../errors";
import { formatDuration, isoTime } from "../../util/duration";
import type { GlobalCluster } from "../../cloud/rds/port";
import { writerArn, type SiteView } from "../sites";
import type { Step, StepBound, StepContext } from "../types";
import { opts, waitFor } from "./shared";

export const RESTORE_MARK = {
  points: "restore-points",
  job: (type: BackupResourceType) => `restore-job:${type}`,
  restored: (type: BackupResourceType) => `restored:${type}`,
  globalCluster: "restored-global-cluster",
} as const;

/** What the restore needs from the target site, read from its outputs. */
export interface RestoreTarget {
  site: SiteView;
  vaultName: string;
  roleArn: string;
  kmsKeyArn: string;
  /** Where a restored cluster lands in the target's Region (outputs `dbSubnetGroupName`, `dbSecurityGroupId`); absent on a stack deployed before they were exported. */
  dbSubnetGroupName?: string;
  dbSecurityGroupIds: string[];
}

/** `--point`: the newest points (at the run's start) or those not newer than a time. */
export type PointSpec = { latest: true } | { at: number };

export const cutoffOf = (point: PointSpec, runStartedAt: number): number => ("latest" in point ? runStartedAt : point.at);

/** Reads the chosen points back from the journal (the select step's mark). */
export function chosenPoints(ctx: Pick<StepContext, "marks">): Selection | undefined {
  return ctx.marks.get(RESTORE_MARK.points)?.data.points as Selection | undefined;
}

/** Bound of a restore job: Aurora's "minutes to hours", as the rebuild of a storage volume. */
const RESTORE_BOUND: StepBound = { what: "an AWS Backup restore job", key: "auroraRebuildMs", ms: (t) => t.auroraRebuildMs + 4 * t.callMs };

export function selectPointsStep(backup: BackupPort, target: RestoreTarget, point: PointSpec, maxSkewMs: number, dependsOn: string[] = []): Step {
  return {
    id: "select-recovery-points",
    title: `Choose consistent recovery points in ${target.vaultName} (${target.site.region})`,
    dependsOn,
    effect: `read ${target.vaultName} in ${target.site.region}: newest EFS and Aurora points ${"latest" in point ? "" : `not newer than ${isoTime(point.at)} `}within ${formatDuration(maxSkewMs)} of each other`,
    check: async (ctx) => chosenPoints(ctx) !== undefined,
    run: async (ctx) => {
      const points = await backup.listRecoveryPoints(target.site.region, target.vaultName, opts(ctx));
      const chosen = selectRecoveryPoints(points, { at: cutoffOf(point, ctx.runStartedAt), maxSkewMs, vault: `${target.vaultName} (${target.site.region})` });
      if (!chosen.ok) throw new RefusedError(`Refusing to restore: ${chosen.problem}`);
      await ctx.mark(RESTORE_MARK.points, { points: chosen.points });
      return {
        detail: Object.values(chosen.points)
          .map((p) => `${p.resourceType} ${isoTime(p.createdAt)}`)
          .join(", "),
      };
    },
  };
}

/** The restore metadata AWS Backup needs, over the point's own (GetRecoveryPointRestoreMetadata). */
export function restoreMetadata(
  type: BackupResourceType,
  base: Record<string, string>,
  target: RestoreTarget,
  point: RecoveryPoint,
  token: string,
): Record<string, string> {
  // Metadata keys are case-insensitive ("Note that key values are not case sensitive": "Restore
  // testing inferred metadata", AWS Backup Developer Guide): the point's own keys are read in any
  // case, and every casing of a key set here is dropped, so no key reaches AWS Backup twice.
  const read = (key: string) => Object.entries(base).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
  const without = (keys: readonly string[]) => {
    const drop = new Set(keys.map((k) => k.toLowerCase()));
    return Object.fromEntries(Object.entries(base).filter(([k]) => !drop.has(k.toLowerCase())));
  };
  if (type === "EFS") {
    // Restore into a new file system (AWS Backup never overwrites an existing one: into one it
    // writes a recovery directory), encrypted with the target site's key. Keys as StartRestoreJob's
    // Metadata documents them for EFS (AWS Backup API reference, StartRestoreJob).
    const efs = {
      "file-system-id": read("file-system-id") ?? point.resourceArn.split("/").at(-1)!,
      newFileSystem: "true",
      Encrypted: "true",
      KmsKeyId: target.kmsKeyArn,
      PerformanceMode: read("PerformanceMode") ?? "generalPurpose",
      CreationToken: token,
    };
    return { ...without(Object.keys(efs)), ...efs };
  }
  // Aurora: the RestoreDBClusterFromSnapshot options; a new cluster named for the point, in the
  // target site's network. The point's own metadata describes the cluster in the Region it was
  // backed up in: its subnet group, security groups, AZs, parameter and option groups, key and
  // directory name resources of that Region, which a restore in the target Region cannot use (a
  // missing subnet group is DBSubnetGroupNotFoundFault; none at all lands the cluster in the default
  // VPC: "If you don't specify a security group, the new DB cluster is associated with the default
  // security group", RDS API reference, RestoreDBClusterFromSnapshot). Keys are case-insensitive
  // ("Restore testing inferred metadata", AWS Backup Developer Guide), so every casing is dropped.
  if (!target.dbSubnetGroupName || target.dbSecurityGroupIds.length === 0) {
    throw new RefusedError(
      `Stack "${target.site.stack}" does not export dbSubnetGroupName and dbSecurityGroupId: a restored DB cluster would have no network in ${target.site.region}. ` +
        `Run \`pulumi up -s ${target.site.stack}\` with this version of the program first.`,
    );
  }
  const kept = without([...SOURCE_REGION_AURORA_KEYS, "Engine"]);
  return {
    ...kept,
    DBClusterIdentifier: newRestoredClusterIdentifier(target.site.stack, point.createdAt),
    Engine: read("Engine") ?? "aurora-mysql",
    KmsKeyId: target.kmsKeyArn,
    DBSubnetGroupName: target.dbSubnetGroupName,
    // A list-typed value is a JSON-array string ("Format for list-typed override values", same guide).
    VpcSecurityGroupIds: JSON.stringify(target.dbSecurityGroupIds),
  };
}

/**
 * The restored cluster's identifier: the site's name and the point's time. RDS takes 1-63 letters,
 * digits or hyphens, starting with a letter, with no two consecutive hyphens and none at the end
 * (RDS API reference, RestoreDBClusterFromSnapshot, DBClusterIdentifier constraints), and a site's
 * name may hold what Pulumi allows in a stack name ("_", ".", capitals), so it is folded to that.
 */
export function newRestoredClusterIdentifier(stack: string, createdAt: number): string {
  const stamp = isoTime(createdAt).replace(/[-:]/g, "").slice(0, 13).toLowerCase();
  const suffix = `-restored-${stamp}`;
  const name = stack
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^[^a-z]+/, "")
    .slice(0, 63 - suffix.length - 1)
    .replace(/-+$/, "");
  return `${name || "site"}${suffix}`;
}

/**
 * Aurora metadata keys (lowercase) replaced or dropped: what names a resource of the source Region
 * (the RestoreDBClusterFromSnapshot parameters that take a regional resource), and the ones set above.
 */
const SOURCE_REGION_AURORA_KEYS = new Set(
  [
    "AvailabilityZones",
    "DBSubnetGroupName",
    "VpcSecurityGroupIds",
    "DBClusterParameterGroupName",
    "OptionGroupName",
    "KmsKeyId",
    "Domain",
    "DomainIAMRoleName",
    "DBClusterIdentifier",
  ].map((k) => k.toLowerCase()),
);

export function restoreJobStep(backup: BackupPort, target: RestoreTarget, type: BackupResourceType, dependsOn: string[]): Step {
  const what = type === "EFS" ? "file system" : "DB cluster";
  return {
    id: type === "EFS" ? "restore-files" : "restore-db",
    title: `Restore the ${what} from its recovery point in ${target.site.region}`,
    dependsOn,
    bound: RESTORE_BOUND,
    effect: `AWS Backup StartRestoreJob (${type}) in ${target.site.region}, role ${target.roleArn}${type === "EFS" ? ", into a new file system" : ", a new DB cluster without instances (the up adds them)"}`,
    check: async (ctx) => ctx.marks.has(RESTORE_MARK.restored(type)),
    run: async (ctx) => {
      const point = chosenPoints(ctx)?.[type];
      if (!point) throw new Error(`no ${type} recovery point was chosen (select-recovery-points)`);
      const region = target.site.region;
      let jobId = ctx.marks.get(RESTORE_MARK.job(type))?.data.jobId as string | undefined;
      if (!jobId) {
        const token = `eks-dr-${createHash("sha256").update(`${ctx.runStartedAt}|${target.site.stack}|${point.arn}`).digest("hex").slice(0, 32)}`;
        const base = await backup.restoreMetadata(region, target.vaultName, point.arn, opts(ctx));
        jobId = await backup.startRestoreJob(
          region,
          {
            recoveryPointArn: point.arn,
            resourceType: type,
            iamRoleArn: target.roleArn,
            metadata: restoreMetadata(type, base, target, point, token),
            idempotencyToken: token,
          },
          opts(ctx),
        );
        await ctx.mark(RESTORE_MARK.job(type), { jobId, recoveryPointArn: point.arn });
      }
      let created: string | undefined;
      await waitFor(
        ctx,
        `restore job ${jobId} (${type})`,
        async () => {
          const job = await backup.describeRestoreJob(region, jobId, opts(ctx));
          if (job.status === "FAILED" || job.status === "ABORTED")
            throw new Error(`restore job ${jobId} (${type}) ${job.status}: ${job.statusMessage ?? "no message"}`);
          created = job.createdResourceArn;
          return job.status === "COMPLETED";
        },
        RESTORE_BOUND.ms(ctx.timeouts),
      );
      await ctx.mark(RESTORE_MARK.restored(type), { jobId, createdResourceArn: created ?? null, pointAt: point.createdAt });
      return { detail: `${created ?? what} from the point of ${isoTime(point.createdAt)}` };
    },
  };
}

/** The restored cluster's identifier, from the restore job's created resource (`...:cluster:<id>`). */
export function restoredClusterIdentifier(ctx: Pick<StepContext, "marks">): string | undefined {
  return restoredClusterArn(ctx)?.split(":cluster:").at(-1);
}

/** The file system the EFS restore job created (`...:file-system/<id>`), once it has. */
export function restoredFileSystemId(ctx: Pick<StepContext, "marks">): string | undefined {
  const arn = ctx.marks.get(RESTORE_MARK.restored("EFS"))?.data.createdResourceArn;
  return typeof arn === "string" ? arn.split("/").at(-1) : undefined;
}

/** DB instances for the restored cluster (AWS Backup creates none), until `count` are available. */
export function restoredDbInstancesStep(rds: RestoredClusterPort, target: RestoreTarget, count: number, instanceClass: string, dependsOn: string[]): Step {
  const region = target.site.region;
  const available = async (ctx: StepContext) => {
    const cluster = restoredClusterIdentifier(ctx);
    return cluster !== undefined && (await rds.availableDbInstances(region, cluster, opts(ctx))) >= count;
  };
  return {
    id: "add-db-instances",
    title: `Create ${count} DB instance(s) in the restored cluster`,
    dependsOn,
    bound: { what: "DB instances of the restored cluster", key: "databaseMs", ms: (t) => t.databaseMs + 4 * t.callMs },
    effect: `RDS CreateDBInstance x${count} (${instanceClass}) in ${region}, in the cluster restore-db created`,
    check: available,
    run: async (ctx) => {
      const cluster = restoredClusterIdentifier(ctx);
      if (!cluster) throw new Error("restore-db recorded no restored DB cluster");
      await rds.ensureDbInstances(region, cluster, count, instanceClass, opts(ctx));
      await waitFor(ctx, `${count} instance(s) of ${cluster} available`, () => available(ctx), ctx.timeouts.databaseMs);
      return { detail: `${count} instance(s) of ${cluster} available` };
    },
  };
}

/**
 * The global database the restored cluster writes: its identifier derived from the cluster's (unique
 * in the Region, named for the site and the point), so a resumed run finds the one it created.
 * CreateGlobalCluster takes "[A-Za-z][0-9A-Za-z-:._]*", 1-255 characters, stored lowercase (RDS API
 * reference, CreateGlobalCluster): a cluster identifier (lowercase, at most 63) plus "-global" fits.
 */
function restoredGlobalClusterIdentifier(clusterIdentifier: string): string {
  return `${clusterIdentifier}-global`;
}

/** The restored cluster's ARN, from the restore job's created resource. */
function restoredClusterArn(ctx: Pick<StepContext, "marks">): string | undefined {
  const arn = ctx.marks.get(RESTORE_MARK.restored("Aurora"))?.data.createdResourceArn;
  return typeof arn === "string" ? arn : undefined;
}

/**
 * The restored cluster becomes the writer of a new global database: RDS CreateGlobalCluster with
 * `SourceDBClusterIdentifier` = its ARN ("you can specify an existing Aurora cluster during the
 * create operation, and this cluster becomes the primary cluster of the global database", RDS API
 * reference, CreateGlobalCluster; Aurora User Guide, "Creating an Amazon Aurora global database from
 * an Aurora or Amazon RDS snapshot"). Sent to the cluster's Region, after its instances are available
 * (RDS refuses a cluster that is not: InvalidDBClusterStateFault). Described first, so a resume does
 * not create it twice: one whose writer is this cluster is done; one written by another cluster is a
 * failure that names it (the identifier is this restore's; something else took it).
 */
export function restoredGlobalClusterStep(target: RestoreTarget, dependsOn: string[]): Step {
  const region = target.site.region;
  const state = async (ctx: StepContext) => {
    const arn = restoredClusterArn(ctx);
    const cluster = restoredClusterIdentifier(ctx);
    if (!arn || !cluster) return undefined;
    const id = restoredGlobalClusterIdentifier(cluster);
    return { arn, id, gc: await ctx.cloud.rds.findGlobalCluster(region, id, opts(ctx)) };
  };
  const writes = (gc: GlobalCluster | undefined, arn: string) => gc !== undefined && writerArn(gc.members) === arn;
  return {
    id: "create-global-cluster",
    title: `Make the restored DB cluster the writer of a new global database`,
    dependsOn,
    bound: { what: "a new global database from the restored cluster", key: "databaseMs", ms: (t) => t.databaseMs + 4 * t.callMs },
    effect: `RDS CreateGlobalCluster in ${region}: <restored cluster>-global, SourceDBClusterIdentifier the restored cluster's ARN (it becomes its writer)`,
    check: async (ctx) => {
      const s = await state(ctx);
      return s !== undefined && writes(s.gc, s.arn) && s.gc!.status === "available" && ctx.marks.has(RESTORE_MARK.globalCluster);
    },
    run: async (ctx) => {
      const s = await state(ctx);
      if (!s) throw new Error("restore-db recorded no restored DB cluster");
      const refuse = (gc: GlobalCluster) =>
        new Error(
          `global cluster ${s.id} exists and its writer is ${writerArn(gc.members) ?? "none"} (members: ${gc.members.map((m) => m.clusterArn).join(", ") || "none"}), ` +
            `not the restored cluster ${s.arn}: nothing was changed. Find out what created it; delete it (RDS DeleteGlobalCluster) only if it is unused, then resume.`,
        );
      if (s.gc && !writes(s.gc, s.arn)) throw refuse(s.gc);
      if (!s.gc) await ctx.cloud.rds.createGlobalCluster(region, s.id, s.arn, opts(ctx));
      let status = "";
      await waitFor(
        ctx,
        `global cluster ${s.id} available with ${s.arn} as its writer`,
        async () => {
          const gc = await ctx.cloud.rds.findGlobalCluster(region, s.id, opts(ctx));
          if (gc && !writes(gc, s.arn)) throw refuse(gc);
          status = gc?.status ?? "not found";
          return gc?.status === "available";
        },
        ctx.timeouts.databaseMs,
      );
      await ctx.mark(RESTORE_MARK.globalCluster, { globalClusterIdentifier: s.id, clusterArn: s.arn });
      return { detail: `${s.id} (${status}), written by ${s.arn}` };
    },
  };
}

/** The file system and DB cluster the restore jobs created, and the global database the cluster writes, read back from their journal marks. */
export function restoredData(ctx: Pick<StepContext, "marks">): RestoredData | undefined {
  const fileSystemId = restoredFileSystemId(ctx);
  const cluster = restoredClusterIdentifier(ctx);
  if (fileSystemId === undefined || cluster === undefined) return undefined;
  const global = ctx.marks.get(RESTORE_MARK.globalCluster)?.data.globalClusterIdentifier;
  return { fileSystemId, dbClusterIdentifier: cluster, ...(typeof global === "string" ? { globalClusterIdentifier: global } : {}) };
}

/** Config `restoredData`: the restored stores, and the global database the restored cluster writes. */
export type RestoredData = {
  fileSystemId: string;
  dbClusterIdentifier: string;
  globalClusterIdentifier?: string;
};

/**
 * The site adopts the restored stores: config `restoredData` names them, so the next `up` mounts the
 * file system in the site's subnets and points the workload's volume, DB endpoints and backups at
 * them (the program never manages or deletes them: docs/decisions.md). Set once; a resume finds it set.
 */
export function adoptRestoredDataStep(site: SiteView, dependsOn: string[]): Step {
  const pending = async (ctx: StepContext) => {
    const wanted = restoredData(ctx);
    if (!wanted) throw new Error("the restore jobs recorded no restored file system or DB cluster (restore-files, restore-db)");
    const now = (await ctx.stacks.readConfig(site.stack)).restoredData;
    return now?.fileSystemId === wanted.fileSystemId &&
      now.dbClusterIdentifier === wanted.dbClusterIdentifier &&
      now.globalClusterIdentifier === wanted.globalClusterIdentifier
      ? undefined
      : wanted;
  };
  return {
    id: "adopt-restored-data",
    title: `Make ${site.stack} serve from the restored file system and DB cluster`,
    dependsOn,
    effect: `config ${site.stack} restoredData={fileSystemId, dbClusterIdentifier, globalClusterIdentifier} of the restore jobs and the new global database`,
    check: async (ctx) => restoredData(ctx) !== undefined && (await pending(ctx)) === undefined,
    run: async (ctx) => {
      const wanted = await pending(ctx);
      if (wanted) await ctx.stacks.setConfig(site.stack, [{ key: "restoredData", value: wanted }]);
      const data = wanted ?? restoredData(ctx)!;
      return {
        detail: `restoredData: file system ${data.fileSystemId}, DB cluster ${data.dbClusterIdentifier}, global database ${data.globalClusterIdentifier ?? "none"}`,
      };
    },
  };
}
