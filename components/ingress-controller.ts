/**
 * The AWS Load Balancer Controller: turns the site's Ingress into an ALB, which Route 53 failover
 * records point at. Installed from the eks-charts Helm repository, with its AWS permissions granted
 * through Pod Identity.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
// The reference policy, verbatim from kubernetes-sigs/aws-load-balancer-controller
// docs/install/iam_policy.json (commit 2b150b977b79dcad119243f2e8f3625ea5bb7e81): it covers every
// action controller v2.11 calls. Replace the file with the new release's policy on every chart bump.
import loadBalancerControllerPolicy from "./policies/aws-load-balancer-controller-iam-policy.json";
import { PodIdentityRole } from "./pod-identity-role";

/** IngressClass created by the chart (`createIngressClassResource`), handled by `ingress.k8s.aws/alb`. */
export const ALB_INGRESS_CLASS = "alb";
export const LOAD_BALANCER_CONTROLLER_NAMESPACE = "kube-system";
/** The chart creates this service account; the Pod Identity association names the same one. */
export const LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT = "aws-load-balancer-controller";
export const LOAD_BALANCER_CONTROLLER_CHART_REPO = "https://aws.github.io/eks-charts";
/** Chart 1.11.0 ships controller v2.11.0, the release the stored IAM policy is for. */
export const LOAD_BALANCER_CONTROLLER_CHART_VERSION = "1.11.0";

export interface IngressControllerArgs {
  /** EKS cluster the controller manages load balancers for. */
  clusterName: pulumi.Input<string>;
  /**
   * VPC of the cluster. Required because nodes use IMDSv2 with a hop limit of 1: pods cannot read
   * instance metadata, so the controller cannot discover its VPC (or Region) by itself.
   */
  vpcId: pulumi.Input<string>;
  /** Controller replicas, spread over nodes by the chart's default anti-affinity. @default 2 */
  replicas?: number;
  /** Node labels the controller pods require. @default { "eks-dr/tier": "system" } */
  nodeSelector?: Record<string, string>;
  /** Chart version of `aws-load-balancer-controller`; bump together with the IAM policy file. @default LOAD_BALANCER_CONTROLLER_CHART_VERSION */
  chartVersion?: string;
}

export class IngressController extends pulumi.ComponentResource {
  /** IngressClass for the site's Ingress; resolves once the chart (and its webhook) is installed. */
  readonly ingressClassName: pulumi.Output<string>;
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: IngressControllerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("eks-dr:index:IngressController", name, {}, opts);

    // The Region the controller works in is the provider's, never a second copy of it in config.
    const region = aws.getRegionOutput({}, { parent: this }).region;

    const role = new PodIdentityRole(
      name,
      {
        clusterName: args.clusterName,
        namespace: LOAD_BALANCER_CONTROLLER_NAMESPACE,
        serviceAccount: LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT,
        inlinePolicy: JSON.stringify(loadBalancerControllerPolicy),
      },
      { parent: this },
    );

    const release = new k8s.helm.v3.Release(
      name,
      {
        // A fixed release name keeps the Deployment, webhook and service names stable.
        name: "aws-load-balancer-controller",
        chart: "aws-load-balancer-controller",
        version: args.chartVersion ?? LOAD_BALANCER_CONTROLLER_CHART_VERSION,
        repositoryOpts: { repo: LOAD_BALANCER_CONTROLLER_CHART_REPO },
        namespace: LOAD_BALANCER_CONTROLLER_NAMESPACE,
        values: {
          clusterName: args.clusterName,
          region,
          vpcId: args.vpcId,
          replicaCount: args.replicas ?? 2,
          // Pod Identity needs no annotation: the chart's own service account is the one associated.
          serviceAccount: { create: true, name: LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT },
          // System nodes run in both roles, so the controller is up before a failover scales web/app.
          nodeSelector: args.nodeSelector ?? { "eks-dr/tier": "system" },
          podDisruptionBudget: { maxUnavailable: 1 },
          ingressClass: ALB_INGRESS_CLASS,
          createIngressClassResource: true,
          // We only serve Ingress. The Service mutator would make this controller a dependency of every
          // new Service of type LoadBalancer in the cluster; leave those to their own controller.
          enableServiceMutatorWebhook: false,
        },
      },
      // Pod Identity credentials are injected when a pod starts: the association must exist first.
      { parent: this, dependsOn: [role] },
    );

    this.roleArn = role.roleArn;
    // Derived from the release so that an Ingress using it waits for the controller's webhook,
    // which rejects Ingress objects while it is not serving.
    this.ingressClassName = release.name.apply(() => ALB_INGRESS_CLASS);

    this.registerOutputs({ ingressClassName: this.ingressClassName, roleArn: this.roleArn });
  }
}
