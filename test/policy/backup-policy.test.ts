/**
 * The backup policy on synthetic sites: an active site must run a plan that selects resources and
 * copies to a vault in another Region (the peer's, when the stack reference knows it). The real
 * program's stacks are checked in site-policies.test.ts.
 */
import { expect } from "chai";
import { activeSiteBackupCopiedToPeer, auroraGlobalMembership, BACKUP_TYPES } from "../../policy/lib/policies";
import { runPolicy } from "../../policy/lib/policy";
import { T, type ResourceLike } from "../../policy/lib/resources";
import { activeSite, mutate, standbySite, without } from "./fixtures";

const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const DR_VAULT = "arn:aws:backup:us-west-2:123456789012:backup-vault:eks-dr-dr";
const run = (resources: ResourceLike[]) => runPolicy(activeSiteBackupCopiedToPeer, resources);
const copyTo = (arns: string[]) => (plan: ResourceLike) =>
  (plan.props.rules = [{ ruleName: "scheduled", copyActions: arns.map((destinationVaultArn) => ({ destinationVaultArn })) }]);
const peerOutputs = (resources: ResourceLike[], outputs: Record<string, unknown>) => mutate(resources, T.stackReference, (r) => (r.props.outputs = outputs));

describe("active-site-backup-copied-to-peer", () => {
  it("passes an active site whose plan copies into the peer's vault, and a standby without a plan", () => {
    expect(run(activeSite()).violations).to.deep.equal([]);
    expect(
      standbySite().some((r) => r.type === BACKUP_TYPES.plan),
      "the standby fixture runs no plan",
    ).to.equal(false);
    expect(run(standbySite())).to.deep.equal({ violations: [] });
  });

  it("fails an active site without a plan, naming the fix", () => {
    const { violations } = run(without(activeSite(), BACKUP_TYPES.plan));
    expect(violations).to.have.length(1);
    expect(violations[0].message).to.match(/runs no AWS Backup plan.*Fix: .*backupVaultArn/s);
  });

  it("fails a plan nothing is assigned to", () => {
    const { violations } = run(without(activeSite(), BACKUP_TYPES.selection));
    expect(violations.map((v) => v.message).join("\n")).to.match(/has no backup selection, so it backs up nothing/);
    expect(violations[0].urn).to.include("aws:backup/plan:Plan");
  });

  it("fails a plan whose copies stay in the site's own Region", () => {
    const site = mutate(activeSite(), BACKUP_TYPES.plan, copyTo(["arn:aws:backup:us-east-1:123456789012:backup-vault:second"]));
    const { violations } = run(site);
    expect(violations).to.have.length(1);
    expect(violations[0].message).to.match(/keeps its recovery points in us-east-1 only.*Fix: add a copy action to the peer's vault arn:aws:backup:us-west-2/s);
  });

  it("fails a copy into another Region's vault that is not the peer's", () => {
    const site = mutate(activeSite(), BACKUP_TYPES.plan, copyTo(["arn:aws:backup:eu-west-1:123456789012:backup-vault:elsewhere"]));
    expect(run(site).violations[0].message).to.match(/copies to arn:aws:backup:eu-west-1.*not the peer's vault/);
  });

  it("fails a plan without copy once the peer has a vault", () => {
    const site = mutate(activeSite(), BACKUP_TYPES.plan, copyTo([]));
    expect(run(site).violations).to.have.length(1);
  });

  it("passes the first deploy of the pair: no copy while the peer has no vault yet", () => {
    const site = peerOutputs(mutate(activeSite(), BACKUP_TYPES.plan, copyTo([])), { stack: "dr", region: "us-west-2" });
    expect(run(site).violations).to.deep.equal([]);
  });

  it("counts a destination computed during a preview as set", () => {
    const site = mutate(activeSite(), BACKUP_TYPES.plan, copyTo([UNKNOWN_STRING]));
    expect(run(site).violations).to.deep.equal([]);
  });

  it("accepts the peer's vault whichever of several copies targets it", () => {
    const site = mutate(activeSite(), BACKUP_TYPES.plan, copyTo(["arn:aws:backup:us-east-1:123456789012:backup-vault:local", DR_VAULT]));
    expect(run(site).violations).to.deep.equal([]);
  });

  it("is not applicable when the site's role is not visible", () => {
    const site = activeSite().filter((r) => ![T.stack, T.route53Record, T.efsFileSystem].includes(r.type as never));
    expect(run(site).notApplicable).to.match(/role is not visible/);
  });
});

describe("aurora-global-membership in the backup-restore tier", () => {
  const withoutDatabase = (drTier?: string) => {
    const site = without(standbySite(), T.rdsCluster);
    return drTier ? mutate(site, T.stack, (r) => (r.props.drTier = drTier)) : site;
  };

  it("accepts a backup-restore standby without a database: Aurora's copies are in its vault", () => {
    expect(runPolicy(auroraGlobalMembership, withoutDatabase("backup-restore")).violations).to.deep.equal([]);
  });

  it("still fails a pilot-light standby, or an active site, without a database", () => {
    expect(runPolicy(auroraGlobalMembership, withoutDatabase("pilot-light")).violations[0].message).to.match(/no Aurora cluster/);
    expect(runPolicy(auroraGlobalMembership, withoutDatabase()).violations).to.have.length(1);
    const active = mutate(without(activeSite(), T.rdsCluster), T.stack, (r) => (r.props.drTier = "backup-restore"));
    expect(runPolicy(auroraGlobalMembership, active).violations).to.have.length(1);
  });
});
