import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { IngressController, LOAD_BALANCER_CONTROLLER_CHART_VERSION, type IngressControllerArgs } from "../../components/ingress-controller";
import { PodIdentityRole } from "../../components/pod-identity-role";
import { componentChildren, evaluateComponent } from "../harness/component";
import { recordResourceOptions } from "../../automation/sim/program/resource-options";
import { resolve } from "../../automation/sim/program/evaluate";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const POLICY_FILE = path.resolve(__dirname, "../../components/policies/aws-load-balancer-controller-iam-policy.json");

/** Evaluates the component, with the options each child was created with (automation/sim/program/resource-options.ts). */
async function evaluate(region: string, overrides: Partial<IngressControllerArgs> = {}) {
  const { options, transformation } = recordResourceOptions();
  const evaluation = await evaluateComponent(
    (ctx) =>
      new IngressController(
        "ingress",
        { clusterName: `eks-dr-${ctx.region}`, vpcId: `vpc-${ctx.region}`, ...overrides },
        { providers: [ctx.aws, ctx.k8s], transformations: [transformation] },
      ),
    { region },
  );
  return { ...evaluation, options };
}

interface Statement {
  Effect: string;
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

describe("IngressController", () => {
  it("grants the official AWS Load Balancer Controller policy, unchanged, as the role's inline policy", async () => {
    const { cloud } = await evaluate("eu-west-3");
    const granted = JSON.parse(cloud.one("aws:iam/rolePolicy:RolePolicy").inputs.policy) as { Version: string; Statement: Statement[] };
    // Parsed from the stored file, not through the component's import, so a stale copy in either fails.
    expect(granted).to.deep.equal(JSON.parse(fs.readFileSync(POLICY_FILE, "utf8")));
    expect(granted.Version).to.equal("2012-10-17");

    const allowing = (action: string) => granted.Statement.filter((s) => s.Effect === "Allow" && s.Action.includes(action));
    // Spot checks against the upstream document: creation is allowed only with the cluster tag...
    const create = allowing("elasticloadbalancing:CreateLoadBalancer");
    expect(create).to.have.length(1);
    expect(create[0].Condition).to.deep.equal({ Null: { "aws:RequestTag/elbv2.k8s.aws/cluster": "false" } });
    // ...the service-linked role only for ELB...
    expect(allowing("iam:CreateServiceLinkedRole")[0].Condition).to.deep.equal({
      StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" },
    });
    // ...and the reads controller v2.9+ needs are there.
    for (const action of [
      "ec2:CreateSecurityGroup",
      "ec2:GetSecurityGroupsForVpc",
      "elasticloadbalancing:DescribeListenerAttributes",
      "elasticloadbalancing:ModifyListenerAttributes",
      "elasticloadbalancing:DescribeCapacityReservation",
      "elasticloadbalancing:RegisterTargets",
      "wafv2:AssociateWebACL",
    ]) {
      expect(allowing(action), action).to.have.length.greaterThan(0);
    }
  });

  it("binds the role to kube-system/aws-load-balancer-controller, the service account the chart creates", async () => {
    const { cloud, options } = await evaluate("eu-west-3");
    const role = cloud.one("aws:iam/role:Role");
    const assoc = cloud.one("aws:eks/podIdentityAssociation:PodIdentityAssociation");
    expect(assoc.inputs).to.include({ clusterName: "eks-dr-eu-west-3", namespace: "kube-system", serviceAccount: "aws-load-balancer-controller" });
    expect(assoc.inputs.roleArn).to.equal(role.state.arn);

    const release = cloud.one(RELEASE).inputs;
    expect(release.namespace).to.equal(assoc.inputs.namespace);
    expect(release.values.serviceAccount).to.deep.equal({ create: true, name: assoc.inputs.serviceAccount });
    // The association must exist before the controller's pods start, or they run without credentials.
    const deps = options.get(`${RELEASE}::ingress`)?.dependsOn ?? [];
    expect(deps.some((d) => d instanceof PodIdentityRole)).to.equal(true);
  });

  it("installs a pinned chart from eks-charts with 2 replicas on system nodes and the alb IngressClass", async () => {
    const { cloud, value } = await evaluate("eu-west-3");
    const release = cloud.one(RELEASE).inputs;
    expect(release).to.include({ chart: "aws-load-balancer-controller", name: "aws-load-balancer-controller" });
    expect(release.repositoryOpts).to.deep.equal({ repo: "https://aws.github.io/eks-charts" });
    expect(release.version)
      .to.equal(LOAD_BALANCER_CONTROLLER_CHART_VERSION)
      .and.match(/^\d+\.\d+\.\d+$/);
    expect(release.values).to.include({ replicaCount: 2, ingressClass: "alb", createIngressClassResource: true });
    expect(release.values.nodeSelector).to.deep.equal({ "eks-dr/tier": "system" });
    expect(await resolve(value.ingressClassName)).to.equal("alb");
    expect(await resolve(value.roleArn)).to.equal(cloud.one("aws:iam/role:Role").state.arn);
  });

  for (const region of ["eu-west-3", "ap-southeast-2"]) {
    it(`gives the chart this site's cluster, Region and VPC, and keeps every child in the provider's Region (${region})`, async () => {
      const { cloud } = await evaluate(region);
      const values = cloud.one(RELEASE).inputs.values;
      expect(values).to.include({ clusterName: `eks-dr-${region}`, region, vpcId: `vpc-${region}` });
      // The Region comes from the provider (not config or a constant): the lookup went through it.
      const lookup = cloud.calls.filter((c) => c.token === "aws:index/getRegion:getRegion");
      expect(lookup).to.have.length(1);
      expect(lookup[0].region).to.equal(region);

      const nested = cloud.one("eks-dr:index:PodIdentityRole");
      expect(nested.urn).to.contain("eks-dr:index:IngressController$");
      const children = componentChildren(cloud).filter((r) => r.type !== "eks-dr:index:IngressController");
      expect(children.length).to.be.greaterThan(3);
      for (const r of children) {
        // Pulumi's mock monitor keeps only the immediate parent's type in a URN.
        const parentType = r.urn.includes("eks-dr:index:PodIdentityRole$") ? "PodIdentityRole" : "IngressController";
        expect(r.urn, `${r.type} ${r.name}`).to.contain(`eks-dr:index:${parentType}$`);
        if (r.type.startsWith("aws:")) expect(r.region, `${r.type} ${r.name}`).to.equal(region);
        if (r.type.startsWith("kubernetes:")) expect(r.provider, `${r.type} ${r.name}`).to.contain("test-k8s");
      }
    });
  }
});
