import { expect } from "chai";
import { DatabaseCredentials, PASSWORD_SPECIAL_CHARACTERS, secretArnInRegion } from "../../components/database-credentials";
import { componentChildren, evaluateComponent } from "../harness/component";
import { recordResourceOptions } from "../../automation/sim/program/resource-options";
import { resolve } from "../../automation/sim/program/evaluate";

/** Secret inputs reach the mocks wrapped with Pulumi's secret signature. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const unwrap = (v: any): any => (v && typeof v === "object" && SECRET_SIG in v ? v.value : v);
const isSecret = (v: any): boolean => Boolean(v && typeof v === "object" && SECRET_SIG in v);

const keyIn = (region: string) => `arn:aws:kms:${region}:123456789012:key/mrk-0123456789abcdef0123456789abcdef`;

describe("DatabaseCredentials", () => {
  for (const [region, peerRegion] of [
    ["eu-west-3", "eu-central-1"],
    ["us-east-1", "us-west-2"],
  ]) {
    it(`stores generated credentials in a secret encrypted with the site key, replicated to ${peerRegion} with the peer key`, async () => {
      const { options, transformation } = recordResourceOptions();
      const { cloud, value } = await evaluateComponent(
        (ctx) =>
          new DatabaseCredentials(
            "db",
            { username: "dbadmin", databaseName: "app", kmsKeyArn: keyIn(region), peerRegion, peerKmsKeyArn: keyIn(peerRegion) },
            { providers: [ctx.aws], transformations: [transformation] },
          ),
        { region },
      );

      const password = cloud.one("random:index/randomPassword:RandomPassword");
      expect(password.inputs).to.include({ length: 32, special: true });
      // Aurora rejects "/", '"' and "@"; space is left out too.
      for (const forbidden of ["/", '"', "@", " ", "'", "\\"]) expect(password.inputs.overrideSpecial).not.to.contain(forbidden);
      expect(options.get("random:index/randomPassword:RandomPassword::db")?.protect, "a new password must be deliberate").to.equal(true);

      const secret = cloud.one("aws:secretsmanager/secret:Secret");
      expect(secret.inputs).to.include({ name: "eks-dr/db/master", kmsKeyId: keyIn(region), forceOverwriteReplicaSecret: false, recoveryWindowInDays: 30 });
      expect(secret.inputs.replicas).to.deep.equal([{ region: peerRegion, kmsKeyId: keyIn(peerRegion) }]);
      expect(secret.region).to.equal(region);
      expect(options.get("aws:secretsmanager/secret:Secret::db")?.protect).to.equal(true);

      const version = cloud.one("aws:secretsmanager/secretVersion:SecretVersion");
      expect(version.inputs.secretId).to.equal(secret.id);
      expect(isSecret(version.inputs.secretString), "the secret string stays a Pulumi secret").to.equal(true);
      const stored = JSON.parse(unwrap(version.inputs.secretString));
      expect(stored).to.deep.equal({ engine: "mysql", username: "dbadmin", password: password.state.result, port: 3306, dbname: "app" });
      expect(stored.password).to.have.length(32);
      expect(stored.password, "has special characters").to.match(/[^A-Za-z0-9]/);
      for (const ch of stored.password.replace(/[A-Za-z0-9]/g, "")) expect(PASSWORD_SPECIAL_CHARACTERS).to.contain(ch);

      expect(await resolve(value.password)).to.equal(password.state.result);
      expect(await resolve(value.secretArn)).to.equal(secret.state.arn);
      expect(value.replicaRegion).to.equal(peerRegion);

      for (const r of componentChildren(cloud).filter((r) => r.type !== "eks-dr:index:DatabaseCredentials")) {
        expect(r.urn, r.name).to.contain("eks-dr:index:DatabaseCredentials$");
        if (r.type.startsWith("aws:")) expect(r.region, r.name).to.equal(region);
      }
    });
  }

  it("adds no replica until the peer's key is known", async () => {
    const { cloud, value } = await evaluateComponent(
      (ctx) =>
        new DatabaseCredentials(
          "db",
          { username: "dbadmin", databaseName: "app", kmsKeyArn: keyIn("eu-west-3"), peerRegion: "eu-central-1" },
          { providers: [ctx.aws] },
        ),
    );
    expect(cloud.one("aws:secretsmanager/secret:Secret").inputs.replicas).to.deep.equal([]);
    expect(value.replicaRegion).to.equal(undefined);
  });

  it("computes the replica ARN the peer site reads: same name and suffix, its own Region", () => {
    const primary = "arn:aws:secretsmanager:eu-west-3:123456789012:secret:eks-dr/db/master-AbCdEf";
    expect(secretArnInRegion(primary, "eu-central-1")).to.equal("arn:aws:secretsmanager:eu-central-1:123456789012:secret:eks-dr/db/master-AbCdEf");
    expect(() => secretArnInRegion("arn:aws:kms:eu-west-3:123456789012:key/x", "eu-central-1")).to.throw(/not a Secrets Manager secret ARN/);
  });

  it("rejects a password length Aurora MySQL would refuse", async () => {
    let error: unknown;
    try {
      await evaluateComponent(
        (ctx) =>
          new DatabaseCredentials(
            "db",
            { username: "dbadmin", databaseName: "app", kmsKeyArn: keyIn("eu-west-3"), peerRegion: "eu-central-1", passwordLength: 42 },
            { providers: [ctx.aws] },
          ),
      );
    } catch (e) {
      error = e;
    }
    expect((error as Error)?.message).to.match(/passwordLength must be 8 to 41/);
  });
});
