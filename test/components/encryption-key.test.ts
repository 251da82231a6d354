import type * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { EncryptionKey } from "../../components/encryption-key";
import { componentChildren, evaluateComponent } from "../harness/component";
import { ACCOUNT_ID } from "../../automation/sim/program/mock-cloud";
import { recordResourceOptions } from "../../automation/sim/program/resource-options";
import { resolve } from "../../automation/sim/program/evaluate";

const PRIMARY_ARN = "arn:aws:kms:eu-west-3:123456789012:key/mrk-0123456789abcdef0123456789abcdef";

describe("EncryptionKey", () => {
  for (const region of ["eu-west-3", "us-east-2"]) {
    it(`on the owner creates a rotating multi-Region primary key with an alias (${region})`, async () => {
      const { options, transformation } = recordResourceOptions();
      const { cloud, value } = await evaluateComponent(
        (ctx) =>
          new EncryptionKey("data", { ownsGlobalResources: true, aliasName: "alias/eks-dr/data" }, { providers: [ctx.aws], transformations: [transformation] }),
        { region },
      );
      const key = cloud.one("aws:kms/key:Key");
      expect(cloud.ofType("aws:kms/replicaKey:ReplicaKey")).to.have.length(0);
      expect(key.inputs).to.include({ multiRegion: true, enableKeyRotation: true, deletionWindowInDays: 30, keyUsage: "ENCRYPT_DECRYPT" });
      expect(options.get("aws:kms/key:Key::data")?.protect, "the key is protected").to.equal(true);
      const alias = cloud.one("aws:kms/alias:Alias");
      expect(alias.inputs).to.deep.include({ name: "alias/eks-dr/data", targetKeyId: key.state.keyId });

      expect(await resolve(value.keyArn)).to.equal(key.state.arn);
      expect(await resolve(value.primaryKeyArn as pulumi.Output<string>)).to.equal(key.state.arn);
      expect(value.isPrimary).to.equal(true);

      // The policy is written for this Region and account, not a fixed one.
      const policy = JSON.parse(key.inputs.policy);
      const bySid = Object.fromEntries(policy.Statement.map((s: any) => [s.Sid, s]));
      expect(bySid.EnableIamPolicies.Principal).to.deep.equal({ AWS: `arn:aws:iam::${ACCOUNT_ID}:root` });
      expect(bySid.EnableIamPolicies.Action).to.equal("kms:*");
      expect(bySid.CloudWatchLogsEncryptsLogGroups.Principal).to.deep.equal({ Service: `logs.${region}.amazonaws.com` });
      expect(bySid.CloudWatchLogsEncryptsLogGroups.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"]).to.equal(
        `arn:aws:logs:${region}:${ACCOUNT_ID}:log-group:*`,
      );
      expect(bySid.CloudWatchAlarmsPublishToEncryptedTopics.Principal).to.deep.equal({ Service: "cloudwatch.amazonaws.com" });
      expect(bySid.CloudWatchAlarmsPublishToEncryptedTopics.Action).to.include("kms:GenerateDataKey*");
      expect(bySid.CloudWatchAlarmsPublishToEncryptedTopics.Condition.StringEquals["aws:SourceAccount"]).to.equal(ACCOUNT_ID);

      for (const r of componentChildren(cloud).filter((r) => r.type !== "eks-dr:index:EncryptionKey")) {
        expect(r.region, r.name).to.equal(region);
        expect(r.urn, r.name).to.contain("eks-dr:index:EncryptionKey$");
      }
      // The policy's account and Region came from the site's provider, not from defaults.
      expect(cloud.calls.map((c) => c.region)).to.deep.equal(cloud.calls.map(() => region));
      expect(cloud.calls.map((c) => c.token)).to.include("aws:index/getRegion:getRegion");
    });
  }

  it("on the other site replicates the owner's primary key into its own Region, with its own policy", async () => {
    const { options, transformation } = recordResourceOptions();
    const { cloud, value } = await evaluateComponent(
      (ctx) =>
        new EncryptionKey("data", { ownsGlobalResources: false, primaryKeyArn: PRIMARY_ARN }, { providers: [ctx.aws], transformations: [transformation] }),
      { region: "eu-central-1" },
    );
    expect(cloud.ofType("aws:kms/key:Key"), "no second primary key").to.have.length(0);
    const replica = cloud.one("aws:kms/replicaKey:ReplicaKey");
    expect(replica.inputs.primaryKeyArn).to.equal(PRIMARY_ARN);
    expect(replica.region).to.equal("eu-central-1");
    expect(options.get("aws:kms/replicaKey:ReplicaKey::data")?.protect).to.equal(true);
    const policy = JSON.parse(replica.inputs.policy);
    const logs = policy.Statement.find((s: any) => s.Sid === "CloudWatchLogsEncryptsLogGroups");
    expect(logs.Principal.Service, "the replica's policy names its own Region").to.equal("logs.eu-central-1.amazonaws.com");
    expect(cloud.one("aws:kms/alias:Alias").inputs).to.deep.include({ name: "alias/eks-dr/data", targetKeyId: replica.state.keyId });
    expect(await resolve(value.keyArn)).to.equal(replica.state.arn);
    expect(value.primaryKeyArn).to.equal(undefined);
    expect(value.isPrimary).to.equal(false);
  });

  it("fails with what to run first when the peer's primary key is not known, and rejects single-Region keys", async () => {
    await expectRejects(
      evaluateComponent((ctx) => new EncryptionKey("data", { ownsGlobalResources: false, peerStack: "primary" }, { providers: [ctx.aws] })),
      /kmsPrimaryKeyArn.*pulumi up -s primary/s,
    );
    await expectRejects(
      evaluateComponent(
        (ctx) =>
          new EncryptionKey(
            "data",
            { ownsGlobalResources: false, primaryKeyArn: "arn:aws:kms:eu-west-3:123456789012:key/0123abcd-12ab-34cd-56ef-1234567890ab" },
            { providers: [ctx.aws] },
          ),
      ),
      /not a multi-Region key ARN/,
    );
    await expectRejects(
      evaluateComponent((ctx) => new EncryptionKey("data", { ownsGlobalResources: true, aliasName: "alias/aws/rds" }, { providers: [ctx.aws] })),
      /aliasName/,
    );
  });
});

async function expectRejects(p: Promise<unknown>, message: RegExp): Promise<void> {
  let error: unknown;
  try {
    await p;
  } catch (e) {
    error = e;
  }
  expect(error, "expected an error").to.be.instanceOf(Error);
  expect((error as Error).message).to.match(message);
}
