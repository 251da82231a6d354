import { expect } from "chai";
import { PodIdentityRole } from "../../components/pod-identity-role";
import { EFS_CSI_CONTROLLER_SERVICE_ACCOUNT, SharedFileSystem, type SharedFileSystemArgs } from "../../components/shared-file-system";
import { componentChildren, evaluateComponent } from "../harness/component";
import type { MockCloud } from "../../automation/sim/program/mock-cloud";
import { recordResourceOptions } from "../../automation/sim/program/resource-options";
import { resolve } from "../../automation/sim/program/evaluate";

const FS = "aws:efs/fileSystem:FileSystem";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const MOUNT_TARGET = "aws:efs/mountTarget:MountTarget";
const PV = "kubernetes:core/v1:PersistentVolume";
const PVC = "kubernetes:core/v1:PersistentVolumeClaim";
const SC = "kubernetes:storage.k8s.io/v1:StorageClass";

const SUBNETS = ["subnet-aaa", "subnet-bbb", "subnet-ccc"];

/**
 * Builds the component on the test's providers; the KMS key ARN names the Region, as the real one
 * does. Also returns the options each child was created with (the mocks do not see protect or dependsOn).
 */
async function evaluate(region: string, overrides: Partial<SharedFileSystemArgs> = {}) {
  const { options, transformation } = recordResourceOptions();
  const evaluation = await evaluateComponent(
    (ctx) =>
      new SharedFileSystem(
        "files",
        {
          replicationOverwrite: "ENABLED",
          kmsKeyArn: `arn:aws:kms:${ctx.region}:123456789012:key/mrk-site-key`,
          vpcId: "vpc-0site",
          privateSubnetIds: SUBNETS,
          nodeSecurityGroupId: "sg-0nodes",
          clusterName: "eks-dr-site",
          namespace: "shop",
          ...overrides,
        },
        { providers: [ctx.aws, ctx.k8s], transformations: [transformation] },
      ),
    { region },
  );
  return { ...evaluation, options };
}

/** Every key named like a CIDR, anywhere in a resource's inputs. */
function cidrKeys(value: unknown, path = ""): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => cidrKeys(v, `${path}[${i}]`));
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => [...(/cidr/i.test(k) ? [`${path}.${k}`] : []), ...cidrKeys(v, `${path}.${k}`)]);
  }
  return [];
}

function fileSystemOf(cloud: MockCloud) {
  return cloud.one(FS);
}

describe("SharedFileSystem", () => {
  it("encrypts the file system with exactly the site's KMS key, elastic throughput by default, and keeps it protected", async () => {
    const { cloud, options } = await evaluate("eu-west-3");
    const fs = fileSystemOf(cloud);
    expect(options.get(`${FS}::files`)?.protect).to.equal(true);
    expect(fs.inputs.encrypted).to.equal(true);
    expect(fs.inputs.kmsKeyId).to.equal("arn:aws:kms:eu-west-3:123456789012:key/mrk-site-key");
    expect(fs.inputs.throughputMode).to.equal("elastic");
    expect(fs.inputs).to.not.have.property("provisionedThroughputInMibps");
    expect(cloud.one("aws:efs/backupPolicy:BackupPolicy").inputs).to.deep.equal({ fileSystemId: fs.id, backupPolicy: { status: "ENABLED" } });
  });

  it("passes provisioned throughput in MiB/s only in provisioned mode, and refuses provisioned without it", async () => {
    const provisioned = fileSystemOf((await evaluate("eu-west-3", { throughputMode: "provisioned", provisionedThroughputMibps: 64 })).cloud);
    expect(provisioned.inputs).to.include({ throughputMode: "provisioned", provisionedThroughputInMibps: 64 });
    const bursting = fileSystemOf((await evaluate("eu-west-3", { throughputMode: "bursting", provisionedThroughputMibps: 64 })).cloud);
    expect(bursting.inputs.throughputMode).to.equal("bursting");
    expect(bursting.inputs).to.not.have.property("provisionedThroughputInMibps");
    let error: unknown;
    try {
      await evaluate("eu-west-3", { throughputMode: "provisioned" });
    } catch (e) {
      error = e;
    }
    expect(String(error)).to.match(/provisionedThroughputMibps/);
  });

  it("sets the replication overwrite protection it is given (DISABLED on a replication destination)", async () => {
    const standby = fileSystemOf((await evaluate("eu-west-3", { replicationOverwrite: "DISABLED" })).cloud);
    expect(standby.inputs.protection).to.deep.equal({ replicationOverwrite: "DISABLED" });
    const active = fileSystemOf((await evaluate("eu-west-3", { replicationOverwrite: "ENABLED" })).cloud);
    expect(active.inputs.protection).to.deep.equal({ replicationOverwrite: "ENABLED" });
  });

  it("puts one mount target in each private subnet, each behind the EFS security group", async () => {
    const { cloud } = await evaluate("eu-west-3");
    const fs = fileSystemOf(cloud);
    const sg = cloud.one(SG);
    const targets = cloud.ofType(MOUNT_TARGET);
    expect(targets.map((t) => t.inputs.subnetId))
      .to.have.members(SUBNETS)
      .and.have.length(SUBNETS.length);
    for (const t of targets) {
      expect(t.inputs.fileSystemId, t.name).to.equal(fs.id);
      expect(t.inputs.securityGroups, t.name).to.deep.equal([sg.id]);
    }
  });

  it("admits only NFS (TCP 2049) from the node security group: one rule, no CIDR anywhere, no egress", async () => {
    const { cloud } = await evaluate("eu-west-3");
    const sg = cloud.one(SG);
    expect(sg.inputs.vpcId).to.equal("vpc-0site");
    expect(sg.inputs.egress).to.deep.equal([]);
    expect(sg.inputs).to.not.have.property("ingress");
    const rules = cloud.ofType(INGRESS);
    expect(rules).to.have.length(1);
    expect(rules[0].inputs).to.include({
      securityGroupId: sg.id,
      referencedSecurityGroupId: "sg-0nodes",
      ipProtocol: "tcp",
      fromPort: 2049,
      toPort: 2049,
    });
    expect(cloud.ofType("aws:ec2/securityGroupRule:SecurityGroupRule")).to.have.length(0);
    expect(cloud.ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")).to.have.length(0);
    for (const r of cloud.resources) expect(cidrKeys(r.inputs), `${r.type} ${r.name}`).to.deep.equal([]);
  });

  it("installs the EFS CSI driver add-on with the AmazonEFSCSIDriverPolicy role bound to its controller's service account", async () => {
    const { cloud, options } = await evaluate("eu-west-3");
    const addon = cloud.one("aws:eks/addon:Addon");
    expect(addon.inputs).to.include({ addonName: "aws-efs-csi-driver", clusterName: "eks-dr-site" });
    // The association must exist before the driver's pods start, or they run without credentials.
    const addonDeps = options.get(`aws:eks/addon:Addon::${addon.name}`)?.dependsOn ?? [];
    expect(addonDeps.some((d) => d instanceof PodIdentityRole)).to.equal(true);
    const assoc = cloud.one("aws:eks/podIdentityAssociation:PodIdentityAssociation");
    expect(assoc.inputs).to.include({ clusterName: "eks-dr-site", namespace: "kube-system", serviceAccount: EFS_CSI_CONTROLLER_SERVICE_ACCOUNT });
    expect(EFS_CSI_CONTROLLER_SERVICE_ACCOUNT).to.equal("efs-csi-controller-sa");
    const role = cloud.one("aws:iam/role:Role");
    expect(assoc.inputs.roleArn).to.equal(role.state.arn);
    const attachment = cloud.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment");
    expect(attachment.inputs).to.deep.equal({ role: role.state.name, policyArn: "arn:aws:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy" });
  });

  it("names the CSI driver's managed policy in the partition of the site's provider (GovCloud)", async () => {
    const { cloud } = await evaluate("us-gov-west-1");
    expect(cloud.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment").inputs.policyArn).to.equal(
      "arn:aws-us-gov:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy",
    );
    const lookups = cloud.calls.filter((c) => c.token === "aws:index/getPartition:getPartition");
    expect(lookups.map((c) => c.region)).to.deep.equal(["us-gov-west-1"]);
  });

  it("binds a static RWX, Retain PV to this site's file system id and the claim to that PV", async () => {
    const { cloud, value } = await evaluate("eu-west-3");
    const fs = fileSystemOf(cloud);
    const sc = cloud.one(SC);
    expect(sc.inputs).to.include({ provisioner: "efs.csi.aws.com", reclaimPolicy: "Retain" });
    expect(sc.inputs).to.not.have.property("parameters");

    const pv = cloud.one(PV).inputs;
    expect(fs.id).to.match(/^fs-/);
    expect(pv.spec.csi).to.deep.equal({ driver: "efs.csi.aws.com", volumeHandle: fs.id, volumeAttributes: { encryptInTransit: "true" } });
    expect(pv.spec.accessModes).to.deep.equal(["ReadWriteMany"]);
    expect(pv.spec.persistentVolumeReclaimPolicy).to.equal("Retain");
    expect(pv.spec.storageClassName).to.equal(sc.inputs.metadata.name);
    expect(pv.spec.claimRef).to.deep.equal({ namespace: "shop", name: "shared-files" });
    // Same PV in both roles: no read-only mount on the standby (see the component's comment).
    expect(pv.spec).to.not.have.property("mountOptions");

    const pvc = cloud.one(PVC).inputs;
    expect(pvc.metadata).to.deep.equal({ name: "shared-files", namespace: "shop" });
    expect(pvc.spec.volumeName).to.equal(pv.metadata.name);
    expect(pvc.spec.storageClassName).to.equal(sc.inputs.metadata.name);
    expect(pvc.spec.accessModes).to.deep.equal(["ReadWriteMany"]);
    expect(pvc.spec.resources.requests.storage).to.equal(pv.spec.capacity.storage);

    expect(await resolve(value.fileSystemId)).to.equal(fs.id);
    expect(await resolve(value.fileSystemArn)).to.equal(fs.state.arn);
    expect(await resolve(value.securityGroupId)).to.equal(cloud.one(SG).id);
    expect(await resolve(value.storageClassName)).to.equal("efs-sc");
    expect(await resolve(value.pvcName)).to.equal("shared-files");
  });

  for (const region of ["eu-west-3", "ap-southeast-2"]) {
    it(`keeps every child under the component and in the provider's Region (${region})`, async () => {
      const { cloud } = await evaluate(region);
      const children = componentChildren(cloud).filter((r) => r.type !== "eks-dr:index:SharedFileSystem");
      expect(children.length).to.be.greaterThan(10);
      // Pulumi's mock monitor keeps only the immediate parent's type in a URN, so the Pod Identity
      // role's own children are checked through that (single) nested component.
      const nested = cloud.one("eks-dr:index:PodIdentityRole");
      expect(nested.urn).to.contain("eks-dr:index:SharedFileSystem$");
      for (const r of children) {
        const parentType = r.urn.includes("eks-dr:index:PodIdentityRole$") ? "PodIdentityRole" : "SharedFileSystem";
        expect(r.urn, `${r.type} ${r.name}`).to.contain(`eks-dr:index:${parentType}$`);
        if (r.type.startsWith("aws:")) expect(r.region, `${r.type} ${r.name}`).to.equal(region);
        if (r.type.startsWith("kubernetes:")) expect(r.provider, `${r.type} ${r.name}`).to.contain("test-k8s");
      }
    });
  }

  it("mounts each Region's own file system: the PV's volumeHandle follows the file system, not a constant", async () => {
    const paris = await evaluate("eu-west-3");
    const sydney = await evaluate("ap-southeast-2");
    const [fsParis, fsSydney] = [fileSystemOf(paris.cloud), fileSystemOf(sydney.cloud)];
    expect(fsParis.id).to.not.equal(fsSydney.id);
    expect(paris.cloud.one(PV).inputs.spec.csi.volumeHandle).to.equal(fsParis.id);
    expect(sydney.cloud.one(PV).inputs.spec.csi.volumeHandle).to.equal(fsSydney.id);
    expect(fsSydney.inputs.kmsKeyId).to.contain(":ap-southeast-2:");
  });
});
