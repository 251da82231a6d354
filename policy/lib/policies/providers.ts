/**
 * Every resource goes through the site's own provider. A resource that names no provider gets the
 * engine's default provider for its package, configured from the runner's environment: for AWS the
 * Region of `AWS_REGION` (wherever CI or the operator happens to run), for Kubernetes the current
 * kubeconfig context. For a DR pair that is the wrong Region or cluster, silently.
 *
 * The stack files forbid default providers (`pulumi:disable-default-providers: [aws, kubernetes]`);
 * this policy is what still catches the mistake when that setting is deleted. The engine hands
 * every analyzed resource its provider, a default one included (pulumi/pulumi
 * pkg/resource/deploy/step_generator.go, `getProviderResource` for each Analyze/Remediate call).
 */
import { definePolicy, type Violation } from "../policy";
import { describe, type ProviderRef } from "../resources";

/** Packages whose default provider would put a site's resources in the wrong place. */
export const SITE_SCOPED_PACKAGES = ["aws", "kubernetes"] as const;

/**
 * The engine names a default provider `default`, or `default_<major>_<minor>_<patch>` (plus
 * pre-release and download-URL parts) when the SDK asks for a version
 * (pulumi/pulumi pkg/resource/deploy/providers/provider.go, `ProviderRequest.DefaultName`).
 */
const DEFAULT_PROVIDER_NAME = /^default(_\d+_\d+_\d+\S*)?$/;

/** `aws` for `pulumi:providers:aws` when it is a default provider of a site-scoped package, else undefined. */
function defaultProviderPackage(ref: Pick<ProviderRef, "type" | "name"> | undefined): string | undefined {
  if (!ref || !DEFAULT_PROVIDER_NAME.test(ref.name)) return undefined;
  const pkg = ref.type.startsWith("pulumi:providers:") ? ref.type.slice("pulumi:providers:".length) : undefined;
  return pkg && (SITE_SCOPED_PACKAGES as readonly string[]).includes(pkg) ? pkg : undefined;
}

const FIX =
  "Fix: pass the site's provider (components receive `providers` from the program and create children with `{ parent: this }`), " +
  "and keep `pulumi:disable-default-providers: [aws, kubernetes]` in the stack file so a forgotten provider fails instead.";

export const noDefaultProviders = definePolicy({
  name: "no-default-providers",
  description:
    "No resource is created through the engine's default aws or kubernetes provider (configured from the runner's environment), only through the site's own providers.",
  enforcementLevel: "mandatory",
  scope: "resource",
  defaults: {},
  validate(resources) {
    const out: Violation[] = [];
    for (const r of resources) {
      const ownPackage = defaultProviderPackage(r);
      if (ownPackage) {
        out.push({
          urn: r.urn,
          message: `${describe(r)} is the engine's default ${ownPackage} provider: some resource of this site names no provider. ${FIX}`,
        });
        continue;
      }
      const pkg = defaultProviderPackage(r.provider);
      if (!pkg || !r.provider) continue;
      out.push({
        urn: r.urn,
        message:
          `${describe(r)} goes through the default ${pkg} provider ${r.provider.name}, i.e. ` +
          (pkg === "aws" ? "the Region of the runner's AWS_REGION, not the site's Region" : "the runner's current kubeconfig context, not the site's cluster") +
          `. ${FIX}`,
      });
    }
    return out;
  },
});
