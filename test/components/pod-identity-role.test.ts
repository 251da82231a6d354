import { expect } from "chai";
import { PodIdentityRole } from "../../components/pod-identity-role";
import { componentChildren, evaluateComponent } from "../harness/component";

describe("PodIdentityRole", () => {
  it("trusts the Pod Identity service and binds exactly one service account", async () => {
    const { cloud } = await evaluateComponent(
      (ctx) =>
        new PodIdentityRole(
          "efs-csi",
          {
            clusterName: "c1",
            namespace: "kube-system",
            serviceAccount: "efs-csi-controller-sa",
            managedPolicyArns: ["arn:aws:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy"],
          },
          { providers: [ctx.aws] },
        ),
    );
    const role = cloud.one("aws:iam/role:Role");
    const trust = JSON.parse(role.inputs.assumeRolePolicy);
    expect(trust.Statement[0].Principal).to.deep.equal({ Service: "pods.eks.amazonaws.com" });
    expect(trust.Statement[0].Action).to.include("sts:TagSession");
    const assoc = cloud.one("aws:eks/podIdentityAssociation:PodIdentityAssociation");
    expect(assoc.inputs).to.include({ clusterName: "c1", namespace: "kube-system", serviceAccount: "efs-csi-controller-sa" });
    expect(assoc.inputs.roleArn).to.equal(role.state.arn);
    expect(cloud.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")).to.have.length(1);
    for (const r of componentChildren(cloud).filter((r) => r.type !== "eks-dr:index:PodIdentityRole")) {
      expect(r.region, r.name).to.equal("eu-west-3");
      expect(r.urn, r.name).to.contain("eks-dr:index:PodIdentityRole$");
    }
  });
});
