/**
 * AWS Backup and the restored cluster's RDS instances, for `restore` (AWS SDK v3).
 *
 * - `ListRecoveryPointsByBackupVault` is paginated (NextToken); its ResourceType is "EFS" or
 *   "Aurora" for the stores a restore reads, CreationDate is the point in time.
 * - `GetRecoveryPointRestoreMetadata` gives the resource's configuration at backup time, the base of
 *   StartRestoreJob's Metadata ("You can get configuration metadata about a resource at the time it
 *   was backed up by calling GetRecoveryPointRestoreMetadata", AWS Backup API reference).
 * - `StartRestoreJob` with an IdempotencyToken: a retry with the same token starts nothing new.
 * - AWS Backup restores an Aurora cluster without instances; `CreateDBInstance` with the cluster's
 *   identifier adds them (AWS Backup Developer Guide, "Restoring an Amazon Aurora cluster").
 * One client per service and Region, created on first use; every call bounded as the CloudPort's are.
 */
import {
  BackupClient,
  DescribeRestoreJobCommand,
  GetRecoveryPointRestoreMetadataCommand,
  paginateListRecoveryPointsByBackupVault,
  StartRestoreJobCommand,
} from "@aws-sdk/client-backup";
import { CreateDBInstanceCommand, DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import type { BackupPort, BackupResourceType, RecoveryPoint, RestoredClusterPort, RestoreJob, StartRestore } from "./port";
import { BACKUP_RESOURCE_TYPES } from "./port";
import type { CallOptions } from "../../ports";
import { awsErrorCode, boundedCall, type CallSite } from "../aws/call";
import { oneAttemptClientConfig } from "../aws/clients";
import { callBounds, required } from "../aws/context";

export interface AwsBackupOptions {
  /** Bound of a call made without `timeoutMs`, ms. @default 60000 */
  defaultTimeoutMs?: number;
  /** Creates the clients (tests use the real classes, mocked with aws-sdk-client-mock). */
  backupClient?: (region: string) => BackupClient;
  rdsClient?: (region: string) => RDSClient;
}

export class AwsBackup implements BackupPort, RestoredClusterPort {
  private readonly backupClients = new Map<string, BackupClient>();
  private readonly rdsClients = new Map<string, RDSClient>();
  private readonly defaultTimeoutMs: number;

  constructor(private readonly o: AwsBackupOptions = {}) {
    this.defaultTimeoutMs = o.defaultTimeoutMs ?? 60_000;
  }

  // One attempt per call, as the CloudPort's clients: `restore` calls this port through the driver's
  // retry guard (cloud/guard.ts), the one retry layer (docs/decisions.md, "One retry layer").
  private backup(region: string): BackupClient {
    let c = this.backupClients.get(region);
    if (!c) this.backupClients.set(region, (c = this.o.backupClient?.(region) ?? new BackupClient({ ...oneAttemptClientConfig(), region })));
    return c;
  }

  private rds(region: string): RDSClient {
    let c = this.rdsClients.get(region);
    if (!c) this.rdsClients.set(region, (c = this.o.rdsClient?.(region) ?? new RDSClient({ ...oneAttemptClientConfig(), region })));
    return c;
  }

  private bound(opts: CallOptions | undefined) {
    return callBounds(opts, this.defaultTimeoutMs);
  }

  async listRecoveryPoints(region: string, vaultName: string, opts?: CallOptions): Promise<RecoveryPoint[]> {
    const site: CallSite = { service: "AWS Backup", api: "ListRecoveryPointsByBackupVault", region, resource: `vault ${vaultName}` };
    return boundedCall(site, this.bound(opts), async (abortSignal) => {
      const out: RecoveryPoint[] = [];
      for await (const page of paginateListRecoveryPointsByBackupVault({ client: this.backup(region) }, { BackupVaultName: vaultName }, { abortSignal })) {
        for (const p of page.RecoveryPoints ?? []) {
          if (!BACKUP_RESOURCE_TYPES.includes(p.ResourceType as BackupResourceType)) continue;
          out.push({
            arn: required(site, p.RecoveryPointArn, "RecoveryPointArn"),
            resourceType: p.ResourceType as BackupResourceType,
            resourceArn: required(site, p.ResourceArn, "ResourceArn"),
            createdAt: required(site, p.CreationDate, "CreationDate").getTime(),
            status: required(site, p.Status, "Status"),
            ...(p.BackupSizeInBytes !== undefined ? { sizeBytes: p.BackupSizeInBytes } : {}),
          });
        }
      }
      return out;
    });
  }

  async restoreMetadata(region: string, vaultName: string, recoveryPointArn: string, opts?: CallOptions): Promise<Record<string, string>> {
    const site: CallSite = { service: "AWS Backup", api: "GetRecoveryPointRestoreMetadata", region, resource: recoveryPointArn };
    const out = await boundedCall(site, this.bound(opts), (abortSignal) =>
      this.backup(region).send(new GetRecoveryPointRestoreMetadataCommand({ BackupVaultName: vaultName, RecoveryPointArn: recoveryPointArn }), { abortSignal }),
    );
    return { ...(out.RestoreMetadata ?? {}) };
  }

  async startRestoreJob(region: string, req: StartRestore, opts?: CallOptions): Promise<string> {
    const site: CallSite = { service: "AWS Backup", api: "StartRestoreJob", region, resource: req.recoveryPointArn, mutating: true };
    const out = await boundedCall(site, this.bound(opts), (abortSignal) =>
      this.backup(region).send(
        new StartRestoreJobCommand({
          RecoveryPointArn: req.recoveryPointArn,
          ResourceType: req.resourceType,
          IamRoleArn: req.iamRoleArn,
          Metadata: req.metadata,
          IdempotencyToken: req.idempotencyToken,
        }),
        { abortSignal },
      ),
    );
    return required(site, out.RestoreJobId, "RestoreJobId");
  }

  async describeRestoreJob(region: string, jobId: string, opts?: CallOptions): Promise<RestoreJob> {
    const site: CallSite = { service: "AWS Backup", api: "DescribeRestoreJob", region, resource: `restore job ${jobId}` };
    const out = await boundedCall(site, this.bound(opts), (abortSignal) =>
      this.backup(region).send(new DescribeRestoreJobCommand({ RestoreJobId: jobId }), { abortSignal }),
    );
    return {
      id: jobId,
      status: required(site, out.Status, "Status"),
      ...(out.StatusMessage ? { statusMessage: out.StatusMessage } : {}),
      ...(out.CreatedResourceArn ? { createdResourceArn: out.CreatedResourceArn } : {}),
    };
  }

  private async instances(region: string, clusterIdentifier: string, opts?: CallOptions) {
    const site: CallSite = { service: "RDS", api: "DescribeDBInstances", region, resource: `DB cluster ${clusterIdentifier}` };
    const out = await boundedCall(site, this.bound(opts), (abortSignal) =>
      this.rds(region).send(new DescribeDBInstancesCommand({ Filters: [{ Name: "db-cluster-id", Values: [clusterIdentifier] }] }), { abortSignal }),
    );
    return out.DBInstances ?? [];
  }

  async ensureDbInstances(region: string, clusterIdentifier: string, count: number, instanceClass: string, opts?: CallOptions): Promise<void> {
    const existing = new Set((await this.instances(region, clusterIdentifier, opts)).map((i) => i.DBInstanceIdentifier));
    for (let n = 1; n <= count; n++) {
      const id = `${clusterIdentifier}-${n}`;
      if (existing.has(id)) continue;
      const site: CallSite = { service: "RDS", api: "CreateDBInstance", region, resource: `instance ${id}`, mutating: true };
      try {
        await boundedCall(site, this.bound(opts), (abortSignal) =>
          this.rds(region).send(
            new CreateDBInstanceCommand({
              DBInstanceIdentifier: id,
              DBClusterIdentifier: clusterIdentifier,
              DBInstanceClass: instanceClass,
              Engine: "aurora-mysql",
            }),
            { abortSignal },
          ),
        );
      } catch (err) {
        // Created by an earlier attempt whose answer was lost: the instance is there, as wanted.
        // The API's code is DBInstanceAlreadyExists; SDK v3 names its exception DBInstanceAlreadyExistsFault.
        if (!["DBInstanceAlreadyExists", "DBInstanceAlreadyExistsFault"].includes(awsErrorCode(err) ?? "")) throw err;
      }
    }
  }

  async availableDbInstances(region: string, clusterIdentifier: string, opts?: CallOptions): Promise<number> {
    return (await this.instances(region, clusterIdentifier, opts)).filter((i) => i.DBInstanceStatus === "available").length;
  }
}
