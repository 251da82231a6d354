import { expect } from "chai";
import { GLOBAL_CLUSTER_ID, MIN, SEC, headless, rejection, sim, until } from "./helpers";

const ZONE = "Z0EXAMPLE00000000000";
const HOST = "app.example.com";

describe("sim: world", () => {
  describe("starts from the project's stack files", () => {
    it("primary active and serving, dr a pilot-light standby receiving replication", async () => {
      const { world } = await sim();
      const p = world.site("primary");
      const d = world.site("dr");
      expect(p).to.deep.include({ region: "us-east-1", serving: true, podsReady: true });
      expect(p.db).to.include({ role: "writer", instanceCount: 2 });
      expect(p.fs).to.include({ protection: "ENABLED", writable: true });
      expect(p.nodeGroups.web).to.include({ desiredSize: 3, readyNodes: 3, status: "ACTIVE" });
      expect(d).to.deep.include({ region: "us-west-2", serving: false });
      expect(d.db).to.include({ role: "secondary", instanceCount: 1 });
      expect(d.fs).to.include({ protection: "REPLICATING", writable: false });
      expect(d.nodeGroups.web).to.include({ desiredSize: 0, readyNodes: 0 });
      expect(d.nodeGroups.system).to.include({ desiredSize: 2, readyNodes: 2 });
      expect(world.replicationsNow()).to.have.length(1);
      expect(world.replicationsNow()[0]).to.include({ sourceStack: "primary", destStack: "dr", status: "ENABLED" });
      expect(world.writer()).to.equal("primary");
      expect(world.dns()).to.include({ answer: "primary", clients: "primary" });
      expect(world.userView().up).to.equal(true);
    });

    it("takes writes on the active site, and replication follows them", async () => {
      const s = await sim();
      const before = s.world.site("primary").writes;
      expect(before.db).to.equal(20 * 3600); // an hour of history: an incident at the start already loses writes
      await s.clock.sleep(10 * MIN);
      const p = s.world.site("primary");
      expect(p.writes.db - before.db).to.equal(20 * 600);
      expect(p.writes.files - before.files).to.equal(2 * 600);
      const lag = await s.cloud.cloudWatch.auroraLag("us-west-2", s.world.site("dr").db.identifier);
      expect(lag).to.include({ metric: "AuroraGlobalDBRPOLag", maxMs: 100 + 20 * 10, periodMs: MIN }); // base lag + lag per write/s at 20 writes/s
      expect(s.clock.now() - lag!.periodStart).to.be.within(0, MIN); // the minute under way
      const r = await s.cloud.efs.describeReplication("us-east-1", p.fs.id);
      expect(r!.lastReplicatedAt).to.be.greaterThan(s.clock.now() - 15 * MIN);
    });
  });

  describe("rejects what AWS rejects", () => {
    it("a switchover while a Region is impaired", async () => {
      const s = await sim();
      s.faults.impairRegion("primary");
      const err = await rejection(
        () => s.world.switchoverGlobalCluster("us-east-1", GLOBAL_CLUSTER_ID, s.world.site("dr").db.arn),
        "InvalidGlobalClusterStateFault",
      );
      expect(err.message).to.match(/us-east-1/);
      expect(s.world.globalCluster().failoverState).to.equal(undefined);
    });

    it("a switchover or failover sent to the wrong Region", async () => {
      const s = await sim();
      const dr = s.world.site("dr").db.arn;
      // Switchover goes to the current primary's Region; failover to the promoted secondary's.
      const a = await rejection(() => s.world.switchoverGlobalCluster("us-west-2", GLOBAL_CLUSTER_ID, dr), "InvalidParameterValue");
      expect(a.message).to.match(/must be sent to us-east-1/);
      const b = await rejection(() => s.world.failoverGlobalCluster("us-east-1", GLOBAL_CLUSTER_ID, dr), "InvalidParameterValue");
      expect(b.message).to.match(/must be sent to us-west-2/);
      expect(s.world.globalCluster().failoverState).to.equal(undefined);
    });

    it("a failover to a cluster that is not a secondary member", async () => {
      const s = await sim();
      await rejection(() => s.world.failoverGlobalCluster("us-east-1", GLOBAL_CLUSTER_ID, s.world.site("primary").db.arn), "InvalidGlobalClusterStateFault");
      await rejection(
        () => s.world.failoverGlobalCluster("us-east-1", GLOBAL_CLUSTER_ID, "arn:aws:rds:eu-west-1:123456789012:cluster:other"),
        "DBClusterNotFoundFault",
      );
      await rejection(() => s.world.failoverGlobalCluster("us-east-1", "nope", s.world.site("dr").db.arn), "GlobalClusterNotFoundFault");
    });

    it("promoting a headless secondary, until it has an instance", async () => {
      const s = await sim({ configs: headless() });
      expect(s.world.site("dr").db.instanceCount).to.equal(0);
      const arn = s.world.site("dr").db.arn;
      const err = await rejection(() => s.world.failoverGlobalCluster("us-west-2", GLOBAL_CLUSTER_ID, arn), "InvalidDBClusterStateFault");
      expect(err.message).to.match(/headless/);
      await rejection(() => s.world.switchoverGlobalCluster("us-east-1", GLOBAL_CLUSTER_ID, arn), "InvalidDBClusterStateFault");
      const ready = s.world.setDbInstances("dr", 1);
      expect(ready - s.clock.now()).to.be.within(5 * MIN, 15 * MIN);
      await s.clock.sleep(ready - s.clock.now());
      expect(s.world.site("dr").db.instanceCount).to.equal(1);
      s.world.failoverGlobalCluster("us-west-2", GLOBAL_CLUSTER_ID, arn);
    });

    it("two writers: a second promotion while one is under way; a writer never coexists with another", async () => {
      const s = await sim();
      const arn = s.world.site("dr").db.arn;
      s.faults.impairRegion("primary");
      s.world.failoverGlobalCluster("us-west-2", GLOBAL_CLUSTER_ID, arn);
      await rejection(() => s.world.failoverGlobalCluster("us-west-2", GLOBAL_CLUSTER_ID, arn), "InvalidGlobalClusterStateFault");
      await until(s.clock, () => s.world.writer() === "dr");
      // The old primary kept the writer role in its unreachable Region; it is demoted when it is back.
      expect(s.world.site("primary").db).to.include({ role: "writer", pendingDemotion: true });
      s.faults.recoverRegion("primary");
      expect(s.world.site("primary").db).to.include({ role: "secondary", pendingDemotion: false });
      expect(s.world.globalCluster().members.filter((m) => m.isWriter)).to.have.length(1);
    });

    it("writes to a read-only replica file system, and to a secondary DB cluster", async () => {
      const s = await sim();
      expect((await rejection(() => s.world.writeFiles("dr"), "EROFS")).message).to.match(/REPLICATING/);
      await rejection(() => s.world.writeDb("dr"), "ER_OPTION_PREVENTS_STATEMENT");
      s.world.writeFiles("primary", 5);
      s.world.writeDb("primary", 5);
    });

    it("deleting a replication that does not exist", async () => {
      const s = await sim();
      const drFs = s.world.site("dr").fs.id;
      await rejection(() => s.world.deleteReplication("us-west-2", drFs, "ALL_CONFIGURATIONS"), "ReplicationNotFound");
      await rejection(() => s.world.deleteReplication("eu-west-1", s.world.site("primary").fs.id, "ALL_CONFIGURATIONS"), "ReplicationNotFound");
    });

    it("a replication into a file system whose overwrite protection is ENABLED, or already replicating", async () => {
      const s = await sim();
      const primaryFs = s.world.site("primary").fs.id;
      await rejection(() => s.world.createReplication("dr", "primary"), "ReplicationAlreadyExists");
      const done = s.world.deleteReplication("us-east-1", primaryFs, "ALL_CONFIGURATIONS");
      await s.clock.sleep(done - s.clock.now());
      expect(s.world.site("dr").fs.protection).to.equal("ENABLED"); // AWS re-enables it on deletion
      const err = await rejection(() => s.world.createReplication("dr", "primary"), "BadRequest");
      expect(err.message).to.match(/overwrite protection ENABLED/);
      s.world.setFileSystemProtection("primary", "DISABLED");
      s.world.createReplication("dr", "primary");
      expect(s.world.site("primary").fs).to.include({ protection: "REPLICATING", writable: false });
    });

    it("changing the protection of a replication destination", async () => {
      const s = await sim();
      await rejection(() => s.world.setFileSystemProtection("dr", "ENABLED"), "ReplicationAlreadyExists");
    });

    it("a second PRIMARY failover record, and a non-alias PRIMARY without health check", async () => {
      const s = await sim();
      const err = await rejection(() => s.world.upsertRecord("dr", "PRIMARY"), "InvalidChangeBatch");
      expect(err.message).to.match(/primary and dr would both be PRIMARY/);
      await rejection(() => s.world.upsertRecord("primary", "PRIMARY", { withHealthCheck: false }), "InvalidChangeBatch");
      await rejection(() => s.world.setPrimaryRecord(ZONE, HOST, "elsewhere"), "InvalidChangeBatch");
      // The SECONDARY carries no health check: a swap must give the new PRIMARY one.
      await rejection(() => s.world.setPrimaryRecord(ZONE, HOST, "dr"), "InvalidChangeBatch");
      // One batch swapping both designations, the check moving with PRIMARY, is fine.
      const drCheck = s.world.site("dr").healthCheck.id;
      s.world.setPrimaryRecord(ZONE, HOST, "dr", drCheck);
      // The old PRIMARY keeps its check until its `up` as standby: both unhealthy, Route 53 answers with the new PRIMARY.
      expect(
        s.world
          .getFailoverRecords(ZONE, HOST)
          .map((r) => `${r.setIdentifier}:${r.failover}:${r.healthCheckId ?? "unchecked"}`)
          .sort(),
      ).to.deep.equal([`dr:PRIMARY:${drCheck}`, `primary:SECONDARY:${s.world.site("primary").healthCheck.id}`]);
    });

    it("answers with a SECONDARY without health check as soon as the PRIMARY's check fails, serving or not", async () => {
      const s = await sim();
      expect(s.world.getFailoverRecords(ZONE, HOST).find((r) => r.setIdentifier === "dr")!.healthCheckId).to.equal(undefined);
      s.faults.impairRegion("primary");
      await until(s.clock, () => s.world.dns().answer === "dr", 5 * MIN);
      expect(s.world.site("dr").serving).to.equal(false);
    });

    it("bad node group sizes, and a second update while one is in progress", async () => {
      const s = await sim();
      const cluster = "eks-dr-dr";
      const web = s.world.site("dr").nodeGroups.web.name;
      await rejection(() => s.world.scaleNodeGroup("us-west-2", cluster, web, { minSize: 3, desiredSize: 2, maxSize: 6 }), "InvalidParameterException");
      await rejection(() => s.world.scaleNodeGroup("us-west-2", cluster, "dr-nope", { minSize: 0, desiredSize: 2, maxSize: 6 }), "ResourceNotFoundException");
      s.world.scaleNodeGroup("us-west-2", cluster, web, { minSize: 2, desiredSize: 3, maxSize: 6 });
      await rejection(() => s.world.scaleNodeGroup("us-west-2", cluster, web, { minSize: 2, desiredSize: 3, maxSize: 6 }), "ResourceInUseException");
    });
  });

  describe("converges asynchronously, like AWS", () => {
    it("publishes the Aurora lag metric like CloudWatch: a datapoint a minute, for the secondary, in its Region, none while the link is down", async () => {
      const s = await sim();
      const dr = s.world.site("dr").db.identifier;
      await s.clock.sleep(90 * SEC);
      const before = (await s.cloud.cloudWatch.auroraLag("us-west-2", dr))!;
      expect(before.periodStart % MIN).to.equal(0);
      expect(s.clock.now() - before.periodStart).to.be.below(MIN);
      expect(before.maxMs).to.equal(300);
      // Only secondaries publish it, each in its own Region.
      expect(await s.cloud.cloudWatch.auroraLag("us-east-1", s.world.site("primary").db.identifier)).to.equal(undefined);
      await rejection(s.cloud.cloudWatch.auroraLag("us-east-1", dr), "DBClusterNotFoundFault");
      const incidentAt = s.clock.now();
      s.faults.impairRegion("primary");
      await s.clock.sleep(10 * MIN);
      // Nothing arrives from the primary's Region: no datapoint since, the newest one predates the incident.
      const after = (await s.cloud.cloudWatch.auroraLag("us-west-2", dr))!;
      expect(after).to.deep.equal(before);
      expect(after.periodStart).to.be.at.most(incidentAt);
      // And what it proves holds: the secondary had every write before periodStart - maxMs.
      s.world.failoverGlobalCluster("us-west-2", GLOBAL_CLUSTER_ID, s.world.site("dr").db.arn);
      await until(s.clock, () => s.world.dataLoss().length === 1, 15 * MIN, SEC);
      expect(s.world.dataLoss()[0].replicatedUpTo).to.be.at.least(after.periodStart - after.maxMs);
    });

    it("failover returns at once; the target is writer after the sampled latency; writes not replicated are lost", async () => {
      const s = await sim({ seed: 11 });
      await s.clock.sleep(5 * MIN);
      s.faults.impairRegion("primary");
      const impairedAt = s.clock.now();
      const dr = s.world.site("dr");
      const t0 = s.clock.now();
      await s.cloud.rds.failoverGlobalCluster("us-west-2", GLOBAL_CLUSTER_ID, dr.db.arn, { timeoutMs: 10 * SEC });
      const returnedAt = s.clock.now();
      expect(returnedAt - t0).to.be.below(2 * SEC);
      const gc = await s.cloud.rds.describeGlobalCluster("us-west-2", GLOBAL_CLUSTER_ID);
      expect(gc.failoverState).to.include({ toClusterArn: dr.db.arn, isDataLossAllowed: true });
      expect(gc.members.find((m) => m.isWriter)!.region).to.equal("us-east-1");
      const doneAt = await until(
        s.clock,
        async () => (await s.cloud.rds.describeGlobalCluster("us-west-2", GLOBAL_CLUSTER_ID)).members.find((m) => m.isWriter)!.region === "us-west-2",
        10 * MIN,
        SEC,
      );
      const [loss] = s.world.dataLoss();
      expect(loss).to.include({ kind: "aurora", reason: "failover", fromStack: "primary", toStack: "dr" });
      expect(loss.at - returnedAt).to.be.within(30 * SEC, 5 * MIN); // aurora-failover range
      expect(doneAt - loss.at).to.be.below(SEC + 1);
      // Replication stopped at the impairment: the lag window (100 + 20 x 10 ms) of writes is lost.
      expect(loss.replicatedUpTo).to.equal(impairedAt - 300);
      expect(loss.lostWrites).to.equal(s.world.countWrites("primary", "db", loss.replicatedUpTo, impairedAt));
      expect(loss.lostWrites).to.be.within(5, 7);
      expect(loss.lostWindowMs).to.be.within(250, 300);
    });

    it("an incident at the very start already loses the replication windows (writes have a history)", async () => {
      const s = await sim();
      const t0 = s.clock.now();
      const lastSync = (await s.cloud.efs.describeReplication("us-west-2", s.world.site("dr").fs.id))!.lastReplicatedAt!;
      expect(t0 - lastSync).to.be.within(15 * SEC, 15 * MIN);
      s.faults.impairRegion("primary");
      s.world.failoverGlobalCluster("us-west-2", GLOBAL_CLUSTER_ID, s.world.site("dr").db.arn);
      s.world.deleteReplication("us-west-2", s.world.site("primary").fs.id, "LOCAL_CONFIGURATION_ONLY");
      await until(s.clock, () => s.world.dataLoss().length === 2, 15 * MIN, SEC);
      const loss = Object.fromEntries(s.world.dataLoss().map((l) => [l.kind, l]));
      expect(loss.aurora.lostWrites).to.equal(6); // 300 ms of lag at 20 writes/s
      expect(loss.efs.replicatedUpTo).to.equal(lastSync);
      const expected = ((t0 - lastSync) * 2) / 1000; // 2 files/s since the last sync
      expect(loss.efs.lostWrites).to.be.within(Math.floor(expected), Math.ceil(expected));
    });

    it("an unplanned failover with the old primary still up loses what it writes until the switch", async () => {
      const s = await sim({ seed: 3 });
      await s.clock.sleep(MIN);
      await s.cloud.rds.failoverGlobalCluster("us-west-2", GLOBAL_CLUSTER_ID, s.world.site("dr").db.arn);
      await until(s.clock, () => s.world.writer() === "dr", 10 * MIN, SEC);
      const [loss] = s.world.dataLoss();
      expect(loss.lostWrites).to.be.greaterThan(20 * 25); // at least the 30 s minimum of the failover at 20 writes/s
      expect(s.world.site("primary").db.role).to.equal("secondary");
      expect(s.world.site("primary").serving).to.equal(false);
    });

    it("after an unplanned failover, Aurora rebuilds the old primary once its Region answers; instance changes and promotions wait for it", async () => {
      const s = await sim({ seed: 5, latencyOverrides: { "aurora-rebuild": { minSeconds: 3600, typicalSeconds: 3600, maxSeconds: 3600 } } });
      const primary = s.world.site("primary");
      s.faults.impairRegion("primary");
      await s.cloud.rds.failoverGlobalCluster("us-west-2", GLOBAL_CLUSTER_ID, s.world.site("dr").db.arn);
      await until(s.clock, () => s.world.writer() === "dr", 10 * MIN, SEC);
      // Still unreachable: not a member Aurora can rebuild yet.
      expect(s.world.site("primary").db).to.include({ pendingDemotion: true, rebuilding: false });
      s.faults.recoverRegion("primary");
      const recoveredAt = s.clock.now();
      const member = async () =>
        (await s.cloud.rds.describeGlobalCluster("us-east-1", GLOBAL_CLUSTER_ID)).members.find((m) => m.clusterArn === primary.db.arn)!;
      expect(await member()).to.include({ isWriter: false, synchronizationStatus: "pending-resync" });
      // What DescribeDBClusters says meanwhile is not documented: the world keeps "available".
      expect((await s.cloud.rds.describeDbCluster("us-east-1", primary.db.identifier)).status).to.equal("available");
      const instances = s.world.site("primary").db.instanceCount;
      let err = await rejection(() => s.world.setDbInstances("primary", instances - 1), "InvalidDBClusterStateFault");
      expect(err.message).to.contain("can't be performed while the cluster is in this state").and.contain("pending-resync");
      await rejection(() => s.world.setDbInstances("primary", instances + 1), "InvalidDBClusterStateFault");
      err = await rejection(s.cloud.rds.switchoverGlobalCluster("us-west-2", GLOBAL_CLUSTER_ID, primary.db.arn), "InvalidDBClusterStateFault");
      // No lag datapoint while it is rebuilt.
      await s.clock.sleep(30 * MIN);
      expect(s.world.auroraLag("us-east-1", primary.db.identifier, 20 * MIN)).to.equal(undefined);
      const doneAt = await until(s.clock, async () => (await member()).synchronizationStatus === "connected", 2 * 60 * MIN, MIN);
      expect(doneAt - recoveredAt).to.be.within(60 * MIN, 61 * MIN);
      s.world.setDbInstances("primary", instances - 1);
      expect(s.world.site("primary").db.instanceCount).to.equal(instances - 1);
    });

    it("a switchover leaves nothing to rebuild", async () => {
      const s = await sim();
      await s.cloud.rds.switchoverGlobalCluster("us-east-1", GLOBAL_CLUSTER_ID, s.world.site("dr").db.arn);
      await until(s.clock, () => s.world.writer() === "dr", 15 * MIN, SEC);
      const gc = await s.cloud.rds.describeGlobalCluster("us-east-1", GLOBAL_CLUSTER_ID);
      expect(gc.members.map((m) => m.synchronizationStatus)).to.deep.equal(["connected", "connected"]);
      s.world.setDbInstances("primary", 1);
    });

    it("a planned switchover after quiescing loses nothing", async () => {
      const s = await sim();
      await s.clock.sleep(MIN);
      s.world.setWorkload("primary", { web: 0, app: 0 });
      await until(s.clock, async () => (await s.cloud.cloudWatch.auroraLag("us-west-2", s.world.site("dr").db.identifier))?.maxMs === 0, 2 * MIN, SEC);
      await s.cloud.rds.switchoverGlobalCluster("us-east-1", GLOBAL_CLUSTER_ID, s.world.site("dr").db.arn);
      expect((await s.cloud.rds.describeGlobalCluster("us-east-1", GLOBAL_CLUSTER_ID)).status).to.equal("switching-over");
      await until(s.clock, () => s.world.writer() === "dr", 15 * MIN, SEC);
      expect(s.world.dataLoss()[0]).to.include({ kind: "aurora", reason: "switchover", lostWrites: 0 });
      expect(s.world.site("primary").db.role).to.equal("secondary");
    });

    it("a site in read-only mode serves reads and takes no writes, but for the moment its DB assumes its new role", async () => {
      const s = await sim();
      await s.clock.sleep(MIN);
      const primary = s.world.site("primary");
      s.world.setWorkload("primary", primary.replicas, true);
      const quiescedAt = s.clock.now();
      const ro = s.world.site("primary");
      expect(ro).to.include({ serving: false, servesReads: true, readOnly: true });
      expect(await s.cloud.serving.checkEndpoint(`http://${ro.albHostname}/healthz`, undefined)).to.equal(true);
      await s.clock.sleep(5 * MIN);
      // No writes since the quiesce; the health check stayed healthy and users kept reading.
      expect(s.world.countWrites("primary", "db", quiescedAt, s.clock.now())).to.equal(0);
      expect(s.world.site("primary").healthCheck.status).to.equal("healthy");
      expect(s.world.userView("reads").outages).to.deep.equal([]);
      expect(s.world.userView().outages).to.have.length(1);
      await s.cloud.rds.switchoverGlobalCluster("us-east-1", GLOBAL_CLUSTER_ID, s.world.site("dr").db.arn);
      await until(s.clock, () => !s.world.site("primary").servesReads, 15 * MIN, SEC);
      const blipAt = s.clock.now();
      await until(s.clock, () => s.world.writer() === "dr", 15 * MIN, SEC);
      // A secondary serves reads again once the switch is over.
      expect(s.world.site("primary")).to.include({ servesReads: true, serving: false });
      expect(s.clock.now() - blipAt).to.be.at.most(30 * SEC + SEC);
    });

    it("a switchover rolls back when a Region goes away before it completes", async () => {
      const s = await sim();
      await s.cloud.rds.switchoverGlobalCluster("us-east-1", GLOBAL_CLUSTER_ID, s.world.site("dr").db.arn);
      s.faults.impairRegion("dr", { afterMs: 20 * SEC });
      await until(s.clock, () => s.world.globalCluster().failoverState?.status === "cancelling", 15 * MIN, SEC);
      await until(s.clock, () => s.world.globalCluster().failoverState === undefined, MIN, SEC);
      expect(s.world.writer()).to.equal("primary");
    });

    it("replication deletion shows DELETING, then the destination is writable; its RPO is what the last sync missed", async () => {
      const s = await sim();
      await s.clock.sleep(20 * MIN);
      const primaryFs = s.world.site("primary").fs.id;
      const before = await s.cloud.efs.describeReplication("us-west-2", s.world.site("dr").fs.id);
      await s.cloud.efs.deleteReplication("us-east-1", primaryFs, "ALL_CONFIGURATIONS");
      const t0 = s.clock.now();
      expect((await s.cloud.efs.describeReplication("us-east-1", primaryFs))!.status).to.equal("DELETING");
      expect(await s.cloud.efs.fileSystemProtection("us-west-2", s.world.site("dr").fs.id)).to.equal("REPLICATING");
      const doneAt = await until(
        s.clock,
        async () => (await s.cloud.efs.fileSystemProtection("us-west-2", s.world.site("dr").fs.id)) === "ENABLED",
        15 * MIN,
        SEC,
      );
      expect(doneAt - t0).to.be.within(MIN, 10 * MIN + 2 * SEC);
      expect(await s.cloud.efs.describeReplication("us-west-2", s.world.site("dr").fs.id)).to.equal(undefined);
      const loss = s.world.dataLoss()[0];
      expect(loss).to.include({ kind: "efs", fromStack: "primary", toStack: "dr", replicatedUpTo: before!.lastReplicatedAt });
      expect(loss.lostWrites).to.equal(s.world.countWrites("primary", "files", before!.lastReplicatedAt!, loss.at));
      s.world.writeFiles("dr");
    });

    it("LOCAL_CONFIGURATION_ONLY from the destination while the source Region is down leaves a stale source side", async () => {
      const s = await sim();
      const primaryFs = s.world.site("primary").fs.id;
      const drFs = s.world.site("dr").fs.id;
      s.faults.impairRegion("primary");
      await s.cloud.efs.deleteReplication("us-west-2", primaryFs, "ALL_CONFIGURATIONS");
      await s.clock.sleep(15 * MIN);
      // ALL_CONFIGURATIONS cannot reach the source: still deleting.
      expect((await s.cloud.efs.describeReplication("us-west-2", drFs))!.status).to.equal("DELETING");
      await s.cloud.efs.deleteReplication("us-west-2", primaryFs, "LOCAL_CONFIGURATION_ONLY");
      await until(s.clock, async () => (await s.cloud.efs.describeReplication("us-west-2", drFs)) === undefined, 15 * MIN, SEC);
      expect(s.world.site("dr").fs.writable).to.equal(true);
      s.faults.recoverRegion("primary");
      const stale = await s.cloud.efs.describeReplication("us-east-1", primaryFs);
      expect(stale).to.include({ sourceFileSystemId: primaryFs, status: "ERROR" });
      await s.cloud.efs.deleteReplication("us-east-1", primaryFs, "LOCAL_CONFIGURATION_ONLY");
      await until(s.clock, async () => (await s.cloud.efs.describeReplication("us-east-1", primaryFs)) === undefined, 15 * MIN, SEC);
      expect(s.world.replicationsNow()).to.have.length(0);
    });

    it("scaled nodes turn Ready after the node group latency, pods after theirs; the site then serves", async () => {
      const s = await sim();
      const t0 = s.clock.now();
      const { web, app } = s.world.site("dr").nodeGroups;
      await s.cloud.eks.scaleNodeGroup("us-west-2", "eks-dr-dr", web.name, { minSize: 2, desiredSize: 3, maxSize: 6 });
      await s.cloud.eks.scaleNodeGroup("us-west-2", "eks-dr-dr", app.name, { minSize: 2, desiredSize: 3, maxSize: 6 });
      expect(await s.cloud.eks.describeNodeGroup("us-west-2", "eks-dr-dr", web.name)).to.include({ status: "UPDATING", desiredSize: 3, readyNodes: 0 });
      const ready = await until(s.clock, async () => (await s.cloud.eks.describeNodeGroup("us-west-2", "eks-dr-dr", web.name)).readyNodes === 3, 10 * MIN, SEC);
      expect(ready - t0).to.be.within(2 * MIN, 5 * MIN + 2 * SEC);
      // Pilot light: DR has 0 replicas while standby, no writer and a read-only file system: it does not serve yet.
      expect(s.world.site("dr").serving).to.equal(false);
      expect(s.world.sideEffects("UpdateNodegroupConfig")).to.have.length(2);
    });

    it("health checks follow the site, Route 53 answers with the SECONDARY, clients follow within the TTL", async () => {
      const s = await sim();
      s.faults.impairRegion("primary");
      const t0 = s.clock.now();
      await until(s.clock, () => s.world.site("primary").healthCheck.status === "unhealthy", 10 * MIN, SEC);
      expect(s.clock.now() - t0).to.be.within(10 * SEC, 5 * MIN + SEC);
      // The SECONDARY carries no health check: Route 53 answers with it at once, serving or not.
      expect(s.world.dns().answer).to.equal("dr");
      const answerAt = s.world.dns().answerLog.at(-1)!.at;
      await until(s.clock, () => s.world.dns().clients === "dr", 10 * MIN, SEC);
      expect(s.world.dns().clientsLog.at(-1)!.at - answerAt).to.be.within(0, 60 * SEC);
      expect(s.world.userView().up).to.equal(false);
      // Make dr able to serve: writer, writable files, nodes and pods. Users are served the moment it does.
      s.world.failoverGlobalCluster("us-west-2", GLOBAL_CLUSTER_ID, s.world.site("dr").db.arn);
      s.world.deleteReplication("us-west-2", s.world.site("primary").fs.id, "LOCAL_CONFIGURATION_ONLY");
      const dr = s.world.site("dr");
      s.world.scaleNodeGroup("us-west-2", "eks-dr-dr", dr.nodeGroups.web.name, { minSize: 2, desiredSize: 3, maxSize: 6 });
      s.world.scaleNodeGroup("us-west-2", "eks-dr-dr", dr.nodeGroups.app.name, { minSize: 2, desiredSize: 3, maxSize: 6 });
      s.world.setWorkload("dr", { web: 3, app: 3 });
      await until(s.clock, () => s.world.site("dr").serving, 30 * MIN, SEC);
      const view = s.world.userView();
      expect(view.up).to.equal(true);
      expect(view.outages).to.have.length(1);
      expect(view.outages[0].from).to.equal(t0);
      expect(view.outages[0].to).to.equal(s.world.servingLog("dr").find((e) => e.serving)!.at);
    });

    it("with health checks on both records, Route 53 keeps answering with the PRIMARY while both are unhealthy", async () => {
      const s = await sim();
      s.world.upsertRecord("dr", "SECONDARY"); // an up that attaches dr's check
      s.faults.impairRegion("primary");
      await until(s.clock, () => s.world.site("primary").healthCheck.status === "unhealthy", 10 * MIN, SEC);
      expect(s.world.dns().answer).to.equal("primary");
      expect(s.world.userView().up).to.equal(false);
    });
  });

  describe("partial outages: one service of a Region down, the rest answering", () => {
    it("EFS down in us-east-1: its EFS calls time out while its EKS answers, and replication stops syncing", async () => {
      const s = await sim();
      const primaryFs = s.world.site("primary").fs.id;
      const drFs = s.world.site("dr").fs.id;
      s.faults.impairService("primary", "efs");
      expect(await s.cloud.eks.probeRegion("us-east-1", { timeoutMs: 5 * SEC })).to.equal(true);
      expect(await s.cloud.eks.describeCluster("us-east-1", "eks-dr-primary")).to.deep.equal({ status: "ACTIVE" });
      const err = await rejection(s.cloud.efs.describeReplication("us-east-1", primaryFs, { timeoutMs: 5 * SEC }), "TimeoutError");
      expect(err.message).to.contain("DescribeReplicationConfigurations in us-east-1");
      const last = (await s.cloud.efs.describeReplication("us-west-2", drFs))!.lastReplicatedAt!;
      await s.clock.sleep(30 * MIN);
      expect((await s.cloud.efs.describeReplication("us-west-2", drFs))!.lastReplicatedAt).to.equal(last);
      s.faults.recoverService("primary", "efs");
      await until(s.clock, async () => (await s.cloud.efs.describeReplication("us-west-2", drFs))!.lastReplicatedAt! > last, 30 * MIN, 10 * SEC);
    });

    it("ALL_CONFIGURATIONS from the destination waits for the source's EFS: DELETING and read-only until it answers", async () => {
      const s = await sim();
      const primaryFs = s.world.site("primary").fs.id;
      const drFs = s.world.site("dr").fs.id;
      s.faults.impairService("primary", "efs");
      await s.cloud.efs.deleteReplication("us-west-2", primaryFs, "ALL_CONFIGURATIONS");
      await s.clock.sleep(30 * MIN);
      expect((await s.cloud.efs.describeReplication("us-west-2", drFs))!.status).to.equal("DELETING");
      expect(await s.cloud.efs.fileSystemProtection("us-west-2", drFs)).to.equal("REPLICATING");
      await rejection(() => s.world.writeFiles("dr"), "EROFS");
      s.faults.recoverService("primary", "efs");
      await until(s.clock, () => s.world.replicationsNow().length === 0, 15 * MIN, 10 * SEC);
      expect(s.world.site("dr").fs.writable).to.equal(true);
    });

    it("LOCAL_CONFIGURATION_ONLY supersedes a waiting ALL_CONFIGURATIONS deletion, even one sent a moment before", async () => {
      for (const waitBeforeLocalMs of [SEC, 20 * MIN]) {
        const s = await sim();
        const primaryFs = s.world.site("primary").fs.id;
        const drFs = s.world.site("dr").fs.id;
        s.faults.impairService("primary", "efs");
        await s.cloud.efs.deleteReplication("us-west-2", primaryFs, "ALL_CONFIGURATIONS");
        await s.clock.sleep(waitBeforeLocalMs);
        await s.cloud.efs.deleteReplication("us-west-2", primaryFs, "LOCAL_CONFIGURATION_ONLY");
        await until(s.clock, async () => (await s.cloud.efs.describeReplication("us-west-2", drFs)) === undefined, 15 * MIN, 10 * SEC);
        expect(s.world.site("dr").fs.writable, `LOCAL ${waitBeforeLocalMs} ms after ALL`).to.equal(true);
        // The source side was never reached: it is still there, in ERROR, once its EFS answers.
        s.faults.recoverService("primary", "efs");
        expect(await s.cloud.efs.describeReplication("us-east-1", primaryFs)).to.include({ sourceFileSystemId: primaryFs, status: "ERROR" });
      }
    });

    it("where EFS refuses ALL_CONFIGURATIONS outright while the other Region's EFS is down, LOCAL_CONFIGURATION_ONLY still works", async () => {
      const s = await sim({ tuning: { efsAllConfigurationsPeerDown: "rejected" } });
      const primaryFs = s.world.site("primary").fs.id;
      const drFs = s.world.site("dr").fs.id;
      s.faults.impairService("primary", "efs");
      const err = await rejection(s.cloud.efs.deleteReplication("us-west-2", primaryFs, "ALL_CONFIGURATIONS"), "InternalServerError");
      expect(err.message).to.contain("LOCAL_CONFIGURATION_ONLY");
      expect(await s.cloud.efs.fileSystemProtection("us-west-2", drFs)).to.equal("REPLICATING");
      await s.cloud.efs.deleteReplication("us-west-2", primaryFs, "LOCAL_CONFIGURATION_ONLY");
      await until(s.clock, () => s.world.site("dr").fs.writable, 15 * MIN, 10 * SEC);
    });
  });
});
