/**
 * Every DR policy over the resources the real program registers for both stacks, evaluated with
 * the real stack files in deploy order (primary, dr, primary, dr: each sees what the other
 * exported, as `pulumi up` would): resource policies see inputs, stack policies see outputs and the
 * stack's exports, as in `pulumi preview --policy-pack policy`. Then config that breaks an
 * invariant fails exactly the policy that guards it.
 */
import { expect } from "chai";
import { DR_POLICIES } from "../../policy/lib/policies";
import { runPolicy, type PolicyResult } from "../../policy/lib/policy";
import { T } from "../../policy/lib/resources";
import { REPO_ROOT, siteRawConfig, type EvaluateOptions } from "../../automation/sim/program/evaluate";
import { projectWith, swappedRolesProject } from "../harness/project";
import { packConfigFor } from "../../policy/lib/pack-config";
import { evaluateSiteResources, type EvaluatedSite } from "./site-resources";

interface Pair {
  /** Primary's first deploy, before dr exists. */
  primaryFirst: EvaluatedSite;
  /** Dr's first deploy, with the first primary's outputs. */
  drFirst: EvaluatedSite;
  primary: EvaluatedSite;
  dr: EvaluatedSite;
}

async function deployPair(projectDir = REPO_ROOT): Promise<Pair> {
  const primaryFirst = await evaluateSiteResources({ stack: "primary", projectDir });
  const drFirst = await evaluateSiteResources({ stack: "dr", projectDir, stackOutputs: { primary: primaryFirst.evaluation.outputs } });
  const primary = await evaluateSiteResources({ stack: "primary", projectDir, stackOutputs: { dr: drFirst.evaluation.outputs } });
  const dr = await evaluateSiteResources({ stack: "dr", projectDir, stackOutputs: { primary: primary.evaluation.outputs } });
  return { primaryFirst, drFirst, primary, dr };
}

/** Every policy as the pack runs it: resource policies on inputs, stack policies on outputs. */
function runAll(site: EvaluatedSite, config: Record<string, object> = {}): Map<string, PolicyResult> {
  return new Map(DR_POLICIES.map((p) => [p.name, runPolicy(p, p.scope === "resource" ? site.inputs : site.outputs, config[p.name] ?? {})]));
}

/** Policies with violations that block at the level the pack config gives them. */
function blocking(site: EvaluatedSite, config: Record<string, string>): string[] {
  return [...runAll(site)]
    .filter(([name, r]) => r.violations.length > 0 && (config[name] ?? DR_POLICIES.find((p) => p.name === name)?.enforcementLevel) === "mandatory")
    .map(([name]) => name);
}

function failures(results: Map<string, PolicyResult>): Record<string, string[]> {
  return Object.fromEntries([...results].filter(([, r]) => r.violations.length > 0).map(([name, r]) => [name, r.violations.map((v) => v.message)]));
}

describe("DR policies over the evaluated site stacks", function () {
  this.timeout(120_000);
  let pair: Pair;
  let swapped: Pair;

  before(async () => {
    pair = await deployPair();
    swapped = await deployPair(swappedRolesProject());
  });

  for (const [stack, role] of [
    ["primary", "active"],
    ["dr", "standby"],
  ] as const) {
    it(`${stack} (${role}) passes every policy, and every policy applies to it`, () => {
      const site = pair[stack];
      expect(site.evaluation.outputs.role).to.equal(role);
      const results = runAll(site);
      expect(failures(results)).to.deep.equal({});
      for (const [name, r] of results) expect(r.notApplicable, name).to.equal(undefined);
      // Not vacuous: each resource policy finds resources of its types in the site (a policy without types reads every resource).
      for (const p of DR_POLICIES.filter((p) => p.scope === "resource")) {
        expect(
          site.inputs.some((r) => p.types === undefined || p.types.includes(r.type)),
          `${p.name} has nothing to check`,
        ).to.equal(true);
      }
      // Every custom resource names the provider it goes through, and none is a default provider.
      const custom = site.inputs.filter((r) => r.provider !== undefined);
      expect(custom.length).to.be.greaterThan(50);
      expect(custom.filter((r) => r.provider?.name.startsWith("default")).map((r) => r.name)).to.deep.equal([]);
    });
  }

  it("hands the policies the protect option the program sets", () => {
    const protectedTypes = (site: EvaluatedSite) => new Set(site.inputs.filter((r) => r.protect).map((r) => r.type));
    for (const site of [pair.primary, pair.dr]) {
      expect([...protectedTypes(site)]).to.include.members([T.efsFileSystem, T.rdsCluster]);
      // Role-dependent resources stay unprotected so a role change can remove them.
      expect(site.inputs.filter((r) => r.type === T.efsReplication && r.protect)).to.deep.equal([]);
    }
    expect([...protectedTypes(pair.primary)]).to.include.members([T.rdsGlobalCluster, T.kmsKey, T.secret, T.ecrRepository, T.efsBackupPolicy]);
    expect([...protectedTypes(pair.dr)]).to.include(T.kmsReplicaKey);
  });

  it("after a failover (roles swapped by config) both sites still pass every policy", () => {
    expect(swapped.dr.evaluation.outputs.role).to.equal("active");
    expect(swapped.primary.evaluation.outputs.role).to.equal("standby");
    for (const site of [swapped.primary, swapped.dr]) {
      const results = runAll(site);
      expect(failures(results)).to.deep.equal({});
      for (const [name, r] of results) expect(r.notApplicable, name).to.equal(undefined);
    }
    // The replication moved with the role: the new active site replicates into the old primary.
    expect(swapped.dr.outputs.filter((r) => r.type === T.efsReplication)).to.have.length(1);
    expect(swapped.primary.outputs.filter((r) => r.type === T.efsReplication)).to.have.length(0);
  });

  it("primary's first deploy, before dr exists, passes: replication waits for the peer's file system", () => {
    expect(pair.primaryFirst.outputs.filter((r) => r.type === T.efsReplication)).to.have.length(0);
    expect(failures(runAll(pair.primaryFirst))).to.deep.equal({});
    expect(failures(runAll(pair.drFirst))).to.deep.equal({});
  });

  it("the real active site's backup plan copies to dr's vault; without that copy it fails active-site-backup-copied-to-peer", () => {
    const plan = pair.primary.outputs.find((r) => r.type === "aws:backup/plan:Plan")!;
    const drVault = pair.dr.evaluation.outputs.backupVaultArn as string;
    expect(drVault).to.match(/^arn:aws:backup:us-west-2:/);
    expect((plan.props.rules as any[])[0].copyActions.map((c: any) => c.destinationVaultArn)).to.deep.equal([drVault]);
    const withoutCopy = pair.primary.outputs.map((r) =>
      r === plan ? { ...r, props: { ...r.props, rules: [{ ...(r.props.rules as any[])[0], copyActions: [] }] } } : r,
    );
    const failed = failures(new Map(DR_POLICIES.map((p) => [p.name, runPolicy(p, p.scope === "resource" ? pair.primary.inputs : withoutCopy)])));
    expect(Object.keys(failed)).to.deep.equal(["active-site-backup-copied-to-peer"]);
    expect(failed["active-site-backup-copied-to-peer"][0]).to.include(drVault);
  });

  describe("config that breaks an invariant fails exactly its policy", () => {
    const evaluate = (opts: EvaluateOptions) => evaluateSiteResources(opts);

    it("3 days of Aurora backups on the standby: aurora-backup-retention", async () => {
      const database = { ...(siteRawConfig("dr").database as object), backupRetentionDays: 3 };
      const site = await evaluate({ stack: "dr", overrides: { database }, stackOutputs: { primary: pair.primary.evaluation.outputs } });
      const failed = failures(runAll(site));
      expect(Object.keys(failed)).to.deep.equal(["aurora-backup-retention"]);
      expect(failed["aurora-backup-retention"][0]).to.match(/dr-db .* keeps 3 day\(s\).*eks-dr:database\.backupRetentionDays/);
    });

    it("replication to the peer turned off on the active site: efs-replication-follows-role, blocking until the stack files record it", async () => {
      const site = await evaluate({ stack: "primary", overrides: { replicateToPeer: false }, stackOutputs: { dr: pair.dr.evaluation.outputs } });
      const failed = failures(runAll(site));
      // The backup plan stops copying into the peer's vault with it (the peer Region is impaired).
      expect(Object.keys(failed)).to.deep.equal(["efs-replication-follows-role", "active-site-backup-copied-to-peer"]);
      expect(failed["efs-replication-follows-role"][0]).to.match(/has no EFS replication configuration.*replicateToPeer: false.*advisory/);
      expect(failed["active-site-backup-copied-to-peer"][0]).to.match(/only while `eks-dr:replicateToPeer` is false/);
      // Mandatory with a hand-run pack (or stack files of a healthy pair)...
      expect(blocking(site, {})).to.deep.equal(["efs-replication-follows-role", "active-site-backup-copied-to-peer"]);
      // ...advisory with the config the stack files select once they record it.
      expect(blocking(site, packConfigFor(projectWith({ primary: { replicateToPeer: false } }), "primary").config)).to.deep.equal([]);
    });

    it("dr deployed before primary (no global cluster to join, no key yet): aurora-global-membership and the repositories' key", async () => {
      const site = await evaluate({ stack: "dr" });
      const failed = failures(runAll(site));
      expect(Object.keys(failed).sort()).to.deep.equal(["aurora-global-membership", "credentials-and-images-encrypted-with-cmk"]);
      // Without the owner's key the repositories would be created on aws/ecr for good: blocked before they exist.
      expect(failed["credentials-and-images-encrypted-with-cmk"].join("\n")).to.match(/dr-images-web .* AWS managed key/);
    });

    it("a pack config stricter than the stack files (14 days of backups): aurora-backup-retention on both sites", () => {
      for (const site of [pair.primary, pair.dr]) {
        const failed = failures(runAll(site, { "aurora-backup-retention": { minimumDays: 14 } }));
        expect(Object.keys(failed)).to.deep.equal(["aurora-backup-retention"]);
      }
    });
  });
});
