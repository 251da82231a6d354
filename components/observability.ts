/**
 * Container logs and metrics to CloudWatch (the Fluent Bit + CloudWatch agent path),
 * through the `amazon-cloudwatch-observability` EKS add-on: the CloudWatch agent sends Container
 * Insights metrics, Fluent Bit sends container logs. Both run as the `cloudwatch-agent` service
 * account, which gets its IAM role through Pod Identity (add-on 3.1.0 or later).
 *
 * The add-on's DaemonSets tolerate every taint, so tainted web/app nodes are covered too.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { managedPolicyArn, PodIdentityRole } from "./pod-identity-role";

export const OBSERVABILITY_ADDON = "amazon-cloudwatch-observability";
/** The namespace and service account the add-on runs its agent and Fluent Bit as. */
export const CLOUDWATCH_AGENT_NAMESPACE = "amazon-cloudwatch";
export const CLOUDWATCH_AGENT_SERVICE_ACCOUNT = "cloudwatch-agent";
/** Log groups Container Insights writes: `/aws/containerinsights/<cluster>/<kind>`. */
export const CONTAINER_INSIGHTS_LOG_GROUPS = ["application", "dataplane", "host", "performance"] as const;
export type ContainerInsightsLogGroup = (typeof CONTAINER_INSIGHTS_LOG_GROUPS)[number];

export interface ObservabilityArgs {
  /** `Cluster.clusterName`. */
  clusterName: pulumi.Input<string>;
  /**
   * What puts nodes in the cluster (the `NodeGroups` component). The add-on's operator is a
   * Deployment: without a node the add-on stays DEGRADED until its creation times out.
   */
  nodes: pulumi.Resource | pulumi.Resource[];
  /** Retention of the Container Insights log groups, in days. @default 30 */
  logRetentionDays?: number;
  /** Add-on version, e.g. `v4.4.0-eksbuild.1` (3.1.0 or later for Pod Identity). @default EKS's default for the cluster's version */
  addonVersion?: string;
}

export class Observability extends pulumi.ComponentResource {
  readonly addon: aws.eks.Addon;
  /** Role of the `amazon-cloudwatch/cloudwatch-agent` service account. */
  readonly agentRoleArn: pulumi.Output<string>;
  /** Container Insights log groups by kind. */
  readonly logGroupNames: Record<ContainerInsightsLogGroup, pulumi.Output<string>>;

  constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("eks-dr:index:Observability", name, {}, opts);
    const partition = aws.getPartitionOutput({}, { parent: this }).partition;

    // CloudWatchAgentServerPolicy: metrics and logs. AWSXrayWriteOnlyAccess: Application Signals
    // (on by default in the add-on) sends traces to X-Ray. Both as the add-on's docs prescribe.
    const agentRole = new PodIdentityRole(
      `${name}-cloudwatch-agent`,
      {
        clusterName: args.clusterName,
        namespace: CLOUDWATCH_AGENT_NAMESPACE,
        serviceAccount: CLOUDWATCH_AGENT_SERVICE_ACCOUNT,
        managedPolicyArns: [managedPolicyArn(partition, "CloudWatchAgentServerPolicy"), managedPolicyArn(partition, "AWSXrayWriteOnlyAccess")],
      },
      { parent: this },
    );

    // Fluent Bit creates missing groups with no retention ("never expire"); creating them first
    // bounds what the logs cost. dataplane/host stay empty on AL2023 nodes unless enabled.
    const logGroups = CONTAINER_INSIGHTS_LOG_GROUPS.map(
      (kind) =>
        new aws.cloudwatch.LogGroup(
          `${name}-${kind}`,
          { name: pulumi.interpolate`/aws/containerinsights/${args.clusterName}/${kind}`, retentionInDays: args.logRetentionDays ?? 30 },
          { parent: this },
        ),
    );

    const nodes = Array.isArray(args.nodes) ? args.nodes : [args.nodes];
    this.addon = new aws.eks.Addon(
      `${name}-cloudwatch`,
      {
        clusterName: args.clusterName,
        addonName: OBSERVABILITY_ADDON,
        addonVersion: args.addonVersion,
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "OVERWRITE",
      },
      // Pod Identity credentials are injected when a pod starts, so the association comes first.
      { parent: this, dependsOn: [agentRole.association, ...logGroups, ...nodes] },
    );

    this.agentRoleArn = agentRole.roleArn;
    this.logGroupNames = Object.fromEntries(CONTAINER_INSIGHTS_LOG_GROUPS.map((kind, i) => [kind, logGroups[i].name])) as Record<
      ContainerInsightsLogGroup,
      pulumi.Output<string>
    >;
    this.registerOutputs({ addonArn: this.addon.arn, agentRoleArn: this.agentRoleArn, logGroupNames: this.logGroupNames });
  }
}
