/**
 * Who can reach what, on both real stacks evaluated in deploy order: the principals of
 * `eks-dr:clusterAccess` reach each site's Kubernetes API, and the sample app's pods reach their
 * database secret in their own Region through their own identity.
 */
import { expect } from "chai";
import { secretArnInRegion } from "../../components/database-credentials";
import { POD_IDENTITY_TRUST_POLICY } from "../../components/pod-identity-role";
import type { ClusterAccessEntry } from "../../stacks/config";
import type { Evaluation } from "../../automation/sim/program/evaluate";
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
        const associations = Object.fromEntries(
          ev.cloud.ofType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation").map((a) => [a.inputs.principalArn, a.inputs]),
        );
        expect(Object.keys(associations)).to.have.length(ACCESS.length);
        expect(associations[ACCESS[0].principalArn]).to.deep.include({
          clusterName,
          policyArn: POLICY("AmazonEKSClusterAdminPolicy"),
          accessScope: { type: "cluster" },
        });
        expect(associations[ACCESS[1].principalArn]).to.deep.include({
          clusterName,
          policyArn: POLICY("AmazonEKSViewPolicy"),
          accessScope: { type: "cluster" },
        });
        expect(associations[ACCESS[2].principalArn]).to.deep.include({
          clusterName,
          policyArn: POLICY("AmazonEKSClusterAdminPolicy"),
          accessScope: { type: "cluster" },
        });
        expect(associations[ACCESS[3].principalArn]).to.deep.include({
          clusterName,
          policyArn: POLICY("AmazonEKSEditPolicy"),
          accessScope: { type: "namespace", namespaces: ["app"] },
        });
      });
    }
  });

  describe("the sample app's own AWS identity (EKS Pod Identity) for its database secret", () => {
    const appRole = (ev: Evaluation) => {
      const association = ev.cloud.ofType("aws:eks/podIdentityAssociation:PodIdentityAssociation").find((a) => a.inputs.serviceAccount === "app");
      expect(association, "a Pod Identity association for the app's service account").to.not.equal(undefined);
      const role = ev.cloud.ofType("aws:iam/role:Role").find((r) => r.state.arn === association!.inputs.roleArn);
      expect(role, "the associated role").to.not.equal(undefined);
      const policies = ev.cloud.ofType("aws:iam/rolePolicy:RolePolicy").filter((p) => p.inputs.role === role!.state.name);
      const attachments = ev.cloud.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((p) => p.inputs.role === role!.state.name);
      return { association: association!, role: role!, policies, attachments };
    };

    for (const stack of ["primary", "dr"] as const) {
      it(`${stack}: the app Deployment runs as its own ServiceAccount, which the association binds on the site's cluster`, () => {
        const ev = pair[stack];
        const account = ev.cloud.one("kubernetes:core/v1:ServiceAccount");
        expect(account.inputs.metadata).to.deep.include({ name: "app", namespace: "app" });
        const deployments = ev.cloud.ofType("kubernetes:apps/v1:Deployment");
        const app = deployments.find((d) => d.inputs.metadata.name === "app")!;
        const web = deployments.find((d) => d.inputs.metadata.name === "web")!;
        expect(app.inputs.spec.template.spec.serviceAccountName).to.equal("app");
        expect(web.inputs.spec.template.spec.serviceAccountName, "the web tier needs no AWS access").to.equal(undefined);
        const { association, role } = appRole(ev);
        expect(association.inputs).to.include({ clusterName: ev.outputs.clusterName, namespace: "app", serviceAccount: "app" });
        expect(association.region).to.equal(ev.outputs.region);
        expect(JSON.parse(role.inputs.assumeRolePolicy)).to.deep.equal(JSON.parse(POD_IDENTITY_TRUST_POLICY));
        // The agent that hands pods their credentials runs on every node.
        expect(ev.cloud.ofType("aws:eks/addon:Addon").map((a) => a.inputs.addonName)).to.include("eks-pod-identity-agent");
        const env = Object.fromEntries(app.inputs.spec.template.spec.containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]));
        expect(env.DB_SECRET_ARN).to.equal(ev.outputs.dbSecretArn);
      });
    }

    /** The one inline policy of the app's role, as statements keyed by action. */
    const grants = (ev: Evaluation) => {
      const { policies, attachments } = appRole(ev);
      expect(attachments, "no managed policy: exactly what the app needs").to.have.length(0);
      expect(policies).to.have.length(1);
      const statements = JSON.parse(policies[0].inputs.policy).Statement as {
        Effect: string;
        Action: string | string[];
        Resource: string | string[];
        Condition?: unknown;
      }[];
      for (const st of statements) expect(st.Effect).to.equal("Allow");
      return statements;
    };

    it("primary (owner): GetSecretValue on its secret and Decrypt with its multi-Region primary key, nothing else", () => {
      const ev = pair.primary;
      const key = ev.cloud.one("aws:kms/key:Key");
      const secret = ev.cloud.one("aws:secretsmanager/secret:Secret");
      expect(grants(ev)).to.deep.equal([
        { Sid: "ReadTheDatabaseSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secret.state.arn },
        {
          Sid: "DecryptItThroughSecretsManager",
          Effect: "Allow",
          Action: "kms:Decrypt",
          Resource: key.state.arn,
          Condition: { StringEquals: { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com" } },
        },
      ]);
      expect(secret.state.arn).to.equal(ev.outputs.dbSecretArn);
    });

    it("dr (peer): GetSecretValue on the replica secret in its own Region and Decrypt with its replica key, nothing else", () => {
      const ev = pair.dr;
      const replicaKey = ev.cloud.one("aws:kms/replicaKey:ReplicaKey");
      const replicaSecretArn = secretArnInRegion(pair.primary.outputs.dbSecretArn, "us-west-2");
      expect(grants(ev)).to.deep.equal([
        { Sid: "ReadTheDatabaseSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: replicaSecretArn },
        {
          Sid: "DecryptItThroughSecretsManager",
          Effect: "Allow",
          Action: "kms:Decrypt",
          Resource: replicaKey.state.arn,
          Condition: { StringEquals: { "kms:ViaService": "secretsmanager.us-west-2.amazonaws.com" } },
        },
      ]);
      expect(replicaKey.state.arn).to.include(":us-west-2:");
      // The primary secret's replica in us-west-2 is encrypted with that same replica key.
      const replicas = pair.primary.cloud.one("aws:secretsmanager/secret:Secret").inputs.replicas;
      expect(replicas).to.deep.equal([{ region: "us-west-2", kmsKeyId: replicaKey.state.arn }]);
    });
  });
});
