import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput, ListMetricsCommand, type Metric } from "@aws-sdk/client-cloudwatch";
import {
  DeleteReplicationConfigurationCommand,
  DescribeFileSystemsCommand,
  DescribeReplicationConfigurationsCommand,
  EFSClient,
  ReplicationNotFound,
  UpdateFileSystemProtectionCommand,
} from "@aws-sdk/client-efs";
import {
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  EKSClient,
  ListClustersCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateNodegroupConfigCommand,
} from "@aws-sdk/client-eks";
import {
  CreateGlobalClusterCommand,
  DescribeDBClustersCommand,
  DescribeGlobalClustersCommand,
  FailoverGlobalClusterCommand,
  GlobalClusterNotFoundFault,
  RDSClient,
  SwitchoverGlobalClusterCommand,
} from "@aws-sdk/client-rds";
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  GetHealthCheckStatusCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
  Route53Client,
} from "@aws-sdk/client-route-53";
import { mockClient } from "aws-sdk-client-mock";
import { ResponseContext, SelfDecodingBody, wrapHttpLibrary } from "@kubernetes/client-node";
import { expect } from "chai";
import { AwsCallError, AwsCallTimeoutError } from "../../../automation/cloud/aws/call";
import { S3Client } from "@aws-sdk/client-s3";
import { AwsCloud, type AwsClientFactory, type AwsCloudOptions, rdsClusterArnRegion } from "../../../automation/cloud/aws-cloud";
import { TimeoutError } from "../../../automation/errors";
import type { Clock } from "../../../automation/ports";

const eks = mockClient(EKSClient);
const rds = mockClient(RDSClient);
const efs = mockClient(EFSClient);
const cw = mockClient(CloudWatchClient);
const r53 = mockClient(Route53Client);

const PRIMARY = "us-east-1";
const DR = "us-west-2";
const PRIMARY_ARN = "arn:aws:rds:us-east-1:123456789012:cluster:eks-dr-primary";
const DR_ARN = "arn:aws:rds:us-west-2:123456789012:cluster:eks-dr-dr";

/** Which client (service + Region) each instance is; the class-level mocks record `thisValue`. */
const clientRegion = new WeakMap<object, string>();

function factory(created: string[] = []): AwsClientFactory {
  const make = <C extends object>(service: string, region: string, client: C): C => {
    created.push(`${service}:${region}`);
    clientRegion.set(client, `${service}:${region}`);
    return client;
  };
  return {
    // Static credentials: the Kubernetes API token is signed with the EKS client's.
    eks: (r) => make("eks", r, new EKSClient({ region: r, credentials: { accessKeyId: "AKID", secretAccessKey: "secret" } })),
    rds: (r) => make("rds", r, new RDSClient({ region: r })),
    efs: (r) => make("efs", r, new EFSClient({ region: r })),
    cloudWatch: (r) => make("cloudWatch", r, new CloudWatchClient({ region: r })),
    route53: () => make("route53", "us-east-1", new Route53Client({ region: "us-east-1" })),
    s3: (r) => make("s3", r, new S3Client({ region: r })),
  };
}

/** A clock whose sleep advances time at once. */
class FakeClock implements Clock {
  constructor(public t = Date.parse("2025-06-01T12:00:00Z")) {}
  now() {
    return this.t;
  }
  async sleep(ms: number, signal?: AbortSignal) {
    if (signal?.aborted) throw signal.reason;
    this.t += ms;
  }
}

function cloud(opts: AwsCloudOptions = {}, created?: string[]) {
  return new AwsCloud({ clients: factory(created), ...opts });
}

const never = () => new Promise<never>(() => undefined);

function serviceError(name: string, status: number, message: string, extra: Record<string, unknown> = {}) {
  return Object.assign(new Error(message), { name, $fault: status >= 500 ? "server" : "client", $metadata: { httpStatusCode: status }, ...extra });
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

beforeEach(() => {
  for (const m of [eks, rds, efs, cw, r53]) m.reset();
});

describe("AwsCloud", () => {
  describe("clients", () => {
    it("creates one client per service and Region, lazily", async () => {
      const created: string[] = [];
      const c = cloud({}, created);
      expect(created).to.deep.equal([]);
      eks.on(DescribeClusterCommand).resolves({ cluster: { status: "ACTIVE" } });
      await c.eks.describeCluster(DR, "a");
      await c.eks.describeCluster(DR, "b");
      await c.eks.describeCluster(PRIMARY, "c");
      expect(created).to.deep.equal(["eks:us-west-2", "eks:us-east-1"]);
    });
  });

  describe("probeRegion", () => {
    it("lists at most one EKS cluster in that Region", async () => {
      eks.on(ListClustersCommand).resolves({ clusters: ["x"] });
      expect(await cloud().eks.probeRegion(DR, { timeoutMs: 1000 })).to.equal(true);
      const call = eks.commandCalls(ListClustersCommand)[0];
      expect(call.args[0].input).to.deep.equal({ maxResults: 1 });
      expect(clientRegion.get(call.thisValue)).to.equal("eks:us-west-2");
    });

    it("is false when the Region does not answer within the timeout", async () => {
      eks.on(ListClustersCommand).callsFake(never);
      const start = Date.now();
      expect(await cloud().eks.probeRegion(PRIMARY, { timeoutMs: 50 })).to.equal(false);
      expect(Date.now() - start).to.be.below(1000);
    });

    it("is false on a server fault or a network failure, true when throttled", async () => {
      eks
        .on(ListClustersCommand)
        .rejectsOnce(serviceError("ServiceUnavailableException", 503, "unavailable"))
        .rejectsOnce(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }))
        .rejectsOnce(serviceError("ThrottlingException", 429, "slow down", { $retryable: { throttling: true } }));
      const c = cloud();
      expect(await c.eks.probeRegion(PRIMARY)).to.equal(false);
      expect(await c.eks.probeRegion(PRIMARY)).to.equal(false);
      expect(await c.eks.probeRegion(PRIMARY)).to.equal(true);
    });

    it("throws when AWS answers with a client error: our permissions, not the Region's health", async () => {
      eks.on(ListClustersCommand).rejects(serviceError("AccessDeniedException", 403, "not authorized to perform eks:ListClusters"));
      const err = await rejection(cloud().eks.probeRegion(PRIMARY));
      expect(err).to.be.instanceOf(AwsCallError);
      expect(err.message).to.contain("EKS ListClusters in us-east-1 failed: AccessDeniedException");
    });
  });

  describe("EKS", () => {
    it("describes a node group in its Region, its Ready nodes read from the cluster's Kubernetes API", async () => {
      eks.on(DescribeNodegroupCommand).resolves({ nodegroup: { status: "UPDATING", scalingConfig: { minSize: 2, desiredSize: 3, maxSize: 6 } } });
      eks.on(DescribeClusterCommand).resolves({ cluster: { endpoint: "https://dr.eks.example", certificateAuthority: { data: "Y2E=" } } });
      const noNodes = wrapHttpLibrary({
        send: async () =>
          new ResponseContext(
            200,
            { "content-type": "application/json" },
            new SelfDecodingBody(Promise.resolve(Buffer.from('{"kind":"NodeList","items":[]}'))),
          ),
      });
      const state = await cloud({ kubernetesHttp: noNodes }).eks.describeNodeGroup(DR, "dr-cluster", "web");
      expect(state).to.deep.equal({ status: "UPDATING", minSize: 2, desiredSize: 3, maxSize: 6, readyNodes: 0 });
      const call = eks.commandCalls(DescribeNodegroupCommand)[0];
      expect(call.args[0].input).to.deep.equal({ clusterName: "dr-cluster", nodegroupName: "web" });
      expect(clientRegion.get(call.thisValue)).to.equal("eks:us-west-2");
    });

    it("scales a node group with UpdateNodegroupConfig", async () => {
      eks.on(UpdateNodegroupConfigCommand).resolves({ update: { id: "u1", status: "InProgress" } });
      await cloud().eks.scaleNodeGroup(DR, "dr-cluster", "app", { minSize: 2, desiredSize: 3, maxSize: 6 });
      const call = eks.commandCalls(UpdateNodegroupConfigCommand)[0];
      expect(call.args[0].input).to.deep.equal({
        clusterName: "dr-cluster",
        nodegroupName: "app",
        scalingConfig: { minSize: 2, desiredSize: 3, maxSize: 6 },
      });
      expect(clientRegion.get(call.thisValue)).to.equal("eks:us-west-2");
    });

    it("translates AWS errors into ones naming the API, Region and resource", async () => {
      eks
        .on(UpdateNodegroupConfigCommand)
        .rejects(new ResourceInUseException({ message: "Nodegroup is currently being updated", $metadata: { httpStatusCode: 409 } }));
      const err = await rejection(cloud().eks.scaleNodeGroup(DR, "dr-cluster", "web", { minSize: 2, desiredSize: 3, maxSize: 6 }));
      expect(err).to.be.instanceOf(AwsCallError);
      expect(err.message).to.equal(
        'EKS UpdateNodegroupConfig in us-west-2 for node group "web" of cluster "dr-cluster" failed: ResourceInUseException: Nodegroup is currently being updated',
      );
      expect((err as AwsCallError).code).to.equal("ResourceInUseException");
      expect((err as AwsCallError).region).to.equal(DR);
    });

    it("reads a cluster's status", async () => {
      eks.on(DescribeClusterCommand, { name: "dr-cluster" }).resolves({ cluster: { status: "ACTIVE" } });
      expect(await cloud().eks.describeCluster(DR, "dr-cluster")).to.deep.equal({ status: "ACTIVE" });
      eks
        .on(DescribeClusterCommand, { name: "gone" })
        .rejects(new ResourceNotFoundException({ message: "No cluster found", $metadata: { httpStatusCode: 404 } }));
      const err = await rejection(cloud().eks.describeCluster(DR, "gone"));
      expect(err.message).to.contain('EKS DescribeCluster in us-west-2 for cluster "gone" failed: ResourceNotFoundException');
    });
  });

  describe("Aurora", () => {
    it("reads the global cluster: writer, Regions from the ARNs, failover state", async () => {
      rds.on(DescribeGlobalClustersCommand).resolves({
        GlobalClusters: [
          {
            GlobalClusterIdentifier: "eks-dr-global",
            Status: "failing-over",
            GlobalClusterMembers: [
              { DBClusterArn: PRIMARY_ARN, IsWriter: true },
              { DBClusterArn: DR_ARN, IsWriter: false },
            ],
            FailoverState: { Status: "failing-over", FromDbClusterArn: PRIMARY_ARN, ToDbClusterArn: DR_ARN, IsDataLossAllowed: true },
          },
        ],
      });
      const gc = await cloud().rds.describeGlobalCluster(DR, "eks-dr-global");
      expect(gc).to.deep.equal({
        identifier: "eks-dr-global",
        status: "failing-over",
        members: [
          { clusterArn: PRIMARY_ARN, region: PRIMARY, isWriter: true },
          { clusterArn: DR_ARN, region: DR, isWriter: false },
        ],
        failoverState: { status: "failing-over", fromClusterArn: PRIMARY_ARN, toClusterArn: DR_ARN, isDataLossAllowed: true },
      });
      const call = rds.commandCalls(DescribeGlobalClustersCommand)[0];
      expect(call.args[0].input).to.deep.equal({ GlobalClusterIdentifier: "eks-dr-global" });
      expect(clientRegion.get(call.thisValue)).to.equal("rds:us-west-2");
    });

    it("leaves failoverState out when nothing is under way", async () => {
      rds.on(DescribeGlobalClustersCommand).resolves({
        GlobalClusters: [{ GlobalClusterIdentifier: "g", Status: "available", GlobalClusterMembers: [{ DBClusterArn: DR_ARN, IsWriter: true }] }],
      });
      const gc = await cloud().rds.describeGlobalCluster(DR, "g");
      expect(gc.failoverState).to.equal(undefined);
      expect(gc.members).to.deep.equal([{ clusterArn: DR_ARN, region: DR, isWriter: true }]);
    });

    it("reads each member's SynchronizationStatus (pending-resync while Aurora rebuilds an old primary)", async () => {
      rds.on(DescribeGlobalClustersCommand).resolves({
        GlobalClusters: [
          {
            GlobalClusterIdentifier: "g",
            Status: "available",
            GlobalClusterMembers: [
              { DBClusterArn: DR_ARN, IsWriter: true, SynchronizationStatus: "connected" },
              { DBClusterArn: PRIMARY_ARN, IsWriter: false, SynchronizationStatus: "pending-resync" },
            ],
          },
        ],
      });
      const gc = await cloud().rds.describeGlobalCluster(PRIMARY, "g");
      expect(gc.members).to.deep.equal([
        { clusterArn: DR_ARN, region: DR, isWriter: true, synchronizationStatus: "connected" },
        { clusterArn: PRIMARY_ARN, region: PRIMARY, isWriter: false, synchronizationStatus: "pending-resync" },
      ]);
    });

    it("counts a DB cluster's instances from DBClusterMembers (0 = headless)", async () => {
      rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: "eks-dr-dr" }).resolves({
        DBClusters: [{ DBClusterIdentifier: "eks-dr-dr", DBClusterArn: DR_ARN, Status: "available", DBClusterMembers: [] }],
      });
      rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: "eks-dr-primary" }).resolves({
        DBClusters: [
          {
            DBClusterIdentifier: "eks-dr-primary",
            DBClusterArn: PRIMARY_ARN,
            Status: "available",
            DBClusterMembers: [{ DBInstanceIdentifier: "w", IsClusterWriter: true }, { DBInstanceIdentifier: "r" }],
          },
        ],
      });
      expect(await cloud().rds.describeDbCluster(DR, "eks-dr-dr")).to.deep.equal({
        identifier: "eks-dr-dr",
        arn: DR_ARN,
        status: "available",
        instanceCount: 0,
      });
      expect((await cloud().rds.describeDbCluster(PRIMARY, "eks-dr-primary")).instanceCount).to.equal(2);
    });

    it("creates a global cluster from an existing cluster in that cluster's Region: identifier and source ARN only", async () => {
      rds.on(CreateGlobalClusterCommand).resolves({});
      await cloud().rds.createGlobalCluster(DR, "dr-restored-g", DR_ARN);
      const call = rds.commandCalls(CreateGlobalClusterCommand)[0];
      // Engine, version, database name and encryption come from the source cluster (CreateGlobalCluster).
      expect(call.args[0].input).to.deep.equal({ GlobalClusterIdentifier: "dr-restored-g", SourceDBClusterIdentifier: DR_ARN });
      expect(clientRegion.get(call.thisValue)).to.equal("rds:us-west-2");
      const err = await rejection(cloud().rds.createGlobalCluster(PRIMARY, "g", DR_ARN));
      expect(err.message).to.match(/send it to us-west-2, the Region of the source cluster/);
      expect(rds.commandCalls(CreateGlobalClusterCommand)).to.have.length(1);
    });

    it("finds a global cluster, or none when RDS answers GlobalClusterNotFoundFault; other errors propagate", async () => {
      rds
        .on(DescribeGlobalClustersCommand, { GlobalClusterIdentifier: "gone" })
        .rejects(new GlobalClusterNotFoundFault({ message: "not found", $metadata: {} }));
      rds.on(DescribeGlobalClustersCommand, { GlobalClusterIdentifier: "g" }).resolves({
        GlobalClusters: [{ GlobalClusterIdentifier: "g", Status: "available", GlobalClusterMembers: [{ DBClusterArn: DR_ARN, IsWriter: true }] }],
      });
      expect(await cloud().rds.findGlobalCluster(DR, "gone")).to.equal(undefined);
      expect((await cloud().rds.findGlobalCluster(DR, "g"))?.members).to.deep.equal([{ clusterArn: DR_ARN, region: DR, isWriter: true }]);
      rds.on(DescribeGlobalClustersCommand, { GlobalClusterIdentifier: "denied" }).rejects(Object.assign(new Error("denied"), { name: "AccessDenied" }));
      await rejection(cloud().rds.findGlobalCluster(DR, "denied"));
    });

    it("switches over from the primary's Region, naming the target by ARN", async () => {
      rds.on(SwitchoverGlobalClusterCommand).resolves({});
      await cloud().rds.switchoverGlobalCluster(PRIMARY, "eks-dr-global", DR_ARN);
      const call = rds.commandCalls(SwitchoverGlobalClusterCommand)[0];
      expect(call.args[0].input).to.deep.equal({ GlobalClusterIdentifier: "eks-dr-global", TargetDbClusterIdentifier: DR_ARN });
      expect(clientRegion.get(call.thisValue)).to.equal("rds:us-east-1");
    });

    it("refuses a switchover sent to the target's own Region or naming the target without an ARN", async () => {
      expect((await rejection(cloud().rds.switchoverGlobalCluster(DR, "g", DR_ARN))).message).to.contain("Region of the current primary");
      expect((await rejection(cloud().rds.switchoverGlobalCluster(PRIMARY, "g", "eks-dr-dr"))).message).to.contain("must be a DB cluster ARN");
      expect(rds.commandCalls(SwitchoverGlobalClusterCommand)).to.have.length(0);
    });

    it("fails over with AllowDataLoss from the promoted secondary's Region", async () => {
      rds.on(FailoverGlobalClusterCommand).resolves({});
      await cloud().rds.failoverGlobalCluster(DR, "eks-dr-global", DR_ARN);
      const call = rds.commandCalls(FailoverGlobalClusterCommand)[0];
      expect(call.args[0].input).to.deep.equal({ GlobalClusterIdentifier: "eks-dr-global", TargetDbClusterIdentifier: DR_ARN, AllowDataLoss: true });
      expect(clientRegion.get(call.thisValue)).to.equal("rds:us-west-2");
      const err = await rejection(cloud().rds.failoverGlobalCluster(PRIMARY, "eks-dr-global", DR_ARN));
      expect(err.message).to.contain("send it to us-west-2");
      expect(rds.commandCalls(FailoverGlobalClusterCommand)).to.have.length(1);
    });

    it("reads the Region of RDS cluster ARNs in every partition", () => {
      expect(rdsClusterArnRegion("arn:aws-us-gov:rds:us-gov-west-1:123456789012:cluster:c")).to.equal("us-gov-west-1");
      expect(rdsClusterArnRegion("arn:aws:rds:us-east-1:123456789012:db:instance")).to.equal(undefined);
    });

    /** What ListMetrics lists for the cluster: the lag metric under the given dimension sets, plus an unrelated metric. */
    const listed = (metricName: string, ...dimensionSets: Record<string, string>[]): Metric[] => [
      { Namespace: "AWS/RDS", MetricName: "CPUUtilization", Dimensions: [{ Name: "DBClusterIdentifier", Value: "eks-dr-dr" }] },
      ...dimensionSets.map((dims) => ({
        Namespace: "AWS/RDS",
        MetricName: metricName,
        Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })),
      })),
    ];
    /** GetMetricData as CloudWatch answers it: data only for a series queried with exactly its published dimensions. */
    const publishes = (metricName: string, dims: Record<string, string>, points: [number, number][]) =>
      cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
        MetricDataResults: (input.MetricDataQueries ?? []).map((q) => {
          const m = q.MetricStat!.Metric!;
          const asked = Object.fromEntries((m.Dimensions ?? []).map((d) => [d.Name, d.Value]));
          const match = m.MetricName === metricName && JSON.stringify(Object.entries(asked).sort()) === JSON.stringify(Object.entries(dims).sort());
          return { Id: q.Id, Timestamps: match ? points.map(([t]) => new Date(t)) : [], Values: match ? points.map(([, v]) => v) : [] };
        }),
      }));

    it("queries AuroraGlobalDBRPOLag (max per minute, last hour) in the secondary's Region and returns the newest datapoint with its period", async () => {
      const clock = new FakeClock();
      const dims = { DBClusterIdentifier: "eks-dr-dr" };
      cw.on(ListMetricsCommand).resolves({ Metrics: listed("AuroraGlobalDBRPOLag", dims) });
      // deliberately not newest-first
      publishes("AuroraGlobalDBRPOLag", dims, [
        [clock.t - 180_000, 900],
        [clock.t - 60_000, 42],
        [clock.t - 120_000, 300],
      ]);
      expect(await cloud({ clock }).cloudWatch.auroraLag(DR, "eks-dr-dr")).to.deep.equal({
        metric: "AuroraGlobalDBRPOLag",
        maxMs: 42,
        periodStart: clock.t - 60_000,
        periodMs: 60_000,
      });
      const call = cw.commandCalls(GetMetricDataCommand)[0];
      const input = call.args[0].input;
      expect(input.MetricDataQueries).to.deep.equal([
        {
          Id: "lag0",
          MetricStat: {
            Metric: { Namespace: "AWS/RDS", MetricName: "AuroraGlobalDBRPOLag", Dimensions: [{ Name: "DBClusterIdentifier", Value: "eks-dr-dr" }] },
            Period: 60,
            Stat: "Maximum",
          },
          ReturnData: true,
        },
      ]);
      expect(input.EndTime?.getTime()).to.equal(clock.t);
      // An hour back: the last datapoint published before an incident is still found well after it.
      expect(input.StartTime?.getTime()).to.equal(clock.t - 3_600_000);
      expect(input.ScanBy).to.equal("TimestampDescending");
      expect(clientRegion.get(call.thisValue)).to.equal("cloudWatch:us-west-2");
      const list = cw.commandCalls(ListMetricsCommand)[0];
      expect(list.args[0].input).to.deep.include({
        Namespace: "AWS/RDS",
        Dimensions: [{ Name: "DBClusterIdentifier", Value: "eks-dr-dr" }],
        RecentlyActive: "PT3H",
      });
      expect(clientRegion.get(list.thisValue)).to.equal("cloudWatch:us-west-2");
    });

    it("reads the lag under the dimensions it is published with (DBClusterIdentifier + SourceRegion), not DBClusterIdentifier alone", async () => {
      const clock = new FakeClock();
      const dims = { DBClusterIdentifier: "eks-dr-dr", SourceRegion: PRIMARY };
      cw.on(ListMetricsCommand).resolves({ Metrics: listed("AuroraGlobalDBRPOLag", dims) });
      publishes("AuroraGlobalDBRPOLag", dims, [[clock.t - 60_000, 75]]);
      expect(await cloud({ clock }).cloudWatch.auroraLag(DR, "eks-dr-dr")).to.deep.include({
        metric: "AuroraGlobalDBRPOLag",
        maxMs: 75,
        periodStart: clock.t - 60_000,
      });
    });

    it("reads every series listed (before and after a failover's SourceRegion change) and keeps the newest minute", async () => {
      const clock = new FakeClock();
      const before = { DBClusterIdentifier: "eks-dr-dr", SourceRegion: "eu-west-1" };
      const now = { DBClusterIdentifier: "eks-dr-dr", SourceRegion: PRIMARY };
      cw.on(ListMetricsCommand)
        .resolvesOnce({ Metrics: listed("AuroraGlobalDBRPOLag", before), NextToken: "page2" })
        .resolves({ Metrics: listed("AuroraGlobalDBRPOLag", now) });
      cw.on(GetMetricDataCommand).resolves({
        MetricDataResults: [
          { Id: "lag0", Timestamps: [new Date(clock.t - 2 * 3_600_000)], Values: [5] },
          { Id: "lag1", Timestamps: [new Date(clock.t - 120_000), new Date(clock.t - 60_000)], Values: [10, 20] },
        ],
      });
      expect(await cloud({ clock }).cloudWatch.auroraLag(DR, "eks-dr-dr")).to.deep.include({ maxMs: 20, periodStart: clock.t - 60_000 });
      expect(cw.commandCalls(ListMetricsCommand)[1].args[0].input.NextToken).to.equal("page2");
      expect(cw.commandCalls(GetMetricDataCommand)[0].args[0].input.MetricDataQueries).to.have.length(2);
    });

    it("reads AuroraGlobalDBReplicationLag instead when configured (Aurora MySQL before 3.04)", async () => {
      const clock = new FakeClock();
      const dims = { DBClusterIdentifier: "eks-dr-dr", SourceRegion: PRIMARY };
      cw.on(ListMetricsCommand).resolves({ Metrics: [...listed("AuroraGlobalDBReplicationLag", dims), ...listed("AuroraGlobalDBRPOLag", dims)] });
      publishes("AuroraGlobalDBReplicationLag", dims, [[clock.t - 60_000, 250]]);
      const d = await cloud({ clock, lagMetricName: "AuroraGlobalDBReplicationLag" }).cloudWatch.auroraLag(DR, "eks-dr-dr");
      expect(d).to.include({ metric: "AuroraGlobalDBReplicationLag", maxMs: 250 });
      expect(cw.commandCalls(GetMetricDataCommand)[0].args[0].input.MetricDataQueries![0].MetricStat!.Metric!.MetricName).to.equal(
        "AuroraGlobalDBReplicationLag",
      );
    });

    it("reads the other lag metric when only that one is published, and says which it read", async () => {
      const clock = new FakeClock();
      const dims = { DBClusterIdentifier: "eks-dr-dr", SourceRegion: PRIMARY };
      cw.on(ListMetricsCommand).resolves({ Metrics: listed("AuroraGlobalDBReplicationLag", dims) });
      publishes("AuroraGlobalDBReplicationLag", dims, [[clock.t - 60_000, 130]]);
      expect(await cloud({ clock }).cloudWatch.auroraLag(DR, "eks-dr-dr")).to.include({ metric: "AuroraGlobalDBReplicationLag", maxMs: 130 });
    });

    it("fails naming the metric, the cluster and what ListMetrics found when the lag is not published at all", async () => {
      cw.on(ListMetricsCommand).resolves({ Metrics: listed("AuroraGlobalDBDataTransferBytes", { DBClusterIdentifier: "eks-dr-dr", SourceRegion: PRIMARY }) });
      const err = await rejection(cloud().cloudWatch.auroraLag(DR, "eks-dr-dr"));
      expect(err.message).to.include("AuroraGlobalDBRPOLag").and.include('"eks-dr-dr"').and.include(DR);
      expect(err.message)
        .to.include("AuroraGlobalDBDataTransferBytes{DBClusterIdentifier, SourceRegion=us-east-1}")
        .and.include("CPUUtilization{DBClusterIdentifier}");
      expect(cw.commandCalls(GetMetricDataCommand)).to.have.length(0);
      cw.on(ListMetricsCommand).resolves({ Metrics: [] });
      expect((await rejection(cloud().cloudWatch.auroraLag(DR, "eks-dr-dr"))).message).to.include("no AWS/RDS metric at all with that DBClusterIdentifier");
    });

    it("returns undefined when the series exists but has no recent datapoint", async () => {
      cw.on(ListMetricsCommand).resolves({ Metrics: listed("AuroraGlobalDBRPOLag", { DBClusterIdentifier: "eks-dr-dr" }) });
      cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: "lag0", Timestamps: [], Values: [] }] });
      expect(await cloud().cloudWatch.auroraLag(DR, "eks-dr-dr")).to.equal(undefined);
    });
  });

  describe("EFS", () => {
    const replication = {
      SourceFileSystemId: "fs-0aaa",
      SourceFileSystemRegion: PRIMARY,
      SourceFileSystemArn: "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-0aaa",
      OriginalSourceFileSystemArn: "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-0aaa",
      CreationTime: new Date("2025-01-01T00:00:00Z"),
      Destinations: [{ Status: "ENABLED" as const, FileSystemId: "fs-0bbb", Region: DR, LastReplicatedTimestamp: new Date("2025-06-01T11:58:00Z") }],
    };

    it("describes the replication a destination file system takes part in, from its own Region", async () => {
      efs.on(DescribeReplicationConfigurationsCommand).resolves({ Replications: [replication] });
      const r = await cloud().efs.describeReplication(DR, "fs-0bbb");
      expect(r).to.deep.equal({
        sourceFileSystemId: "fs-0aaa",
        sourceRegion: PRIMARY,
        destinationFileSystemId: "fs-0bbb",
        destinationRegion: DR,
        status: "ENABLED",
        lastReplicatedAt: Date.parse("2025-06-01T11:58:00Z"),
      });
      const call = efs.commandCalls(DescribeReplicationConfigurationsCommand)[0];
      expect(call.args[0].input).to.deep.equal({ FileSystemId: "fs-0bbb" });
      expect(clientRegion.get(call.thisValue)).to.equal("efs:us-west-2");
    });

    it("has no lastReplicatedAt before the first sync, and no replication when EFS says ReplicationNotFound", async () => {
      efs.on(DescribeReplicationConfigurationsCommand, { FileSystemId: "fs-0aaa" }).resolves({
        Replications: [{ ...replication, Destinations: [{ Status: "ENABLING", FileSystemId: "fs-0bbb", Region: DR }] }],
      });
      efs
        .on(DescribeReplicationConfigurationsCommand, { FileSystemId: "fs-0ccc" })
        .rejects(new ReplicationNotFound({ message: "No replications found", $metadata: { httpStatusCode: 404 } }));
      const r = await cloud().efs.describeReplication(PRIMARY, "fs-0aaa");
      expect(r?.status).to.equal("ENABLING");
      expect(r?.lastReplicatedAt).to.equal(undefined);
      expect(await cloud().efs.describeReplication(PRIMARY, "fs-0ccc")).to.equal(undefined);
    });

    it("deletes a replication by its source id with the given mode, in the given Region", async () => {
      efs.on(DeleteReplicationConfigurationCommand).resolves({});
      await cloud().efs.deleteReplication(DR, "fs-0aaa", "LOCAL_CONFIGURATION_ONLY");
      const call = efs.commandCalls(DeleteReplicationConfigurationCommand)[0];
      expect(call.args[0].input).to.deep.equal({ SourceFileSystemId: "fs-0aaa", DeletionMode: "LOCAL_CONFIGURATION_ONLY" });
      expect(clientRegion.get(call.thisValue)).to.equal("efs:us-west-2");
    });

    it("treats an already deleted replication as done", async () => {
      efs.on(DeleteReplicationConfigurationCommand).rejects(new ReplicationNotFound({ message: "gone", $metadata: { httpStatusCode: 404 } }));
      await cloud().efs.deleteReplication(PRIMARY, "fs-0aaa", "ALL_CONFIGURATIONS");
    });

    it("reads the replication overwrite protection from DescribeFileSystems", async () => {
      efs.on(DescribeFileSystemsCommand).resolves({
        FileSystems: [
          {
            FileSystemId: "fs-0bbb",
            OwnerId: "123456789012",
            CreationToken: "t",
            CreationTime: new Date(),
            LifeCycleState: "available",
            NumberOfMountTargets: 3,
            SizeInBytes: { Value: 0 },
            PerformanceMode: "generalPurpose",
            Tags: [],
            FileSystemProtection: { ReplicationOverwriteProtection: "REPLICATING" },
          },
        ],
      });
      expect(await cloud().efs.fileSystemProtection(DR, "fs-0bbb")).to.equal("REPLICATING");
      const call = efs.commandCalls(DescribeFileSystemsCommand)[0];
      expect(call.args[0].input).to.deep.equal({ FileSystemId: "fs-0bbb" });
      expect(clientRegion.get(call.thisValue)).to.equal("efs:us-west-2");
    });

    it("sets the replication overwrite protection with UpdateFileSystemProtection in the file system's Region", async () => {
      efs.on(UpdateFileSystemProtectionCommand).resolves({ ReplicationOverwriteProtection: "DISABLED" });
      await cloud().efs.updateFileSystemProtection(DR, "fs-0bbb", "DISABLED");
      const call = efs.commandCalls(UpdateFileSystemProtectionCommand)[0];
      expect(call.args[0].input).to.deep.equal({ FileSystemId: "fs-0bbb", ReplicationOverwriteProtection: "DISABLED" });
      expect(clientRegion.get(call.thisValue)).to.equal("efs:us-west-2");
    });
  });

  describe("Route 53", () => {
    const primaryRecord: ResourceRecordSet = {
      Name: "app.example.com.",
      Type: "CNAME",
      SetIdentifier: "primary",
      Failover: "PRIMARY",
      TTL: 60,
      ResourceRecords: [{ Value: "primary-alb.us-east-1.elb.amazonaws.com" }],
      HealthCheckId: "hc-primary",
    };
    const drRecord: ResourceRecordSet = {
      Name: "app.example.com.",
      Type: "CNAME",
      SetIdentifier: "dr",
      Failover: "SECONDARY",
      TTL: 60,
      ResourceRecords: [{ Value: "dr-alb.us-west-2.elb.amazonaws.com" }],
      HealthCheckId: "hc-dr",
    };
    const neighbours: ResourceRecordSet[] = [
      { Name: "app.example.com.", Type: "TXT", TTL: 60, ResourceRecords: [{ Value: '"x"' }] },
      { Name: "b.example.com.", Type: "CNAME", TTL: 60, ResourceRecords: [{ Value: "elsewhere" }] },
    ];

    it("lists the failover records of the name and type only", async () => {
      r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [primaryRecord, drRecord, ...neighbours], IsTruncated: true, MaxItems: 100 });
      const records = await cloud().route53.getFailoverRecords("Z0EXAMPLE", "App.Example.com");
      expect(records).to.deep.equal([
        { setIdentifier: "primary", failover: "PRIMARY", value: "primary-alb.us-east-1.elb.amazonaws.com", healthCheckId: "hc-primary" },
        { setIdentifier: "dr", failover: "SECONDARY", value: "dr-alb.us-west-2.elb.amazonaws.com", healthCheckId: "hc-dr" },
      ]);
      const calls = r53.commandCalls(ListResourceRecordSetsCommand);
      expect(calls).to.have.length(1); // stopped at the first other name/type
      expect(calls[0].args[0].input).to.include({ HostedZoneId: "Z0EXAMPLE", StartRecordName: "app.example.com.", StartRecordType: "CNAME" });
      expect(clientRegion.get(calls[0].thisValue)).to.equal("route53:us-east-1");
    });

    it("follows pagination inside the record name", async () => {
      r53
        .on(ListResourceRecordSetsCommand)
        .resolvesOnce({
          ResourceRecordSets: [primaryRecord],
          IsTruncated: true,
          NextRecordName: "app.example.com.",
          NextRecordType: "CNAME",
          NextRecordIdentifier: "dr",
          MaxItems: 1,
        })
        .resolvesOnce({ ResourceRecordSets: [drRecord], IsTruncated: false, MaxItems: 1 });
      const records = await cloud().route53.getFailoverRecords("Z0EXAMPLE", "app.example.com");
      expect(records.map((r) => r.setIdentifier)).to.deep.equal(["primary", "dr"]);
      expect(r53.commandCalls(ListResourceRecordSetsCommand)[1].args[0].input).to.include({ StartRecordIdentifier: "dr" });
    });

    it("swaps designations in one change batch: DELETE both records as listed, CREATE them flipped, then waits for INSYNC", async () => {
      const clock = new FakeClock();
      r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [primaryRecord, drRecord], IsTruncated: false, MaxItems: 100 });
      r53.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: "/change/C1", Status: "PENDING", SubmittedAt: new Date() } });
      r53
        .on(GetChangeCommand)
        .resolvesOnce({ ChangeInfo: { Id: "/change/C1", Status: "PENDING", SubmittedAt: new Date() } })
        .resolves({ ChangeInfo: { Id: "/change/C1", Status: "INSYNC", SubmittedAt: new Date() } });

      await cloud({ clock }).route53.setPrimaryRecord("Z0EXAMPLE", "app.example.com", "dr", { timeoutMs: 120_000 });

      const changeCalls = r53.commandCalls(ChangeResourceRecordSetsCommand);
      expect(changeCalls).to.have.length(1);
      const input = changeCalls[0].args[0].input;
      expect(input.HostedZoneId).to.equal("Z0EXAMPLE");
      expect(input.ChangeBatch?.Changes).to.deep.equal([
        { Action: "DELETE", ResourceRecordSet: primaryRecord },
        { Action: "DELETE", ResourceRecordSet: drRecord },
        { Action: "CREATE", ResourceRecordSet: { ...primaryRecord, Failover: "SECONDARY" } },
        { Action: "CREATE", ResourceRecordSet: { ...drRecord, Failover: "PRIMARY" } },
      ]);
      expect(clientRegion.get(changeCalls[0].thisValue)).to.equal("route53:us-east-1");
      expect(r53.commandCalls(GetChangeCommand)).to.have.length(2);
      expect(r53.commandCalls(GetChangeCommand)[0].args[0].input).to.deep.equal({ Id: "/change/C1" });
    });

    it("gives the new PRIMARY the health check given; the new SECONDARY keeps its own", async () => {
      const unchecked: ResourceRecordSet = { ...drRecord };
      delete unchecked.HealthCheckId;
      r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [primaryRecord, unchecked], IsTruncated: false, MaxItems: 100 });
      r53.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: "/change/C3", Status: "INSYNC", SubmittedAt: new Date() } });
      await cloud().route53.setPrimaryRecord("Z0EXAMPLE", "app.example.com", { setIdentifier: "dr", healthCheckId: "hc-dr" }, { timeoutMs: 120_000 });
      const secondary: ResourceRecordSet = { ...primaryRecord, Failover: "SECONDARY" };
      expect(r53.commandCalls(ChangeResourceRecordSetsCommand)[0].args[0].input.ChangeBatch?.Changes).to.deep.equal([
        { Action: "DELETE", ResourceRecordSet: primaryRecord },
        { Action: "DELETE", ResourceRecordSet: unchecked },
        { Action: "CREATE", ResourceRecordSet: secondary },
        { Action: "CREATE", ResourceRecordSet: { ...unchecked, Failover: "PRIMARY", HealthCheckId: "hc-dr" } },
      ]);
    });

    it("changes nothing when the records already read as asked", async () => {
      r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [primaryRecord, drRecord], IsTruncated: false, MaxItems: 100 });
      await cloud().route53.setPrimaryRecord("Z0EXAMPLE", "app.example.com", "primary");
      expect(r53.commandCalls(ChangeResourceRecordSetsCommand)).to.have.length(0);
    });

    it("refuses an unknown set identifier without changing anything", async () => {
      r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [primaryRecord, drRecord], IsTruncated: false, MaxItems: 100 });
      const err = await rejection(cloud().route53.setPrimaryRecord("Z0EXAMPLE", "app.example.com", "drr"));
      expect(err.message).to.contain('no failover record with set identifier "drr"');
      expect(r53.commandCalls(ChangeResourceRecordSetsCommand)).to.have.length(0);
    });

    it("resolves once the batch is committed even if INSYNC is not seen within the bound", async () => {
      const clock = new FakeClock();
      const notes: string[] = [];
      r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [primaryRecord, drRecord], IsTruncated: false, MaxItems: 100 });
      r53.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: "/change/C2", Status: "PENDING", SubmittedAt: new Date() } });
      r53.on(GetChangeCommand).resolves({ ChangeInfo: { Id: "/change/C2", Status: "PENDING", SubmittedAt: new Date() } });
      await cloud({ clock, log: (m) => notes.push(m) }).route53.setPrimaryRecord("Z0EXAMPLE", "app.example.com", "dr", { timeoutMs: 20_000 });
      expect(r53.commandCalls(GetChangeCommand).length).to.be.within(1, 4);
      expect(notes.join("\n")).to.contain("committed but still PENDING");
    });

    it("bounds the swap: a hung change batch times out as a mutating call whose outcome is unknown", async () => {
      r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [primaryRecord, drRecord], IsTruncated: false, MaxItems: 100 });
      r53.on(ChangeResourceRecordSetsCommand).callsFake(never);
      const err = await rejection(cloud().route53.setPrimaryRecord("Z0EXAMPLE", "app.example.com", "dr", { timeoutMs: 60 }));
      expect(err).to.be.instanceOf(AwsCallTimeoutError);
      expect(err.message).to.contain("Route 53 ChangeResourceRecordSets in us-east-1");
      expect(err.message).to.contain("may still have been applied");
    });

    it("calls a health check healthy when more than 18% of Route 53's checkers report Success", async () => {
      const obs = (ok: number, total: number) => ({
        HealthCheckObservations: Array.from({ length: total }, (_, i) => ({
          Region: "us-east-1" as const,
          IPAddress: `192.0.2.${i}`,
          StatusReport: { Status: i < ok ? "Success: HTTP Status Code 200, OK" : "Failure: Connection timed out.", CheckedTime: new Date() },
        })),
      });
      r53.on(GetHealthCheckStatusCommand).resolvesOnce(obs(3, 16)).resolvesOnce(obs(2, 16)).resolvesOnce({ HealthCheckObservations: [] });
      const c = cloud();
      expect(await c.route53.healthCheckStatus("hc-primary")).to.equal("healthy"); // 18.75%
      expect(await c.route53.healthCheckStatus("hc-primary")).to.equal("unhealthy"); // 12.5%
      expect(await c.route53.healthCheckStatus("hc-primary")).to.equal("unhealthy"); // no reports
      expect(r53.commandCalls(GetHealthCheckStatusCommand)[0].args[0].input).to.deep.equal({ HealthCheckId: "hc-primary" });
    });
  });

  describe("bounds", () => {
    it("times out a hung call, aborting the SDK request, with an error naming the API, Region and resource", async () => {
      eks.on(DescribeNodegroupCommand).callsFake(never);
      const start = Date.now();
      const err = await rejection(cloud().eks.describeNodeGroup(PRIMARY, "p", "web", { timeoutMs: 50 }));
      expect(Date.now() - start).to.be.below(1000);
      expect(err).to.be.instanceOf(AwsCallTimeoutError).and.instanceOf(TimeoutError);
      expect(err.message).to.match(/^EKS DescribeNodegroup in us-east-1 for node group "web" of cluster "p" did not complete within 50 ms/);
      // The SDK got the abort signal, so the request and its retries stop too.
      const options = (eks.commandCalls(DescribeNodegroupCommand)[0].args as unknown[])[1] as { abortSignal?: AbortSignal } | undefined;
      expect(options?.abortSignal?.aborted).to.equal(true);
    });

    it("applies the default bound when the caller gives none", async () => {
      eks.on(DescribeClusterCommand).callsFake(never);
      const err = await rejection(cloud({ defaultTimeoutMs: 40 }).eks.describeCluster(PRIMARY, "p"));
      expect(err).to.be.instanceOf(AwsCallTimeoutError);
    });

    it("rejects with the caller's abort reason", async () => {
      rds.on(DescribeDBClustersCommand).callsFake(never);
      const ctl = new AbortController();
      const reason = new Error("run aborted");
      setTimeout(() => ctl.abort(reason), 20);
      const err = await rejection(cloud().rds.describeDbCluster(DR, "x", { timeoutMs: 10_000, signal: ctl.signal }));
      expect(err).to.equal(reason);
    });

    it("does not send at all when the caller has already aborted", async () => {
      const ctl = new AbortController();
      ctl.abort(new Error("stop"));
      await rejection(cloud().eks.scaleNodeGroup(DR, "c", "web", { minSize: 0, desiredSize: 0, maxSize: 1 }, { signal: ctl.signal }));
      expect(eks.commandCalls(UpdateNodegroupConfigCommand)).to.have.length(0);
    });
  });
});
