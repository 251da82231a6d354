/**
 * Aurora global database: the global cluster and its members, switchover and failover, DB instance
 * counts, and each secondary's replication position. A secondary trails the writer by a lag that
 * grows with write traffic, and its position freezes while its link to the writer is down (or from
 * the moment a failover detaches it), so a promotion's data loss follows from the positions
 * (writes.ts counts it). Which site's cluster writes lives here; `SiteRec.db` holds each cluster.
 *
 * After an unplanned failover (AllowDataLoss) the old primary is rebuilt (Aurora User Guide, "Using
 * switchover or failover in Amazon Aurora Global Database": once its Region is available again
 * Aurora "automatically adds it back to the global cluster as a secondary Region", creating "a new
 * storage volume"; the rebuild "can take a few minutes to several hours", after which the clusters
 * "become available for read access"). Meanwhile its member reports SynchronizationStatus
 * "pending-resync" (GlobalClusterMember: connected | pending-resync), it replicates nothing, and
 * instance changes and promotions are refused with InvalidDBClusterStateFault, the error RDS
 * documents for CreateDBInstance, ModifyDBInstance and DeleteDBInstance when "the requested
 * operation can't be performed while the cluster is in this state". What DescribeDBClusters says
 * of the cluster meanwhile is not documented; it keeps "available" here, so a driver that only
 * looked at it would be caught.
 *
 * A DB cluster restored from a recovery point is standalone (RestoreDBClusterFromSnapshot creates a
 * cluster outside any global database): the global cluster the pair had is left as it was (its
 * writer and secondary clusters keep their roles; the driver no longer acts on it, DescribeGlobalClusters
 * still shows it as it was then), and nothing replicates from the restored cluster until
 * CreateGlobalCluster names it as the source of a new global cluster, which it then writes.
 */
import type { DbCluster, GlobalCluster } from "../../ports";
import { AwsError } from "../errors";
import { type Core, Part, type SiteRec } from "./core";
import type { Writes } from "./writes";

/** CreateGlobalCluster's `GlobalClusterIdentifier`: "[A-Za-z][0-9A-Za-z-:._]*", 1 to 255 characters (RDS API reference, CreateGlobalCluster). */
const GLOBAL_CLUSTER_IDENTIFIER = /^[A-Za-z][0-9A-Za-z\-:._]{0,254}$/;

interface GlobalRec {
  /** "" while the writer's cluster is in no global cluster (a restored cluster, until CreateGlobalCluster). */
  identifier: string;
  members: string[];
  writer: string;
  status: "available" | "switching-over" | "failing-over";
  failoverState?: GlobalCluster["failoverState"];
  gen: number;
}

export class Aurora extends Part {
  /** The global cluster of the cluster that holds the pair's data now (the writer's). */
  private global: GlobalRec;
  /** Global clusters left behind by a restore, as DescribeGlobalClusters showed them then. */
  private readonly leftBehind = new Map<string, GlobalCluster>();

  constructor(
    core: Core,
    private readonly writes: Writes,
    globalClusterIdentifier: string,
    writerStack: string,
  ) {
    super(core);
    this.global = {
      identifier: globalClusterIdentifier,
      members: this.sites.filter((s) => s.dbClusters.length > 0).map((s) => s.stack),
      writer: writerStack,
      status: "available",
      gen: 0,
    };
  }

  /** Stack whose cluster is the global cluster's writer. */
  writer(): string {
    return this.global.writer;
  }

  /** Recompute step: a secondary's replication point freezes while its link to the writer is down. */
  trackLinks(): void {
    const writer = this.siteOf(this.global.writer);
    for (const site of this.sites) {
      if (site.stack === writer.stack || site.db.role === "writer" || site.db.status === "failing-over" || site.db.rebuilding) continue;
      if (!this.global.members.includes(site.stack)) continue; // no cluster of its own (a backup-only standby): nothing replicates to it
      const linkUp = !this.impaired.has(site.region) && !this.impaired.has(writer.region);
      if (!linkUp && site.db.frozenAt === undefined) site.db.frozenAt = this.liveReplicatedPoint();
      if (linkUp && site.db.frozenAt !== undefined) site.db.frozenAt = undefined; // caught up (modelled as instant)
    }
  }

  /** One writer at a time in the global cluster (an old primary awaiting demotion does not count). */
  assertInvariants(): void {
    const writers = this.sites.filter((s) => this.global.members.includes(s.stack) && s.db.role === "writer" && !s.db.pendingDemotion);
    if (writers.length > 1) throw new Error(`sim invariant broken: two writers (${writers.map((s) => s.stack).join(", ")})`);
  }

  /** `region` answers again. */
  regionRecovered(region: string): void {
    for (const site of this.sites) {
      if (site.region !== region || !site.db.pendingDemotion) continue;
      // Aurora adds the old primary back as a secondary when its Region is back; its unreplicated writes are gone.
      site.db.pendingDemotion = false;
      this.rebuild(site);
    }
  }

  /** The old primary of an unplanned failover becomes a secondary on a new storage volume, after the rebuild latency. */
  private rebuild(site: SiteRec): void {
    site.db.role = "secondary";
    site.db.frozenAt = undefined;
    site.db.rebuilding = true;
    this.schedule(this.t + this.latency.sample("aurora-rebuild"), `${site.stack}: DB cluster rebuilt as a secondary`, () => {
      site.db.rebuilding = false;
    });
  }

  /** Refuses instance changes and promotions while the cluster is being rebuilt. */
  private requireNotRebuilding(site: SiteRec, what: string): void {
    if (!site.db.rebuilding) return;
    throw new AwsError(
      "InvalidDBClusterStateFault",
      `The requested operation can't be performed while the cluster is in this state: ${what} of DB cluster ${site.names.dbClusterIdentifier}, ` +
        `which Aurora is rebuilding as a secondary of the global cluster (SynchronizationStatus pending-resync).`,
    );
  }

  /** Cross-Region lag now: the base lag, plus `auroraLagMsPerWritePerSecond` per write/s while the writer serves. */
  lagMs(): number {
    const writer = this.siteOf(this.global.writer);
    const rate = writer.serving ? this.tuning.dbWritesPerSecond : 0;
    return this.tuning.auroraBaseLagMs + rate * this.tuning.auroraLagMsPerWritePerSecond;
  }

  private liveReplicatedPoint(): number {
    return this.t - this.lagMs();
  }

  /** Everything written on the writer before this time has reached `stack`'s secondary cluster. */
  private replicatedUpTo(site: SiteRec): number {
    return site.db.frozenAt ?? this.liveReplicatedPoint();
  }

  /** The global cluster as DescribeGlobalClusters shows it. */
  globalView(): GlobalCluster {
    return {
      identifier: this.global.identifier,
      status: this.global.status,
      members: this.sites
        .filter((s) => this.global.members.includes(s.stack))
        .map((s) => ({
          clusterArn: s.names.dbClusterArn,
          region: s.region,
          isWriter: s.stack === this.global.writer,
          synchronizationStatus: s.db.rebuilding ? ("pending-resync" as const) : ("connected" as const),
        })),
      failoverState: this.global.failoverState && { ...this.global.failoverState },
    };
  }

  describeGlobalCluster(region: string, globalClusterIdentifier: string): GlobalCluster {
    const found = this.findGlobalCluster(region, globalClusterIdentifier);
    if (!found) throw new AwsError("GlobalClusterNotFoundFault", `Global cluster ${globalClusterIdentifier} not found.`, { status: 404 });
    return found;
  }

  /** DescribeGlobalClusters for one identifier (identifiers are stored lowercase), or undefined. */
  findGlobalCluster(_region: string, globalClusterIdentifier: string): GlobalCluster | undefined {
    const id = globalClusterIdentifier.toLowerCase();
    if (this.global.identifier !== "" && id === this.global.identifier) return this.globalView();
    const old = this.leftBehind.get(id);
    return old && structuredClone(old);
  }

  /** Whether `stack`'s cluster is in the global cluster of the pair's data (false for a standalone restored cluster). */
  inGlobalCluster(stack: string): boolean {
    return this.global.identifier !== "" && this.global.members.includes(stack);
  }

  /**
   * CreateGlobalCluster with SourceDBClusterIdentifier: the existing cluster becomes the primary of a
   * new global cluster (RDS API reference, CreateGlobalCluster; Aurora User Guide, "Creating an Amazon
   * Aurora global database from an Aurora or Amazon RDS snapshot": the restored cluster becomes the
   * primary). Refused as RDS documents: an identifier already used (GlobalClusterAlreadyExistsFault),
   * a source that is not a cluster in the call's Region (DBClusterNotFoundFault), one that is not
   * available or is already in a global cluster (InvalidDBClusterStateFault).
   */
  createGlobalCluster(region: string, globalClusterIdentifier: string, sourceClusterArn: string): void {
    if (!GLOBAL_CLUSTER_IDENTIFIER.test(globalClusterIdentifier)) {
      throw new AwsError(
        "InvalidParameterValue",
        `GlobalClusterIdentifier "${globalClusterIdentifier}" must match [A-Za-z][0-9A-Za-z-:._]* (1-255 characters)`,
      );
    }
    const id = globalClusterIdentifier.toLowerCase();
    if ((this.global.identifier !== "" && this.global.identifier === id) || this.leftBehind.has(id)) {
      throw new AwsError("GlobalClusterAlreadyExistsFault", `Global cluster ${id} already exists`, { status: 400 });
    }
    const site = this.sites.find((s) => s.region === region && s.names.dbClusterArn === sourceClusterArn && s.dbClusters.length > 0);
    if (!site) throw new AwsError("DBClusterNotFoundFault", `DBCluster ${sourceClusterArn} not found.`, { status: 404 });
    if (this.inGlobalCluster(site.stack) || site.stack !== this.global.writer) {
      throw new AwsError(
        "InvalidDBClusterStateFault",
        `DB cluster ${site.names.dbClusterIdentifier} is already a member of global cluster ${this.global.identifier || "(another)"}`,
      );
    }
    if (site.db.status !== "available") {
      throw new AwsError("InvalidDBClusterStateFault", `DB cluster ${site.names.dbClusterIdentifier} is ${site.db.status}, not available`);
    }
    this.global.identifier = id;
    this.global.status = "available";
  }

  describeDbCluster(region: string, clusterIdentifier: string): DbCluster {
    const site = this.siteInRegion(region);
    if (!site || site.names.dbClusterIdentifier !== clusterIdentifier) {
      throw new AwsError("DBClusterNotFoundFault", `DBCluster ${clusterIdentifier} not found.`, { status: 404 });
    }
    // Adding an instance leaves the cluster "available" (the instance itself is "creating").
    const status = site.db.status;
    return { identifier: clusterIdentifier, arn: site.names.dbClusterArn, status, instanceCount: site.db.instanceCount };
  }

  private requireGlobal(id: string): void {
    if (this.global.identifier === "" || id.toLowerCase() !== this.global.identifier) {
      // A global cluster a restore left behind exists, but none of its clusters holds the pair's data any more.
      if (this.leftBehind.has(id.toLowerCase())) {
        throw new AwsError("InvalidGlobalClusterStateFault", `global cluster ${id}: the simulation does not act on a global cluster a restore left behind`);
      }
      throw new AwsError("GlobalClusterNotFoundFault", `Global cluster ${id} not found.`, { status: 404 });
    }
  }

  private promotionTarget(globalClusterIdentifier: string, targetClusterArn: string): SiteRec {
    this.requireGlobal(globalClusterIdentifier);
    const target = this.sites.find((s) => s.names.dbClusterArn === targetClusterArn);
    if (!target) throw new AwsError("DBClusterNotFoundFault", `DBCluster ${targetClusterArn} not found.`, { status: 404 });
    if (!this.global.members.includes(target.stack) || target.stack === this.global.writer) {
      throw new AwsError(
        "InvalidGlobalClusterStateFault",
        `${targetClusterArn} is not a secondary member of global cluster ${globalClusterIdentifier}` +
          (target.stack === this.global.writer ? " (it is the primary)" : ""),
      );
    }
    if (this.global.failoverState) {
      throw new AwsError(
        "InvalidGlobalClusterStateFault",
        `global cluster ${globalClusterIdentifier} already has a ${this.global.status} operation in progress`,
      );
    }
    this.requireNotRebuilding(target, "a promotion");
    if (target.db.instanceCount === 0) {
      throw new AwsError(
        "InvalidDBClusterStateFault",
        `DB cluster ${target.names.dbClusterIdentifier} has no DB instances (headless); add an instance before promoting it` +
          (target.db.creating > 0 ? " (one is being created)" : ""),
      );
    }
    return target;
  }

  switchoverGlobalCluster(region: string, globalClusterIdentifier: string, targetClusterArn: string): number {
    const target = this.promotionTarget(globalClusterIdentifier, targetClusterArn);
    const down = this.sites.filter((s) => this.global.members.includes(s.stack) && this.impaired.has(s.region));
    if (down.length > 0) {
      throw new AwsError(
        "InvalidGlobalClusterStateFault",
        `switchover needs every Region of the global cluster healthy; ${down.map((s) => s.region).join(", ")} is not. Use FailoverGlobalCluster with AllowDataLoss for an unplanned failover`,
      );
    }
    // Like AWS (the Aurora User Guide's procedure): a switchover is sent to the current primary's Region.
    const writerRegion = this.siteOf(this.global.writer).region;
    if (region !== writerRegion) {
      throw new AwsError(
        "InvalidParameterValue",
        `SwitchoverGlobalCluster for ${globalClusterIdentifier} must be sent to ${writerRegion}, the Region of the current primary, not ${region}`,
      );
    }
    return this.startPromotion(target, false);
  }

  failoverGlobalCluster(region: string, globalClusterIdentifier: string, targetClusterArn: string): number {
    const target = this.promotionTarget(globalClusterIdentifier, targetClusterArn);
    if (this.impaired.has(target.region)) {
      throw new AwsError("InvalidDBClusterStateFault", `target cluster ${target.names.dbClusterIdentifier} is in ${target.region}, which is not reachable`);
    }
    // A failover is sent to the Region of the secondary being promoted (the primary's may be down).
    if (region !== target.region) {
      throw new AwsError(
        "InvalidParameterValue",
        `FailoverGlobalCluster to ${targetClusterArn} must be sent to ${target.region}, the target's Region, not ${region}`,
      );
    }
    return this.startPromotion(target, true);
  }

  private startPromotion(target: SiteRec, allowDataLoss: boolean): number {
    const from = this.siteOf(this.global.writer);
    const duration = this.latency.sample(allowDataLoss ? "aurora-failover" : "aurora-switchover");
    const gen = ++this.global.gen;
    this.global.status = allowDataLoss ? "failing-over" : "switching-over";
    this.global.failoverState = {
      status: "pending",
      fromClusterArn: from.names.dbClusterArn,
      toClusterArn: target.names.dbClusterArn,
      isDataLossAllowed: allowDataLoss,
    };
    let detachedAt: number | undefined;
    if (allowDataLoss) {
      detachedAt = this.replicatedUpTo(target);
      target.db.frozenAt = detachedAt;
      target.db.status = "failing-over";
    }
    const roleChangeMs = Math.min(30_000, Math.round(duration / 10));
    this.schedule(this.t + roleChangeMs, "global cluster: failing-over", () => {
      if (gen === this.global.gen && this.global.failoverState?.status === "pending") this.global.failoverState.status = "failing-over";
    });
    // A switchover's old primary is unavailable while it assumes its new role, at the end (how long
    // is not documented; an estimate as long as the start of the switch above).
    if (!allowDataLoss) {
      this.schedule(this.t + duration - roleChangeMs, `${from.stack}: assuming its new role`, () => {
        if (gen === this.global.gen) from.db.assumingRole = true;
      });
    }
    return this.schedule(this.t + duration, `${target.stack} becomes the writer`, () => {
      from.db.assumingRole = false;
      if (gen !== this.global.gen) return;
      if (!allowDataLoss && this.sites.some((s) => this.impaired.has(s.region))) {
        // A Region went away mid-switchover: Aurora rolls back to the previous topology.
        this.global.failoverState = { ...(this.global.failoverState as NonNullable<GlobalCluster["failoverState"]>), status: "cancelling" };
        this.schedule(this.t + 30_000, "global cluster: switchover cancelled", () => {
          if (gen !== this.global.gen) return;
          this.global.failoverState = undefined;
          this.global.status = "available";
        });
        return;
      }
      if (allowDataLoss) this.writes.recordLoss("aurora", "failover", from, target, detachedAt as number);
      else this.writes.recordLoss("aurora", "switchover", from, target, this.t); // synchronized first: nothing lost
      this.global.writer = target.stack;
      this.global.status = "available";
      this.global.failoverState = undefined;
      target.db.role = "writer";
      target.db.status = "available";
      target.db.frozenAt = undefined;
      if (this.impaired.has(from.region)) {
        from.db.pendingDemotion = true;
      } else if (allowDataLoss) {
        this.rebuild(from);
      } else {
        from.db.role = "secondary";
        from.db.frozenAt = undefined;
      }
    });
  }

  /**
   * A DB cluster restored from a recovery point of `from`'s data, taken at `pointAt`, becomes
   * `target`'s writer: a new standalone cluster, with no instance yet (AWS Backup creates none).
   * Every write `from` made after the point is lost to it. The global cluster the pair had is left
   * as it was: its writer stays its writer, its secondaries replicate nothing new (the data the
   * pair serves is the restored cluster's).
   */
  restoredAsWriter(target: SiteRec, from: SiteRec, pointAt: number, clusterArn: string): void {
    this.writes.recordLoss("aurora", "restore", from, target, pointAt);
    if (this.global.identifier !== "") this.leftBehind.set(this.global.identifier, structuredClone(this.globalView()));
    for (const site of this.sites) {
      if (site !== target && this.global.members.includes(site.stack) && site.db.role !== "writer" && site.db.frozenAt === undefined)
        site.db.frozenAt = this.liveReplicatedPoint();
    }
    // The site's data is in the restored cluster now; the one it had stays as it was, beside it.
    const identifier = clusterArn.split(":cluster:").at(-1)!;
    if (!target.dbClusters.includes(identifier)) target.dbClusters.push(identifier);
    target.names.dbClusterIdentifier = identifier;
    target.names.dbClusterArn = clusterArn;
    this.global = { identifier: "", members: [target.stack], writer: target.stack, status: "available", gen: this.global.gen + 1 };
    target.db.role = "writer";
    target.db.status = "available";
    target.db.frozenAt = undefined;
    target.db.pendingDemotion = false;
    target.db.rebuilding = false;
    target.db.instanceCount = 0;
    target.db.creating = 0;
  }

  setDbInstances(stack: string, count: number): number {
    const site = this.siteOf(stack);
    if (!Number.isInteger(count) || count < 0) throw new AwsError("InvalidParameterValue", `instance count ${count} is not a whole number >= 0`);
    if (count !== site.db.instanceCount + site.db.creating) this.requireNotRebuilding(site, "adding or deleting instances");
    if (count === 0 && site.db.role === "writer") {
      throw new AwsError(
        "InvalidDBClusterStateFault",
        `cannot delete the last instance of ${site.names.dbClusterIdentifier}: it is the global cluster's writer`,
      );
    }
    const total = site.db.instanceCount + site.db.creating;
    if (count < total) {
      const fromCreating = Math.min(site.db.creating, total - count);
      site.db.creating -= fromCreating;
      site.db.instanceCount -= total - count - fromCreating;
      return this.t;
    }
    if (count === total) return this.t;
    const adding = count - total;
    site.db.creating += adding;
    return this.schedule(this.t + this.latency.sample("aurora-headless-instance"), `${stack}: ${adding} DB instance(s) available`, () => {
      const n = Math.min(adding, site.db.creating);
      site.db.creating -= n;
      site.db.instanceCount += n;
    });
  }
}
