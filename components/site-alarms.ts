/**
 * A site's alarms (CloudWatch watches the replication and the endpoints): an SNS
 * topic per site (plus an email subscription), and alarms on the RPO evidence and on the site's
 * Route 53 health check. Each alarm is created by the site that can see its metric:
 *
 * - `AuroraGlobalDBRPOLag` (Aurora MySQL 3.04+, how far the secondary is behind for user
 *   transactions) or, on older versions, `AuroraGlobalDBReplicationLag` (AWS/RDS, milliseconds, "the
 *   amount of lag when replicating updates from the primary AWS Region"; Aurora User Guide,
 *   cluster-level metrics; `auroraLagMetric` in stacks/config.ts picks one): it is published
 *   for the secondary cluster, in the secondary's Region. So the STANDBY site alarms on its own
 *   cluster; the active site has nothing to alarm on. Which dimension set carries it is not settled
 *   by the guide (its dimensions table lists `DBClusterIdentifier` and `SourceRegion` without saying
 *   which metric has which; AWS's Aurora workshop and the Neptune guide show the global-database
 *   lag under `DBClusterIdentifier, SourceRegion`), and CloudWatch matches dimensions exactly. The
 *   alarm therefore reads both candidate series with metric math and alarms on `MAX([...])`, the
 *   worse of whichever publishes (docs/decisions.md, "Aurora lag: which dimensions").
 * - `TimeSinceLastSync` (AWS/EFS, seconds) has two dimensions, `FileSystemId` = the replication's
 *   SOURCE and `DestinationFileSystemId` = its destination (EFS User Guide, CloudWatch metrics). An
 *   alarm must name both. The site that owns the replication configuration (the source, normally
 *   the active site) knows both ids and sits in the source's Region, so it creates this alarm.
 * - Route 53 health-check metrics (`AWS/Route53` `HealthCheckStatus`, 1 healthy / 0 unhealthy, per
 *   `HealthCheckId`) exist only in us-east-1, and an alarm can only notify an SNS topic in its own
 *   Region. That alarm therefore takes a us-east-1 provider as an argument and gets its own topic
 *   there (the site topic is reused when the site itself is in us-east-1). The alarm exists in both
 *   roles and only its notifications follow the role, so that a role swap creates nothing there.
 *
 * us-east-1 may be the Region a failover runs away from: with `healthCheck.keepAsIs` (config
 * `impairedRegions` lists us-east-1) what this component has there keeps the inputs it was last
 * deployed with (`ignoreChanges` on each of them), so an `up` changes nothing in us-east-1. No
 * function is ever invoked through the us-east-1 provider: the account and partition come from the
 * site's own provider.
 *
 * Thresholds come from the RPO target (see `replicationAlarmPolicy`). Amazon EFS replication is
 * designed for an RPO of 15 minutes for most file systems (EFS User Guide, "Replicating EFS file
 * systems"; AWS Storage Blog, "Use cases for Amazon EFS Replication"): a lower target gets a warning.
 *
 * Topics are encrypted with a customer managed key whose policy lets CloudWatch use it: the AWS
 * managed `alias/aws/sns` key does not allow `cloudwatch.amazonaws.com` to call `kms:Decrypt` /
 * `kms:GenerateDataKey*`, and alarms on such a topic fail to notify (AWS re:Post, "configure a
 * CloudWatch alarm with an encrypted SNS topic").
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AuroraLagMetric } from "../stacks/config";
import { cloudWatchAlarmsKeyStatement } from "./encryption-key";

/**
 * Replication alarms fire when lag reaches this fraction of the RPO target. Half leaves the other
 * half of the target for the alarm to confirm (its evaluation periods) and for an operator (or the
 * driver's readiness check) to act before a failover would lose more than the target.
 */
export const RPO_ALARM_FRACTION = 0.5;

/** The RPO Amazon EFS replication is designed for on most file systems: 15 minutes. */
export const EFS_DESIGNED_RPO_SECONDS = 15 * 60;

/** Aurora publishes cluster metrics every minute. */
const AURORA_PERIOD_SECONDS = 60;
/**
 * EFS does not document how often it publishes `TimeSinceLastSync`; a 5-minute period tolerates
 * sparse publication, and loses nothing since the metric is itself an age (its Maximum over the
 * period is the oldest unsynced moment seen).
 */
const EFS_PERIOD_SECONDS = 300;
const MAX_EVALUATION_PERIODS = 5;

export interface AlarmWindow {
  periodSeconds: number;
  /** Consecutive breaching periods before the alarm fires (also `datapointsToAlarm`). */
  evaluationPeriods: number;
}

export interface ReplicationAlarmPolicy {
  rpoTargetSeconds: number;
  /** RPO_ALARM_FRACTION of the target, in seconds. */
  thresholdSeconds: number;
  /** The same threshold in milliseconds, the unit of the Aurora lag metrics. */
  auroraLagThresholdMs: number;
  aurora: AlarmWindow;
  efs: AlarmWindow;
  /** True when the target is below what EFS replication is designed to deliver. */
  belowEfsDesignedRpo: boolean;
}

/**
 * Thresholds and windows for a given RPO target. The window is as many periods as fit in the part
 * of the target above the threshold (1 to 5), so a replication that stalls is reported before the
 * lag exceeds the target whenever one period fits.
 */
export function replicationAlarmPolicy(rpoTargetSeconds: number): ReplicationAlarmPolicy {
  if (!(rpoTargetSeconds > 0)) throw new Error(`rpoTargetSeconds must be positive, got ${rpoTargetSeconds}`);
  const thresholdSeconds = rpoTargetSeconds * RPO_ALARM_FRACTION;
  const window = (periodSeconds: number): AlarmWindow => ({
    periodSeconds,
    evaluationPeriods: Math.min(MAX_EVALUATION_PERIODS, Math.max(1, Math.floor((rpoTargetSeconds - thresholdSeconds) / periodSeconds))),
  });
  return {
    rpoTargetSeconds,
    thresholdSeconds,
    auroraLagThresholdMs: Math.round(thresholdSeconds * 1000),
    aurora: window(AURORA_PERIOD_SECONDS),
    efs: window(EFS_PERIOD_SECONDS),
    belowEfsDesignedRpo: rpoTargetSeconds < EFS_DESIGNED_RPO_SECONDS,
  };
}

export interface SiteAlarmsArgs {
  /** This site's Region (decides whether the Route 53 alarm can share the site topic). */
  region: string;
  /** Recovery point objective, in seconds (`eks-dr:rpoTargetSeconds`). */
  rpoTargetSeconds: number;
  /** Subscribed to every topic of the site (each subscription must be confirmed once). */
  alarmEmail?: string;
  /**
   * This site's regional Aurora cluster identifier, to alarm on the replication lag into it: pass it
   * where the cluster is a secondary of the global database (the standby). @default no lag alarm
   */
  dbClusterIdentifier?: pulumi.Input<string>;
  /** The Aurora lag metric to alarm on (`auroraLagMetric(engineVersion)`). @default "AuroraGlobalDBRPOLag" */
  auroraLagMetric?: AuroraLagMetric;
  /**
   * Region of the global cluster's writer (the peer's while this site is standby): the value of the
   * `SourceRegion` dimension the lag may be published with. Without it only the
   * `DBClusterIdentifier`-only series is watched.
   */
  auroraSourceRegion?: string;
  /**
   * Pass when this site owns the EFS replication configuration (it is the source): the alarm is on
   * the source's metric, in the source's Region.
   */
  efsReplication?: { sourceFileSystemId: pulumi.Input<string>; destinationFileSystemId: pulumi.Input<string> };
  /** This site's Route 53 health check, alarmed on in us-east-1. */
  healthCheck?: {
    healthCheckId: pulumi.Input<string>;
    /** An AWS provider for us-east-1, the only Region where Route 53 publishes health-check metrics. */
    usEast1Provider: aws.Provider;
    /**
     * Notify on the alarm. The alarm exists either way, so turning this on or off changes nothing
     * else: on while the site is PRIMARY; off on a pilot-light standby, whose check is unhealthy by
     * design (no web nodes).
     */
    notify: boolean;
    /**
     * Change nothing in us-east-1: its resources keep the inputs they were last deployed with
     * (config `impairedRegions` lists us-east-1, e.g. during a failover away from it). @default false
     */
    keepAsIs?: boolean;
  };
  /**
   * The site's KMS key (`EncryptionKey.keyArn`), whose policy already lets CloudWatch alarms use it:
   * the site topic is encrypted with it instead of a dedicated key. A topic in us-east-1 (when the
   * site is elsewhere) still gets its own key there, since the site key lives in the site's Region.
   */
  kmsKeyArn?: pulumi.Input<string>;
  /** Encrypt the topics; a topic without `kmsKeyArn` gets a dedicated key CloudWatch may use. @default true */
  encryptTopics?: boolean;
}

/**
 * Metric queries reading the Aurora lag under each dimension set it may be published with, and the
 * expression the alarm watches: `MAX` of an array of series is one series holding, at each minute,
 * the largest value any of them reports (CloudWatch User Guide, metric math functions), so the
 * alarm sees the lag whichever set Aurora publishes and treats a silent series as missing data.
 */
export function auroraLagQueries(
  metricName: AuroraLagMetric,
  dbClusterIdentifier: pulumi.Input<string>,
  sourceRegion: string | undefined,
  periodSeconds: number,
): aws.types.input.cloudwatch.MetricAlarmMetricQuery[] {
  const dimensionSets: Record<string, pulumi.Input<string>>[] = [
    { DBClusterIdentifier: dbClusterIdentifier },
    ...(sourceRegion === undefined ? [] : [{ DBClusterIdentifier: dbClusterIdentifier, SourceRegion: sourceRegion }]),
  ];
  const series = dimensionSets.map((dimensions, i) => ({
    id: `lag${i}`,
    metric: { namespace: "AWS/RDS", metricName, dimensions, stat: "Maximum", period: periodSeconds },
    returnData: false,
  }));
  return [...series, { id: "worst", expression: `MAX([${series.map((q) => q.id).join(", ")}])`, label: `${metricName} (ms), worst series`, returnData: true }];
}

export class SiteAlarms extends pulumi.ComponentResource {
  /** The site's alarm topic, in the site's Region (`alarmTopicArn` output). */
  readonly topicArn: pulumi.Output<string>;
  /** The topic the Route 53 alarm notifies, in us-east-1; undefined without a health check. */
  readonly healthCheckTopicArn?: pulumi.Output<string>;
  readonly policy: ReplicationAlarmPolicy;
  readonly alarms: {
    auroraReplicationLag?: aws.cloudwatch.MetricAlarm;
    efsTimeSinceLastSync?: aws.cloudwatch.MetricAlarm;
    healthCheck?: aws.cloudwatch.MetricAlarm;
  } = {};

  constructor(name: string, args: SiteAlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("eks-dr:index:SiteAlarms", name, {}, opts);
    this.policy = replicationAlarmPolicy(args.rpoTargetSeconds);
    const policy = this.policy;
    if (policy.belowEfsDesignedRpo) {
      pulumi.log.warn(
        `eks-dr:rpoTargetSeconds is ${args.rpoTargetSeconds} s, below the ${EFS_DESIGNED_RPO_SECONDS} s (15 min) RPO that Amazon EFS ` +
          `replication is designed for on most file systems: shared files may lose more than the target in a failover, and the ` +
          `TimeSinceLastSync alarm (${policy.thresholdSeconds} s) may fire in normal operation. Set rpoTargetSeconds to ` +
          `${EFS_DESIGNED_RPO_SECONDS} or more, or accept a weaker RPO for files than for the database.`,
        this,
      );
    }

    // Through the site's provider (inherited from the component), never the us-east-1 one.
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const partition = aws.getPartitionOutput({}, { parent: this }).partition;
    const siteTopic = this.topic(name, args, { account, partition }, undefined, args.kmsKeyArn);
    this.topicArn = siteTopic.arn;

    const notify = (topicArn: pulumi.Input<string>) => ({
      // OK and INSUFFICIENT_DATA are notified too: "replication stopped reporting" matters as much
      // as "replication is late", and missing data is not treated as a breach (treatMissingData
      // "missing"), so a metric that disappears shows up as INSUFFICIENT_DATA, not silence.
      alarmActions: [topicArn],
      okActions: [topicArn],
      insufficientDataActions: [topicArn],
      treatMissingData: "missing",
    });

    if (args.dbClusterIdentifier !== undefined) {
      this.alarms.auroraReplicationLag = new aws.cloudwatch.MetricAlarm(
        `${name}-aurora-replication-lag`,
        {
          alarmDescription:
            `Aurora global database replication lag into this (secondary) cluster is above ${policy.thresholdSeconds} s, ` +
            `${RPO_ALARM_FRACTION * 100}% of the ${args.rpoTargetSeconds} s RPO target: a failover now could lose more writes than planned.`,
          metricQueries: auroraLagQueries(
            args.auroraLagMetric ?? "AuroraGlobalDBRPOLag",
            args.dbClusterIdentifier,
            args.auroraSourceRegion,
            policy.aurora.periodSeconds,
          ),
          evaluationPeriods: policy.aurora.evaluationPeriods,
          datapointsToAlarm: policy.aurora.evaluationPeriods,
          comparisonOperator: "GreaterThanThreshold",
          threshold: policy.auroraLagThresholdMs,
          ...notify(siteTopic.arn),
        },
        { parent: this },
      );
    }

    if (args.efsReplication !== undefined) {
      this.alarms.efsTimeSinceLastSync = new aws.cloudwatch.MetricAlarm(
        `${name}-efs-time-since-last-sync`,
        {
          alarmDescription:
            `EFS replication from this site's file system last completed a sync more than ${policy.thresholdSeconds} s ago, ` +
            `${RPO_ALARM_FRACTION * 100}% of the ${args.rpoTargetSeconds} s RPO target: files written since may be lost in a failover.`,
          namespace: "AWS/EFS",
          metricName: "TimeSinceLastSync",
          dimensions: {
            FileSystemId: args.efsReplication.sourceFileSystemId,
            DestinationFileSystemId: args.efsReplication.destinationFileSystemId,
          },
          statistic: "Maximum",
          period: policy.efs.periodSeconds,
          evaluationPeriods: policy.efs.evaluationPeriods,
          datapointsToAlarm: policy.efs.evaluationPeriods,
          comparisonOperator: "GreaterThanThreshold",
          threshold: policy.thresholdSeconds,
          ...notify(siteTopic.arn),
        },
        { parent: this },
      );
    }

    if (args.healthCheck !== undefined) {
      const hc = args.healthCheck;
      // The topic and the alarm exist whatever the role, so a failover neither deletes the email
      // subscription (a new one would have to be confirmed again) nor creates anything in us-east-1;
      // only the alarm's notifications follow the role.
      const usEast1Topic =
        args.region === "us-east-1"
          ? siteTopic
          : this.topic(`${name}-route53`, args, { account, partition }, hc.usEast1Provider, undefined, hc.keepAsIs === true);
      this.healthCheckTopicArn = usEast1Topic.arn;
      const alarmArgs: aws.cloudwatch.MetricAlarmArgs = {
        alarmDescription: `Route 53 considers the endpoint of the site in ${args.region} unhealthy; while that site is active (PRIMARY), DNS fails over to the peer.`,
        namespace: "AWS/Route53",
        metricName: "HealthCheckStatus",
        dimensions: { HealthCheckId: hc.healthCheckId },
        statistic: "Minimum",
        period: 60,
        // The health check's own failure threshold already debounces; one period is enough.
        evaluationPeriods: 1,
        comparisonOperator: "LessThanThreshold",
        threshold: 1,
        actionsEnabled: hc.notify,
        ...notify(usEast1Topic.arn),
      };
      const inUsEast1 = args.region !== "us-east-1";
      this.alarms.healthCheck = new aws.cloudwatch.MetricAlarm(`${name}-health-check`, alarmArgs, {
        parent: this,
        provider: hc.usEast1Provider,
        ...keptAsIs(inUsEast1 && hc.keepAsIs === true, alarmArgs),
      });
    }

    this.registerOutputs({ topicArn: this.topicArn, healthCheckTopicArn: this.healthCheckTopicArn });
  }

  /**
   * An alarm topic in the provider's Region, with its policy and email subscription, encrypted with
   * `keyArn` or, without one, a dedicated key. `keepAsIs`: each keeps its last deployed inputs.
   */
  private topic(
    name: string,
    args: SiteAlarmsArgs,
    ids: { account: pulumi.Input<string>; partition: pulumi.Input<string> },
    provider?: aws.Provider,
    keyArn?: pulumi.Input<string>,
    keepAsIs = false,
  ): aws.sns.Topic {
    const opts = (resourceArgs: object): pulumi.CustomResourceOptions => ({
      parent: this,
      ...(provider === undefined ? {} : { provider }),
      ...keptAsIs(keepAsIs, resourceArgs),
    });
    const encrypt = args.encryptTopics ?? true;
    let kmsMasterKeyId: pulumi.Input<string> | undefined = encrypt ? keyArn : undefined;
    if (encrypt && keyArn === undefined) {
      const { account, partition } = ids;
      // Not protected, unlike the site's data keys: it encrypts notifications in flight only, and a
      // lost key loses no stored data.
      const keyArgs: aws.kms.KeyArgs = {
        description: "Encrypts eks-dr alarm notifications; CloudWatch alarms may use it to publish",
        enableKeyRotation: true,
        deletionWindowInDays: 7,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "AccountAdministersTheKey",
              Effect: "Allow",
              Principal: { AWS: pulumi.interpolate`arn:${partition}:iam::${account}:root` },
              Action: "kms:*",
              Resource: "*",
            },
            cloudWatchAlarmsKeyStatement(account),
          ],
        }),
      };
      kmsMasterKeyId = new aws.kms.Key(name, keyArgs, opts(keyArgs)).arn;
    }
    const topicArgs: aws.sns.TopicArgs = kmsMasterKeyId === undefined ? {} : { kmsMasterKeyId };
    const topic = new aws.sns.Topic(name, topicArgs, opts(topicArgs));
    const policyArgs: aws.sns.TopicPolicyArgs = {
      arn: topic.arn,
      policy: topic.arn.apply((arn) => {
        const [, partition, , region, account] = arn.split(":");
        return JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "AccountOwnsTheTopic",
              Effect: "Allow",
              Principal: { AWS: `arn:${partition}:iam::${account}:root` },
              Action: ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish"],
              Resource: arn,
            },
            {
              // Only this account's alarms in this Region may publish.
              Sid: "CloudWatchAlarmsPublish",
              Effect: "Allow",
              Principal: { Service: "cloudwatch.amazonaws.com" },
              Action: "SNS:Publish",
              Resource: arn,
              Condition: {
                StringEquals: { "aws:SourceAccount": account },
                ArnLike: { "aws:SourceArn": `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
              },
            },
            {
              // Only this account's EventBridge rules in this Region (failed AWS Backup jobs).
              Sid: "EventBridgeRulesPublish",
              Effect: "Allow",
              Principal: { Service: "events.amazonaws.com" },
              Action: "SNS:Publish",
              Resource: arn,
              Condition: {
                StringEquals: { "aws:SourceAccount": account },
                ArnLike: { "aws:SourceArn": `arn:${partition}:events:${region}:${account}:rule/*` },
              },
            },
          ],
        });
      }),
    };
    new aws.sns.TopicPolicy(name, policyArgs, opts(policyArgs));
    if (args.alarmEmail !== undefined) {
      const subscriptionArgs: aws.sns.TopicSubscriptionArgs = { topic: topic.arn, protocol: "email", endpoint: args.alarmEmail };
      new aws.sns.TopicSubscription(name, subscriptionArgs, opts(subscriptionArgs));
    }
    return topic;
  }
}

/**
 * Resource options that keep a resource as it was last deployed: every input it is given is in
 * `ignoreChanges`, so the engine reuses the old values and the provider sees no diff (an existing
 * resource is left alone; a missing one would still be created).
 */
function keptAsIs(keep: boolean, resourceArgs: object): Pick<pulumi.CustomResourceOptions, "ignoreChanges"> {
  return keep ? { ignoreChanges: Object.keys(resourceArgs) } : {};
}
