/**
 * The two real stacks, evaluated in deploy order with the real stack files: each stack sees
 * exactly the outputs the other exported (no hand-written ids), as in `pulumi up`.
 */
import { expect } from "chai";
import * as ipaddr from "ipaddr.js";
import { parseSiteConfig } from "../../stacks/config";
import { siteOutputsSchema } from "../../stacks/outputs";
import { evaluateSite, siteRawConfig, type Evaluation } from "../../automation/sim/program/evaluate";
import type { RecordedResource } from "../../automation/sim/program/mock-cloud";
import { deployPair, projectWith, swappedRolesProject, type PairEvaluation } from "../harness/project";

const byType = (ev: Evaluation, type: string) => ev.cloud.ofType(type);
const isAws = (r: RecordedResource) => r.type.startsWith("aws:");
/** Resources that go through a site's us-east-1 provider: Route 53 health-check metrics exist only there. */
const onUsEast1Provider = (ev: Evaluation) => ev.cloud.resources.filter((r) => isAws(r) && r.region === "us-east-1");

function typeCounts(ev: Evaluation): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of ev.cloud.resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return counts;
}

describe("site stacks", function () {
  this.timeout(60_000);
  let pair: PairEvaluation;
  before(async () => {
    pair = await deployPair();
  });

  describe("regional sites", () => {
    it("primary builds a complete active site in us-east-1", () => {
      const c = typeCounts(pair.primary);
      expect(c["aws:ec2/vpc:Vpc"]).to.equal(1);
      expect(c["aws:ec2/subnet:Subnet"]).to.equal(6);
      expect(c["aws:ec2/natGateway:NatGateway"], "one NAT per AZ when active").to.equal(3);
      expect(c["aws:eks/cluster:Cluster"]).to.equal(1);
      expect(c["aws:eks/nodeGroup:NodeGroup"]).to.equal(3);
      expect(c["aws:efs/fileSystem:FileSystem"]).to.equal(1);
      expect(c["aws:efs/mountTarget:MountTarget"]).to.equal(3);
      expect(byType(pair.primary, "kubernetes:helm.sh/v3:Release").map((r) => r.inputs.chart)).to.have.members(["aws-load-balancer-controller", "velero"]);
      expect(byType(pair.primary, "aws:eks/addon:Addon").map((a) => a.inputs.addonName)).to.have.members([
        "vpc-cni",
        "kube-proxy",
        "eks-pod-identity-agent",
        "coredns",
        "aws-efs-csi-driver",
        "amazon-cloudwatch-observability",
        "aws-ebs-csi-driver",
        "snapshot-controller",
      ]);
      for (const r of pair.primary.cloud.resources.filter(isAws)) expect(r.region, `${r.type} ${r.name}`).to.equal("us-east-1");
    });

    it("dr builds a pilot-light site in us-west-2: system nodes only, one NAT", () => {
      const nodeGroups = byType(pair.dr, "aws:eks/nodeGroup:NodeGroup");
      const size = (tier: string) => nodeGroups.find((n) => n.inputs.labels?.["eks-dr/tier"] === tier)!.inputs.scalingConfig;
      expect(size("system").desiredSize).to.equal(2);
      expect(size("web").desiredSize).to.equal(0);
      expect(size("app").desiredSize).to.equal(0);
      expect(byType(pair.dr, "aws:ec2/natGateway:NatGateway")).to.have.length(1);
      const elsewhere = pair.dr.cloud.resources.filter((r) => isAws(r) && r.region !== "us-west-2");
      expect(
        elsewhere.every((r) => r.region === "us-east-1"),
        elsewhere.map((r) => `${r.type}@${r.region}`).join(","),
      ).to.equal(true);
    });

    it("exports the full outputs contract once both sites are wired", () => {
      for (const [stack, ev] of Object.entries(pair)) {
        const parsed = siteOutputsSchema.safeParse(ev.outputs);
        expect(parsed.success, `${stack}: ${parsed.success ? "" : JSON.stringify(parsed.error.issues)}`).to.equal(true);
      }
      expect(pair.primary.outputs.region).to.equal("us-east-1");
      expect(pair.dr.outputs.region).to.equal("us-west-2");
      expect(pair.dr.outputs.outOfBandUrns).to.have.length(3);
      expect(pair.dr.outputs.outOfBandUrns.every((u: string) => u.includes("aws:eks/nodeGroup:NodeGroup"))).to.equal(true);
    });

    it("puts every AWS resource on an explicit provider and under a component", () => {
      for (const ev of Object.values(pair)) {
        for (const r of ev.cloud.resources) {
          if (r.type.startsWith("pulumi:")) continue;
          if (isAws(r)) expect(r.provider, `${r.type} ${r.name} has no provider`).to.be.a("string").and.not.equal("");
          const topLevel = r.type.startsWith("eks-dr:index:") && !r.urn.includes("$");
          expect(topLevel || r.urn.includes("$"), `${r.type} ${r.name} is not parented: ${r.urn}`).to.equal(true);
        }
      }
    });

    it("uses us-east-1 outside its own Region only for the health-check alarm and its topic", () => {
      // Route 53 publishes health-check metrics only in us-east-1; the standby keeps its alarm and
      // topic there too (notifications off) so that a failover creates nothing in us-east-1.
      const standby = onUsEast1Provider(pair.dr).map((r) => r.type);
      expect(standby).to.include.members(["aws:sns/topic:Topic", "aws:cloudwatch/metricAlarm:MetricAlarm"]);
      expect(
        standby.every((t) => /^aws:(sns|kms|cloudwatch)\//.test(t)),
        standby.join(","),
      ).to.equal(true);
      const standbyAlarm = onUsEast1Provider(pair.dr).find((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm")!;
      expect(standbyAlarm.inputs).to.include({ namespace: "AWS/Route53", actionsEnabled: false });
      const alarms = byType(pair.primary, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.inputs.namespace === "AWS/Route53");
      expect(alarms).to.have.length(1);
      expect(alarms[0].region).to.equal("us-east-1");
      expect(alarms[0].inputs).to.include({ actionsEnabled: true });
      expect(alarms[0].inputs.dimensions).to.deep.equal({ HealthCheckId: pair.primary.outputs.healthCheckId });
      // No invoke goes through the us-east-1 provider of a site elsewhere.
      expect(pair.dr.cloud.calls.filter((c) => c.region === "us-east-1")).to.deep.equal([]);
    });

    it("while told to avoid us-east-1, configures its provider there without any AWS call and keeps what it has there as is", async () => {
      const avoiding = await evaluateSite({ stack: "dr", overrides: { impairedRegions: ["us-east-1"] }, stackOutputs: { primary: pair.primary.outputs } });
      const east = avoiding.cloud.resources.filter((r) => r.type === "pulumi:providers:aws" && r.inputs.region === "us-east-1");
      expect(east).to.have.length(1);
      expect(east[0].inputs).to.include({ skipCredentialsValidation: "true", skipRequestingAccountId: "true" });
      const there = onUsEast1Provider(avoiding);
      expect(there.map((r) => `${r.type} ${r.name}`)).to.deep.equal(onUsEast1Provider(pair.dr).map((r) => `${r.type} ${r.name}`));
      for (const r of there) expect(r.options.ignoreChanges, r.name).to.include.members(Object.keys(r.inputs).filter((k) => !k.startsWith("__")));
      expect(avoiding.cloud.calls.filter((c) => c.region === "us-east-1")).to.deep.equal([]);
      // Not avoided: the provider validates credentials as usual.
      const usual = pair.dr.cloud.resources.find((r) => r.type === "pulumi:providers:aws" && r.inputs.region === "us-east-1")!;
      expect(usual.inputs.skipCredentialsValidation).to.equal("false");
    });

    it("follows another Region and CIDR everywhere: nothing is hard-coded", async () => {
      const moved = await deployPair(projectWith({ primary: { region: "eu-central-1", vpcCidr: "10.42.0.0/16" } }));
      const site = moved.primary;
      const regional = site.cloud.resources.filter((r) => isAws(r) && r.region !== "us-east-1");
      expect(regional.length).to.be.greaterThan(100);
      for (const r of regional) expect(r.region, `${r.type} ${r.name}`).to.equal("eu-central-1");
      const block = ipaddr.parseCIDR("10.42.0.0/16");
      for (const subnet of byType(site, "aws:ec2/subnet:Subnet")) {
        expect(ipaddr.parse(subnet.inputs.cidrBlock.split("/")[0]).match(block), subnet.inputs.cidrBlock).to.equal(true);
        expect(subnet.inputs.availabilityZone).to.match(/^eu-central-1[a-c]$/);
      }
      // Apart from the resources deliberately in us-east-1, no input mentions the default Region or CIDR.
      for (const r of regional) {
        const text = JSON.stringify(r.inputs);
        expect(text, `${r.type} ${r.name}`).to.not.include("us-east-1");
        expect(text, `${r.type} ${r.name}`).to.not.match(/"10\.0\.\d+\.\d+\//);
      }
      expect(moved.dr.outputs.kmsKeyArn, "replica key follows the new primary").to.be.a("string");
      const replica = moved.dr.cloud.one("aws:kms/replicaKey:ReplicaKey");
      expect(replica.inputs.primaryKeyArn).to.include(":eu-central-1:");
    });
  });

  describe("cross-Region wiring", () => {
    it("creates the global cluster once, on the owner, and the secondary joins it", () => {
      expect(byType(pair.primary, "aws:rds/globalCluster:GlobalCluster")).to.have.length(1);
      expect(byType(pair.dr, "aws:rds/globalCluster:GlobalCluster")).to.have.length(0);
      const globalId = pair.primary.cloud.one("aws:rds/globalCluster:GlobalCluster").inputs.globalClusterIdentifier;
      const writer = pair.primary.cloud.one("aws:rds/cluster:Cluster");
      const secondary = pair.dr.cloud.one("aws:rds/cluster:Cluster");
      expect(writer.inputs.globalClusterIdentifier).to.equal(globalId);
      expect(secondary.inputs.globalClusterIdentifier).to.equal(globalId);
      expect(writer.inputs.masterUsername).to.be.a("string");
      expect(secondary.inputs).to.not.have.any.keys("masterUsername", "masterPassword", "manageMasterUserPassword");
      expect(secondary.inputs.kmsKeyId, "secondary encrypted with this Region's replica key").to.equal(pair.dr.outputs.kmsKeyArn);
      expect(pair.dr.outputs.kmsKeyArn).to.include(":us-west-2:");
    });

    it("replicates EFS from the active site into the standby's existing file system", () => {
      const replication = pair.primary.cloud.one("aws:efs/replicationConfiguration:ReplicationConfiguration");
      expect(replication.inputs.sourceFileSystemId).to.equal(pair.primary.outputs.fileSystemId);
      expect(replication.inputs.destination).to.deep.include({ fileSystemId: pair.dr.outputs.fileSystemId, region: "us-west-2" });
      expect(byType(pair.dr, "aws:efs/replicationConfiguration:ReplicationConfiguration")).to.have.length(0);
      expect(pair.primary.cloud.one("aws:efs/fileSystem:FileSystem").inputs.protection.replicationOverwrite).to.equal("ENABLED");
      expect(pair.dr.cloud.one("aws:efs/fileSystem:FileSystem").inputs.protection.replicationOverwrite).to.equal("DISABLED");
    });

    it("points the failover records the right way: PRIMARY with a health check on the active site", () => {
      const primary = pair.primary.cloud.one("aws:route53/record:Record");
      const dr = pair.dr.cloud.one("aws:route53/record:Record");
      expect(primary.inputs.failoverRoutingPolicies[0].type).to.equal("PRIMARY");
      expect(dr.inputs.failoverRoutingPolicies[0].type).to.equal("SECONDARY");
      expect(primary.inputs.healthCheckId).to.equal(pair.primary.outputs.healthCheckId);
      expect(primary.inputs.records).to.deep.equal([pair.primary.outputs.albHostname]);
      expect(dr.inputs.records).to.deep.equal([pair.dr.outputs.albHostname]);
      expect([primary.inputs.setIdentifier, dr.inputs.setIdentifier]).to.deep.equal(["primary", "dr"]);
      expect(dr.inputs.name).to.equal(primary.inputs.name);
      expect(dr.inputs.zoneId).to.equal(primary.inputs.zoneId);
    });

    it("gives each site the database secret in its own Region", () => {
      const secretArn = pair.primary.outputs.dbSecretArn as string;
      expect(secretArn).to.include(":us-east-1:");
      expect(pair.dr.outputs.dbSecretArn).to.equal(secretArn.replace(":us-east-1:", ":us-west-2:"));
      const secret = pair.primary.cloud.one("aws:secretsmanager/secret:Secret");
      expect(secret.inputs.replicas.map((r: any) => r.region)).to.deep.equal(["us-west-2"]);
    });

    it("replicates container images to the peer Region from both sites", () => {
      for (const [ev, peerRegion] of [
        [pair.primary, "us-west-2"],
        [pair.dr, "us-east-1"],
      ] as const) {
        const rules = ev.cloud.one("aws:ecr/replicationConfiguration:ReplicationConfiguration").inputs.replicationConfiguration.rules;
        expect(rules.flatMap((r: any) => r.destinations.map((d: any) => d.region))).to.deep.equal([peerRegion]);
      }
    });

    it("keeps a backup vault per Region with the site's own key; the active site's plan copies into dr's vault", () => {
      for (const [ev, region] of [
        [pair.primary, "us-east-1"],
        [pair.dr, "us-west-2"],
      ] as const) {
        const vault = ev.cloud.one("aws:backup/vault:Vault");
        expect(vault.region).to.equal(region);
        expect(vault.inputs.kmsKeyArn, "the MRK primary on the owner, its replica on dr").to.equal(ev.outputs.kmsKeyArn);
        expect(ev.outputs.backupVaultArn).to.equal(vault.state.arn);
      }
      expect(byType(pair.dr, "aws:backup/plan:Plan"), "the plan runs where the live data is").to.have.length(0);
      const [rule] = pair.primary.cloud.one("aws:backup/plan:Plan").inputs.rules;
      expect(rule.targetVaultName).to.equal(pair.primary.outputs.backupVaultName);
      expect(rule.copyActions.map((c: any) => c.destinationVaultArn)).to.deep.equal([pair.dr.outputs.backupVaultArn]);
      expect(pair.primary.outputs.backupCopyVaultArn).to.equal(pair.dr.outputs.backupVaultArn);
      expect(pair.primary.outputs.backupPlanId).to.equal(pair.primary.cloud.one("aws:backup/plan:Plan").id);
      // The backup role may use dr's key, which re-encrypts the copies in us-west-2.
      const policy = JSON.parse(pair.primary.cloud.ofType("aws:iam/rolePolicy:RolePolicy").find((r) => r.name === "primary-backup")!.inputs.policy);
      expect(policy.Statement.find((st: any) => st.Sid === "GrantsForAwsResources").Resource).to.deep.equal([
        pair.primary.outputs.kmsKeyArn,
        pair.dr.outputs.kmsKeyArn,
      ]);
    });

    it("delivers failed backup and copy jobs to the site's encrypted topic: the topic admits EventBridge rules, the key lets EventBridge use it", () => {
      for (const ev of [pair.primary, pair.dr]) {
        const targets = byType(ev, "aws:cloudwatch/eventTarget:EventTarget");
        expect(targets.map((t) => t.inputs.arn)).to.deep.equal([ev.outputs.alarmTopicArn, ev.outputs.alarmTopicArn]);
        const topic = ev.cloud.ofType("aws:sns/topic:Topic").find((t) => t.state.arn === ev.outputs.alarmTopicArn)!;
        expect(topic.inputs.kmsMasterKeyId).to.equal(ev.outputs.kmsKeyArn);
        const topicPolicy = ev.cloud.ofType("aws:sns/topicPolicy:TopicPolicy").find((p) => p.inputs.arn === ev.outputs.alarmTopicArn)!;
        const publish = JSON.parse(topicPolicy.inputs.policy).Statement.find((st: any) => st.Principal.Service === "events.amazonaws.com");
        expect(publish.Condition.ArnLike["aws:SourceArn"]).to.equal(`arn:aws:events:${ev.outputs.region}:123456789012:rule/*`);
        const keyType = ev === pair.primary ? "aws:kms/key:Key" : "aws:kms/replicaKey:ReplicaKey";
        const key = ev.cloud.ofType(keyType).find((k) => k.state.arn === ev.outputs.kmsKeyArn)!;
        const statement = JSON.parse(key.inputs.policy).Statement.find((st: any) => st.Principal.Service === "events.amazonaws.com");
        expect(statement.Action).to.deep.equal(["kms:Decrypt", "kms:GenerateDataKey*"]);
      }
    });

    it("tags the file system, the Aurora cluster and the EBS StorageClass with what the plan selects", () => {
      const { key, value } = pair.primary.outputs.backupSelectionTag;
      const condition = pair.primary.cloud.one("aws:backup/selection:Selection").inputs.conditions[0].stringEquals[0];
      expect(condition).to.deep.equal({ key: `aws:ResourceTag/${key}`, value });
      for (const ev of [pair.primary, pair.dr]) {
        expect(ev.cloud.one("aws:efs/fileSystem:FileSystem").inputs.tags).to.deep.equal({ [key]: value });
        expect(ev.cloud.one("aws:rds/cluster:Cluster").inputs.tags).to.deep.equal({ [key]: value });
        const sc = byType(ev, "kubernetes:storage.k8s.io/v1:StorageClass").find((c) => c.inputs.provisioner === "ebs.csi.aws.com")!;
        expect(sc.inputs.parameters.tagSpecification_1).to.equal(`${key}=${value}`);
        expect(sc.inputs.parameters.kmsKeyId).to.equal(ev.outputs.kmsKeyArn);
        expect(ev.outputs.ebsStorageClassName).to.equal(sc.inputs.metadata.name);
        expect(ev.outputs.volumeSnapshotClassName).to.be.a("string");
      }
    });

    it("replicates Velero's bucket from the active site into dr's, and backs up Kubernetes objects only there", () => {
      const replication = pair.primary.cloud.one("aws:s3/bucketReplicationConfig:BucketReplicationConfig");
      expect(replication.inputs.rules[0].destination).to.deep.equal({
        bucket: pair.dr.outputs.veleroBucketArn,
        encryptionConfiguration: { replicaKmsKeyId: pair.dr.outputs.kmsKeyArn },
      });
      expect(byType(pair.dr, "aws:s3/bucketReplicationConfig:BucketReplicationConfig")).to.have.length(0);
      const values = (ev: Evaluation) => byType(ev, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "velero")!.inputs.values;
      expect(values(pair.primary).configuration.backupStorageLocation[0]).to.include({
        bucket: pair.primary.outputs.veleroBucketName,
        accessMode: "ReadWrite",
      });
      expect(Object.keys(values(pair.primary).schedules)).to.deep.equal(["objects"]);
      expect(values(pair.dr).configuration.backupStorageLocation[0]).to.include({ bucket: pair.dr.outputs.veleroBucketName, accessMode: "ReadOnly" });
      expect(values(pair.dr).schedules).to.deep.equal({});
      expect(pair.dr.outputs).to.include({ veleroNamespace: "velero", veleroStorageLocation: "default" });
    });

    it("warns, instead of failing, while the peer has not exported what it needs", async () => {
      const first = pair; // the deploy order's evaluations of the project's stack files
      // Nothing is missing from the peer once both are up (the images are pushed after the first
      // `up`, so the mocks' empty registry still draws that warning; test/stacks/first-deploy.test.ts).
      expect(first.primary.warnings.filter((w) => !/not in the site's registry yet/.test(w))).to.deep.equal([]);
      const lonelyDr = await evaluateSite({ stack: "dr" });
      expect(lonelyDr.warnings.join("\n")).to.match(/no output "kmsPrimaryKeyArn" yet.*Run `pulumi up -s primary`, then `pulumi up -s dr` again/s);
      expect(byType(lonelyDr, "aws:eks/cluster:Cluster"), "the regional site still deploys").to.have.length(1);
      expect(byType(lonelyDr, "aws:rds/cluster:Cluster")).to.have.length(0);
    });
  });

  describe("the standby's file system protection while the peer replicates into it", () => {
    const FS = "aws:efs/fileSystem:FileSystem";

    it("is DISABLED on a standby not yet replicated into, so the peer can create a replication into it", () => {
      // The README's deploy order: dr's first up sees primary's outputs before primary replicates.
      const fs = pair.drFirst.cloud.one(FS);
      expect(fs.inputs.protection).to.deep.equal({ replicationOverwrite: "DISABLED" });
      expect(fs.options.ignoreChanges).to.not.include("protection");
    });

    it("is left to AWS once the peer replicates into it: AWS reads REPLICATING back and refuses any change to it", () => {
      expect(pair.primary.outputs.efsReplication).to.deep.include({ destinationRegion: "us-west-2", destinationFileSystemId: pair.dr.outputs.fileSystemId });
      expect(pair.dr.cloud.one(FS).options.ignoreChanges).to.include("protection");
    });

    it("is ENABLED and managed on the active site", () => {
      const fs = pair.primary.cloud.one(FS);
      expect(fs.inputs.protection).to.deep.equal({ replicationOverwrite: "ENABLED" });
      expect(fs.options.ignoreChanges).to.not.include("protection");
    });
  });

  describe("after a failover (roles swapped by config)", () => {
    let swapped: PairEvaluation;
    before(async () => {
      swapped = await deployPair(swappedRolesProject());
    });

    it("replicates EFS from dr into the primary's file system", () => {
      expect(byType(swapped.primary, "aws:efs/replicationConfiguration:ReplicationConfiguration")).to.have.length(0);
      const replication = swapped.dr.cloud.one("aws:efs/replicationConfiguration:ReplicationConfiguration");
      expect(replication.inputs.sourceFileSystemId).to.equal(swapped.dr.outputs.fileSystemId);
      expect(replication.inputs.destination).to.deep.include({ fileSystemId: swapped.primary.outputs.fileSystemId, region: "us-east-1" });
      expect(swapped.primary.cloud.one("aws:efs/fileSystem:FileSystem").inputs.protection.replicationOverwrite).to.equal("DISABLED");
      expect(swapped.dr.cloud.one("aws:efs/fileSystem:FileSystem").inputs.protection.replicationOverwrite).to.equal("ENABLED");
    });

    it("makes dr's record PRIMARY and scales dr up, primary down", () => {
      expect(swapped.dr.cloud.one("aws:route53/record:Record").inputs.failoverRoutingPolicies[0].type).to.equal("PRIMARY");
      expect(swapped.primary.cloud.one("aws:route53/record:Record").inputs.failoverRoutingPolicies[0].type).to.equal("SECONDARY");
      const web = (ev: Evaluation) => byType(ev, "aws:eks/nodeGroup:NodeGroup").find((n) => n.inputs.labels["eks-dr/tier"] === "web")!;
      const drConfig = parseSiteConfig("dr", siteRawConfig("dr"));
      expect(web(swapped.dr).inputs.scalingConfig.desiredSize).to.equal(drConfig.nodeGroups.web.active.desired);
      expect(web(swapped.primary).inputs.scalingConfig.desiredSize).to.equal(0);
    });

    it("turns the notifications of dr's health-check alarm on with the role, and primary's off", () => {
      const alarm = (ev: Evaluation) => byType(ev, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.inputs.namespace === "AWS/Route53");
      expect(alarm(swapped.dr)).to.have.length(1);
      expect(alarm(swapped.dr)[0].region).to.equal("us-east-1");
      expect(alarm(swapped.dr)[0].inputs).to.include({ actionsEnabled: true });
      expect(alarm(swapped.dr)[0].inputs.dimensions).to.deep.equal({ HealthCheckId: swapped.dr.outputs.healthCheckId });
      expect(alarm(swapped.primary)[0].inputs).to.include({ actionsEnabled: false });
      expect(alarm(swapped.dr)[0].urn).to.equal(alarm(pair.dr)[0].urn);
    });

    it("moves the backup plan and the bucket replication to dr, copying into primary's vault", () => {
      expect(byType(swapped.primary, "aws:backup/plan:Plan")).to.have.length(0);
      const [rule] = swapped.dr.cloud.one("aws:backup/plan:Plan").inputs.rules;
      expect(rule.copyActions.map((c: any) => c.destinationVaultArn)).to.deep.equal([swapped.primary.outputs.backupVaultArn]);
      expect(swapped.primary.outputs.backupPlanId).to.equal(undefined);
      expect(byType(swapped.primary, "aws:s3/bucketReplicationConfig:BucketReplicationConfig")).to.have.length(0);
      expect(swapped.dr.cloud.one("aws:s3/bucketReplicationConfig:BucketReplicationConfig").inputs.rules[0].destination.bucket).to.equal(
        swapped.primary.outputs.veleroBucketArn,
      );
    });

    it("keeps global resources with their owner whatever the role", () => {
      expect(byType(swapped.primary, "aws:rds/globalCluster:GlobalCluster")).to.have.length(1);
      expect(byType(swapped.primary, "aws:kms/key:Key")).to.have.length(1);
      expect(byType(swapped.dr, "aws:kms/replicaKey:ReplicaKey")).to.have.length(1);
    });

    /**
     * No stateful resource is replaced: the same resources exist under the same names, and their
     * inputs are identical apart from the few that follow the role and are updated in place.
     */
    const STATEFUL: Record<string, string[]> = {
      "aws:efs/fileSystem:FileSystem": ["protection"], // UpdateFileSystemProtection, in place
      "aws:rds/globalCluster:GlobalCluster": [],
      "aws:rds/cluster:Cluster": [],
      "aws:kms/key:Key": [],
      "aws:kms/replicaKey:ReplicaKey": [],
      "aws:secretsmanager/secret:Secret": [],
      "aws:ecr/repository:Repository": [],
      "aws:eks/cluster:Cluster": [],
      "aws:ec2/vpc:Vpc": [],
      "aws:ec2/subnet:Subnet": [],
      "aws:ec2/routeTable:RouteTable": [],
      "aws:ec2/routeTableAssociation:RouteTableAssociation": [],
      "aws:efs/mountTarget:MountTarget": [],
      // The packaged components: only the NAT strategy and the node group sizes follow the role.
      "awsx:ec2:Vpc": ["natGateways"],
      "eks:index:Cluster": [],
      "eks:index:ManagedNodeGroup": ["scalingConfig"],
      "aws:eks/nodeGroup:NodeGroup": ["scalingConfig"], // UpdateNodegroupConfig, in place
      // Backups: the vaults and Velero's buckets never follow the role, so no recovery point moves.
      "aws:backup/vault:Vault": [],
      "aws:s3/bucket:Bucket": [],
      "aws:s3/bucketVersioning:BucketVersioning": [],
    };
    const without = (inputs: Record<string, unknown>, keys: string[]) => Object.fromEntries(Object.entries(inputs).filter(([k]) => !keys.includes(k)));

    it("flips the NAT strategy with the role and keeps the first AZ's gateway: no subnet moves, no mount target with it", () => {
      const strategy = (ev: Evaluation) => ev.cloud.one("awsx:ec2:Vpc").inputs.natGateways.strategy;
      expect([strategy(pair.primary), strategy(pair.dr)]).to.deep.equal(["OnePerAz", "Single"]);
      expect([strategy(swapped.primary), strategy(swapped.dr)]).to.deep.equal(["Single", "OnePerAz"]);
      const nats = (ev: Evaluation) => byType(ev, "aws:ec2/natGateway:NatGateway").map((n) => n.urn);
      expect(nats(swapped.dr)).to.have.length(3);
      expect(nats(swapped.dr)).to.include.members(nats(pair.dr));
      expect(nats(pair.primary)).to.include.members(nats(swapped.primary));
      for (const stack of ["primary", "dr"] as const) {
        const targets = (ev: Evaluation) => byType(ev, "aws:efs/mountTarget:MountTarget").map((m) => m.inputs.subnetId);
        expect(targets(swapped[stack]), stack).to.deep.equal(targets(pair[stack]));
        const privateSubnets = byType(pair[stack], "aws:ec2/subnet:Subnet").filter((s) => s.name.includes("-private-"));
        expect(targets(pair[stack]), stack).to.deep.equal(privateSubnets.map((s) => s.id));
      }
    });

    for (const stack of ["primary", "dr"] as const) {
      it(`replaces no stateful resource of ${stack}`, () => {
        for (const [type, roleDependent] of Object.entries(STATEFUL)) {
          const before = byType(pair[stack], type);
          const after = byType(swapped[stack], type);
          expect(
            after.map((r) => r.urn),
            `${stack} ${type}`,
          ).to.deep.equal(before.map((r) => r.urn));
          before.forEach((b, i) => expect(without(after[i].inputs, roleDependent), `${stack} ${b.name}`).to.deep.equal(without(b.inputs, roleDependent)));
        }
        // Instances are sized by role: the ones both roles have keep their identity and inputs.
        const instances = (ev: Evaluation) => new Map(byType(ev, "aws:rds/clusterInstance:ClusterInstance").map((r) => [r.urn, r.inputs]));
        const [a, b] = [instances(pair[stack]), instances(swapped[stack])];
        const common = [...a.keys()].filter((urn) => b.has(urn));
        expect(common.length, `${stack}: instances kept`).to.equal(Math.min(a.size, b.size));
        for (const urn of common) expect(b.get(urn), urn).to.deep.equal(a.get(urn));
      });
    }
  });
});
