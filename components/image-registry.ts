/**
 * The site's container images: ECR repositories for the sample application's `web` and `app`
 * images, and the registry's replication to the peer Region (the images are pushed once and exist in
 * both Regions), so a site can start its pods from its own Region
 * while the other Region is down.
 *
 * Facts this component is built on (Amazon ECR User Guide, "Private image replication"):
 * - Replication is a registry setting, configured separately for each Region of an account: there
 *   is exactly ONE replication configuration per registry (account + Region), and
 *   PutReplicationConfiguration replaces it whole. `aws.ecr.ReplicationConfiguration` therefore
 *   owns every rule of this registry: another stack (or a platform team) that manages replication
 *   in the same account and Region would overwrite ours, and ours would overwrite theirs; deleting
 *   this resource removes all rules. Set `manageReplication: false` when someone else owns it, and
 *   ask them for an equivalent rule.
 * - "A replication action only occurs once per image push": an image replicated into the peer is not
 *   replicated again by the peer's own rule back here, so the two sites' rules (each site
 *   replicates to the other) do not loop.
 * - Only images pushed after replication is configured are copied; existing images are not.
 * - The repository name stays the same in the destination. When the destination repository does not
 *   exist, ECR creates it with a repository creation template or the defaults (MUTABLE tags,
 *   AES-256); an existing repository is used as is. Each site creating its own repositories with
 *   the same names is therefore fine, and better: both copies get immutable tags and scan on push.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** The images of the sample application; each gets one repository. */
export const IMAGE_NAMES = ["web", "app"] as const;
export type ImageName = (typeof IMAGE_NAMES)[number];

export interface ImageRegistryArgs {
  /** The other site's Region, where this registry replicates the repositories to. */
  peerRegion: string;
  /**
   * Prefix of the repository names (`<prefix>web`, `<prefix>app`). The names must be identical in
   * both sites because replication keeps names; a prefix keeps them apart from other teams' `web`.
   * @default "eks-dr/"
   */
  namePrefix?: string;
  /** KMS key for the repositories; without it ECR uses its AWS managed key (`aws/ecr`). */
  kmsKeyArn?: pulumi.Input<string>;
  /**
   * Manage this registry's replication configuration. Turn off when another stack owns the
   * registry's (single) replication configuration. @default true
   */
  manageReplication?: boolean;
  /** Protect the repositories (they hold the only copy of an image until it has replicated). @default true */
  protect?: boolean;
}

export class ImageRegistry extends pulumi.ComponentResource {
  /** Repository URLs in this site's Region, by image name. */
  readonly repositoryUrls: { web: pulumi.Output<string>; app: pulumi.Output<string> };
  readonly repositories: Record<ImageName, aws.ecr.Repository>;
  /** Undefined when `manageReplication` is false. */
  readonly replication?: aws.ecr.ReplicationConfiguration;

  constructor(name: string, args: ImageRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("eks-dr:index:ImageRegistry", name, {}, opts);
    const prefix = args.namePrefix ?? "eks-dr/";

    const repository = (image: ImageName): aws.ecr.Repository =>
      new aws.ecr.Repository(
        `${name}-${image}`,
        {
          // An explicit name, not an auto-name: replication keeps the name, so both sites must use
          // the same one or replicated images land in a repository ECR creates with mutable tags.
          name: `${prefix}${image}`,
          // Immutable tags: a tag names exactly one image in both Regions, so a failover never
          // starts a different build than the one that ran before it.
          imageTagMutability: "IMMUTABLE",
          imageScanningConfiguration: { scanOnPush: true },
          encryptionConfigurations: [args.kmsKeyArn === undefined ? { encryptionType: "KMS" } : { encryptionType: "KMS", kmsKey: args.kmsKeyArn }],
        },
        { parent: this, protect: args.protect ?? true },
      );
    this.repositories = { web: repository("web"), app: repository("app") };

    if (args.manageReplication ?? true) {
      const account = aws.getCallerIdentityOutput({}, { parent: this });
      this.replication = new aws.ecr.ReplicationConfiguration(
        name,
        {
          replicationConfiguration: {
            rules: [
              {
                destinations: [{ region: args.peerRegion, registryId: account.accountId }],
                // PREFIX_MATCH is the only filter type ECR offers; the full names keep other
                // repositories of this registry out (a longer name sharing the prefix would match).
                repositoryFilters: IMAGE_NAMES.map((image) => ({ filter: `${prefix}${image}`, filterType: "PREFIX_MATCH" })),
              },
            ],
          },
        },
        { parent: this, dependsOn: Object.values(this.repositories) },
      );
    }

    this.repositoryUrls = { web: this.repositories.web.repositoryUrl, app: this.repositories.app.repositoryUrl };
    this.registerOutputs({ repositoryUrls: this.repositoryUrls });
  }
}

/**
 * The image a pod should run, given a reference from config:
 * - a reference with a registry host (`public.ecr.aws/nginx/nginx:1.27`, `localhost:5000/x:1`) is
 *   used unchanged;
 * - a reference without one (`web:1.0.0`, `app@sha256:...`) names one of this site's repositories,
 *   and resolves to that repository's URL in this site's Region plus the tag or digest, so each site
 *   pulls from its own Region (still reachable when the peer Region is down).
 *
 * A local reference must carry a tag or digest: with immutable tags there is no "latest".
 */
export function resolveImage(ref: string, repositoryUrls: Readonly<Record<string, string>>): string {
  const image = ref.trim();
  if (image === "") throw new Error("image reference is empty; use <name>:<tag>, e.g. web:1.0.0");
  const slash = image.indexOf("/");
  if (slash > 0) {
    // Docker's rule: the first path component is a registry host when it has a dot or a port,
    // or is "localhost".
    const first = image.slice(0, slash);
    if (first.includes(".") || first.includes(":") || first === "localhost") return image;
  }
  const at = image.indexOf("@");
  const nameAndTag = at >= 0 ? image.slice(0, at) : image;
  const digest = at >= 0 ? image.slice(at) : "";
  const colon = nameAndTag.lastIndexOf(":");
  const repo = colon >= 0 ? nameAndTag.slice(0, colon) : nameAndTag;
  const tag = colon >= 0 ? nameAndTag.slice(colon) : "";
  if (tag === "" && digest === "") {
    throw new Error(`image "${image}" has no tag or digest; the repositories have immutable tags, so use e.g. ${repo}:1.0.0`);
  }
  if (tag === ":" || digest === "@") throw new Error(`image "${image}" has an empty tag or digest`);
  const url = repositoryUrls[repo];
  if (url === undefined) {
    throw new Error(
      `image "${image}" has no registry host, so it must name one of this site's repositories ` +
        `(${Object.keys(repositoryUrls).join(", ")}); give other images in full, e.g. public.ecr.aws/docker/library/nginx:1.27`,
    );
  }
  return `${url}${tag}${digest}`;
}
