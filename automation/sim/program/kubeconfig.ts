/**
 * The cluster a Kubernetes provider talks to, read from the kubeconfig the program gave it. Kept
 * apart from the mocks so the simulated stacks can read it without loading Pulumi's runtime.
 */

/** The mocks receive secrets as `{ <sig>: <secret marker>, value }`; stored state holds the value. */
function unwrapSecret(value: unknown): unknown {
  return typeof value === "object" && value !== null && "value" in value ? (value as { value: unknown }).value : value;
}

/** The cluster and Region a kubeconfig's `aws eks get-token` authenticates to. */
export function kubeconfigTarget(kubeconfig: unknown): { clusterName?: string; region?: string } | undefined {
  const text = String(unwrapSecret(kubeconfig) ?? "");
  const region = /"--region",\s*"([a-z0-9-]+)"/.exec(text)?.[1];
  const clusterName = /"--cluster-name",\s*"([^"]+)"/.exec(text)?.[1];
  return region || clusterName ? { region, clusterName } : undefined;
}
