/**
 * Bad config fails at program start, naming the key and the fix, and registers no resource.
 * Every case evaluates the real program with a real stack file plus one broken value.
 */
import { expect } from "chai";
import { auroraLagMetric, ConfigError, pairProblems, parseSiteConfig } from "../../stacks/config";
import { EvaluationError, evaluateSite, siteRawConfig } from "../../automation/sim/program/evaluate";

async function rejection(stack: string, overrides: Record<string, unknown>): Promise<EvaluationError> {
  try {
    await evaluateSite({ stack, overrides });
  } catch (err) {
    expect(err).to.be.instanceOf(EvaluationError);
    return err as EvaluationError;
  }
  throw new Error(`expected ${JSON.stringify(overrides)} to be rejected`);
}

interface Case {
  title: string;
  stack?: string;
  overrides: Record<string, unknown>;
  key: string;
  says: RegExp;
}

const primaryWeb = siteRawConfig("primary").nodeGroups as any;

const cases: Case[] = [
  { title: "missing region", overrides: { region: undefined }, key: "eks-dr:region", says: /required but not set; e\.g\. us-east-1/ },
  { title: "malformed region", overrides: { region: "useast1" }, key: "eks-dr:region", says: /AWS Region code/ },
  { title: "role not in the enum", overrides: { role: "leader" }, key: "eks-dr:role", says: /"active"\|"standby".*got "leader"/ },
  { title: "AZ count below 2", overrides: { azCount: 1 }, key: "eks-dr:azCount", says: /at least 2 AZs/ },
  { title: "CIDR that is not a CIDR", overrides: { vpcCidr: "10.0.0.300/16" }, key: "eks-dr:vpcCidr", says: /not a CIDR block/ },
  { title: "CIDR wider than /16", overrides: { vpcCidr: "10.0.0.0/8" }, key: "eks-dr:vpcCidr", says: /\/8; use a block from \/16 to \/20/ },
  { title: "CIDR narrower than /20", overrides: { vpcCidr: "10.0.0.0/24" }, key: "eks-dr:vpcCidr", says: /\/24; use a block from \/16 to \/20/ },
  { title: "CIDR with host bits", overrides: { vpcCidr: "10.0.1.0/16" }, key: "eks-dr:vpcCidr", says: /did you mean 10\.0\.0\.0\/16/ },
  { title: "peer equal to the stack itself", overrides: { peerStack: "primary" }, key: "eks-dr:peerStack", says: /the stack itself/ },
  { title: "primary and DR in the same Region", overrides: { region: "us-west-2" }, key: "eks-dr:region", says: /same Region as stack "dr"/ },
  {
    title: "overlapping CIDRs between the sites",
    overrides: { vpcCidr: "10.1.16.0/20" },
    key: "eks-dr:vpcCidr",
    says: /overlaps 10\.1\.0\.0\/16 of stack "dr"/,
  },
  { title: "both sites active", stack: "dr", overrides: { role: "active" }, key: "eks-dr:role", says: /both sites are active/ },
  {
    title: "both sites owning global resources",
    stack: "dr",
    overrides: { ownsGlobalResources: true },
    key: "eks-dr:ownsGlobalResources",
    says: /exactly one site/,
  },
  {
    title: "system node group below 2 nodes",
    overrides: { nodeGroups: { ...primaryWeb, system: { ...primaryWeb.system, standby: { min: 1, desired: 1, max: 2 } } } },
    key: "eks-dr:nodeGroups.system.standby.min",
    says: /at least 2 nodes/,
  },
  {
    title: "node group sizes out of order",
    overrides: { nodeGroups: { ...primaryWeb, web: { ...primaryWeb.web, active: { min: 4, desired: 3, max: 6 } } } },
    key: "eks-dr:nodeGroups.web.active",
    says: /min <= desired <= max/,
  },
  {
    title: "typo inside an object",
    overrides: { efs: { throughputMod: "elastic" } },
    key: "eks-dr:efs.throughputMod",
    says: /is not a known key; did you mean throughputMode\?/,
  },
  { title: "unknown top-level key", overrides: { regoin: "us-east-1" }, key: "eks-dr:regoin", says: /not a known key/ },
  { title: "RPO target of zero", overrides: { rpoTargetSeconds: 0 }, key: "eks-dr:rpoTargetSeconds", says: /positive number of seconds/ },
  { title: "negative RPO target", overrides: { rpoTargetSeconds: -60 }, key: "eks-dr:rpoTargetSeconds", says: /positive number of seconds/ },
  {
    title: "TTL above Route 53's range",
    overrides: { dns: { hostedZoneId: "Z0EXAMPLE00000000000", hostname: "app.example.com", ttlSeconds: 2147483648 } },
    key: "eks-dr:dns.ttlSeconds",
    says: /range from 0 to 2147483647 seconds \(got 2147483648\)/,
  },
  {
    title: "negative TTL",
    overrides: { dns: { hostedZoneId: "Z0EXAMPLE00000000000", hostname: "app.example.com", ttlSeconds: -1 } },
    key: "eks-dr:dns.ttlSeconds",
    says: /range from 0 to 2147483647 seconds \(got -1\)/,
  },
  {
    title: "negative standby reader count",
    overrides: { database: { readers: { active: 1, standby: -1 } } },
    key: "eks-dr:database.readers.standby",
    says: /cannot be negative; use 0 for a headless secondary/,
  },
  {
    title: "active site without readers",
    overrides: { database: { readers: { active: 0, standby: 1 } } },
    key: "eks-dr:database.readers.active",
    says: /at least one reader/,
  },
  {
    title: "health check interval Route 53 does not offer",
    overrides: { dns: { hostedZoneId: "Z0EXAMPLE00000000000", hostname: "app.example.com", healthCheck: { requestIntervalSeconds: 15 } } },
    key: "eks-dr:dns.healthCheck.requestIntervalSeconds",
    says: /every 10 or 30 seconds \(got 15\)/,
  },
  // Cluster access: IAM principals of the site's partition, one entry each, a known access policy.
  {
    title: "the retired clusterAdminArns key",
    overrides: { clusterAdminArns: ["arn:aws:iam::123456789012:role/ops"] },
    key: "eks-dr:clusterAdminArns",
    says: /replaced by eks-dr:clusterAccess.*principalArn: arn:aws:iam::123456789012:role\/ops, policy: clusterAdmin/,
  },
  {
    title: "an STS assumed-role session ARN",
    overrides: { clusterAccess: [{ principalArn: "arn:aws:sts::123456789012:assumed-role/github-deploy/run-42", policy: "clusterAdmin" }] },
    key: "eks-dr:clusterAccess.0.principalArn",
    says: /STS session.*role's ARN instead: arn:aws:iam::123456789012:role\/github-deploy/,
  },
  {
    title: "an ARN that is not an IAM role or user",
    overrides: { clusterAccess: [{ principalArn: "arn:aws:iam::123456789012:group/admins", policy: "view" }] },
    key: "eks-dr:clusterAccess.0.principalArn",
    says: /IAM role or user ARN/,
  },
  {
    title: "a principal of another partition",
    overrides: { clusterAccess: [{ principalArn: "arn:aws-us-gov:iam::123456789012:role/ops", policy: "view" }] },
    key: "eks-dr:clusterAccess.0.principalArn",
    says: /partition aws-us-gov.*us-east-1 is in partition aws/,
  },
  {
    title: "a service-linked role",
    overrides: {
      clusterAccess: [{ principalArn: "arn:aws:iam::123456789012:role/aws-service-role/eks.amazonaws.com/AWSServiceRoleForAmazonEKS", policy: "view" }],
    },
    key: "eks-dr:clusterAccess.0.principalArn",
    says: /service-linked role/,
  },
  {
    title: "the same principal twice",
    overrides: {
      clusterAccess: [
        { principalArn: "arn:aws:iam::123456789012:role/ops", policy: "view" },
        { principalArn: "arn:aws:iam::123456789012:role/ops", policy: "edit", namespaces: ["app"] },
      ],
    },
    key: "eks-dr:clusterAccess.1.principalArn",
    says: /already listed as entry 0.*one access entry/,
  },
  {
    title: "an access policy that is not offered",
    overrides: { clusterAccess: [{ principalArn: "arn:aws:iam::123456789012:role/ops", policy: "owner" }] },
    key: "eks-dr:clusterAccess.0.policy",
    says: /clusterAdmin.*admin.*edit.*view/,
  },
  {
    title: "a namespace that is not a Kubernetes name",
    overrides: { clusterAccess: [{ principalArn: "arn:aws:iam::123456789012:role/ops", policy: "edit", namespaces: ["App_Space"] }] },
    key: "eks-dr:clusterAccess.0.namespaces.0",
    says: /Kubernetes namespace name/,
  },
  {
    title: "restored data naming a file system id that is not one",
    overrides: { restoredData: { fileSystemId: "fs_restored", dbClusterIdentifier: "primary-restored-20250101t0500" } },
    key: "eks-dr:restoredData.fileSystemId",
    says: /EFS file system id such as fs-0123456789abcdef0/,
  },
  {
    title: "restored data without its DB cluster",
    overrides: { restoredData: { fileSystemId: "fs-0123456789abcdef0" } },
    key: "eks-dr:restoredData.dbClusterIdentifier",
    says: /required/,
  },
  {
    title: "restored data naming a DB cluster identifier RDS would refuse",
    overrides: { restoredData: { fileSystemId: "fs-0123456789abcdef0", dbClusterIdentifier: "Restored--1" } },
    key: "eks-dr:restoredData.dbClusterIdentifier",
    says: /DB cluster identifier/,
  },
];

describe("config validation", () => {
  for (const c of cases) {
    it(`rejects ${c.title}, naming ${c.key}, before any resource`, async () => {
      const err = await rejection(c.stack ?? "primary", c.overrides);
      expect(err.cause).to.be.instanceOf(ConfigError);
      const problems = (err.cause as ConfigError).problems;
      const problem = problems.find((p) => p.key === c.key);
      expect(problem, `problems: ${JSON.stringify(problems)}`).to.not.equal(undefined);
      expect(problem!.message).to.match(c.says);
      expect(err.message).to.contain(`Pulumi.${c.stack ?? "primary"}.yaml`);
      expect(err.cloud.resources, "resources registered before the config error").to.have.length(0);
    });
  }

  it("accepts both real stack files and registers resources for them", async () => {
    for (const stack of ["primary", "dr"]) {
      const ev = await evaluateSite({ stack });
      expect(ev.cloud.resources.length, stack).to.be.greaterThan(0);
    }
  });

  it("keeps a version string such as 1.30 a string", () => {
    const cfg = parseSiteConfig("primary", siteRawConfig("primary", { kubernetesVersion: "1.30" }));
    expect(cfg.kubernetesVersion).to.equal("1.30");
  });

  it("reads numbers and booleans stored as JSON text, as Pulumi stores them", () => {
    const raw = Object.fromEntries(Object.entries(siteRawConfig("primary")).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
    const cfg = parseSiteConfig("primary", raw);
    expect(cfg.azCount).to.equal(3);
    expect(cfg.ownsGlobalResources).to.equal(true);
    expect(cfg.nodeGroups.web.standby.desired).to.equal(0);
  });

  it("lists every problem at once rather than one per run", async () => {
    const err = await rejection("primary", { azCount: 1, role: "leader", vpcCidr: "10.0.0.0/8" });
    expect((err.cause as ConfigError).problems.map((p) => p.key)).to.include.members(["eks-dr:azCount", "eks-dr:role", "eks-dr:vpcCidr"]);
  });

  it("requires the peer's stack file, before creating anything", async () => {
    const err = await evaluateSite({ stack: "primary", projectDir: "/nonexistent" }).catch((e: EvaluationError) => e);
    expect(err).to.be.instanceOf(EvaluationError);
    expect((err as EvaluationError).cause.message).to.match(/eks-dr:peerStack: is "dr" but Pulumi\.dr\.yaml is not in \/nonexistent/);
    expect((err as EvaluationError).cloud.resources).to.have.length(0);
  });

  it("reports mismatched peers and DNS zones between the two files", () => {
    const primary = parseSiteConfig("primary", siteRawConfig("primary"));
    const dr = parseSiteConfig("dr", siteRawConfig("dr", { peerStack: "staging", dns: { hostedZoneId: "Z0OTHER0000000000000", hostname: "app.example.com" } }));
    const keys = pairProblems({ stack: "primary", config: primary }, { stack: "dr", config: dr }).map((p) => p.message);
    expect(keys.join("\n")).to.match(/names "staging" as its peer/);
    expect(keys.join("\n")).to.match(/differ from stack "dr"/);
  });

  it("picks the Aurora lag metric by engine version (RPOLag from Aurora MySQL 3.04)", () => {
    expect(auroraLagMetric("8.0.mysql_aurora.3.08.2")).to.equal("AuroraGlobalDBRPOLag");
    expect(auroraLagMetric("8.0.mysql_aurora.3.04.0")).to.equal("AuroraGlobalDBRPOLag");
    expect(auroraLagMetric("8.0.mysql_aurora.3.03.1")).to.equal("AuroraGlobalDBReplicationLag");
    expect(auroraLagMetric("5.7.mysql_aurora.2.11.2")).to.equal("AuroraGlobalDBReplicationLag");
  });
});
