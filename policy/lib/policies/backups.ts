/**
 * Backups beside replication: replication copies a deletion or an encryption by ransomware to the
 * peer within seconds or minutes, so the active site must also keep point-in-time copies, and keep
 * them in the other Region too.
 */
import { NotApplicable, definePolicy, type Violation } from "../policy";
import { describe, isSet, isUnknown, knownArray, knownString, ofType, type ResourceLike } from "../resources";
import { peerOutputs, siteRegion, siteRole } from "../site";

/** Resource types of @pulumi/aws v7 this policy reads. */
export const BACKUP_TYPES = {
  plan: "aws:backup/plan:Plan",
  selection: "aws:backup/selection:Selection",
} as const;

/** `arn:<partition>:backup:<region>:<account>:backup-vault:<name>` -> region. */
function vaultRegion(arn: string): string | undefined {
  return /^arn:aws[a-z-]*:backup:([a-z0-9-]+):\d{12}:backup-vault:/.exec(arn)?.[1];
}

/** The copy destinations of every rule of a plan (unknown values kept as they are). */
function copyDestinations(plan: ResourceLike): unknown[] {
  const rules = knownArray(plan.props.rules) ?? [];
  return rules.flatMap((rule) =>
    (knownArray((rule as Record<string, unknown> | undefined)?.copyActions) ?? []).map((c) => (c as Record<string, unknown> | undefined)?.destinationVaultArn),
  );
}

export const activeSiteBackupCopiedToPeer = definePolicy({
  name: "active-site-backup-copied-to-peer",
  description:
    "The active site runs an AWS Backup plan that selects resources and copies every recovery point into a vault in another Region (the peer's vault, read through the stack reference).",
  enforcementLevel: "mandatory",
  scope: "stack",
  // With the peer Region impaired (or replication paused for it) the plan copies nothing on purpose.
  relaxedWhen: ["replication-paused", "region-impaired"],
  defaults: {},
  validate(resources) {
    const role = siteRole(resources);
    if (!role)
      throw new NotApplicable(
        "the site's role is not visible: the stack exports no `role` output and has no Route 53 failover record or EFS overwrite protection",
      );
    if (role.role !== "active") return [];

    const region = siteRegion(resources);
    const peerVault = knownString(peerOutputs(resources)?.backupVaultArn);
    const plans = ofType(resources, BACKUP_TYPES.plan);
    const selections = ofType(resources, BACKUP_TYPES.selection);
    const fix =
      "Fix: keep the SiteBackup component on the site (the plan follows `eks-dr:role`), deploy the peer so its `backupVaultArn` output exists, then `pulumi up` this site.";
    if (plans.length === 0) {
      return [
        {
          message:
            `The active site (role from ${role.source}) runs no AWS Backup plan: a deleted table or an encrypted file share replicates to the peer ` +
            `and no point-in-time copy is left to restore from. ${fix}`,
        },
      ];
    }

    // A plan backs up nothing until a selection assigns resources to it.
    const selected = plans.filter((plan) => {
      const planId = knownString(plan.props.id);
      return selections.some((s) => isUnknown(s.props.planId) || !planId || knownString(s.props.planId) === planId);
    });
    if (selected.length === 0) {
      return plans.map((plan) => ({
        urn: plan.urn,
        message: `${describe(plan)} has no backup selection, so it backs up nothing. Fix: add an \`aws.backup.Selection\` with this plan's id (the SiteBackup component selects the \`eks-dr:backup=true\` tag).`,
      }));
    }

    const out: Violation[] = [];
    const copiesElsewhere = selected.some((plan) =>
      copyDestinations(plan).some((dest) => {
        if (!isSet(dest)) return false;
        const arn = knownString(dest);
        if (!arn) return true; // computed during a preview: counts as set
        const destRegion = vaultRegion(arn);
        return destRegion !== undefined && destRegion !== region && (!peerVault || arn === peerVault);
      }),
    );
    if (copiesElsewhere) return out;
    // The first deploy of the pair: the peer has no vault yet, the program warns and copies once it does.
    if (!peerVault && peerOutputs(resources) !== undefined) return out;
    for (const plan of selected) {
      const dests = copyDestinations(plan)
        .map((d) => knownString(d))
        .filter((d): d is string => d !== undefined);
      out.push({
        urn: plan.urn,
        message:
          `${describe(plan)} on the active site keeps its recovery points in ${region ?? "its own Region"} only` +
          (dests.length > 0 ? ` (it copies to ${dests.join(", ")}, not ${peerVault ? `the peer's vault ${peerVault}` : "a vault in another Region"})` : "") +
          `: losing the Region loses the backups too. Fix: add a copy action to ${peerVault ? `the peer's vault ${peerVault}` : "the peer's vault"} ` +
          "(its `backupVaultArn` output, read through the stack reference); the program leaves it out only while `eks-dr:replicateToPeer` is false.",
      });
    }
    return out;
  },
});
