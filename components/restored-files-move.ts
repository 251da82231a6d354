/**
 * Puts a restored file system's files back where the application looks for them: at its root.
 *
 * AWS Backup never restores EFS into the root. A full restore, into a new file system as into an
 * existing one, "restores your file system to a recovery directory off of the root directory",
 * `aws-backup-restore_<datetime>` (AWS Backup Developer Guide, "Restore an Amazon EFS file
 * system"). The volume mounts the root, so without this the app would start on an empty volume.
 *
 * A Kubernetes Job in the app's namespace mounts the same claim and renames the directory's
 * entries (dotfiles included) to the root, then removes the empty directory. A rename within one
 * file system moves no data and keeps each entry's inode, so owners, modes and times stay as
 * restored (POSIX rename(2)); its time does not grow with the data. It is idempotent: with no such
 * directory it exits 0 (a resumed restore, a Job that already ran, the Job recreated after a
 * refresh), and a run cut short carries on from where it stopped. With more than one it fails,
 * naming them: the program restores into a new file system, which holds exactly one.
 *
 * pulumi-kubernetes awaits a Job: the create succeeds once `.status.conditions` has `Complete`
 * True, fails at once on `Failed` (here after `backoffLimit` retries), and times out after 10
 * minutes by default (provider/pkg/await/job.go, `jobInitAwaiter`, `DefaultJobTimeoutMins`;
 * registered for `batch/v1/Job` in awaiters.go, skipped only with `pulumi.com/skipAwait`, which
 * this Job never sets). So whatever depends on `completed` (the workload's claim name) is created
 * only after the files are at the root, and no app pod writes before the move. The name carries
 * the file system id, so a later restore (a new file system) runs a new Job. No
 * `ttlSecondsAfterFinished`: the Job stays, so Pulumi can read it back.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { TIER_LABEL } from "./node-groups";

/** Busybox from ECR Public's mirror of the Docker official images: a shell, `mv` and `rmdir`, about 2 MB. */
export const RESTORED_FILES_MOVE_IMAGE = "public.ecr.aws/docker/library/busybox:1.37.0";
/** The environment variable naming where the Job mounts the file system. */
export const FILES_DIR_ENV = "FILES_DIR";
const FILES_DIR = "/files";

/**
 * The move, in POSIX sh (busybox ash). Every top-level entry of the single recovery directory is
 * renamed to the root (`.[!.]*` and `..?*` match the dotfiles `*` skips); an entry already at the
 * root is never overwritten (the Job fails, naming it).
 */
export const MOVE_RESTORED_FILES_SCRIPT = `set -eu
cd "$${FILES_DIR_ENV}"
set -- aws-backup-restore_*
if [ ! -e "$1" ]; then
  echo "no aws-backup-restore_* directory in $${FILES_DIR_ENV}: the files are at the root already"
  exit 0
fi
if [ "$#" -gt 1 ]; then
  echo "more than one aws-backup-restore_* directory in $${FILES_DIR_ENV}: $*. A restore into a new file system makes exactly one: move the right one's contents to the root by hand and remove the others" >&2
  exit 1
fi
dir=$1
if [ ! -d "$dir" ]; then
  echo "$${FILES_DIR_ENV}/$dir is not a directory" >&2
  exit 1
fi
for entry in "$dir"/* "$dir"/.[!.]* "$dir"/..?*; do
  if [ ! -e "$entry" ] && [ ! -L "$entry" ]; then continue; fi
  name=\${entry#"$dir"/}
  if [ -e "$name" ] || [ -L "$name" ]; then
    echo "$${FILES_DIR_ENV}/$name is both at the root and in $dir: not overwritten, resolve it by hand" >&2
    exit 1
  fi
  mv "$entry" "$name"
done
rmdir "$dir"
echo "moved the contents of $dir to the root of the file system"
`;

export interface RestoredFilesMoveArgs {
  /** The restored file system (config `restoredData.fileSystemId`); names the Job, so each restore gets its own. */
  fileSystemId: string;
  /** Namespace of the claim (the app's). */
  namespace: pulumi.Input<string>;
  /** The claim bound to the restored file system; it should resolve once the file system is mountable (mount targets, CSI driver). */
  pvcName: pulumi.Input<string>;
  /** Node tier the Job's pod runs on: an untainted one, so it needs no toleration. @default "system" */
  nodeTier?: string;
  /** Image with a POSIX shell, `mv` and `rmdir`. @default RESTORED_FILES_MOVE_IMAGE */
  image?: string;
  /** Retries of a failed pod before the Job (and the `up`) fails. @default 2 */
  backoffLimit?: number;
}

export class RestoredFilesMove extends pulumi.ComponentResource {
  readonly job: k8s.batch.v1.Job;
  /** The claim name, resolving once the Job completed: mount it through this and the files are at the root. */
  readonly completedPvcName: pulumi.Output<string>;

  constructor(name: string, args: RestoredFilesMoveArgs, opts?: pulumi.ComponentResourceOptions) {
    super("eks-dr:index:RestoredFilesMove", name, {}, opts);
    const jobName = `restored-files-move-${args.fileSystemId}`;
    // Kubernetes puts the Job's name in its pods' `job-name` label, whose values stop at 63 characters.
    if (!/^[a-z0-9-]+$/.test(args.fileSystemId) || jobName.length > 63) {
      throw new Error(`RestoredFilesMove ${name}: fileSystemId "${args.fileSystemId}" must be an EFS id (fs- and up to 40 lowercase hex digits)`);
    }
    const labels = { "app.kubernetes.io/name": "restored-files-move", "app.kubernetes.io/part-of": "eks-dr" };
    this.job = new k8s.batch.v1.Job(
      name,
      {
        metadata: { name: jobName, namespace: args.namespace, labels },
        spec: {
          backoffLimit: args.backoffLimit ?? 2,
          template: {
            metadata: { labels },
            spec: {
              restartPolicy: "Never",
              nodeSelector: { [TIER_LABEL]: args.nodeTier ?? "system" },
              // Root, because the restored entries keep their owners and the file system's root is
              // root's; of root's capabilities only those a rename among directories of other owners
              // needs in the client's kernel (DAC_OVERRIDE: write and search them; FOWNER: sticky
              // ones). EFS itself does not squash root and skips permission checks for UID 0 (re:Post
              // Knowledge Center, "efs-access-point-configurations"), as long as no file system policy
              // withholds elasticfilesystem:ClientRootAccess (EFS User Guide, "Using IAM to control
              // access to file systems": the default policy grants full access); the program sets none
              // on a restored file system.
              securityContext: { runAsUser: 0, runAsGroup: 0, seccompProfile: { type: "RuntimeDefault" } },
              containers: [
                {
                  name: "move",
                  image: args.image ?? RESTORED_FILES_MOVE_IMAGE,
                  command: ["/bin/sh", "-c", MOVE_RESTORED_FILES_SCRIPT],
                  env: [{ name: FILES_DIR_ENV, value: FILES_DIR }],
                  volumeMounts: [{ name: "files", mountPath: FILES_DIR }],
                  resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ["ALL"], add: ["DAC_OVERRIDE", "FOWNER"] },
                  },
                },
              ],
              volumes: [{ name: "files", persistentVolumeClaim: { claimName: args.pvcName } }],
            },
          },
        },
      },
      { parent: this },
    );
    this.completedPvcName = pulumi.all([args.pvcName, this.job.metadata.name]).apply(([claim]) => claim);
    this.registerOutputs({ jobName: this.job.metadata.name, completedPvcName: this.completedPvcName });
  }
}
