/**
 * What a role means (stacks/roles.ts): each rule, the values the program resolves for the real stack
 * files, and the config checks that read the same rules.
 */
import { expect } from "chai";
import { ConfigError, parseSiteConfig, type SiteConfig } from "../../stacks/config";
import {
  awaitsWorkloadRollout,
  dbInstanceCount,
  failoverDesignation,
  fileSystemProtection,
  natGatewayMode,
  nodeGroupSizeProblems,
  nodeGroupSizes,
  peerReplicationOff,
  resolveSiteRole,
  roleRules,
} from "../../stacks/roles";
import { siteRawConfig } from "../../automation/sim/program/evaluate";

const site = (stack: string, overrides: Record<string, unknown> = {}): SiteConfig => parseSiteConfig(stack, siteRawConfig(stack, overrides));

describe("roles", () => {
  it("puts a NAT gateway in every AZ while active and one while standby, unless config says otherwise", () => {
    expect(natGatewayMode({ role: "active" })).to.equal("perAz");
    expect(natGatewayMode({ role: "standby" })).to.equal("single");
    expect(natGatewayMode({ role: "standby", natGateways: "perAz" })).to.equal("perAz");
    expect(natGatewayMode({ role: "active", natGateways: "single" })).to.equal("single");
  });

  it("sizes node groups, counts DB instances and designates the record by role", () => {
    const cfg = site("primary");
    expect(nodeGroupSizes({ ...cfg, role: "standby" }, "web")).to.deep.equal(cfg.nodeGroups.web.standby);
    expect(nodeGroupSizes(cfg, "web")).to.deep.equal(cfg.nodeGroups.web.active);
    expect(dbInstanceCount("active", { readers: { active: 2, standby: 0 } })).to.equal(3);
    expect(dbInstanceCount("standby", { readers: { active: 2, standby: 0 } })).to.equal(0);
    expect([failoverDesignation("active"), failoverDesignation("standby")]).to.deep.equal(["PRIMARY", "SECONDARY"]);
    expect([fileSystemProtection("active"), fileSystemProtection("standby")]).to.deep.equal(["ENABLED", "DISABLED"]);
    expect([awaitsWorkloadRollout("active"), awaitsWorkloadRollout("standby")]).to.deep.equal([true, false]);
  });

  it("replicates to the peer only while active and replicateToPeer, warning only in the second case", () => {
    expect(peerReplicationOff({ role: "active", replicateToPeer: true, peerStack: "dr" }, "primary")).to.equal(undefined);
    expect(peerReplicationOff({ role: "standby", replicateToPeer: true, peerStack: "primary" }, "dr")).to.deep.include({ warn: false });
    const off = peerReplicationOff({ role: "active", replicateToPeer: false, peerStack: "primary" }, "dr")!;
    expect(off.warn).to.equal(true);
    expect(off.reason).to.match(/eks-dr:replicateToPeer is false.*once stack "primary" is reachable, then run `pulumi up -s dr`/);
  });

  it("resolves every value for the real stack files: primary active, dr a pilot-light standby", () => {
    const primary = resolveSiteRole(site("primary"), "primary");
    expect(primary).to.deep.include({
      natGateways: "perAz",
      fileSystemProtection: "ENABLED",
      failoverDesignation: "PRIMARY",
      awaitsWorkloadRollout: true,
      runsBackupPlan: true,
      writesVeleroBackups: true,
      alarmsOnAuroraLag: false,
      notifiesOnHealthCheck: true,
    });
    expect(primary.peerReplicationOff).to.equal(undefined);
    const dr = resolveSiteRole(site("dr"), "dr");
    expect(dr).to.deep.include({
      natGateways: "single",
      fileSystemProtection: "DISABLED",
      failoverDesignation: "SECONDARY",
      awaitsWorkloadRollout: false,
      runsBackupPlan: false,
      writesVeleroBackups: false,
      alarmsOnAuroraLag: true,
      notifiesOnHealthCheck: false,
    });
    expect(dr.nodeGroupSizes.web.desired).to.equal(0);
    expect(dr.peerReplicationOff?.warn).to.equal(false);
  });

  it("quiesces the workload into read-only mode, replicas unchanged", () => {
    const workload = { images: { web: "w:1", app: "a:1" }, replicas: { web: { active: 3, standby: 1 }, app: { active: 4, standby: 0 } } };
    expect(resolveSiteRole(site("dr", { workload }), "dr").workloadReplicas).to.deep.equal({ web: 1, app: 0 });
    expect(resolveSiteRole(site("primary", { workload }), "primary").workloadReplicas).to.deep.equal({ web: 3, app: 4 });
    const quiesced = resolveSiteRole(site("primary", { workload, quiesced: true }), "primary");
    expect(quiesced.workloadReplicas).to.deep.equal({ web: 3, app: 4 });
    expect(quiesced.workloadReadOnly).to.equal(true);
    expect(resolveSiteRole(site("primary", { workload }), "primary").workloadReadOnly).to.equal(false);
    expect(resolveSiteRole(site("primary", { workload: undefined }), "primary").workloadReplicas).to.equal(undefined);
  });

  it("reads the rules through the seam, so a rule replaced there is what the program resolves", () => {
    const original = roleRules.failoverDesignation;
    try {
      roleRules.failoverDesignation = () => "SECONDARY";
      expect(resolveSiteRole(site("primary"), "primary").failoverDesignation).to.equal("SECONDARY");
    } finally {
      roleRules.failoverDesignation = original;
    }
    expect(resolveSiteRole(site("primary"), "primary").failoverDesignation).to.equal("PRIMARY");
  });

  it("states the sizes every role needs, which the config checks report with the key", () => {
    const groups = site("primary").nodeGroups;
    expect(nodeGroupSizeProblems(groups)).to.deep.equal([]);
    const broken = {
      ...groups,
      system: { ...groups.system, standby: { min: 1, desired: 1, max: 2 } },
      app: { ...groups.app, active: { min: 0, desired: 0, max: 3 } },
    };
    expect(nodeGroupSizeProblems(broken).map((p) => p.path.join("."))).to.deep.equal(["nodeGroups.system.standby.min", "nodeGroups.app.active.desired"]);
    let error: unknown;
    try {
      parseSiteConfig("primary", siteRawConfig("primary", { nodeGroups: broken }));
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.key)).to.include.members([
      "eks-dr:nodeGroups.system.standby.min",
      "eks-dr:nodeGroups.app.active.desired",
    ]);
  });
});
