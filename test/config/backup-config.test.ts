/**
 * The backup, Velero and DR tier keys: bad values fail naming the key and the fix (parsing only, no
 * program run, except one case proving nothing is registered), defaults, and the pair rule that the
 * tier is the same in both stack files.
 */
import { expect } from "chai";
import { ConfigError, pairProblems, parseSiteConfig, type SiteConfig } from "../../stacks/config";
import { drTierOf, isBackupOnlySite } from "../../stacks/roles";
import { EvaluationError, evaluateSite, siteRawConfig } from "../../automation/sim/program/evaluate";

function problems(stack: string, overrides: Record<string, unknown>) {
  try {
    parseSiteConfig(stack, siteRawConfig(stack, overrides));
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error(`expected ${JSON.stringify(overrides)} to be rejected`);
}

const nodeGroups = siteRawConfig("dr").nodeGroups as any;
const withStandbyWeb = (desired: number) => ({ ...nodeGroups, web: { ...nodeGroups.web, standby: { min: 0, desired, max: 6 } } });

const cases: { title: string; overrides: Record<string, unknown>; key: string; says: RegExp }[] = [
  {
    title: "a schedule that is not an AWS Backup cron expression",
    overrides: { backup: { schedule: "0 5 * * *" } },
    key: "eks-dr:backup.schedule",
    says: /cron\(0 5 \? \* \* \*\).*six fields/,
  },
  { title: "a retention of 0 days", overrides: { backup: { retentionDays: 0 } }, key: "eks-dr:backup.retentionDays", says: /at least 1 day/ },
  {
    title: "cold storage without the 90 days AWS Backup keeps cold recovery points",
    overrides: { backup: { retentionDays: 100, coldStorageAfterDays: 30 } },
    key: "eks-dr:backup.retentionDays",
    says: /set retentionDays to 120 or more, or drop coldStorageAfterDays/,
  },
  {
    title: "a vault lock minimum above the plan's retention",
    overrides: { backup: { retentionDays: 35, vaultLock: { minRetentionDays: 90 } } },
    key: "eks-dr:backup.vaultLock.minRetentionDays",
    says: /would fail every backup and copy job/,
  },
  {
    title: "a vault lock maximum below the plan's retention",
    overrides: { backup: { retentionDays: 35, vaultLock: { minRetentionDays: 7, maxRetentionDays: 30 } } },
    key: "eks-dr:backup.vaultLock.maxRetentionDays",
    says: /would fail every backup and copy job/,
  },
  {
    title: "a vault lock grace time under AWS Backup's 72-hour minimum",
    overrides: { backup: { vaultLock: { minRetentionDays: 7, changeableForDays: 2 } } },
    key: "eks-dr:backup.vaultLock.changeableForDays",
    says: /72-hour cooling-off period: changeableForDays must be 3 or more/,
  },
  {
    title: "a typo in the backup settings",
    overrides: { backup: { retention: 35 } },
    key: "eks-dr:backup.retention",
    says: /is not a known key; did you mean retentionDays\?/,
  },
  { title: "a Velero schedule that is not cron", overrides: { velero: { schedule: "daily" } }, key: "eks-dr:velero.schedule", says: /five-field cron/ },
  {
    title: "a Velero namespace that is not a Kubernetes name",
    overrides: { velero: { namespaces: ["App"] } },
    key: "eks-dr:velero.namespaces.0",
    says: /Kubernetes namespace name/,
  },
  { title: "an unknown DR tier", overrides: { drTier: "cold" }, key: "eks-dr:drTier", says: /pilot-light.*warm-standby.*backup-restore/ },
  {
    title: "pilot light with web nodes on the standby",
    overrides: { drTier: "pilot-light", nodeGroups: withStandbyWeb(1) },
    key: "eks-dr:nodeGroups.web.standby.desired",
    says: /drTier is pilot-light.*set it to 0, or set drTier to warm-standby/,
  },
  {
    title: "warm standby without web nodes on the standby",
    overrides: { drTier: "warm-standby" },
    key: "eks-dr:nodeGroups.web.standby.desired",
    says: /drTier is warm-standby.*set it to 1 or more/,
  },
];

describe("backup and DR tier config", () => {
  for (const c of cases) {
    it(`rejects ${c.title}, naming ${c.key}`, () => {
      const found = problems("dr", c.overrides);
      const problem = found.find((p) => p.key === c.key);
      expect(problem, JSON.stringify(found)).to.not.equal(undefined);
      expect(problem!.message).to.match(c.says);
    });
  }

  it("registers no resource when a backup key is wrong", async () => {
    const err = await evaluateSite({ stack: "primary", overrides: { backup: { schedule: "daily" } } }).catch((e: EvaluationError) => e);
    expect(err).to.be.instanceOf(EvaluationError);
    expect((err as EvaluationError).cause.message).to.match(/eks-dr:backup\.schedule/);
    expect((err as EvaluationError).cloud.resources).to.have.length(0);
  });

  it("backs up daily at 05:00 UTC for 35 days, and Velero the app namespace ten minutes before (its objects not newer than the data) for 30 days, by default", () => {
    const cfg = parseSiteConfig("primary", siteRawConfig("primary"));
    expect(cfg.backup).to.deep.equal({ schedule: "cron(0 5 ? * * *)", retentionDays: 35 });
    expect(cfg.velero).to.deep.equal({ namespaces: ["app"], schedule: "50 4 * * *", retentionDays: 30 });
    const locked = parseSiteConfig("primary", siteRawConfig("primary", { backup: { vaultLock: { minRetentionDays: 7 } } }));
    expect(locked.backup.vaultLock).to.deep.equal({ minRetentionDays: 7, changeableForDays: 3 });
  });

  it("derives the tier from the standby sizes unless it is set, and knows the backup-only standby", () => {
    const dr = parseSiteConfig("dr", siteRawConfig("dr"));
    expect(drTierOf(dr)).to.equal("pilot-light");
    expect(drTierOf(parseSiteConfig("dr", siteRawConfig("dr", { nodeGroups: withStandbyWeb(1) })))).to.equal("warm-standby");
    const tier: SiteConfig = parseSiteConfig("dr", siteRawConfig("dr", { drTier: "backup-restore" }));
    expect(drTierOf(tier)).to.equal("backup-restore");
    expect(isBackupOnlySite(tier)).to.equal(true);
    expect(isBackupOnlySite({ ...tier, role: "active" })).to.equal(false);
  });

  it("requires the same tier in both stack files, naming eks-dr:drTier", () => {
    const primary = parseSiteConfig("primary", siteRawConfig("primary"));
    const dr = parseSiteConfig("dr", siteRawConfig("dr", { drTier: "backup-restore" }));
    const found = pairProblems({ stack: "dr", config: dr }, { stack: "primary", config: primary });
    expect(found.map((p) => p.key)).to.deep.equal(["eks-dr:drTier"]);
    expect(found[0].message).to.match(/is backup-restore but not set in stack "primary".*same value in both stack files/);
    const both = parseSiteConfig("primary", siteRawConfig("primary", { drTier: "backup-restore" }));
    expect(pairProblems({ stack: "dr", config: dr }, { stack: "primary", config: both })).to.deep.equal([]);
  });

  it("refuses a dr stack whose tier differs from primary's before any resource", async () => {
    const err = await evaluateSite({ stack: "dr", overrides: { drTier: "backup-restore" } }).catch((e: EvaluationError) => e);
    expect(err).to.be.instanceOf(EvaluationError);
    expect((err as EvaluationError).cause.message).to.match(/eks-dr:drTier: is backup-restore but not set in stack "primary"/);
    expect((err as EvaluationError).cloud.resources).to.have.length(0);
  });
});
