/**
 * Who may change Kubernetes objects of a site's cluster: the Kubernetes provider authenticates as
 * the principal running the `up` (its kubeconfig runs `aws eks get-token`). With access entries
 * (authentication mode API or API_AND_CONFIG_MAP), the API server authenticates a principal that
 * has an access entry and authorizes it through the access policies associated with the entry; the
 * principal that created the cluster is admin when `bootstrapClusterCreatorAdminPermissions` was
 * true at creation (EKS API Reference, CreateAccessConfigRequest: true by default; EKS User Guide,
 * "Grant IAM users access to Kubernetes with EKS access entries"). Anyone else gets 401 (kubectl:
 * "You must be logged in to the server (Unauthorized)": AWS re:Post, "troubleshoot IAM issues in
 * Amazon EKS"); an entry without an access policy (nor Kubernetes groups) authenticates but is
 * not allowed anything (403), nor is a read-only or other-namespace policy. Read from what the
 * program registered and the state holds, never from config.
 */
import { kubeconfigTarget } from "../program/kubeconfig";
import type { Step } from "./diff";
import { describeUrn, type StackState } from "./state";

const str = (v: unknown): string => (typeof v === "string" ? v : "");
const obj = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** Why the API server refuses `principal` this step, or undefined when it may. */
export function kubernetesRefusal(step: Step, state: StackState, principal: string): string | undefined {
  if (!step.type.startsWith("kubernetes:")) return undefined;
  const providerUrn = (step.desired ?? step.old)?.providerUrn;
  const provider = state.find((r) => r.urn === providerUrn);
  const clusterName = kubeconfigTarget(provider?.inputs.kubeconfig)?.clusterName;
  if (!clusterName) return undefined; // not an EKS cluster's provider: nothing modelled
  const cluster = state.find((r) => r.type === "aws:eks/cluster:Cluster" && (str(r.outputs.name) || str(r.inputs.name)) === clusterName);
  const access = obj(cluster?.inputs.accessConfig);
  const mode = str(access.authenticationMode) || "CONFIG_MAP";
  const creatorAdmin = cluster?.createdBy === principal && access.bootstrapClusterCreatorAdminPermissions !== false;
  if (creatorAdmin) return undefined;
  const forPrincipal = (type: string) =>
    state.some((r) => r.type === type && str(r.inputs.clusterName) === clusterName && str(r.inputs.principalArn) === principal);
  const entry = mode.startsWith("API") && forPrincipal("aws:eks/accessEntry:AccessEntry");
  const what = `${describeUrn(step.urn)} (${step.op})`;
  if (!entry) {
    return (
      `${what}: the Kubernetes API server of ${clusterName} answered 401 Unauthorized: ${principal} has no EKS access entry ` +
      `(and did not create the cluster). Give it an access entry with an access policy in the program and deploy it as a principal that has access.`
    );
  }
  const hasGroups = state.some(
    (r) =>
      r.type === "aws:eks/accessEntry:AccessEntry" &&
      str(r.inputs.principalArn) === principal &&
      Array.isArray(r.inputs.kubernetesGroups) &&
      r.inputs.kubernetesGroups.length > 0,
  );
  if (hasGroups) return undefined; // authorized through the cluster's own RBAC bindings: not modelled
  const policies = state.filter(
    (r) =>
      r.type === "aws:eks/accessPolicyAssociation:AccessPolicyAssociation" &&
      str(r.inputs.clusterName) === clusterName &&
      str(r.inputs.principalArn) === principal,
  );
  if (policies.length === 0) {
    return `${what}: the Kubernetes API server of ${clusterName} answered 403 Forbidden: the access entry of ${principal} has no access policy associated.`;
  }
  // AmazonEKSViewPolicy only reads; a namespace-scoped association covers its namespaces only
  // (EKS User Guide, "Review access policy permissions" and "Associate access policies").
  const namespace = resourceNamespace(step);
  const allows = policies.some((p) => {
    if (str(p.inputs.policyArn).endsWith("/AmazonEKSViewPolicy")) return false;
    const scope = obj(p.inputs.accessScope);
    if (str(scope.type) !== "namespace") return true;
    return namespace !== undefined && Array.isArray(scope.namespaces) && scope.namespaces.includes(namespace);
  });
  if (!allows) {
    return `${what}: the Kubernetes API server of ${clusterName} answered 403 Forbidden: the access policies of ${principal} do not allow changing it${namespace ? ` in namespace ${namespace}` : " (cluster-scoped)"}.`;
  }
  return undefined;
}

/** The namespace a Kubernetes object lives in; undefined for cluster-scoped objects. */
function resourceNamespace(step: Step): string | undefined {
  const inputs = step.inputs ?? step.old?.inputs ?? {};
  return str(obj(inputs.metadata).namespace) || str(inputs.namespace) || undefined;
}
