/**
 * AWS Backup in the simulated Regions: each site's vault, the recovery points the active site's
 * plan writes into it on its schedule, the copy jobs that put each one into the peer's vault after
 * the copy latency, and the restore jobs that build a file system or a DB cluster from a point.
 *
 * The rules the model enforces, as AWS Backup does:
 *   - a recovery point can only be restored in the Region of the vault holding it: a copy still
 *     running (or failed) is not in the peer's vault (Developer Guide, "Creating backup copies
 *     across AWS Regions");
 *   - restore metadata must carry the keys the service needs (StartRestoreJob API reference: for
 *     EFS `file-system-id`, `newFileSystem`, `Encrypted`, `KmsKeyId`, `PerformanceMode`,
 *     `CreationToken`; for Aurora the RestoreDBClusterFromSnapshot options, `DBClusterIdentifier`
 *     and `Engine` at least), and AWS Backup restores Aurora without any DB instance ("Restoring an
 *     Amazon Aurora cluster": it "does not create or attach an Amazon RDS instance");
 *   - an Aurora restore is placed in the network its metadata names, in the job's Region: RDS fails
 *     it (and the job with it) when the DB subnet group is not there (DBSubnetGroupNotFoundFault), a
 *     security group is not in that Region's VPCs, an AZ is another Region's, or no subnet group is
 *     named at all (the default VPC, which these accounts' Regions are not assumed to have; RDS API
 *     reference, RestoreDBClusterFromSnapshot, errors and `VpcSecurityGroupIds`). Which RDS fault a
 *     foreign security group or AZ raises is not documented; the driver reads only FAILED;
 *   - an EFS restore never overwrites: into an existing file system it lands in a recovery
 *     directory ("Restore an Amazon EFS file system");
 *   - a retried StartRestoreJob with the same idempotency token starts nothing new;
 *   - a recovery point in a vault locked in compliance mode cannot be deleted before its minimum
 *     retention (Developer Guide, "AWS Backup Vault Lock"), and none is deleted while a restore
 *     from it runs (the simulation refuses both, so a restore that deleted one fails a test).
 *
 * The plan runs on the site whose DB cluster is the writer (the active one: the plan moves with the
 * role). Its backups of EFS and Aurora start at the same instant; the point's time is that instant.
 */
import { createHash } from "node:crypto";
import { AwsError } from "../errors";
import type { LatencyModel } from "../latency";
import { type Core, Part, type SiteRec } from "./core";

export type BackupResourceType = "EFS" | "Aurora";
export const BACKUP_RESOURCE_TYPES: readonly BackupResourceType[] = ["EFS", "Aurora"];

export interface SimRecoveryPoint {
  arn: string;
  region: string;
  vaultName: string;
  resourceType: BackupResourceType;
  /** The protected resource (the source site's file system or DB cluster). */
  resourceArn: string;
  /** Site whose data it holds. */
  sourceStack: string;
  /** The data's point in time (the backup job's start), ms. */
  createdAt: number;
  /** When it became usable in this vault (backup or copy completed), ms. */
  completedAt: number;
  sizeBytes: number;
  /** For a copy: the recovery point it was copied from. */
  copiedFrom?: string;
  status: "COMPLETED";
}

export interface SimCopyJob {
  sourceArn: string;
  destinationRegion: string;
  resourceType: BackupResourceType;
  createdAt: number;
  state: "RUNNING" | "COMPLETED" | "FAILED";
  statusMessage?: string;
}

export interface SimRestoreJob {
  id: string;
  region: string;
  recoveryPointArn: string;
  resourceType: BackupResourceType;
  idempotencyToken?: string;
  startedAt: number;
  completesAt: number;
  status: "RUNNING" | "COMPLETED" | "FAILED";
  statusMessage?: string;
  createdResourceArn?: string;
}

export interface BackupSpec {
  /** Vault name per stack (output `backupVaultName`). */
  vaults: Record<string, string>;
  /** Data size per resource type, bytes: sets the restore latencies. */
  sizesBytes: Record<BackupResourceType, number>;
  /** Interval of the plan's schedule, ms (the default cron runs daily). */
  intervalMs: number;
  /** Offset of the schedule within a day, ms (05:00 UTC for the default cron). */
  offsetMs: number;
  /** Recovery points kept, ms (config `backup.retentionDays`). */
  retentionMs: number;
}

export const GIB = 1024 ** 3;

export const DEFAULT_BACKUP_SPEC: Omit<BackupSpec, "vaults"> = {
  sizesBytes: { EFS: 50 * GIB, Aurora: 100 * GIB },
  intervalMs: 24 * 3_600_000,
  offsetMs: 5 * 3_600_000,
  retentionMs: 35 * 24 * 3_600_000,
};

/** Metadata keys StartRestoreJob needs per resource type (AWS Backup API reference, StartRestoreJob). */
export const RESTORE_METADATA_KEYS: Record<BackupResourceType, readonly string[]> = {
  EFS: ["file-system-id", "newFileSystem", "Encrypted", "KmsKeyId", "PerformanceMode", "CreationToken"],
  Aurora: ["DBClusterIdentifier", "Engine"],
};

/** A metadata value case-insensitively ("key values are not case sensitive": AWS Backup Developer Guide, "Restore testing inferred metadata"). */
function metadataValue(metadata: Record<string, string>, key: string): string | undefined {
  return Object.entries(metadata).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
}

/** A list-typed value: a JSON-array string ("Format for list-typed override values", same guide). */
function metadataList(metadata: Record<string, string>, key: string): string[] {
  const v = metadataValue(metadata, key);
  if (v === undefined) return [];
  try {
    const parsed = JSON.parse(v) as unknown;
    return Array.isArray(parsed) ? parsed.map(String) : [v];
  } catch {
    return [v];
  }
}

/**
 * RDS's rule for a DB cluster identifier: 1-63 letters, digits or hyphens, starting with a letter,
 * no two consecutive hyphens, not ending in one (RDS API reference, RestoreDBClusterFromSnapshot,
 * DBClusterIdentifier constraints). RDS stores it lowercase, so capitals are accepted.
 */
const DB_CLUSTER_IDENTIFIER = /^[a-z](?!.*--)[a-z0-9-]{0,61}[a-z0-9]$/i;

/** Why RDS would refuse the restored cluster's identifier, if it would. */
function auroraIdentifierProblem(metadata: Record<string, string>): string | undefined {
  const id = metadataValue(metadata, "DBClusterIdentifier") ?? "";
  return DB_CLUSTER_IDENTIFIER.test(id)
    ? undefined
    : `InvalidParameterValue: DBClusterIdentifier '${id}' must be 1-63 letters, digits or hyphens, start with a letter, and have no two consecutive hyphens and no trailing one`;
}

/** Why RDS would refuse to place the restored cluster in `region`'s network, if it would. */
function auroraNetworkProblem(metadata: Record<string, string>, target: SiteRec, region: string): string | undefined {
  const net = target.network;
  const subnetGroup = metadataValue(metadata, "DBSubnetGroupName");
  if (subnetGroup === undefined) {
    return `InvalidVPCNetworkStateFault: no DBSubnetGroupName: the cluster would be placed in the default VPC, and ${region} has none`;
  }
  if (!net.dbSubnetGroups.includes(subnetGroup)) return `DBSubnetGroupNotFoundFault: DBSubnetGroup '${subnetGroup}' not found in ${region}`;
  const foreignGroups = metadataList(metadata, "VpcSecurityGroupIds").filter((g) => !net.securityGroupIds.includes(g));
  if (foreignGroups.length) return `InvalidVPCNetworkStateFault: security group(s) ${foreignGroups.join(", ")} not in a VPC of ${region}`;
  const foreignAzs = metadataList(metadata, "AvailabilityZones").filter((az) => !net.availabilityZones.includes(az));
  if (foreignAzs.length) return `InvalidParameterValue: availability zone(s) ${foreignAzs.join(", ")} are not in ${region}`;
  return undefined;
}

export class Backups extends Part {
  private readonly points: SimRecoveryPoint[] = [];
  private readonly copyJobs: SimCopyJob[] = [];
  private readonly restoreJobs: SimRestoreJob[] = [];
  private readonly locks = new Map<string, number>();
  private copyFailuresArmed = 0;
  private readonly droppedCopies = new Set<BackupResourceType>();
  private seq = 0;
  private readonly spec: BackupSpec;

  constructor(
    core: Core,
    spec: Pick<BackupSpec, "vaults"> & Partial<BackupSpec>,
    private readonly writerStack: () => string,
    private readonly onRestored: (job: SimRestoreJob, point: SimRecoveryPoint, target: SiteRec) => void,
    /** Its own draws, so that adding backups to the world changes no other figure of a seed. */
    private readonly draws: LatencyModel = core.latency,
  ) {
    super(core);
    this.spec = { ...DEFAULT_BACKUP_SPEC, ...spec };
    // History: the plan has run for the retention period; its copies completed long ago.
    this.runPeriodically(this.spec, "backup plan runs", (at, history) => this.runPlan(at, { history }));
  }

  private vaultOf(site: SiteRec): string {
    const name = this.spec.vaults[site.stack];
    if (!name) throw new Error(`no backup vault for ${site.stack}`);
    return name;
  }

  /** One run of the active site's plan: a backup of each resource, then its copy to the peer. */
  private runPlan(at: number, { history }: { history: boolean }): void {
    const source = this.siteOf(this.writerStack());
    if (!history && this.impaired.has(source.region)) return; // the plan's Region is down: no backup
    const peer = this.sites.find((s) => s !== source);
    for (const resourceType of BACKUP_RESOURCE_TYPES) {
      const point = this.addPoint({
        region: source.region,
        vaultName: this.vaultOf(source),
        resourceType,
        resourceArn:
          resourceType === "EFS"
            ? `arn:aws:elasticfilesystem:${source.region}:123456789012:file-system/${source.names.fileSystemId}`
            : source.names.dbClusterArn,
        sourceStack: source.stack,
        createdAt: at,
        completedAt: at,
        sizeBytes: this.spec.sizesBytes[resourceType],
        status: "COMPLETED",
      });
      if (!peer) continue;
      const copyDone = at + this.draws.sample("backup-copy");
      const job: SimCopyJob = { sourceArn: point.arn, destinationRegion: peer.region, resourceType, createdAt: at, state: "RUNNING" };
      this.copyJobs.push(job);
      const complete = () => {
        if (this.copyFailuresArmed > 0 || this.impaired.has(peer.region) || this.impaired.has(source.region)) {
          if (this.copyFailuresArmed > 0) this.copyFailuresArmed--;
          job.state = "FAILED";
          job.statusMessage = "Copy job failed (simulated)";
          return;
        }
        job.state = "COMPLETED";
        this.addPoint({ ...point, region: peer.region, vaultName: this.vaultOf(peer), completedAt: copyDone, copiedFrom: point.arn });
      };
      if (history && copyDone <= this.t) complete();
      else this.schedule(copyDone, `backup copy ${resourceType} -> ${peer.region}`, complete);
    }
  }

  private addPoint(p: Omit<SimRecoveryPoint, "arn">): SimRecoveryPoint {
    const point = {
      ...p,
      arn: `arn:aws:backup:${p.region}:123456789012:recovery-point:${p.resourceType.toLowerCase()}-${String(++this.seq).padStart(6, "0")}`,
    };
    this.points.push(point);
    return point;
  }

  private requireRegion(region: string, api: string): void {
    if (this.impaired.has(region)) throw new AwsError("RequestTimeout", `${api} in ${region}: no response (Region impaired)`, { status: 0 });
  }

  /** ListRecoveryPointsByBackupVault: the points in the vault now (retention applied). */
  listRecoveryPoints(region: string, vaultName: string): SimRecoveryPoint[] {
    this.requireRegion(region, "ListRecoveryPointsByBackupVault");
    const site = this.siteInRegion(region);
    if (!site || this.vaultOf(site) !== vaultName)
      throw new AwsError("ResourceNotFoundException", `Backup vault ${vaultName} does not exist in ${region}`, { status: 400 });
    return this.points.filter((p) => p.region === region && p.vaultName === vaultName && p.createdAt >= this.t - this.spec.retentionMs).map((p) => ({ ...p }));
  }

  startRestoreJob(
    region: string,
    req: { recoveryPointArn: string; resourceType: BackupResourceType; metadata: Record<string, string>; iamRoleArn: string; idempotencyToken?: string },
  ): SimRestoreJob {
    this.requireRegion(region, "StartRestoreJob");
    if (req.idempotencyToken) {
      const same = this.restoreJobs.find((j) => j.idempotencyToken === req.idempotencyToken && j.region === region);
      if (same) return { ...same };
    }
    const point = this.points.find((p) => p.arn === req.recoveryPointArn);
    if (!point || point.region !== region) {
      throw new AwsError("ResourceNotFoundException", `Recovery point ${req.recoveryPointArn} is not in a vault in ${region}`, { status: 400 });
    }
    if (point.resourceType !== req.resourceType)
      throw new AwsError("InvalidParameterValueException", `ResourceType ${req.resourceType} does not match the recovery point (${point.resourceType})`, {
        status: 400,
      });
    if (!req.iamRoleArn.startsWith("arn:")) throw new AwsError("InvalidParameterValueException", "IamRoleArn must be an IAM role ARN", { status: 400 });
    const missing = RESTORE_METADATA_KEYS[point.resourceType].filter((k) => req.metadata[k] === undefined);
    if (missing.length)
      throw new AwsError("InvalidParameterValueException", `Restore metadata is missing ${missing.join(", ")} for ${point.resourceType}`, { status: 400 });
    if (point.resourceType === "EFS" && req.metadata.KmsKeyId && req.metadata.Encrypted !== "true") {
      throw new AwsError("InvalidParameterValueException", "Encrypted must be true when KmsKeyId is specified", { status: 400 });
    }
    const gib = point.sizeBytes / GIB;
    const duration =
      point.resourceType === "EFS"
        ? this.draws.sample("efs-restore") + gib * this.draws.sample("efs-restore-per-gib")
        : this.draws.sample("aurora-snapshot-restore") + gib * this.draws.sample("aurora-snapshot-restore-per-gib");
    const job: SimRestoreJob = {
      id: `restore-${String(this.restoreJobs.length + 1).padStart(4, "0")}`,
      region,
      recoveryPointArn: point.arn,
      resourceType: point.resourceType,
      ...(req.idempotencyToken ? { idempotencyToken: req.idempotencyToken } : {}),
      startedAt: this.t,
      completesAt: this.t + Math.round(duration),
      status: "RUNNING",
    };
    this.restoreJobs.push(job);
    const target = this.siteInRegion(region)!;
    const refused = point.resourceType === "Aurora" ? (auroraIdentifierProblem(req.metadata) ?? auroraNetworkProblem(req.metadata, target, region)) : undefined;
    if (refused) {
      // RDS refuses RestoreDBClusterFromSnapshot at once; AWS Backup reports the job FAILED.
      job.completesAt = this.t + Math.round(this.draws.sample("api-call"));
      this.schedule(job.completesAt, `restore ${job.id} (${point.resourceType}) fails`, () => {
        job.status = "FAILED";
        job.statusMessage = refused;
      });
      return { ...job };
    }
    this.schedule(job.completesAt, `restore ${job.id} (${point.resourceType}) completes`, () => {
      job.status = "COMPLETED";
      job.createdResourceArn =
        point.resourceType === "EFS"
          ? req.metadata.newFileSystem === "true"
            ? `arn:aws:elasticfilesystem:${region}:123456789012:file-system/fs-${createHash("sha256").update(`${region}/${job.id}`).digest("hex").slice(0, 17)}`
            : `arn:aws:elasticfilesystem:${region}:123456789012:file-system/${req.metadata["file-system-id"]}`
          : `arn:aws:rds:${region}:123456789012:cluster:${req.metadata.DBClusterIdentifier}`;
      this.onRestored(job, point, target);
    });
    return { ...job };
  }

  describeRestoreJob(region: string, jobId: string): SimRestoreJob {
    this.requireRegion(region, "DescribeRestoreJob");
    const job = this.restoreJobs.find((j) => j.id === jobId && j.region === region);
    if (!job) throw new AwsError("ResourceNotFoundException", `Restore job ${jobId} not found in ${region}`, { status: 400 });
    return { ...job };
  }

  /** DeleteRecoveryPoint: refused in a locked vault before the minimum retention, and while a restore reads it. */
  deleteRecoveryPoint(region: string, vaultName: string, arn: string): void {
    this.requireRegion(region, "DeleteRecoveryPoint");
    const i = this.points.findIndex((p) => p.arn === arn && p.region === region && p.vaultName === vaultName);
    if (i < 0) throw new AwsError("ResourceNotFoundException", `Recovery point ${arn} not found in ${vaultName}`, { status: 400 });
    const minRetention = this.locks.get(`${region}/${vaultName}`);
    if (minRetention !== undefined && this.t < this.points[i].createdAt + minRetention) {
      throw new AwsError(
        "InvalidRequestException",
        `Backup vault ${vaultName} is locked in compliance mode: ${arn} cannot be deleted before its minimum retention`,
        { status: 400 },
      );
    }
    if (this.restoreJobs.some((j) => j.recoveryPointArn === arn && j.status === "RUNNING")) {
      throw new AwsError("InvalidRequestException", `Recovery point ${arn} is being restored; it cannot be deleted`, { status: 400 });
    }
    this.points.splice(i, 1);
  }

  // Faults -----------------------------------------------------------------------------------

  /** The next `times` copy jobs to complete fail (their points never reach the peer's vault). */
  failCopies(times: number): void {
    this.copyFailuresArmed += times;
  }

  /** The newest copy of `resourceType` in `region` is missing (its copy job never ran, or was lost). */
  dropNewestCopy(region: string, resourceType: BackupResourceType): void {
    const copies = this.points.filter((p) => p.region === region && p.resourceType === resourceType && p.copiedFrom);
    const newest = copies.reduce<SimRecoveryPoint | undefined>((a, p) => (!a || p.createdAt > a.createdAt ? p : a), undefined);
    if (!newest) return;
    this.points.splice(this.points.indexOf(newest), 1);
    this.droppedCopies.add(resourceType);
  }

  /** Vault lock in compliance mode on `stack`'s vault. */
  lockVault(stack: string, minRetentionMs: number): void {
    const site = this.siteOf(stack);
    this.locks.set(`${site.region}/${this.vaultOf(site)}`, minRetentionMs);
  }

  // Inspection -------------------------------------------------------------------------------

  recoveryPoints(): SimRecoveryPoint[] {
    return this.points.map((p) => ({ ...p }));
  }

  copies(): SimCopyJob[] {
    return this.copyJobs.map((j) => ({ ...j }));
  }

  restores(): SimRestoreJob[] {
    return this.restoreJobs.map((j) => ({ ...j }));
  }
}
