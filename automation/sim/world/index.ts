/**
 * The two simulated Regions: state, the rules AWS enforces, and the processes that run on their own
 * (replication, node registration, health checks, DNS caches, the workload's writes).
 *
 * Time comes from the clock and nothing here sleeps: the world is evaluated lazily. Every public
 * method first `settle()`s, which applies the scheduled transitions (a failover completing, nodes
 * turning Ready, a health check flipping...) in time order up to `clock.now()`, recomputing the
 * derived state (pods ready, site serving, DNS answer) after each one. So the world never holds a
 * clock timer and never keeps a process alive, and continuous quantities (writes, replication
 * positions) are exact functions of time between transitions.
 *
 * Writes: while a site serves, its workload commits `dbWritesPerSecond` rows to its Aurora writer
 * and `fileWritesPerSecond` files to its EFS file system. Replication positions say which of them
 * reached the peer, so the data lost by a promotion is counted, not assumed (`dataLoss()`).
 *
 * Layout: `World` (this file) is the public API. It settles, then hands the call to the part that
 * owns the concern; it also owns what spans parts: the order of the recompute steps, the invariants,
 * and Region impairment and recovery. The parts share one `Core` (core.ts: tuning, site records,
 * impaired Regions, lookups); the README's Layout lists them.
 */
import type { Clock, DbCluster, EfsReplication, FailoverRecord, FileSystemProtection, GlobalCluster, NodeGroupScaling, NodeGroupState } from "../../ports";
import type { NodeGroupName } from "../../../stacks/config";
import type { LatencyModel } from "../latency";
import { AwsError } from "../errors";
import { LagMetric } from "./aurora-lag";
import { Aurora } from "./aurora";
import { Backups, type BackupResourceType, type SimCopyJob, type SimRecoveryPoint, type SimRestoreJob } from "./backups";
import { CallLog, type CallRecord } from "./calls";
import {
  type AwsService,
  bootstrapSite,
  Core,
  DEFAULT_TUNING,
  type ServingChain,
  type ServingSettings,
  serviceKey,
  type SiteNetwork,
  type WorkloadStores,
  type WorldSpec,
  type WorldTuning,
} from "./core";
import { Efs, type Side } from "./efs";
import { Eks } from "./eks";
import { describeSite, Inspect, type SiteSnapshot } from "./inspect";
import { RestoredFiles } from "./restored-files";
import { Route53 } from "./route53";
import { Schedule } from "./schedule";
import { Workload } from "./workload";
import { type DataLossRecord, Writes } from "./writes";
import { type SimVeleroObject, type SimVeleroRestore, type SimVeleroRestoreOutcome, VeleroBackups } from "./velero";

export { LAG_METRIC_PERIOD_MS } from "./aurora-lag";
export type { CallRecord } from "./calls";
export {
  AWS_SERVICES,
  type AwsService,
  DEFAULT_TUNING,
  type ServingChain,
  type ServingSettings,
  type SiteNames,
  type SiteNetwork,
  type WorkloadStores,
  type WorldDns,
  type WorldSiteSpec,
  type WorldSpec,
  type WorldTuning,
} from "./core";
export type { SiteSnapshot } from "./inspect";
export { ROUTE53 } from "./route53";
export { RESTORE_DIRECTORY_PREFIX } from "./restored-files";
export type { DataLossRecord } from "./writes";
export { scheduledBackupName, type SimVeleroObject, type SimVeleroRestore, type SimVeleroRestoreOutcome } from "./velero";
export {
  BACKUP_RESOURCE_TYPES,
  GIB,
  RESTORE_METADATA_KEYS,
  type BackupResourceType,
  type SimCopyJob,
  type SimRecoveryPoint,
  type SimRestoreJob,
} from "./backups";

export interface WorldOptions extends Partial<WorldTuning>, WorldSpec {
  clock: Clock;
  latency: LatencyModel;
  /** Draws of the backup model (its own stream, so backups change no other figure of a seed). @default latency */
  backupLatency?: LatencyModel;
  /** Draws of the Velero model (its own stream too). @default latency */
  veleroLatency?: LatencyModel;
}

export class World {
  readonly tuning: WorldTuning;
  private readonly clock: Clock;
  private readonly time: Schedule;
  private readonly core: Core;
  private readonly callLog: CallLog;
  private readonly writes: Writes;
  private readonly eks: Eks;
  private readonly aurora: Aurora;
  private readonly lagMetric: LagMetric;
  private readonly route53: Route53;
  private readonly efs: Efs;
  private readonly restoredFiles: RestoredFiles;
  private readonly workload: Workload;
  private readonly inspect: Inspect;
  private readonly backups: Backups | undefined;
  private readonly velero: VeleroBackups | undefined;

  constructor(opts: WorldOptions) {
    if (opts.sites.length !== 2) throw new Error(`the world models two sites, got ${opts.sites.length}`);
    this.clock = opts.clock;
    this.tuning = { ...DEFAULT_TUNING, ...Object.fromEntries(Object.entries(opts).filter(([k, v]) => k in DEFAULT_TUNING && v !== undefined)) };
    this.time = new Schedule(this.clock.now());
    this.core = new Core(this.clock, opts.latency, this.tuning, this.time, () => this.recompute());
    this.callLog = new CallLog(this.clock);
    this.writes = new Writes(this.core);
    this.eks = new Eks(this.core);
    const writers = opts.sites.filter((s) => s.db.writer);
    if (writers.length !== 1) throw new Error(`exactly one site's DB cluster must start as the writer, got ${writers.length}`);
    for (const spec of opts.sites) this.core.sites.push(bootstrapSite(spec));
    // Each part bootstraps its own state from the spec; the derived state comes after.
    this.aurora = new Aurora(this.core, this.writes, opts.globalClusterIdentifier, writers[0].stack);
    this.lagMetric = new LagMetric(this.core, this.aurora, this.writes);
    this.route53 = new Route53(this.core, opts.sites, opts.dns);
    this.restoredFiles = new RestoredFiles(this.core, this.writes);
    this.efs = new Efs(this.core, this.writes, opts.replication, opts.sites, this.restoredFiles);
    this.workload = new Workload(this.core, this.efs, this.writes, this.route53, this.restoredFiles, opts.dns?.hostname);
    this.inspect = new Inspect(this.core, this.efs, this.writes);
    // Recovery points: the active site's plan and its copies to the peer's vault; a completed
    // restore makes the restored cluster the target's writer, the restored file system its own.
    this.backups = opts.backups
      ? new Backups(
          this.core,
          opts.backups,
          () => this.aurora.writer(),
          (job, point, target) => {
            const from = this.core.siteOf(point.sourceStack);
            const created = job.createdResourceArn ?? "";
            if (job.resourceType === "Aurora") this.aurora.restoredAsWriter(target, from, point.createdAt, created);
            else this.efs.restoredInto(target, from, point.createdAt, created.split("/").at(-1)!);
          },
          opts.backupLatency,
        )
      : undefined;
    // Velero: the active site's schedule, S3 replication to the peer's bucket, each site's sync.
    this.velero = opts.velero ? new VeleroBackups(this.core, opts.velero, () => this.aurora.writer(), opts.veleroLatency ?? opts.latency) : undefined;
    // The standby secondary starts in sync; the active site starts serving with ready pods.
    this.workload.start();
    this.route53.start();
    this.recompute();
    // CloudWatch already holds the lag datapoints of the steady state before the start.
    this.lagMetric.sampleLagThrough(this.time.t);
  }

  // -------------------------------------------------------------------------------------------
  // Time

  /** The world's time (the clock's, once settled). */
  now(): number {
    this.settle();
    return this.time.t;
  }

  /** Applies every scheduled transition due by `clock.now()`, in time order. */
  settle(): void {
    this.time.settle(this.clock.now(), { observe: (until) => this.lagMetric.sampleLagThrough(until), recompute: () => this.recompute() });
  }

  /** Scheduled transitions not yet applied (label and time), for debugging drills. */
  pendingTransitions(): { at: number; label: string }[] {
    this.settle();
    return this.time.pending();
  }

  /**
   * Re-derives the state that follows from the rest, after every transition and every change. The
   * order is part of the model: each step sees what the steps before it decided (a frozen
   * replication point, a site that stopped serving), and transitions they schedule for the same
   * instant run in the order they were queued.
   */
  private recompute(): void {
    // Aurora first, with the write rate from before this transition.
    this.aurora.trackLinks();
    // Pods and serving; the workload's writes and the health checks follow serving.
    this.workload.trackSites();
    this.efs.runSyncCycles();
    // Route 53 last: its answer follows the health checks, users follow the answer.
    this.route53.trackAnswer();
    this.assertInvariants();
  }

  private assertInvariants(): void {
    this.aurora.assertInvariants();
    this.efs.assertInvariants();
  }

  // -------------------------------------------------------------------------------------------
  // AWS Backup (backups.ts)

  private backupPart(): Backups {
    if (!this.backups) throw new Error("the simulated world keeps no recovery points: the stacks export no backupVaultName");
    return this.backups;
  }

  listRecoveryPoints(region: string, vaultName: string): SimRecoveryPoint[] {
    this.settle();
    return this.backupPart().listRecoveryPoints(region, vaultName);
  }

  startRestoreJob(
    region: string,
    req: { recoveryPointArn: string; resourceType: BackupResourceType; metadata: Record<string, string>; iamRoleArn: string; idempotencyToken?: string },
  ): SimRestoreJob {
    this.settle();
    return this.backupPart().startRestoreJob(region, req);
  }

  describeRestoreJob(region: string, jobId: string): SimRestoreJob {
    this.settle();
    return this.backupPart().describeRestoreJob(region, jobId);
  }

  deleteRecoveryPoint(region: string, vaultName: string, arn: string): void {
    this.settle();
    this.backupPart().deleteRecoveryPoint(region, vaultName, arn);
  }

  /** Fault: the next `times` copy jobs fail. */
  failBackupCopies(times: number): void {
    this.settle();
    this.backupPart().failCopies(times);
  }

  /** Fault: the newest copied recovery point of `resourceType` is missing in `region`. */
  dropNewestBackupCopy(region: string, resourceType: BackupResourceType): void {
    this.settle();
    this.backupPart().dropNewestCopy(region, resourceType);
  }

  /** Fault: `stack`'s vault is locked in compliance mode with this minimum retention. */
  lockBackupVault(stack: string, minRetentionMs: number): void {
    this.settle();
    this.backupPart().lockVault(stack, minRetentionMs);
  }

  recoveryPoints(): SimRecoveryPoint[] {
    this.settle();
    return this.backupPart().recoveryPoints();
  }

  backupCopyJobs(): SimCopyJob[] {
    this.settle();
    return this.backupPart().copies();
  }

  restoreJobs(): SimRestoreJob[] {
    this.settle();
    return this.backupPart().restores();
  }

  /** What the stack's last `up` left in its Region's network (DB subnet groups, security groups, AZs). */
  setNetwork(stack: string, network: SiteNetwork): void {
    this.settle();
    this.core.siteOf(stack).network = { ...network };
  }

  // -------------------------------------------------------------------------------------------
  // Velero (velero.ts)

  private veleroPart(): VeleroBackups {
    if (!this.velero) throw new Error("the simulated world keeps no Velero backups: the stacks export no veleroBucketName");
    return this.velero;
  }

  /** S3: the backups in a Velero bucket (each velero-backup.json written by now). */
  listVeleroBackups(region: string, bucket: string): SimVeleroObject[] {
    this.settle();
    return this.veleroPart().listBackups(region, bucket);
  }

  /** When `stack`'s Velero synced `backupName` into a Backup object; undefined while it has not. */
  veleroSyncedAt(stack: string, backupName: string): number | undefined {
    this.settle();
    return this.veleroPart().syncedAt(stack, backupName);
  }

  /** A velero.io/v1 Restore created in `stack`'s cluster (by its up). */
  createVeleroRestore(stack: string, name: string, backupName: string): SimVeleroRestore {
    this.settle();
    return this.veleroPart().createRestore(stack, name, backupName);
  }

  /** The cluster's stack, as the Kubernetes API of `clusterName` in `region` answers for it (404 without one). */
  private kubernetesStack(region: string, clusterName: string): string {
    const site = this.core.siteInRegion(region);
    if (!site || site.cluster.status !== "ACTIVE" || site.names.clusterName !== clusterName)
      throw new AwsError("ResourceNotFoundException", `No cluster found for name: ${clusterName}.`, { status: 404 });
    return site.stack;
  }

  /** Kubernetes API: the velero.io/v1 Restore `name` in the cluster; undefined when there is none. */
  readVeleroRestore(region: string, clusterName: string, name: string): SimVeleroRestore | undefined {
    this.settle();
    return this.veleroPart().readRestore(this.kubernetesStack(region, clusterName), name);
  }

  /** A velero.io/v1 Restore deleted from `stack`'s cluster (by its up), its logs with it. */
  deleteVeleroRestore(stack: string, name: string): void {
    this.settle();
    this.veleroPart().deleteRestore(stack, name);
  }

  /** Kubernetes API: the Backup object `backupName` synced, the storage location's phase. */
  veleroRestoreReadiness(region: string, clusterName: string, backupName: string): { backupSynced: boolean; locationPhase?: string } {
    this.settle();
    return this.veleroPart().restoreReadiness(this.kubernetesStack(region, clusterName), backupName);
  }

  /** Fault: the next Velero Restores that pass validation end as given (PartiallyFailed, Failed), in order. */
  armVeleroRestoreOutcomes(outcomes: SimVeleroRestoreOutcome[]): void {
    this.settle();
    this.veleroPart().armRestoreOutcomes(outcomes);
  }

  /** Fault: the next `times` scheduled Velero backups end PartiallyFailed. */
  failVeleroBackupsPartially(times: number): void {
    this.settle();
    this.veleroPart().failNextBackupsPartially(times);
  }

  /** Fault: S3 replication of the next Velero backups lags `delayMs` behind. */
  delayVeleroReplication(delayMs: number): void {
    this.settle();
    this.veleroPart().delayReplication(delayMs);
  }

  veleroBackups(): SimVeleroObject[] {
    this.settle();
    return this.veleroPart().backups();
  }

  veleroRestores(): SimVeleroRestore[] {
    this.settle();
    return this.veleroPart().restoresMade();
  }

  get veleroSyncPeriodMs(): number {
    return this.veleroPart().syncPeriodMs;
  }

  // -------------------------------------------------------------------------------------------
  // Writes

  /** Writes of one kind committed on `stack` in (from, to]. */
  countWrites(stack: string, kind: "db" | "files", from: number, to: number): number {
    return this.writes.countWrites(stack, kind, from, to);
  }

  // -------------------------------------------------------------------------------------------
  // Regions

  isImpaired(region: string): boolean {
    this.settle();
    return this.core.impaired.has(region);
  }

  /** Route 53's control plane answers unless its Region (or it alone) is impaired. */
  isRoute53Impaired(): boolean {
    this.settle();
    return this.route53.controlPlaneImpaired();
  }

  /** Control-plane calls into `region` time out from `at` (default now) until `recoverRegion`. */
  impairRegion(region: string, at = this.clock.now()): void {
    this.settle();
    this.time.schedule(Math.max(at, this.time.t), `${region} impaired`, () => {
      this.core.impaired.add(region);
    });
    this.settle();
  }

  recoverRegion(region: string, at = this.clock.now()): void {
    this.settle();
    this.time.schedule(Math.max(at, this.time.t), `${region} recovered`, () => {
      if (!this.core.impaired.delete(region)) return;
      this.aurora.regionRecovered(region);
      this.efs.resumeDeletions();
    });
    this.settle();
  }

  /** `service`'s control plane in `region` answers (neither the Region nor the service alone is impaired). */
  serviceAnswers(region: string, service: AwsService): boolean {
    this.settle();
    return this.core.answers(region, service);
  }

  /**
   * A partial outage: only `service` in `region` stops answering from `at`; the Region's other
   * services go on. For EFS its replication stops too (the service runs it), and a deletion that
   * needs that side waits, as for a whole Region.
   */
  impairService(region: string, service: AwsService, at = this.clock.now()): void {
    this.settle();
    this.time.schedule(Math.max(at, this.time.t), `${region} ${service} impaired`, () => {
      this.core.impairedServices.add(serviceKey(region, service));
    });
    this.settle();
  }

  recoverService(region: string, service: AwsService, at = this.clock.now()): void {
    this.settle();
    this.time.schedule(Math.max(at, this.time.t), `${region} ${service} recovered`, () => {
      if (!this.core.impairedServices.delete(serviceKey(region, service))) return;
      if (service === "efs") this.efs.resumeDeletions();
    });
    this.settle();
  }

  // -------------------------------------------------------------------------------------------
  // Lookups

  /** The site's stack names, for iteration in tests. */
  stacks(): string[] {
    return this.core.sites.map((s) => s.stack);
  }

  regionOf(stack: string): string {
    return this.core.siteOf(stack).region;
  }

  // -------------------------------------------------------------------------------------------
  // EKS

  describeCluster(region: string, clusterName: string): { status: string } {
    this.settle();
    return this.eks.describeCluster(region, clusterName);
  }

  /** CreateCluster (a backup-only standby becoming a full site): ACTIVE after the control plane's creation; returns when. */
  createCluster(region: string, clusterName: string): number {
    this.settle();
    return this.eks.createCluster(region, clusterName);
  }

  /** CreateNodegroup in an existing cluster: its nodes Ready once it is created, after the control plane is ACTIVE; returns when. */
  createNodeGroup(region: string, clusterName: string, tier: NodeGroupName, nodeGroupName: string, scaling: NodeGroupScaling): number {
    this.settle();
    return this.eks.createNodeGroup(region, clusterName, tier, nodeGroupName, scaling);
  }

  /** A load balancer or health check a site's up created (a backup-only standby becoming a full site): the world routes to it by name. */
  siteCreated(stack: string, names: { albHostname?: string; healthCheckId?: string }): void {
    this.settle();
    const site = this.core.siteOf(stack);
    if (names.albHostname && !site.names.albHostname) site.names.albHostname = names.albHostname;
    if (names.healthCheckId && !site.names.healthCheckId) site.names.healthCheckId = names.healthCheckId;
    this.recompute();
  }

  /** Whether `tier`'s node group exists in the site of `region` (a backup-only standby has none until its up creates them). */
  hasNodeGroup(region: string, nodeGroupName: string): boolean {
    this.settle();
    return !!this.core.siteInRegion(region) && Object.values(this.core.siteInRegion(region)!.nodeGroups).some((n) => n.name !== "" && n.name === nodeGroupName);
  }

  describeNodeGroup(region: string, clusterName: string, nodeGroupName: string): NodeGroupState {
    this.settle();
    return this.eks.describeNodeGroup(region, clusterName, nodeGroupName);
  }

  /**
   * UpdateNodegroupConfig: accepted at once; new nodes turn Ready after the node provisioning
   * latency, and the group is UPDATING until then (a second update meanwhile is refused).
   * Returns when the update completes.
   */
  scaleNodeGroup(region: string, clusterName: string, nodeGroupName: string, scaling: NodeGroupScaling): number {
    this.settle();
    return this.eks.scaleNodeGroup(region, clusterName, nodeGroupName, scaling);
  }

  // -------------------------------------------------------------------------------------------
  // Aurora global database

  describeGlobalCluster(region: string, globalClusterIdentifier: string): GlobalCluster {
    this.settle();
    return this.aurora.describeGlobalCluster(region, globalClusterIdentifier);
  }

  describeDbCluster(region: string, clusterIdentifier: string): DbCluster {
    this.settle();
    return this.aurora.describeDbCluster(region, clusterIdentifier);
  }

  /** DescribeGlobalClusters for one identifier, or undefined (GlobalClusterNotFoundFault). */
  findGlobalCluster(region: string, globalClusterIdentifier: string): GlobalCluster | undefined {
    this.settle();
    return this.aurora.findGlobalCluster(region, globalClusterIdentifier);
  }

  /** CreateGlobalCluster from an existing cluster (SourceDBClusterIdentifier): it becomes the new global cluster's writer. */
  createGlobalCluster(region: string, globalClusterIdentifier: string, sourceClusterArn: string): void {
    this.settle();
    this.aurora.createGlobalCluster(region, globalClusterIdentifier, sourceClusterArn);
  }

  /** SwitchoverGlobalCluster: planned, no data loss; refused unless every member Region answers. */
  switchoverGlobalCluster(region: string, globalClusterIdentifier: string, targetClusterArn: string): number {
    this.settle();
    return this.aurora.switchoverGlobalCluster(region, globalClusterIdentifier, targetClusterArn);
  }

  /** FailoverGlobalCluster with AllowDataLoss: the target stops replicating now; later writes on the old primary are lost. */
  failoverGlobalCluster(region: string, globalClusterIdentifier: string, targetClusterArn: string): number {
    this.settle();
    return this.aurora.failoverGlobalCluster(region, globalClusterIdentifier, targetClusterArn);
  }

  /**
   * The Aurora lag metric as CloudWatch has it (GetMetricData, one-minute periods, Maximum): the
   * newest datapoint of the cluster's own series whose period starts within `lookbackMs` (CloudWatch
   * rounds the start time down to the minute), asked in the cluster's Region, the only one that
   * publishes it. Past datapoints stay readable after the cluster's role changes, as in CloudWatch.
   */
  auroraLag(region: string, clusterIdentifier: string, lookbackMs: number): { periodStart: number; maxMs: number } | undefined {
    this.settle();
    return this.lagMetric.auroraLag(region, clusterIdentifier, lookbackMs);
  }

  /** Sets a DB cluster's instance count; new instances take the instance-creation latency. Returns when done. */
  setDbInstances(stack: string, count: number): number {
    this.settle();
    return this.aurora.setDbInstances(stack, count);
  }

  // -------------------------------------------------------------------------------------------
  // EFS

  fileSystemProtection(region: string, fileSystemId: string): FileSystemProtection {
    this.settle();
    return this.efs.fileSystemProtection(region, fileSystemId);
  }

  /** DescribeReplicationConfigurations from `region`: the replication `fileSystemId` is part of there, if any. */
  describeReplication(region: string, fileSystemId: string): EfsReplication | undefined {
    this.settle();
    return this.efs.describeReplication(region, fileSystemId);
  }

  /**
   * CreateReplicationConfiguration into the peer's existing file system. Refused when either file
   * system is already in a replication, or the destination's overwrite protection is not DISABLED.
   * Returns when the first sync completes (status ENABLED).
   */
  createReplication(sourceStack: string, destStack: string, fileSystems?: { source: string; destination: string }): number {
    this.settle();
    const fs = fileSystems ?? { source: this.core.siteOf(sourceStack).names.fileSystemId, destination: this.core.siteOf(destStack).names.fileSystemId };
    return this.efs.createReplication(sourceStack, destStack, fs.source, fs.destination);
  }

  /**
   * DeleteReplicationConfiguration, called in `region` (the source's or the destination's). The
   * replication shows DELETING until it is gone, after the deletion latency; removing the
   * destination side makes that file system writable (protection ENABLED again). With
   * ALL_CONFIGURATIONS the other Region must answer: while it does not, the deletion stays
   * DELETING (use LOCAL_CONFIGURATION_ONLY). Returns when the deletion completes (Infinity while
   * it waits for an unreachable Region).
   */
  deleteReplication(region: string, sourceFileSystemId: string, mode: "ALL_CONFIGURATIONS" | "LOCAL_CONFIGURATION_ONLY"): number {
    this.settle();
    return this.efs.deleteReplication(region, sourceFileSystemId, mode);
  }

  /**
   * UpdateFileSystemProtection of one of the site's file systems (default: the one holding its
   * data); refused while the file system is a replication destination. `stack`: the site's stack or Region.
   */
  setFileSystemProtection(stack: string, protection: "ENABLED" | "DISABLED", fileSystemId?: string): void {
    this.settle();
    this.efs.setFileSystemProtection(stack, protection, fileSystemId);
  }

  // -------------------------------------------------------------------------------------------
  // Workload and data plane

  /** Deployment replicas by tier and the app's read-only mode, as the site's `up` applies them. */
  setWorkload(stack: string, replicas: { web: number; app: number } | undefined, readOnly = false, stores?: WorkloadStores): void {
    this.settle();
    this.workload.setWorkload(stack, replicas, readOnly, stores);
  }

  /** The file system the workload's volume names and the DB cluster its endpoints name. */
  setWorkloadStores(stack: string, stores: WorkloadStores): void {
    this.settle();
    this.workload.setWorkloadStores(stack, stores);
  }

  /** CreateMountTarget for a file system of `region` in its site's VPC; refused for a file system that does not exist there. */
  addMountTarget(region: string, fileSystemId: string): void {
    this.settle();
    this.workload.addMountTarget(region, fileSystemId, 1);
  }

  /** DeleteMountTarget. */
  removeMountTarget(region: string, fileSystemId: string): void {
    this.settle();
    this.workload.addMountTarget(region, fileSystemId, -1);
  }

  /** The recovery directories (`aws-backup-restore_<datetime>`) off the root of a file system: where a restore put its files. */
  restoreDirectories(fileSystemId: string): string[] {
    this.settle();
    return this.restoredFiles.directories(fileSystemId);
  }

  /**
   * A Kubernetes Job of `stack` that moves the files of the recovery directory of `fileSystemId` to
   * its root is created, its pod landing on `tier`'s nodes. Returns when it completes; throws (the
   * Job fails) when the root holds more than one recovery directory or no node will run the pod.
   */
  startRestoredFilesMove(stack: string, fileSystemId: string, tier: NodeGroupName): number {
    this.settle();
    return this.restoredFiles.startMove(stack, fileSystemId, tier);
  }

  /** How many move Jobs ran on a file system. */
  restoredFilesMoves(fileSystemId: string): number {
    this.settle();
    return this.restoredFiles.movesOf(fileSystemId);
  }

  /** Whether the site's app Deployment depends on a move Job (so its pods wait for the move). */
  setAppAfterRestoredFilesMove(stack: string, after: boolean): void {
    this.settle();
    this.restoredFiles.setAppAfterMove(stack, after);
  }

  /** DescribeFileSystems / DescribeDBClusters by id in `region`: whether it exists (own or restored there). */
  storeExists(region: string, kind: "fileSystem" | "dbCluster" | "globalCluster", id: string): boolean {
    this.settle();
    if (kind === "globalCluster") return this.aurora.findGlobalCluster(region, id) !== undefined;
    const site = this.core.siteInRegion(region);
    return !!site && (kind === "fileSystem" ? id in site.fileSystems : site.dbClusters.includes(id));
  }

  /** The readiness probes and ALB target health check an `up` left on the site's workload (pods started after this use them). */
  setServingSettings(stack: string, settings: ServingSettings | undefined): void {
    this.settle();
    this.workload.setServingSettings(stack, settings);
  }

  /** A direct write to the site's DB (besides its workload's traffic); refused on a secondary. */
  writeDb(stack: string, rows = 1): void {
    this.settle();
    this.workload.writeDb(stack, rows);
  }

  /** A direct file write to the site's EFS file system; refused while it is read-only. */
  writeFiles(stack: string, files = 1): void {
    this.settle();
    this.workload.writeFiles(stack, files);
  }

  /** HTTP GET of a site's endpoint URL: true when that site serves. */
  /** `serverName`: the TLS server name an HTTPS probe presents (the application hostname). */
  endpointServes(url: string, serverName?: string): boolean {
    this.settle();
    return this.workload.endpointServes(url, serverName);
  }

  /** The Region an endpoint URL lives in, if it is a site's. */
  endpointRegion(url: string): string | undefined {
    return this.workload.endpointRegion(url);
  }

  // -------------------------------------------------------------------------------------------
  // Route 53

  getFailoverRecords(hostedZoneId: string, hostname: string): FailoverRecord[] {
    this.settle();
    return this.route53.getFailoverRecords(hostedZoneId, hostname);
  }

  /** One atomic change batch: `primarySetIdentifier` PRIMARY (with `primaryHealthCheckId`, else its own check), every other record SECONDARY keeping its own. */
  setPrimaryRecord(hostedZoneId: string, hostname: string, primarySetIdentifier: string, primaryHealthCheckId?: string): void {
    this.settle();
    this.route53.setPrimaryRecord(hostedZoneId, hostname, primarySetIdentifier, primaryHealthCheckId);
  }

  /**
   * UPSERT of one site's record (what its `up` does): CNAME to the site's ALB with its health check
   * (`withHealthCheck: false` to leave it out). Refused if it would make a second PRIMARY, or a
   * PRIMARY without health check.
   */
  upsertRecord(stack: string, failover: "PRIMARY" | "SECONDARY", opts: { withHealthCheck?: boolean } = {}): void {
    this.settle();
    this.route53.upsertRecord(stack, failover, opts);
  }

  healthCheckStatus(healthCheckId: string): "healthy" | "unhealthy" {
    this.settle();
    return this.route53.healthCheckStatus(healthCheckId);
  }

  // -------------------------------------------------------------------------------------------
  // Call log (every call that reached a simulated service)

  recordCall(rec: Omit<CallRecord, "at">): void {
    this.callLog.recordCall(rec);
  }

  /** Every recorded call, oldest first. */
  calls(filter: { api?: string; method?: string; origin?: string } = {}): CallRecord[] {
    return this.callLog.calls(filter);
  }

  /** Side-effecting calls that succeeded; `name` matches the API name or the CloudPort method. */
  sideEffects(name?: string): CallRecord[] {
    return this.callLog.sideEffects(name);
  }

  // -------------------------------------------------------------------------------------------
  // Inspection for tests and drill reports

  site(stackOrRegion: string): SiteSnapshot {
    this.settle();
    return this.inspect.site(stackOrRegion);
  }

  /** The global cluster as DescribeGlobalClusters shows it. */
  globalCluster(): GlobalCluster {
    this.settle();
    return this.aurora.globalView();
  }

  /** Stack whose cluster is the global cluster's writer. */
  writer(): string {
    this.settle();
    return this.aurora.writer();
  }

  /** Every replication with the sides that still exist. */
  replicationsNow(): (EfsReplication & { sourceStack: string; destStack: string; sides: Side[] })[] {
    this.settle();
    return this.efs.replicationsNow();
  }

  /** What Route 53 answers now (setIdentifier of the record), and what clients resolve (after their TTL). */
  dns(): { answer?: string; clients?: string; answerLog: { at: number; setIdentifier?: string }[]; clientsLog: { at: number; setIdentifier?: string }[] } {
    this.settle();
    return this.route53.dns();
  }

  /** When the site started and stopped serving. */
  servingLog(stack: string): { at: number; serving: boolean }[] {
    this.settle();
    return this.workload.servingLog(stack);
  }

  /** When the site's Route 53 health check turned healthy or unhealthy (the status its reads return from then on). */
  healthCheckLog(stack: string): { at: number; healthy: boolean }[] {
    this.settle();
    return this.route53.healthCheckLog(stack);
  }

  /** The site's current path from nodes Ready to a healthy ALB target, link by link (virtual ms). */
  servingChain(stack: string): ServingChain {
    this.settle();
    return this.workload.servingChain(stack);
  }

  /**
   * Whether users reach a serving site through DNS now, and the intervals they did not; with
   * `reads`, whether they can read (a site in read-only mode serves reads and takes no writes).
   */
  userView(what: "all" | "reads" = "all"): { up: boolean; outages: { from: number; to?: number; durationMs: number }[] } {
    this.settle();
    return this.route53.userView(what);
  }

  /** One record per promotion: what the new writer / writable file system did not receive. */
  dataLoss(): DataLossRecord[] {
    this.settle();
    return this.writes.dataLoss();
  }

  /** A one-line summary per site, for drill output. */
  describe(): string[] {
    this.settle();
    return this.core.sites.map((s) => describeSite(this.site(s.stack)));
  }
}
