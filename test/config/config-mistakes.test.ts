/**
 * The mistakes people make in a stack file, each caught with the key, what is wrong and the fix:
 * a misspelled Region, a misspelled key inside an object, a version read as a number, node group
 * sizes out of order, durations written as `5m`.
 */
import { expect } from "chai";
import { ConfigError, parseSiteConfig, partitionOf, siteConfigWarnings, type ConfigProblem } from "../../stacks/config";
import { parseDuration } from "../../stacks/duration";
import { evaluateSite, siteRawConfig } from "../../automation/sim/program/evaluate";

function problems(stack: string, overrides: Record<string, unknown>): ConfigProblem[] {
  try {
    parseSiteConfig(stack, siteRawConfig(stack, overrides));
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(overrides)} to be rejected`);
}

function problemAt(list: ConfigProblem[], key: string): ConfigProblem {
  const p = list.find((x) => x.key === key);
  expect(p, `no problem for ${key} in ${JSON.stringify(list)}`).to.not.equal(undefined);
  return p!;
}

const nodeGroups = siteRawConfig("primary").nodeGroups as Record<string, Record<string, unknown>>;

describe("config mistakes", () => {
  describe("Region names, checked against the AWS SDK's partition data", () => {
    it("rejects a misspelled Region with the closest real one", () => {
      const p = problemAt(problems("primary", { region: "us-esat-1" }), "eks-dr:region");
      expect(p.message).to.match(/not an AWS Region.*did you mean us-east-1 \(US East \(N\. Virginia\)\)\?/);
      expect(p.file).to.equal("Pulumi.primary.yaml");
      expect(problemAt(problems("primary", { region: "us-wset-2" }), "eks-dr:region").message).to.match(/did you mean us-west-2/);
      expect(problemAt(problems("primary", { region: "eu-centrl-1" }), "eks-dr:region").message).to.match(/did you mean eu-central-1/);
    });

    it("rejects what is not shaped like a Region code", () => {
      expect(problemAt(problems("primary", { region: "useast1" }), "eks-dr:region").message).to.match(/AWS Region code such as us-east-1/);
      expect(problemAt(problems("primary", { region: "aws-global" }), "eks-dr:region").message).to.match(/AWS Region code/);
    });

    it("accepts a well-formed Region newer than the SDK's data, with a warning to check it", () => {
      const cfg = parseSiteConfig("primary", siteRawConfig("primary", { region: "us-east-7" }));
      expect(cfg.region).to.equal("us-east-7");
      const warnings = siteConfigWarnings("primary", cfg);
      const w = warnings.find((x) => x.key === "eks-dr:region");
      expect(w?.message).to.match(/us-east-7 is not in the AWS SDK's list of Regions.*spelling/);
      expect(siteConfigWarnings("primary", parseSiteConfig("primary", siteRawConfig("primary")))).to.deep.equal([]);
    });

    it("the program warns about an unlisted Region and uses it as given", async () => {
      const ev = await evaluateSite({ stack: "primary", overrides: { region: "us-east-7" } });
      expect(ev.warnings.join("\n")).to.match(/Pulumi\.primary\.yaml: eks-dr:region: us-east-7 is not in the AWS SDK's list of Regions/);
      // pulumi-aws skips the provider's own Region check by default (skipRegionValidation ?? true in
      // @pulumi/aws provider.js): this config check is the only one before the first API call.
      const provider = ev.cloud.resources.find((r) => r.type === "pulumi:providers:aws" && r.inputs.region === "us-east-7");
      expect(provider, "the site's provider in the Region as given").to.not.equal(undefined);
    });

    it("takes the partition from the SDK's data, including partitions a pattern would miss", () => {
      expect(partitionOf("us-east-1")).to.equal("aws");
      expect(partitionOf("cn-northwest-1")).to.equal("aws-cn");
      expect(partitionOf("us-gov-west-1")).to.equal("aws-us-gov");
      expect(partitionOf("us-isob-east-1")).to.equal("aws-iso-b");
      expect(partitionOf("eusc-de-east-1")).to.equal("aws-eusc");
      // Known to the SDK although no hand-written Region pattern of this project matched it.
      expect(parseSiteConfig("primary", siteRawConfig("primary", { region: "eusc-de-east-1" })).region).to.equal("eusc-de-east-1");
    });
  });

  describe("keys inside objects", () => {
    it("reports a misspelled nested key as unknown, with the closest known key, not as a missing one", () => {
      const list = problems("primary", { nodeGroups: { ...nodeGroups, web: { ...nodeGroups.web, standy: nodeGroups.web.standby, standby: undefined } } });
      const p = problemAt(list, "eks-dr:nodeGroups.web.standy");
      expect(p.message).to.match(/is not a known key; did you mean standby\?/);
      expect(list.map((x) => x.key)).to.not.include("eks-dr:nodeGroups.web.standby");
      expect(list).to.have.length(1);
    });

    it("suggests the closest key at the top level and deep in lists of objects", () => {
      expect(problemAt(problems("primary", { regoin: "us-east-1" }), "eks-dr:regoin").message).to.match(/did you mean region\?/);
      const deep = problems("primary", { clusterAccess: [{ principalArn: "arn:aws:iam::123456789012:role/ops", polcy: "view" }] });
      expect(problemAt(deep, "eks-dr:clusterAccess.0.polcy").message).to.match(/did you mean policy\?/);
      expect(deep.map((x) => x.key)).to.not.include("eks-dr:clusterAccess.0.policy");
    });

    it("lists the known keys when nothing is close", () => {
      const p = problemAt(problems("primary", { efs: { zzz: 1 } }), "eks-dr:efs.zzz");
      expect(p.message).to.match(/is not a known key; known keys here: throughputMode, provisionedThroughputMibps/);
    });
  });

  it("says to quote a Kubernetes version that YAML read as a number", () => {
    const p = problemAt(problems("primary", { kubernetesVersion: 1.3 }), "eks-dr:kubernetesVersion");
    expect(p.message).to.match(/is the number 1\.3.*unquoted.*quote it: eks-dr:kubernetesVersion: "1\.30"/);
    // Pulumi hands an unquoted 1.33 to the program as the text "1.33": nothing was lost, nothing to say.
    expect(parseSiteConfig("primary", siteRawConfig("primary", { kubernetesVersion: 1.33 })).kubernetesVersion).to.equal("1.33");
  });

  it("shows the node group sizes that are out of order", () => {
    const list = problems("primary", { nodeGroups: { ...nodeGroups, web: { ...nodeGroups.web, active: { min: 4, desired: 3, max: 6 } } } });
    expect(problemAt(list, "eks-dr:nodeGroups.web.active").message).to.match(/min <= desired <= max.*\(min 4, desired 3, max 6\)/);
  });

  describe("durations: seconds or a duration string, in config as on the command line", () => {
    it('reads 300 and "5m" alike in every *Seconds key', () => {
      const dns = { hostedZoneId: "Z0EXAMPLE00000000000", hostname: "app.example.com" };
      const cfg = parseSiteConfig(
        "primary",
        siteRawConfig("primary", { rpoTargetSeconds: "15m", dns: { ...dns, ttlSeconds: "1m", healthCheck: { requestIntervalSeconds: "30s" } } }),
      );
      expect(cfg.rpoTargetSeconds).to.equal(900);
      expect(cfg.dns!.ttlSeconds).to.equal(60);
      expect(cfg.dns!.healthCheck.requestIntervalSeconds).to.equal(30);
      expect(parseSiteConfig("primary", siteRawConfig("primary", { rpoTargetSeconds: 300 })).rpoTargetSeconds).to.equal(300);
      // Pulumi hands top-level numbers to the program as text.
      expect(parseSiteConfig("primary", siteRawConfig("primary", { rpoTargetSeconds: "300" })).rpoTargetSeconds).to.equal(300);
    });

    it("rejects what is not a duration, naming the key", () => {
      expect(problemAt(problems("primary", { rpoTargetSeconds: "soon" }), "eks-dr:rpoTargetSeconds").message).to.match(/"soon" is not a duration.*5m/);
      expect(problemAt(problems("primary", { rpoTargetSeconds: "5m garbage" }), "eks-dr:rpoTargetSeconds").message).to.match(/not a duration/);
      expect(problemAt(problems("primary", { rpoTargetSeconds: "1500ms" }), "eks-dr:rpoTargetSeconds").message).to.match(/whole number of seconds/);
      expect(problemAt(problems("primary", { rpoTargetSeconds: "-5m" }), "eks-dr:rpoTargetSeconds").message).to.match(/positive/);
    });

    it("is the parser the command line uses: seconds when bare, units otherwise", () => {
      expect(parseDuration("300")).to.equal(300_000);
      expect(parseDuration("5m")).to.equal(300_000);
      expect(parseDuration("1h30m")).to.equal(5_400_000);
      expect(parseDuration("500ms")).to.equal(500);
      expect(() => parseDuration("5x")).to.throw(/"5x" is not a duration/);
    });
  });
});
