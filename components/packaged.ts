/**
 * Packaged (multi-language) components, such as `awsx.ec2.Vpc` or `eks.Cluster`, run in their own
 * provider process and create their children there. Unlike a component of this program, they do not
 * inherit their parent's providers: the SDK sends only the `providers` given in their own options
 * (@pulumi/pulumi runtime/resource.js `prepareResource`, remote components), and their children
 * then use those. Without it they would use the default AWS provider, which the stacks disable
 * (`pulumi:disable-default-providers`), so that nothing lands in an unintended Region.
 */
import type * as pulumi from "@pulumi/pulumi";

/**
 * The AWS provider `component` inherited (the site's), as the `providers` of a packaged component it
 * creates. Fails when it has none: the packaged component would fall back to the default provider.
 */
export function awsProvidersOf(component: pulumi.ComponentResource, name: string): Record<string, pulumi.ProviderResource> {
  const aws = component.getProvider("aws:index:any");
  if (!aws) {
    throw new Error(
      `${name}: no AWS provider to give its packaged components; pass the site's provider in \`providers\` (the default provider is disabled and in no chosen Region)`,
    );
  }
  return { aws };
}
