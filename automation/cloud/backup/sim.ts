/**
 * `BackupPort` over the simulated world (world/backups.ts). Calls take an API round trip of virtual
 * time; a call into an impaired Region hangs until its `timeoutMs` and then rejects, as SimCloud's do.
 * Every call is recorded in `world.calls()` (origin "backup").
 */
import type { BackupPort, RecoveryPoint, RestoredClusterPort, RestoreJob, StartRestore } from "./port";
import type { CallOptions, Clock } from "../../ports";
import { SimTimeoutError } from "../../sim/errors";
import type { LatencyModel } from "../../sim/latency";
import { DriverProcess, sleepInProcess } from "../../sim/process";
import type { World } from "../../sim/world";

export interface SimBackupOptions {
  world: World;
  clock: Clock;
  latency: LatencyModel;
  process?: DriverProcess;
  /** @default 120000 */
  defaultTimeoutMs?: number;
}

export class SimBackup implements BackupPort, RestoredClusterPort {
  private readonly process: DriverProcess;

  constructor(private readonly o: SimBackupOptions) {
    this.process = o.process ?? new DriverProcess();
  }

  private async call<T>(
    api: string,
    region: string,
    args: Record<string, unknown>,
    sideEffect: boolean,
    opts: CallOptions | undefined,
    fn: () => T,
  ): Promise<T> {
    this.process.assertAlive();
    const signal = opts?.signal;
    if (signal?.aborted) throw signal.reason;
    const sleep = (ms: number) => sleepInProcess(this.o.clock, this.process, ms, signal);
    const timeoutMs = opts?.timeoutMs ?? this.o.defaultTimeoutMs ?? 120_000;
    const record = (outcome: string) => this.o.world.recordCall({ origin: "backup", api, region, args, sideEffect, outcome });
    const roundTrip = this.o.latency.sample("api-call");
    if (this.o.world.isImpaired(region) || roundTrip > timeoutMs) {
      await sleep(timeoutMs);
      record("TimeoutError");
      throw new SimTimeoutError(api, region, timeoutMs);
    }
    await sleep(roundTrip);
    try {
      const out = fn();
      record("ok");
      return out;
    } catch (err) {
      record(err instanceof Error ? err.name : "Error");
      throw err;
    }
  }

  listRecoveryPoints(region: string, vaultName: string, opts?: CallOptions): Promise<RecoveryPoint[]> {
    return this.call("ListRecoveryPointsByBackupVault", region, { vaultName }, false, opts, () =>
      this.o.world.listRecoveryPoints(region, vaultName).map((p) => ({
        arn: p.arn,
        resourceType: p.resourceType,
        resourceArn: p.resourceArn,
        createdAt: p.createdAt,
        status: p.status,
        sizeBytes: p.sizeBytes,
        ...(p.copiedFrom ? { copiedFrom: p.copiedFrom } : {}),
      })),
    );
  }

  restoreMetadata(region: string, vaultName: string, recoveryPointArn: string, opts?: CallOptions): Promise<Record<string, string>> {
    return this.call("GetRecoveryPointRestoreMetadata", region, { vaultName, recoveryPointArn }, false, opts, (): Record<string, string> => {
      const p = this.o.world.listRecoveryPoints(region, vaultName).find((x) => x.arn === recoveryPointArn);
      if (!p) throw Object.assign(new Error(`Recovery point ${recoveryPointArn} not found in ${vaultName}`), { name: "ResourceNotFoundException" });
      const id = p.resourceArn.split(/[:/]/).at(-1)!;
      // As AWS Backup returns it: the resource's configuration where it was backed up, so the
      // Aurora keys name the SOURCE Region's subnet group, security groups and AZs.
      const source = this.o.world.site(p.sourceStack).network;
      return p.resourceType === "EFS"
        ? { "file-system-id": id, Encrypted: "true", PerformanceMode: "generalPurpose", CreationToken: id, newFileSystem: "false" }
        : {
            DBClusterIdentifier: id,
            Engine: "aurora-mysql",
            ...(source.dbSubnetGroups[0] ? { DBSubnetGroupName: source.dbSubnetGroups[0] } : {}),
            VpcSecurityGroupIds: JSON.stringify(source.securityGroupIds.slice(0, 1)),
            AvailabilityZones: JSON.stringify(source.availabilityZones),
          };
    });
  }

  startRestoreJob(region: string, req: StartRestore, opts?: CallOptions): Promise<string> {
    return this.call("StartRestoreJob", region, { ...req }, true, opts, () => this.o.world.startRestoreJob(region, req).id);
  }

  describeRestoreJob(region: string, jobId: string, opts?: CallOptions): Promise<RestoreJob> {
    return this.call("DescribeRestoreJob", region, { jobId }, false, opts, () => {
      const j = this.o.world.describeRestoreJob(region, jobId);
      return {
        id: j.id,
        status: j.status,
        ...(j.statusMessage ? { statusMessage: j.statusMessage } : {}),
        ...(j.createdResourceArn ? { createdResourceArn: j.createdResourceArn } : {}),
      };
    });
  }

  // The restored cluster's instances (RDS). The world knows one DB cluster per site: the restored
  // cluster is the site's writer once its restore job completed.

  // As the real adapter: DescribeDBInstances first (it lists creating instances too), then
  // CreateDBInstance only for what is missing, so a resumed step creates nothing twice.
  async ensureDbInstances(region: string, clusterIdentifier: string, count: number, instanceClass: string, opts?: CallOptions): Promise<void> {
    const stack = this.o.world.stacks().find((s) => this.o.world.regionOf(s) === region)!;
    const existing = await this.call("DescribeDBInstances", region, { clusterIdentifier }, false, opts, () => {
      const db = this.o.world.site(stack).db;
      return db.instanceCount + db.creatingInstances;
    });
    if (existing >= count) return;
    await this.call("CreateDBInstance", region, { clusterIdentifier, count: count - existing, instanceClass }, true, opts, () => {
      const db = this.o.world.site(stack).db;
      if (db.instanceCount + db.creatingInstances < count) this.o.world.setDbInstances(stack, count);
    });
  }

  availableDbInstances(region: string, clusterIdentifier: string, opts?: CallOptions): Promise<number> {
    return this.call("DescribeDBInstances", region, { clusterIdentifier }, false, opts, () => {
      const stack = this.o.world.stacks().find((s) => this.o.world.regionOf(s) === region)!;
      return this.o.world.site(stack).db.instanceCount;
    });
  }
}
