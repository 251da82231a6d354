/**
 * Who can reach what, on both real stacks evaluated in deploy order: the principals of
 * `eks-dr:clusterAccess` reach each site's Kubernetes API, and the sample app's pods reach their
 * database secret in their own Region through their own identity.
 */
import { expect } from "chai";
import { POD_IDENTITY_TRUST_POLICY } from "../../components/pod-identity";
import type { ClusterAccessEntry } from "../../stacks/config";
import type { Evaluation } from "../harness/evaluate";
import { deployPair, projectWith, type PairEvaluation } from "../harness/project";

const ACCOUNT = "123456789012";
const ACCESS: ClusterAccessEntry[] = [
  { principalArn: `arn:aws:iam::${ACCOUNT}:role/github-deploy`, policy: "clusterAdmin" },
  { principalArn: `arn:aws:iam::${ACCOUNT}:role/github-preview`, policy: "view" },
  { principalArn: `arn:aws:iam::${ACCOUNT}:role/ops/dr-operator`, policy: "clusterAdmin" },
  { principalArn: `arn:aws:iam::${ACCOUNT}:user/app-developer`, policy: "edit", namespaces: ["app"] },
];
const POLICY = (name: string) => `arn:aws:eks::aws:cluster-access-policy/${name}`;

describe("site access", function () {
  this.timeout(60_000);
  let pair: PairEvaluation;
  before(async () => {
    pair = await deployPair(projectWith({ primary: { clusterAccess: ACCESS }, dr: { clusterAccess: ACCESS } }));
  });

  describe("Kubernetes API access entries from eks-dr:clusterAccess", () => {
    for (const stack of ["primary", "dr"] as const) {
      it(`${stack}: every configured principal gets one entry on the site's cluster and its policy with its scope`, () => {
        const ev: Evaluation = pair[stack];
        const clusterName = ev.outputs.clusterName;
        const entries = ev.cloud.ofType("aws:eks/accessEntry:AccessEntry");
        expect(entries.map((e) => e.inputs.principalArn)).to.have.members(ACCESS.map((a) => a.principalArn));
        const region = stack === "primary" ? "us-east-1" : "us-west-2";
        for (const e of entries) {
          expect(e.inputs).to.include({ clusterName, type: "STANDARD" });
          expect(e.region).to.equal(region);
        }
        const associations = Object.fromEntries(ev.cloud.ofType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation").map((a) => [a.inputs.principalArn, a.inputs]));
        expect(Object.keys(associations)).to.have.length(ACCESS.length);
        expect(associations[ACCESS[0].principalArn]).to.deep.include({ clusterName, policyArn: POLICY("AmazonEKSClusterAdminPolicy"), accessScope: { type: "cluster" } });
        expect(associations[ACCESS[1].principalArn]).to.deep.include({ clusterName, policyArn: POLICY("AmazonEKSViewPolicy"), accessScope: { type: "cluster" } });
        expect(associations[ACCESS[2].principalArn]).to.deep.include({ clusterName, policyArn: POLICY("AmazonEKSClusterAdminPolicy"), accessScope: { type: "cluster" } });
        expect(associations[ACCESS[3].principalArn]).to.deep.include({ clusterName, policyArn: POLICY("AmazonEKSEditPolicy"), accessScope: { type: "namespace", namespaces: ["app"] } });
      });
    }
  });
});
