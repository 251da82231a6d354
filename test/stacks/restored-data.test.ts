/**
 * A site adopting the stores a restore brought back (config `restoredData`), evaluated under mocks:
 * the restored file system and DB cluster are read by id (never created, changed or deleted), the
 * file system gets mount targets in the site's private subnets behind its EFS security group, the
 * volume, the workload's DB endpoints and the backup plan point at them, and the site's own file
 * system and cluster stay registered, protected, with the same inputs.
 */
import { expect } from "chai";
import { evaluateSite, type Evaluation } from "../../automation/sim/program/evaluate";
import type { RecordedResource } from "../../automation/sim/program/mock-cloud";
import { DR_POLICIES } from "../../policy/lib/policies";
import { runPolicy } from "../../policy/lib/policy";
import { evaluateSiteResources, type EvaluatedSite } from "../policy/site-resources";

const RESTORED = {
  fileSystemId: "fs-0123456789abcdef0",
  dbClusterIdentifier: "primary-restored-20250101t0500",
  globalClusterIdentifier: "primary-restored-20250101t0500-global",
};

function failingPolicies(site: EvaluatedSite): string[] {
  return DR_POLICIES.filter((p) => runPolicy(p, p.scope === "resource" ? site.inputs : site.outputs).violations.length > 0).map((p) => p.name);
}

const envOf = (ev: Evaluation) => {
  const app = ev.cloud.ofType("kubernetes:apps/v1:Deployment").find((d) => d.inputs.metadata.name === "app")!;
  return Object.fromEntries(app.inputs.spec.template.spec.containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]));
};

describe("a site on restored data (restoredData)", function () {
  this.timeout(60_000);
  let plain: Evaluation;
  let adopted: EvaluatedSite;
  let ev: Evaluation;
  let standalone: EvaluatedSite;

  before(async () => {
    const first = await evaluateSite({ stack: "primary" });
    const dr = await evaluateSite({ stack: "dr", stackOutputs: { primary: first.outputs } });
    const peer = { dr: dr.outputs };
    plain = await evaluateSite({ stack: "primary", stackOutputs: peer });
    adopted = await evaluateSiteResources({ stack: "primary", stackOutputs: peer, overrides: { restoredData: RESTORED } });
    ev = adopted.evaluation;
    const { globalClusterIdentifier: _none, ...withoutGlobal } = RESTORED;
    standalone = await evaluateSiteResources({ stack: "primary", stackOutputs: peer, overrides: { restoredData: withoutGlobal } });
  });

  it("reads the restored file system and cluster by id: nothing creates, changes or deletes them", () => {
    const reads = ev.cloud.resources.filter((r) => r.read);
    expect(reads.map((r) => [r.type, r.id]).filter(([t]) => !String(t).startsWith("pulumi:"))).to.have.deep.members([
      ["aws:efs/fileSystem:FileSystem", RESTORED.fileSystemId],
      ["aws:rds/cluster:Cluster", RESTORED.dbClusterIdentifier],
      ["aws:rds/globalCluster:GlobalCluster", RESTORED.globalClusterIdentifier],
    ]);
    expect(ev.cloud.ofType("aws:rds/globalCluster:GlobalCluster").filter((r) => !r.read)).to.have.length(1);
    expect(ev.cloud.ofType("aws:efs/fileSystem:FileSystem").filter((r) => !r.read)).to.have.length(1);
    expect(ev.cloud.ofType("aws:rds/cluster:Cluster").filter((r) => !r.read)).to.have.length(1);
  });

  it("mounts the restored file system in every private subnet behind the site's EFS security group; the volume names it", () => {
    const own = ev.cloud.ofType("aws:efs/fileSystem:FileSystem").find((r) => !r.read)!;
    const ownMounts = ev.cloud.ofType("aws:efs/mountTarget:MountTarget").filter((m) => m.inputs.fileSystemId === own.id);
    const mounts = ev.cloud.ofType("aws:efs/mountTarget:MountTarget").filter((m) => m.inputs.fileSystemId === RESTORED.fileSystemId);
    expect(mounts.map((m) => m.inputs.subnetId).sort()).to.deep.equal(ownMounts.map((m) => m.inputs.subnetId).sort());
    expect(mounts.map((m) => m.inputs.subnetId).sort()).to.deep.equal([...ev.outputs.privateSubnetIds].sort());
    for (const m of mounts) expect(m.inputs.securityGroups).to.deep.equal(ownMounts[0].inputs.securityGroups);
    expect(ev.cloud.one("kubernetes:core/v1:PersistentVolume").inputs.spec.csi.volumeHandle).to.equal(RESTORED.fileSystemId);
  });

  it("points the workload's DB endpoints and the site's outputs at the restored cluster", () => {
    const restored = ev.cloud.ofType("aws:rds/cluster:Cluster").find((r) => r.read)!;
    expect(envOf(ev).DB_WRITER_HOST).to.equal(restored.state.endpoint);
    expect(envOf(ev).DB_READER_HOST).to.equal(restored.state.readerEndpoint);
    expect(envOf(ev).DB_WRITER_HOST).to.match(new RegExp(`^${RESTORED.dbClusterIdentifier}\\.`));
    expect(ev.outputs).to.include({ fileSystemId: RESTORED.fileSystemId, dbClusterIdentifier: RESTORED.dbClusterIdentifier });
    expect(ev.outputs.restoredData).to.deep.equal(RESTORED);
    // Which global database the served cluster writes: the restored one's; without a restore, the pair's.
    expect(ev.outputs.dbGlobalClusterIdentifier).to.equal(RESTORED.globalClusterIdentifier);
    expect(ev.outputs.globalClusterIdentifier).to.equal(plain.outputs.globalClusterIdentifier);
    expect(plain.outputs.dbGlobalClusterIdentifier).to.equal(plain.outputs.globalClusterIdentifier);
  });

  it("backs up the restored stores by ARN and leaves the site's own out of the tag selection", () => {
    const restoredSel = ev.cloud.ofType("aws:backup/selection:Selection").find((s) => s.inputs.name === "eks-dr-restored")!;
    const fsArn = ev.cloud.ofType("aws:efs/fileSystem:FileSystem").find((r) => r.read)!.state.arn;
    const clusterArn = ev.cloud.ofType("aws:rds/cluster:Cluster").find((r) => r.read)!.state.arn;
    expect(restoredSel.inputs.resources).to.deep.equal([fsArn, clusterArn]);
    const tagged = ev.cloud.ofType("aws:backup/selection:Selection").find((s) => s.inputs.name === "eks-dr-tagged")!;
    const own = (type: string) => ev.cloud.ofType(type).find((r) => !r.read)!.state.arn;
    expect(tagged.inputs.notResources).to.deep.equal([own("aws:efs/fileSystem:FileSystem"), own("aws:rds/cluster:Cluster")]);
  });

  it("keeps the site's own file system and cluster: the same URNs and inputs, protected", () => {
    for (const type of [
      "aws:efs/fileSystem:FileSystem",
      "aws:rds/cluster:Cluster",
      "aws:rds/globalCluster:GlobalCluster",
      "aws:efs/backupPolicy:BackupPolicy",
    ]) {
      const before = plain.cloud.ofType(type);
      const after = ev.cloud.ofType(type).filter((r: RecordedResource) => !r.read);
      expect(
        after.map((r) => r.urn),
        type,
      ).to.deep.equal(before.map((r) => r.urn));
      after.forEach((a, i) => {
        expect(a.inputs, `${type} ${a.name}`).to.deep.equal(before[i].inputs);
        expect(a.options.protect, `${type} ${a.name}`).to.equal(true);
      });
    }
  });

  it("passes every DR policy", () => {
    expect(failingPolicies(adopted)).to.deep.equal([]);
  });

  it("aurora-global-membership: a restored cluster that writes no global database is a violation naming it and the fix", () => {
    expect(failingPolicies(standalone)).to.deep.equal(["aurora-global-membership"]);
    const policy = DR_POLICIES.find((p) => p.name === "aurora-global-membership")!;
    const messages = runPolicy(policy, standalone.outputs).violations.map((v) => v.message);
    expect(messages).to.have.length(1);
    expect(messages[0])
      .to.match(new RegExp(`${RESTORED.dbClusterIdentifier}.*no global database`))
      .and.match(/npm run restore/);
  });

  it("on the standby full site (dr) the same: mount targets, the volume and the endpoints on the restored stores", async () => {
    const data = {
      fileSystemId: "fs-0fedcba9876543210",
      dbClusterIdentifier: "dr-restored-20250101t0500",
      globalClusterIdentifier: "dr-restored-20250101t0500-global",
    };
    const dr = await evaluateSite({ stack: "dr", stackOutputs: { primary: plain.outputs }, overrides: { restoredData: data } });
    expect(dr.cloud.ofType("aws:efs/mountTarget:MountTarget").filter((m) => m.inputs.fileSystemId === data.fileSystemId)).to.have.length(
      dr.outputs.privateSubnetIds.length,
    );
    expect(dr.cloud.one("kubernetes:core/v1:PersistentVolume").inputs.spec.csi.volumeHandle).to.equal(data.fileSystemId);
    expect(envOf(dr).DB_WRITER_HOST).to.match(new RegExp(`^${data.dbClusterIdentifier}\\.`));
    expect(dr.cloud.ofType("aws:rds/cluster:Cluster").filter((r) => !r.read && r.options.protect)).to.have.length(1);
    expect(dr.outputs.dbGlobalClusterIdentifier).to.equal(data.globalClusterIdentifier);
    // The secondary still joins the pair's global cluster by the owner's output: its own cluster's input is unchanged.
    const own = dr.cloud.ofType("aws:rds/cluster:Cluster").find((r) => !r.read)!;
    expect(own.inputs.globalClusterIdentifier).to.equal(plain.outputs.globalClusterIdentifier);
  });
});
