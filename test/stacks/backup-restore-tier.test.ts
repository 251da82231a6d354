/**
 * The backup-restore tier with the real stack files (drTier set in both): dr keeps only its network,
 * backup vault, Velero bucket and the replicas of images and secrets; primary still copies its
 * recovery points there. Then the roles swapped (the state after a restore into dr): primary, the
 * owner, becomes the network-only standby and keeps every protected resource under the same URN.
 */
import { expect } from "chai";
import { REGIONAL_SITE_TYPE } from "../../components/backup-only-site";
import { DR_POLICIES } from "../../policy/lib/policies";
import { runPolicy } from "../../policy/lib/policy";
import { backupOnlySiteOutputsSchema, parseSiteOutputs, siteOutputsSchema } from "../../stacks/outputs";
import { evaluateSite, type Evaluation } from "../../automation/sim/program/evaluate";
import type { RecordedResource } from "../../automation/sim/program/mock-cloud";
import { projectWith } from "../harness/project";
import { evaluateSiteResources, type EvaluatedSite } from "../policy/site-resources";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks") as {
  MockMonitor: { prototype: { registerResource: (req: RegisterRequest, cb: unknown) => unknown } };
};
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getAliasesList(): { toObject(): { urn?: string; spec?: { type?: string; name?: string } } }[];
}

const byType = (ev: Evaluation, type: string) => ev.cloud.ofType(type);
const isAws = (r: RecordedResource) => r.type.startsWith("aws:");

/**
 * Evaluates a site as the policy engine sees it, and records the aliases each resource was
 * registered with (the mocks do not keep them).
 */
async function evaluateWithAliases(opts: Parameters<typeof evaluateSite>[0]) {
  const aliases = new Map<string, string[]>();
  const original = MockMonitor.prototype.registerResource;
  MockMonitor.prototype.registerResource = function (this: unknown, req: RegisterRequest, cb: unknown) {
    aliases.set(
      `${req.getType()}::${req.getName()}`,
      req.getAliasesList().map((a) => a.toObject().spec?.type ?? a.toObject().urn ?? ""),
    );
    return original.call(this, req, cb);
  };
  try {
    return { site: await evaluateSiteResources(opts), aliases };
  } finally {
    MockMonitor.prototype.registerResource = original;
  }
}

/** Policies that report a violation, as the pack runs them (resource policies on inputs, stack policies on outputs). */
function failingPolicies(site: EvaluatedSite): string[] {
  return DR_POLICIES.filter((p) => runPolicy(p, p.scope === "resource" ? site.inputs : site.outputs).violations.length > 0).map((p) => p.name);
}

describe("backup-restore tier", function () {
  this.timeout(60_000);
  const tier = { drTier: "backup-restore" };
  let dr: Evaluation;
  let primary: Evaluation;
  let drSite: EvaluatedSite;
  let primarySite: EvaluatedSite;
  let drAliases: Map<string, string[]>;
  let swappedPrimary: Evaluation;
  let swappedDr: Evaluation;

  before(async () => {
    const dir = projectWith({ primary: tier, dr: tier });
    const primaryFirst = await evaluateSite({ stack: "primary", projectDir: dir });
    ({ site: drSite, aliases: drAliases } = await evaluateWithAliases({ stack: "dr", projectDir: dir, stackOutputs: { primary: primaryFirst.outputs } }));
    dr = drSite.evaluation;
    primarySite = await evaluateSiteResources({ stack: "primary", projectDir: dir, stackOutputs: { dr: dr.outputs } });
    primary = primarySite.evaluation;
    // After a restore into dr: dr active (a full site), primary the network-only standby.
    const swapped = projectWith({ primary: { ...tier, role: "standby" }, dr: { ...tier, role: "active" } });
    swappedPrimary = await evaluateSite({ stack: "primary", projectDir: swapped, stackOutputs: { dr: dr.outputs } });
    swappedDr = await evaluateSite({ stack: "dr", projectDir: swapped, stackOutputs: { primary: swappedPrimary.outputs } });
  });

  it("dr holds only the network, the vault, the Velero bucket and the replicas: no cluster, nodes, file system or database", () => {
    for (const type of [
      "aws:eks/cluster:Cluster",
      "aws:eks/nodeGroup:NodeGroup",
      "aws:efs/fileSystem:FileSystem",
      "aws:rds/cluster:Cluster",
      "aws:rds/clusterInstance:ClusterInstance",
      "aws:rds/globalCluster:GlobalCluster",
      "kubernetes:helm.sh/v3:Release",
    ]) {
      expect(byType(dr, type), type).to.have.length(0);
    }
    expect(byType(dr, "aws:ec2/vpc:Vpc")).to.have.length(1);
    expect(byType(dr, "aws:ec2/natGateway:NatGateway"), "a standby's single NAT").to.have.length(1);
    expect(dr.cloud.one("aws:backup/vault:Vault").inputs.kmsKeyArn).to.equal(dr.cloud.one("aws:kms/replicaKey:ReplicaKey").state.arn);
    expect(byType(dr, "aws:s3/bucket:Bucket")).to.have.length(1);
    expect(byType(dr, "aws:ecr/repository:Repository").length).to.be.greaterThan(0);
    expect(byType(dr, "aws:backup/plan:Plan")).to.have.length(0);
  });

  it("dr's resources sit on its own provider, each under a component", () => {
    for (const r of dr.cloud.resources) {
      if (r.type.startsWith("pulumi:")) continue;
      if (isAws(r)) {
        expect(r.provider, `${r.type} ${r.name}`).to.be.a("string").and.not.equal("");
        expect(r.region, `${r.type} ${r.name}`).to.equal("us-west-2");
      }
      const topLevel = r.type.startsWith("eks-dr:index:") && !r.urn.includes("$");
      expect(topLevel || r.urn.includes("$"), `${r.type} ${r.name} is not parented: ${r.urn}`).to.equal(true);
    }
  });

  it("dr exports what a restore reads, and the driver's contract says it has nothing to fail over to", () => {
    const parsed = backupOnlySiteOutputsSchema.safeParse(dr.outputs);
    expect(parsed.success, parsed.success ? "" : JSON.stringify(parsed.error.issues)).to.equal(true);
    expect(dr.outputs).to.include({ drTier: "backup-restore", role: "standby" });
    expect(siteOutputsSchema.safeParse(dr.outputs).success).to.equal(false);
    expect(() => parseSiteOutputs("dr", dr.outputs)).to.throw(/standby of the backup-restore tier.*no cluster or database to fail over to/);
  });

  it("primary still copies every recovery point into dr's vault and replicates Velero's bucket, without EFS replication", () => {
    const [rule] = primary.cloud.one("aws:backup/plan:Plan").inputs.rules;
    expect(rule.copyActions.map((c: any) => c.destinationVaultArn)).to.deep.equal([dr.outputs.backupVaultArn]);
    expect(primary.cloud.one("aws:s3/bucketReplicationConfig:BucketReplicationConfig").inputs.rules[0].destination.bucket).to.equal(dr.outputs.veleroBucketArn);
    expect(byType(primary, "aws:efs/replicationConfiguration:ReplicationConfiguration")).to.have.length(0);
    expect(primary.outputs.efsReplication).to.equal(undefined);
    expect(primary.outputs.drTier).to.equal("backup-restore");
    // Nothing is waiting for dr: no warning besides the images not pushed yet.
    expect(primary.warnings.filter((w) => !/not in the site's registry yet/.test(w))).to.deep.equal([]);
    expect(siteOutputsSchema.safeParse(primary.outputs).success).to.equal(true);
  });

  it("both sites pass every DR policy: a standby without a database is the tier, not a broken site", () => {
    expect(failingPolicies(drSite)).to.deep.equal([]);
    expect(failingPolicies(primarySite)).to.deep.equal([]);
  });

  it("registers dr's network-only site with RegionalSite's type as an alias, so a change of tier keeps the VPC", () => {
    expect(drAliases.get("eks-dr:index:BackupOnlySite::dr")).to.deep.include(REGIONAL_SITE_TYPE);
    const vpc = dr.cloud.one("aws:ec2/vpc:Vpc");
    expect(vpc.name, "the same logical name as under RegionalSite").to.equal("dr-network");
  });

  it("after a restore into dr, primary (the owner) keeps its key, secret, global cluster, vault and bucket under the same URNs", () => {
    const kept = [
      "aws:kms/key:Key",
      "aws:secretsmanager/secret:Secret",
      "aws:rds/globalCluster:GlobalCluster",
      "aws:backup/vault:Vault",
      "aws:s3/bucket:Bucket",
      "aws:s3/bucketVersioning:BucketVersioning",
    ];
    for (const type of kept) {
      const before = byType(primary, type).filter((r) => r.type !== "aws:kms/key:Key" || r.inputs.multiRegion === true);
      const after = byType(swappedPrimary, type).filter((r) => r.type !== "aws:kms/key:Key" || r.inputs.multiRegion === true);
      expect(before.length, type).to.be.greaterThan(0);
      expect(
        after.map((r) => r.urn),
        type,
      ).to.deep.equal(before.map((r) => r.urn));
      after.forEach((a, i) => expect(a.inputs, `${type} ${a.name}`).to.deep.equal(before[i].inputs));
    }
    expect(byType(swappedPrimary, "aws:rds/cluster:Cluster")).to.have.length(0);
    expect(byType(swappedPrimary, "aws:backup/plan:Plan")).to.have.length(0);
    expect(swappedPrimary.outputs.globalClusterIdentifier).to.equal(primary.outputs.globalClusterIdentifier);
  });

  it("after a restore into dr, dr is a full active site: it joins the owner's global cluster and copies into primary's vault", () => {
    expect(swappedDr.cloud.one("aws:rds/cluster:Cluster").inputs.globalClusterIdentifier).to.equal(primary.outputs.globalClusterIdentifier);
    const [rule] = swappedDr.cloud.one("aws:backup/plan:Plan").inputs.rules;
    expect(rule.copyActions.map((c: any) => c.destinationVaultArn)).to.deep.equal([swappedPrimary.outputs.backupVaultArn]);
    expect(swappedDr.cloud.one("aws:backup/vault:Vault").urn, "dr's vault did not move").to.equal(dr.cloud.one("aws:backup/vault:Vault").urn);
    expect(byType(swappedDr, "aws:eks/cluster:Cluster")).to.have.length(1);
  });

  it("dr has a DB subnet group in its private subnets and a DB security group for a restored cluster to land in, exported, under the URNs a full site gives them", () => {
    const subnetGroup = dr.cloud.one("aws:rds/subnetGroup:SubnetGroup");
    expect(subnetGroup.inputs.subnetIds).to.deep.equal(dr.outputs.privateSubnetIds);
    expect(dr.outputs.dbSubnetGroupName).to.equal(subnetGroup.state.name);
    const sg = dr.cloud.ofType("aws:ec2/securityGroup:SecurityGroup").find((r) => r.id === dr.outputs.dbSecurityGroupId);
    expect(sg, "the exported DB security group").not.to.equal(undefined);
    expect(sg!.inputs.vpcId).to.equal(dr.outputs.vpcId);
    // Promoted to a full site, the same resources: nothing is replaced under the restored cluster.
    expect(swappedDr.cloud.one("aws:rds/subnetGroup:SubnetGroup").urn).to.equal(subnetGroup.urn);
    expect(swappedDr.cloud.one("aws:rds/subnetGroup:SubnetGroup").inputs.name).to.equal(subnetGroup.inputs.name);
    const fullSg = swappedDr.cloud.ofType("aws:ec2/securityGroup:SecurityGroup").find((r) => r.urn === sg!.urn);
    expect(fullSg, "the DB security group keeps its URN").not.to.equal(undefined);
    expect(fullSg!.inputs).to.deep.equal(sg!.inputs);
    expect(swappedDr.outputs.dbSecurityGroupId).to.equal(fullSg!.id);
    expect(primary.outputs.dbSubnetGroupName).to.equal(primary.cloud.one("aws:rds/subnetGroup:SubnetGroup").state.name);
  });

  it("restored into dr (restoredData), dr becomes a full active site on the restored stores: no file system or cluster of its own, joins none; its restored cluster writes the global database the restore created", async () => {
    const data = {
      fileSystemId: "fs-0123456789abcdef0",
      dbClusterIdentifier: "dr-restored-20250101t0500",
      globalClusterIdentifier: "dr-restored-20250101t0500-global",
    };
    const promoted = projectWith({ primary: { ...tier, role: "standby" }, dr: { ...tier, role: "active", restoredData: data } });
    const site = await evaluateSiteResources({ stack: "dr", projectDir: promoted, stackOutputs: { primary: swappedPrimary.outputs } });
    const ev = site.evaluation;
    expect(byType(ev, "aws:eks/cluster:Cluster")).to.have.length(1);
    expect(byType(ev, "aws:eks/nodeGroup:NodeGroup")).to.have.length(3);
    expect(byType(ev, "aws:efs/fileSystem:FileSystem").map((r) => [r.read === true, r.id])).to.deep.equal([[true, data.fileSystemId]]);
    expect(byType(ev, "aws:rds/cluster:Cluster").map((r) => [r.read === true, r.id])).to.deep.equal([[true, data.dbClusterIdentifier]]);
    expect(byType(ev, "aws:rds/clusterInstance:ClusterInstance"), "the restore created the restored cluster's instances").to.have.length(0);
    expect(byType(ev, "aws:rds/globalCluster:GlobalCluster").map((r) => [r.read === true, r.id])).to.deep.equal([[true, data.globalClusterIdentifier]]);
    expect(ev.outputs.dbGlobalClusterIdentifier).to.equal(data.globalClusterIdentifier);
    expect(ev.cloud.ofType("aws:efs/mountTarget:MountTarget").map((m) => m.inputs.fileSystemId)).to.deep.equal(
      ev.outputs.privateSubnetIds.map(() => data.fileSystemId),
    );
    expect(ev.cloud.one("kubernetes:core/v1:PersistentVolume").inputs.spec.csi.volumeHandle).to.equal(data.fileSystemId);
    expect(ev.outputs).to.include({ role: "active", fileSystemId: data.fileSystemId, dbClusterIdentifier: data.dbClusterIdentifier });
    // The network the restored cluster landed in, under the URNs the standby gave it.
    expect(ev.cloud.one("aws:rds/subnetGroup:SubnetGroup").urn).to.equal(dr.cloud.one("aws:rds/subnetGroup:SubnetGroup").urn);
    expect(ev.outputs.dbSecurityGroupId).to.equal(dr.outputs.dbSecurityGroupId);
    expect(siteOutputsSchema.safeParse(ev.outputs).success, JSON.stringify(siteOutputsSchema.safeParse(ev.outputs).error?.issues)).to.equal(true);
    expect(failingPolicies(site)).to.deep.equal([]);
    // Its first failover record joins a group whose PRIMARY is still the lost site's (Route 53 holds
    // one PRIMARY): created SECONDARY, without a check; the restore's DNS swap then makes it PRIMARY
    // with the site's health check, which the program creates and exports.
    const record = ev.cloud.one("aws:route53/record:Record");
    expect(record.inputs.failoverRoutingPolicies).to.deep.equal([{ type: "SECONDARY" }]);
    expect(record.inputs.healthCheckId).to.equal(undefined);
    expect(ev.outputs.healthCheckId).to.be.a("string").and.not.equal("");
  });
});
