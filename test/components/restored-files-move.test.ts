/**
 * The Job that puts an adopted (restored) file system's files back at its root, as SharedFileSystem
 * registers it, and its script run for real by a POSIX shell on a directory laid out as AWS Backup
 * leaves a restore (`aws-backup-restore_<datetime>` off the root).
 */
import * as k8s from "@pulumi/kubernetes";
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { TAINTED_TIERS, TIER_LABEL } from "../../components/node-groups";
import { FILES_DIR_ENV, MOVE_RESTORED_FILES_SCRIPT, RESTORED_FILES_MOVE_IMAGE } from "../../components/restored-files-move";
import { SharedFileSystem } from "../../components/shared-file-system";
import type { MockCloud, RecordedResource } from "../../automation/sim/program/mock-cloud";
import { evaluateComponent } from "../harness/component";
import { removeTempDirs, tempDir } from "../harness/temp-dir";

const JOB = "kubernetes:batch/v1:Job";
const ADOPTED = "fs-0123456789abcdef0";

async function evaluate(adoptedFileSystemId?: string): Promise<MockCloud> {
  const { cloud } = await evaluateComponent((ctx) => {
    const files = new SharedFileSystem(
      "files",
      {
        replicationOverwrite: "ENABLED",
        kmsKeyArn: `arn:aws:kms:${ctx.region}:123456789012:key/mrk-site-key`,
        vpcId: "vpc-0site",
        privateSubnetIds: ["subnet-aaa", "subnet-bbb"],
        nodeSecurityGroupId: "sg-0nodes",
        clusterName: "eks-dr-site",
        namespace: "shop",
        ...(adoptedFileSystemId ? { adoptedFileSystemId } : {}),
      },
      { providers: [ctx.aws, ctx.k8s] },
    );
    // A workload mounting the claim by the name the component exports.
    new k8s.core.v1.ConfigMap("workload", { data: { claim: files.pvcName } }, { provider: ctx.k8s });
    return files;
  });
  return cloud;
}

describe("RestoredFilesMove (SharedFileSystem on an adopted file system)", function () {
  this.timeout(30_000);
  let adopted: MockCloud;
  let job: RecordedResource;

  before(async () => {
    adopted = await evaluate(ADOPTED);
    job = adopted.one(JOB);
  });

  it("runs one Job in the claim's namespace, named for the file system (a later restore runs its own), mounting the claim", () => {
    expect(adopted.ofType(JOB)).to.have.length(1);
    expect(job.inputs.metadata).to.include({ name: `restored-files-move-${ADOPTED}`, namespace: "shop" });
    expect(job.inputs.metadata.name.length, "a Job name fits a label value").to.be.at.most(63);
    const pod = job.inputs.spec.template.spec;
    expect(pod.volumes).to.deep.equal([{ name: "files", persistentVolumeClaim: { claimName: "shared-files" } }]);
    const [container] = pod.containers;
    const filesDir = container.env.find((e: { name: string }) => e.name === FILES_DIR_ENV).value;
    expect(container.volumeMounts).to.deep.equal([{ name: "files", mountPath: filesDir }]);
    expect(container.command).to.deep.equal(["/bin/sh", "-c", MOVE_RESTORED_FILES_SCRIPT]);
  });

  it("is a bounded, awaited Job: pinned small image, requests, backoffLimit, restartPolicy Never, kept after it finishes, never skipAwait", () => {
    const spec = job.inputs.spec;
    const [container] = spec.template.spec.containers;
    expect(container.image).to.equal(RESTORED_FILES_MOVE_IMAGE);
    expect(container.image).to.match(/^public\.ecr\.aws\/docker\/library\/busybox:\d+\.\d+\.\d+$/);
    expect(container.resources.requests).to.have.keys("cpu", "memory");
    expect(container.resources.limits).to.have.key("memory");
    expect(spec.backoffLimit).to.be.within(1, 5);
    expect(spec.template.spec.restartPolicy).to.equal("Never");
    expect(spec).to.not.have.property("ttlSecondsAfterFinished");
    expect(job.inputs.metadata.annotations?.["pulumi.com/skipAwait"]).to.equal(undefined);
  });

  it("runs as root with only the capabilities a rename needs, on untainted system nodes", () => {
    const pod = job.inputs.spec.template.spec;
    const [container] = pod.containers;
    expect(pod.securityContext).to.include({ runAsUser: 0 });
    expect(container.securityContext).to.deep.include({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    expect(container.securityContext.capabilities).to.deep.equal({ drop: ["ALL"], add: ["DAC_OVERRIDE", "FOWNER"] });
    expect(container.securityContext).to.not.have.property("privileged");
    expect(pod.nodeSelector).to.deep.equal({ [TIER_LABEL]: "system" });
    expect(TAINTED_TIERS).to.not.include("system");
    expect(pod).to.not.have.property("tolerations");
  });

  it("waits for the adopted file system's mount targets and the CSI driver; the workload's claim name waits for the Job", () => {
    const mountTargets = adopted.ofType("aws:efs/mountTarget:MountTarget").filter((m) => m.inputs.fileSystemId === ADOPTED);
    expect(mountTargets).to.have.length(2);
    for (const m of mountTargets) expect(job.dependencies).to.include(m.urn);
    expect(job.dependencies).to.include(adopted.one("aws:eks/addon:Addon").urn);
    expect(adopted.one("kubernetes:core/v1:ConfigMap", "workload").dependencies).to.include(job.urn);
  });

  it("names the Job within Kubernetes' 63 characters for the longest id the config accepts, and refuses another shape naming the key", async () => {
    const longest = `fs-${"a".repeat(40)}`;
    expect((await evaluate(longest)).one(JOB).inputs.metadata.name).to.have.length.at.most(63);
    const err = await evaluate("FS-UPPER").then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.match(/fileSystemId "FS-UPPER" must be an EFS id/);
  });

  it("a site on its own file system runs no Job", async () => {
    const own = await evaluate();
    expect(own.ofType(JOB)).to.have.length(0);
  });
});

describe("the move script, run by a POSIX shell (dash here, busybox ash in the Job)", () => {
  let root: string;
  const run = () => spawnSync("sh", ["-c", MOVE_RESTORED_FILES_SCRIPT], { env: { PATH: process.env.PATH, [FILES_DIR_ENV]: root }, encoding: "utf8" });

  beforeEach(() => {
    root = tempDir("efs-root");
  });
  afterEach(() => removeTempDirs([root]));

  /** A recovery directory as AWS Backup leaves one: files, a dotfile, a nested directory, a symlink. */
  function restoreInto(name = "aws-backup-restore_2025-01-01T05-00-00") {
    const dir = path.join(root, name);
    fs.mkdirSync(path.join(dir, "pictures", "2024"), { recursive: true });
    fs.writeFileSync(path.join(dir, "pictures", "2024", "a.jpg"), "jpeg");
    fs.writeFileSync(path.join(dir, ".htaccess"), "deny");
    fs.writeFileSync(path.join(dir, "..odd"), "dots");
    fs.writeFileSync(path.join(dir, "index.json"), "{}");
    fs.chmodSync(path.join(dir, "index.json"), 0o640);
    fs.utimesSync(path.join(dir, "index.json"), new Date("2020-01-02T03:04:05Z"), new Date("2020-01-02T03:04:05Z"));
    fs.symlinkSync("pictures/2024/a.jpg", path.join(dir, "latest"));
    return dir;
  }

  it("moves every entry (dotfiles included) to the root by renames, keeping inode, mode and times, and removes the directory", () => {
    const dir = restoreInto();
    const before = fs.statSync(path.join(dir, "index.json"));
    const r = run();
    expect(r.status, r.stderr).to.equal(0);
    expect(fs.readdirSync(root).sort()).to.deep.equal(["..odd", ".htaccess", "index.json", "latest", "pictures"]);
    const after = fs.statSync(path.join(root, "index.json"));
    expect(after.ino, "a rename, not a copy").to.equal(before.ino);
    expect(after.mode & 0o777).to.equal(0o640);
    expect(after.mtime.toISOString()).to.equal("2020-01-02T03:04:05.000Z");
    expect(fs.readFileSync(path.join(root, "pictures", "2024", "a.jpg"), "utf8")).to.equal("jpeg");
    expect(fs.readlinkSync(path.join(root, "latest"))).to.equal("pictures/2024/a.jpg");
  });

  it("is idempotent: with no recovery directory it exits 0 and changes nothing; a run cut short carries on", () => {
    const dir = restoreInto();
    fs.renameSync(path.join(dir, "index.json"), path.join(root, "index.json")); // moved before a crash
    expect(run().status).to.equal(0);
    expect(fs.readdirSync(root)).to.include.members(["index.json", "pictures", ".htaccess"]);
    const again = run();
    expect(again.status).to.equal(0);
    expect(again.stdout).to.match(/no aws-backup-restore_\* directory .*at the root already/);
  });

  it("refuses two recovery directories, naming both, and moves nothing", () => {
    restoreInto("aws-backup-restore_2025-01-01T05-00-00");
    restoreInto("aws-backup-restore_2025-01-02T05-00-00");
    const r = run();
    expect(r.status).to.equal(1);
    expect(r.stderr).to.include("aws-backup-restore_2025-01-01T05-00-00").and.include("aws-backup-restore_2025-01-02T05-00-00");
    expect(fs.readdirSync(root).sort()).to.deep.equal(["aws-backup-restore_2025-01-01T05-00-00", "aws-backup-restore_2025-01-02T05-00-00"]);
  });

  it("never overwrites an entry already at the root: it fails naming it", () => {
    restoreInto();
    fs.writeFileSync(path.join(root, "index.json"), "written by an app that started too early");
    const r = run();
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/index\.json is both at the root and in aws-backup-restore_/);
    expect(fs.readFileSync(path.join(root, "index.json"), "utf8")).to.equal("written by an app that started too early");
  });
});
