import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { BlockStorage, EBS_CSI_CONTROLLER_SERVICE_ACCOUNT, type BlockStorageArgs } from "../../components/block-storage";
import { componentChildren, evaluateComponent } from "../harness/component";
import { recordResourceOptions } from "../../automation/sim/program/resource-options";

const ADDON = "aws:eks/addon:Addon";
const ASSOCIATION = "aws:eks/podIdentityAssociation:PodIdentityAssociation";
const SC = "kubernetes:storage.k8s.io/v1:StorageClass";
const VSC = "kubernetes:snapshot.storage.k8s.io/v1:VolumeSnapshotClass";

async function evaluate(region: string, overrides: Partial<BlockStorageArgs> = {}) {
  const { options, transformation } = recordResourceOptions();
  let nodes: pulumi.ComponentResource | undefined;
  const evaluation = await evaluateComponent(
    (ctx) => {
      nodes = new pulumi.ComponentResource("test:index:Nodes", "nodes");
      return new BlockStorage(
        "volumes",
        {
          clusterName: "eks-dr-site",
          kmsKeyArn: `arn:aws:kms:${ctx.region}:123456789012:key/mrk-site`,
          volumeTags: { "eks-dr:backup": "true" },
          nodes,
          ...overrides,
        },
        { providers: [ctx.aws, ctx.k8s], transformations: [transformation] },
      );
    },
    { region },
  );
  return { ...evaluation, options, nodes: nodes! };
}

describe("BlockStorage", () => {
  it("installs the EBS CSI driver with its Pod Identity role: the V2 managed policy plus the site's key only", async () => {
    const { cloud, options, nodes } = await evaluate("eu-west-3");
    const addon = cloud.ofType(ADDON).find((a) => a.inputs.addonName === "aws-ebs-csi-driver")!;
    expect(addon.inputs).to.include({ clusterName: "eks-dr-site", resolveConflictsOnCreate: "OVERWRITE" });
    const association = cloud.one(ASSOCIATION);
    expect(association.inputs).to.include({ namespace: "kube-system", serviceAccount: EBS_CSI_CONTROLLER_SERVICE_ACCOUNT });
    expect(cloud.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment").inputs.policyArn).to.equal(
      "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicyV2",
    );
    const kms = JSON.parse(cloud.one("aws:iam/rolePolicy:RolePolicy").inputs.policy).Statement;
    expect(kms).to.deep.equal([
      {
        Sid: "EncryptedVolumes",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKeyWithoutPlaintext", "kms:CreateGrant"],
        Resource: "arn:aws:kms:eu-west-3:123456789012:key/mrk-site",
      },
    ]);
    // The association before the driver's pods, the nodes before its controller Deployment.
    const deps = options.get(`${ADDON}::volumes-ebs-csi`)!.dependsOn;
    expect(deps).to.include(nodes);
    expect(deps.some((d) => (d as pulumi.Resource) instanceof pulumi.ComponentResource && d !== nodes)).to.equal(true);
  });

  it("offers a default gp3 StorageClass: encrypted with the site's key, tagged for the backup plan, volumes kept", async () => {
    const { cloud } = await evaluate("eu-west-3");
    const sc = cloud.one(SC);
    expect(sc.inputs.metadata).to.deep.equal({ name: "gp3-encrypted", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } });
    expect(sc.inputs.provisioner).to.equal("ebs.csi.aws.com");
    expect(sc.inputs.parameters).to.deep.equal({
      type: "gp3",
      encrypted: "true",
      kmsKeyId: "arn:aws:kms:eu-west-3:123456789012:key/mrk-site",
      "csi.storage.k8s.io/fstype": "ext4",
      tagSpecification_1: "eks-dr:backup=true",
    });
    expect(sc.inputs).to.include({ reclaimPolicy: "Retain", volumeBindingMode: "WaitForFirstConsumer", allowVolumeExpansion: true });
  });

  it("adds the snapshot controller add-on and a VolumeSnapshotClass that waits for its CRDs and keeps snapshots", async () => {
    const { cloud, options } = await evaluate("eu-west-3");
    const controller = cloud.ofType(ADDON).find((a) => a.inputs.addonName === "snapshot-controller");
    expect(controller, "snapshot-controller add-on").to.not.equal(undefined);
    const vsc = cloud.one(VSC);
    expect(vsc.inputs).to.deep.include({
      apiVersion: "snapshot.storage.k8s.io/v1",
      kind: "VolumeSnapshotClass",
      driver: "ebs.csi.aws.com",
      deletionPolicy: "Retain",
    });
    const deps = options.get(`${VSC}::volumes`)!.dependsOn as pulumi.CustomResource[];
    const depNames = await Promise.all(deps.map((d) => new Promise((ok) => d.urn.apply(ok))));
    expect(depNames.some((u) => String(u).endsWith("::volumes-snapshot-controller"))).to.equal(true);
  });

  it("can leave the default class alone, and refuses a tag the driver cannot carry", async () => {
    const { cloud } = await evaluate("eu-west-3", { defaultStorageClass: false });
    expect(cloud.one(SC).inputs.metadata.annotations).to.deep.equal({});
    let message = "";
    try {
      await evaluate("eu-west-3", { volumeTags: { "a=b": "c" } });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).to.match(/contains "="/);
  });

  it("keeps every AWS child in the provider's Region and under the component", async () => {
    for (const region of ["eu-west-3", "ap-southeast-2"]) {
      const { cloud } = await evaluate(region);
      // A URN names its parent's type: the role's pieces sit under the PodIdentityRole, itself under the component.
      expect(cloud.one("eks-dr:index:PodIdentityRole").urn).to.include("eks-dr:index:BlockStorage$");
      for (const r of componentChildren(cloud).filter((c) => c.custom && c.type.startsWith("aws:"))) {
        expect(r.region, `${r.type} ${r.name}`).to.equal(region);
        expect(r.urn).to.match(/eks-dr:index:(BlockStorage|PodIdentityRole)\$/);
      }
    }
  });
});
