/**
 * An IAM role for one Kubernetes service account, granted through EKS Pod Identity.
 *
 * Pod Identity (rather than IRSA) keeps the trust policy free of the cluster's OIDC issuer, so the
 * same role shape works in both Regions and survives a cluster rebuild. The eks-pod-identity-agent
 * add-on must run in the cluster (the Cluster component installs it).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface PodIdentityRoleArgs {
  clusterName: pulumi.Input<string>;
  namespace: pulumi.Input<string>;
  serviceAccount: pulumi.Input<string>;
  /** ARNs of managed policies to attach (see `managedPolicyArn` for AWS managed ones). */
  managedPolicyArns?: pulumi.Input<string>[];
  /** An inline policy document (JSON) for permissions no managed policy covers. */
  inlinePolicy?: pulumi.Input<string>;
}

/**
 * ARN of the AWS managed IAM policy `name` (with its path, e.g. `service-role/AmazonEFSCSIDriverPolicy`)
 * in `partition`, from `aws.getPartitionOutput`: `aws`, `aws-us-gov` and `aws-cn` ARNs differ.
 */
export function managedPolicyArn(partition: pulumi.Input<string>, name: string): pulumi.Output<string> {
  return pulumi.interpolate`arn:${partition}:iam::aws:policy/${name}`;
}

/** The trust policy every Pod Identity role uses. */
export const POD_IDENTITY_TRUST_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { Service: "pods.eks.amazonaws.com" },
      Action: ["sts:AssumeRole", "sts:TagSession"],
    },
  ],
});

export class PodIdentityRole extends pulumi.ComponentResource {
  readonly roleArn: pulumi.Output<string>;
  readonly roleName: pulumi.Output<string>;
  readonly association: aws.eks.PodIdentityAssociation;

  constructor(name: string, args: PodIdentityRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("eks-dr:index:PodIdentityRole", name, {}, opts);

    const role = new aws.iam.Role(name, { assumeRolePolicy: POD_IDENTITY_TRUST_POLICY }, { parent: this });
    (args.managedPolicyArns ?? []).forEach(
      (policyArn, i) => new aws.iam.RolePolicyAttachment(`${name}-${i}`, { role: role.name, policyArn }, { parent: this }),
    );
    if (args.inlinePolicy !== undefined) {
      new aws.iam.RolePolicy(name, { role: role.name, policy: args.inlinePolicy }, { parent: this });
    }
    this.association = new aws.eks.PodIdentityAssociation(
      name,
      { clusterName: args.clusterName, namespace: args.namespace, serviceAccount: args.serviceAccount, roleArn: role.arn },
      { parent: this },
    );

    this.roleArn = role.arn;
    this.roleName = role.name;
    this.registerOutputs({ roleArn: this.roleArn });
  }
}
