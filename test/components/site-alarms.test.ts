import * as aws from "@pulumi/aws";
import { expect } from "chai";
import { EFS_DESIGNED_RPO_SECONDS, replicationAlarmPolicy, SiteAlarms, type SiteAlarmsArgs } from "../../components/site-alarms";
import { componentChildren, evaluateComponent } from "../harness/component";
import { resolve } from "../../automation/sim/program/evaluate";
import type { MockCloud, RecordedResource } from "../../automation/sim/program/mock-cloud";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const TOPIC = "aws:sns/topic:Topic";

type BuildArgs = Omit<SiteAlarmsArgs, "region" | "healthCheck"> & { healthCheck?: { notify?: boolean; keepAsIs?: boolean } | false };

/** Builds SiteAlarms in `region` with a us-east-1 provider for the Route 53 alarm, as the program would. */
async function build(region: string, args: BuildArgs) {
  return evaluateComponent(
    (ctx) => {
      const usEast1 = new aws.Provider("us-east-1", { region: "us-east-1" });
      const { healthCheck, ...rest } = args;
      return new SiteAlarms(
        "alarms",
        {
          ...rest,
          region: ctx.region,
          healthCheck:
            healthCheck === false ? undefined : { healthCheckId: "hc-0123456789abcdef", usEast1Provider: usEast1, notify: true, ...(healthCheck ?? {}) },
        },
        { providers: [ctx.aws] },
      );
    },
    { region },
  );
}

/** The alarm watching `metricName`, directly or through one of its metric queries. */
const alarmOn = (cloud: MockCloud, metricName: string): RecordedResource | undefined =>
  cloud.ofType(ALARM).find((a) => a.inputs.metricName === metricName || (a.inputs.metricQueries ?? []).some((q: any) => q.metric?.metricName === metricName));
/** The dimension sets an alarm reads `metricName` under. */
const dimensionSets = (alarm: RecordedResource, metricName: string): Record<string, string>[] =>
  alarm.inputs.metricName === metricName
    ? [alarm.inputs.dimensions]
    : alarm.inputs.metricQueries.filter((q: any) => q.metric?.metricName === metricName).map((q: any) => q.metric.dimensions);

describe("replicationAlarmPolicy", () => {
  it("puts the thresholds at half the RPO target and moves them with it", () => {
    const five = replicationAlarmPolicy(300);
    expect(five).to.include({ thresholdSeconds: 150, auroraLagThresholdMs: 150_000, belowEfsDesignedRpo: true });
    const thirty = replicationAlarmPolicy(1800);
    expect(thirty).to.include({ thresholdSeconds: 900, auroraLagThresholdMs: 900_000, belowEfsDesignedRpo: false });
  });

  it("fits the confirmation window in the half of the target above the threshold", () => {
    expect(replicationAlarmPolicy(300).aurora).to.deep.equal({ periodSeconds: 60, evaluationPeriods: 2 });
    expect(replicationAlarmPolicy(300).efs).to.deep.equal({ periodSeconds: 300, evaluationPeriods: 1 });
    expect(replicationAlarmPolicy(1800).efs).to.deep.equal({ periodSeconds: 300, evaluationPeriods: 3 });
    expect(replicationAlarmPolicy(86_400).aurora.evaluationPeriods).to.equal(5);
    expect(replicationAlarmPolicy(30).aurora.evaluationPeriods).to.equal(1);
    expect(() => replicationAlarmPolicy(0)).to.throw(/positive/);
  });
});

describe("SiteAlarms", () => {
  for (const region of ["eu-west-3", "ap-northeast-1"]) {
    describe(`in ${region}`, () => {
      it("with its (secondary) cluster: alarms on the Aurora lag, in its Region, at half the RPO", async () => {
        const { cloud } = await build(region, {
          rpoTargetSeconds: 600,
          dbClusterIdentifier: "shop-dr",
          auroraSourceRegion: "us-east-1",
          healthCheck: { notify: false },
        });
        const lag = alarmOn(cloud, "AuroraGlobalDBRPOLag")!;
        expect(lag, "aurora alarm").to.not.equal(undefined);
        expect(lag.inputs).to.include({ comparisonOperator: "GreaterThanThreshold", threshold: 300_000 });
        for (const q of lag.inputs.metricQueries.filter((q: any) => q.metric)) {
          expect(q.metric).to.include({ namespace: "AWS/RDS", stat: "Maximum", period: 60 });
          expect(q.returnData).to.equal(false);
        }
        expect(lag.region).to.equal(region);
        // Not the EFS source; told not to notify (a pilot-light standby, unhealthy by design), its
        // health-check alarm exists (a failover creates nothing in us-east-1) but is silent.
        expect(alarmOn(cloud, "TimeSinceLastSync")).to.equal(undefined);
        expect(alarmOn(cloud, "HealthCheckStatus")!.inputs.actionsEnabled).to.equal(false);
      });

      it("before Aurora MySQL 3.04: alarms on AuroraGlobalDBReplicationLag instead", async () => {
        const { cloud } = await build(region, { rpoTargetSeconds: 600, dbClusterIdentifier: "shop-dr", auroraLagMetric: "AuroraGlobalDBReplicationLag" });
        expect(alarmOn(cloud, "AuroraGlobalDBRPOLag")).to.equal(undefined);
        expect(dimensionSets(alarmOn(cloud, "AuroraGlobalDBReplicationLag")!, "AuroraGlobalDBReplicationLag")).to.deep.include({
          DBClusterIdentifier: "shop-dr",
        });
      });

      it("the lag alarm watches every dimension set Aurora may publish the lag under, and alarms on the worse", async () => {
        // Which set Aurora publishes the global-database lag with is not settled by its guide
        // (DBClusterIdentifier alone, or with SourceRegion = the primary's Region): the alarm reads both.
        const { cloud } = await build(region, { rpoTargetSeconds: 600, dbClusterIdentifier: "shop-dr", auroraSourceRegion: "us-east-1" });
        const lag = alarmOn(cloud, "AuroraGlobalDBRPOLag")!;
        expect(dimensionSets(lag, "AuroraGlobalDBRPOLag")).to.have.deep.members([
          { DBClusterIdentifier: "shop-dr" },
          { DBClusterIdentifier: "shop-dr", SourceRegion: "us-east-1" },
        ]);
        const watched = lag.inputs.metricQueries.filter((q: any) => q.returnData);
        expect(watched, "exactly one query is the alarm's value").to.have.length(1);
        const ids = lag.inputs.metricQueries.filter((q: any) => q.metric).map((q: any) => q.id);
        expect(watched[0].expression).to.equal(`MAX([${ids.join(", ")}])`);
        expect(lag.inputs).to.not.have.any.keys("metricName", "dimensions", "namespace", "statistic", "period");
      });

      it("as the EFS source: alarms on TimeSinceLastSync of the source and destination pair, and on its health check in us-east-1", async () => {
        const { cloud, value } = await build(region, {
          rpoTargetSeconds: 1800,
          efsReplication: { sourceFileSystemId: "fs-source", destinationFileSystemId: "fs-dest" },
        });
        expect(alarmOn(cloud, "AuroraGlobalDBRPOLag"), "no cluster to watch").to.equal(undefined);
        expect(alarmOn(cloud, "AuroraGlobalDBReplicationLag"), "no cluster to watch").to.equal(undefined);

        const efs = alarmOn(cloud, "TimeSinceLastSync")!;
        expect(efs.inputs).to.include({ namespace: "AWS/EFS", statistic: "Maximum", threshold: 900, period: 300, evaluationPeriods: 3 });
        expect(efs.inputs.dimensions).to.deep.equal({ FileSystemId: "fs-source", DestinationFileSystemId: "fs-dest" });
        expect(efs.region).to.equal(region);
        expect(efs.inputs.alarmActions).to.deep.equal([await resolve(value.topicArn)]);

        const health = alarmOn(cloud, "HealthCheckStatus")!;
        expect(health.region).to.equal("us-east-1");
        expect(health.inputs).to.include({
          namespace: "AWS/Route53",
          statistic: "Minimum",
          comparisonOperator: "LessThanThreshold",
          threshold: 1,
          actionsEnabled: true,
        });
        expect(health.inputs.dimensions).to.deep.equal({ HealthCheckId: "hc-0123456789abcdef" });
        // An alarm can only notify a topic in its own Region.
        const usEast1Topic = await resolve(value.healthCheckTopicArn!);
        expect(usEast1Topic).to.match(/^arn:aws:sns:us-east-1:/);
        expect(health.inputs.alarmActions).to.deep.equal([usEast1Topic]);
        expect(
          cloud
            .ofType(TOPIC)
            .map((t) => t.region)
            .sort(),
        ).to.deep.equal([region, "us-east-1"].sort());
      });

      it("parents every child; only the Route 53 alarm and its topic leave the site's Region", async () => {
        const { cloud } = await build(region, {
          rpoTargetSeconds: 900,
          alarmEmail: "ops@example.com",
          efsReplication: { sourceFileSystemId: "fs-a", destinationFileSystemId: "fs-b" },
        });
        const children = componentChildren(cloud).filter((r) => r.type !== "eks-dr:index:SiteAlarms");
        expect(children.length).to.be.greaterThan(6);
        for (const r of children) {
          expect(r.urn, r.name).to.contain("eks-dr:index:SiteAlarms$");
          expect(r.region, r.name).to.equal(r.name.startsWith("alarms-route53") || r.name === "alarms-health-check" ? "us-east-1" : region);
        }
      });
    });
  }

  it("moves the alarm thresholds when the RPO target changes", async () => {
    const at = async (rpoTargetSeconds: number) => {
      const { cloud } = await build("eu-west-3", {
        rpoTargetSeconds,
        dbClusterIdentifier: "c",
        efsReplication: { sourceFileSystemId: "fs-a", destinationFileSystemId: "fs-b" },
      });
      return [alarmOn(cloud, "AuroraGlobalDBRPOLag")!.inputs.threshold, alarmOn(cloud, "TimeSinceLastSync")!.inputs.threshold];
    };
    expect(await at(900)).to.deep.equal([450_000, 450]);
    expect(await at(3600)).to.deep.equal([1_800_000, 1800]);
  });

  it("notifies on ALARM, OK and INSUFFICIENT_DATA and does not treat missing data as a breach", async () => {
    const { cloud, value } = await build("eu-west-3", { rpoTargetSeconds: 900, dbClusterIdentifier: "c" });
    const topic = await resolve(value.topicArn);
    const lag = alarmOn(cloud, "AuroraGlobalDBRPOLag")!.inputs;
    expect(lag.treatMissingData).to.equal("missing");
    for (const actions of [lag.alarmActions, lag.okActions, lag.insufficientDataActions]) expect(actions).to.deep.equal([topic]);
  });

  it("notifies on the health check exactly when told to", async () => {
    for (const notify of [true, false]) {
      const { cloud } = await build("eu-west-3", { rpoTargetSeconds: 900, healthCheck: { notify } });
      expect(alarmOn(cloud, "HealthCheckStatus")!.region).to.equal("us-east-1");
      expect(alarmOn(cloud, "HealthCheckStatus")!.inputs.actionsEnabled).to.equal(notify);
    }
  });

  it("registers the same us-east-1 resources whether it notifies or not: a role swap creates nothing there", async () => {
    const names = async (notify: boolean) =>
      (await build("eu-west-3", { rpoTargetSeconds: 900, alarmEmail: "ops@example.com", healthCheck: { notify } })).cloud.resources
        .filter((r) => r.region === "us-east-1")
        .map((r) => `${r.type} ${r.name}`);
    expect(await names(false)).to.deep.equal(await names(true));
  });

  it("invokes nothing through the us-east-1 provider: account and partition come from the site's", async () => {
    const { cloud } = await build("eu-west-3", { rpoTargetSeconds: 900 });
    expect(cloud.calls.length).to.be.greaterThan(0);
    for (const c of cloud.calls) expect(c.region, c.token).to.equal("eu-west-3");
  });

  it("keeps what it has in us-east-1 as last deployed when asked (keepAsIs): every input in ignoreChanges", async () => {
    const kept = await build("eu-west-3", { rpoTargetSeconds: 900, alarmEmail: "ops@example.com", healthCheck: { keepAsIs: true } });
    const east = componentChildren(kept.cloud).filter((r) => r.region === "us-east-1");
    expect(east.map((r) => r.type)).to.include.members([
      "aws:cloudwatch/metricAlarm:MetricAlarm",
      "aws:sns/topic:Topic",
      "aws:kms/key:Key",
      "aws:sns/topicSubscription:TopicSubscription",
    ]);
    for (const r of east) expect(r.options.ignoreChanges, r.name).to.include.members(Object.keys(r.inputs).filter((k) => !k.startsWith("__")));
    for (const r of componentChildren(kept.cloud).filter((c) => c.region === "eu-west-3")) expect(r.options.ignoreChanges, r.name).to.deep.equal([]);
  });

  it("keeps the us-east-1 topic whether it notifies or not, so a failover does not drop the email subscription", async () => {
    for (const notify of [true, false]) {
      const { cloud } = await build("eu-west-3", { rpoTargetSeconds: 900, alarmEmail: "ops@example.com", healthCheck: { notify } });
      const subs = cloud.ofType("aws:sns/topicSubscription:TopicSubscription");
      expect(subs.map((s) => s.region).sort(), String(notify)).to.deep.equal(["eu-west-3", "us-east-1"]);
      for (const s of subs) expect(s.inputs).to.include({ protocol: "email", endpoint: "ops@example.com" });
    }
  });

  it("shares the site topic when the site itself is in us-east-1", async () => {
    const { cloud, value } = await build("us-east-1", { rpoTargetSeconds: 900 });
    expect(cloud.ofType(TOPIC)).to.have.length(1);
    expect(await resolve(value.healthCheckTopicArn!)).to.equal(await resolve(value.topicArn));
    expect(cloud.ofType("aws:sns/topicSubscription:TopicSubscription")).to.have.length(0);
  });

  it("encrypts each topic with a key CloudWatch may use, and lets only this account's alarms publish", async () => {
    const { cloud } = await build("eu-west-3", { rpoTargetSeconds: 900 });
    const topics = cloud.ofType(TOPIC);
    expect(topics).to.have.length(2);
    for (const topic of topics) {
      const key = cloud.ofType("aws:kms/key:Key").find((k) => k.state.arn === topic.inputs.kmsMasterKeyId)!;
      expect(key, topic.name).to.not.equal(undefined);
      expect(key.region).to.equal(topic.region);
      const statements = JSON.parse(key.inputs.policy).Statement;
      const cw = statements.find((s: any) => s.Principal.Service === "cloudwatch.amazonaws.com");
      expect(cw.Action).to.have.members(["kms:Decrypt", "kms:GenerateDataKey*"]);
      const topicPolicy = cloud.ofType("aws:sns/topicPolicy:TopicPolicy").find((p) => p.inputs.arn === topic.state.arn)!;
      const publish = JSON.parse(topicPolicy.inputs.policy).Statement.find((s: any) => s.Principal.Service === "cloudwatch.amazonaws.com");
      expect(publish.Condition.ArnLike["aws:SourceArn"]).to.equal(`arn:aws:cloudwatch:${topic.region}:123456789012:alarm:*`);
    }
  });

  it("encrypts the site topic with the site key when given, and still keys the us-east-1 topic", async () => {
    const siteKey = "arn:aws:kms:eu-west-3:123456789012:key/mrk-0123456789abcdef0123456789abcdef";
    const { cloud } = await build("eu-west-3", { rpoTargetSeconds: 900, kmsKeyArn: siteKey });
    const siteTopic = cloud.ofType(TOPIC).find((t) => t.region === "eu-west-3")!;
    expect(siteTopic.inputs.kmsMasterKeyId).to.equal(siteKey);
    const keys = cloud.ofType("aws:kms/key:Key");
    expect(keys.map((k) => k.region)).to.deep.equal(["us-east-1"]);
    expect(cloud.ofType(TOPIC).find((t) => t.region === "us-east-1")!.inputs.kmsMasterKeyId).to.equal(keys[0].state.arn);
  });

  it("can leave the topics unencrypted", async () => {
    const { cloud } = await build("eu-west-3", { rpoTargetSeconds: 900, encryptTopics: false });
    expect(cloud.ofType("aws:kms/key:Key")).to.have.length(0);
    for (const topic of cloud.ofType(TOPIC)) expect(topic.inputs.kmsMasterKeyId).to.equal(undefined);
  });

  it("warns when the RPO target is below what EFS replication is designed for, and not otherwise", async () => {
    const below = await build("eu-west-3", { rpoTargetSeconds: 300, healthCheck: false });
    expect(below.warnings.join("\n")).to.match(/rpoTargetSeconds is 300 s, below the 900 s \(15 min\) RPO/);
    const at = await build("eu-west-3", { rpoTargetSeconds: EFS_DESIGNED_RPO_SECONDS, healthCheck: false });
    expect(at.warnings).to.deep.equal([]);
  });

  it("creates no us-east-1 resources without a health check", async () => {
    const { cloud, value } = await build("eu-west-3", { rpoTargetSeconds: 900, healthCheck: false });
    expect(componentChildren(cloud).filter((r) => r.region === "us-east-1")).to.have.length(0);
    expect(value.healthCheckTopicArn).to.equal(undefined);
  });
});
