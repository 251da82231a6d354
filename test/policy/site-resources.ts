/**
 * The resources of the real site program, evaluated under the mock cloud, in the two forms the
 * policy engine hands to policies:
 * - `inputs`: what resource policies see before a resource is created or updated (its inputs);
 * - `outputs`: what stack policies see after the program ran (inputs plus computed outputs, with
 *   the resource id as bridged providers report it), plus the root `pulumi:pulumi:Stack` resource
 *   whose outputs are the program's exports.
 * Both carry each resource's `protect` option, which the mocks do not record: it is captured from
 * the registration requests the program sends to the mock monitor. And both carry the provider each
 * custom resource goes through, as the engine would report it: the provider the program passed, or
 * for an aws/kubernetes resource that names none, the engine's default provider for the package
 * (pulumi/pulumi pkg/resource/deploy/providers/provider.go, `DefaultName`: "default[_<version>]").
 */
import { evaluateSite, type EvaluateOptions, type Evaluation } from "../../automation/sim/program/evaluate";
import type { ProviderRef, ResourceLike } from "../../policy/lib/resources";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks") as {
  MockMonitor: { prototype: { registerResource: (req: RegisterRequest, cb: RegisterCallback) => Promise<void> } };
};

interface RegisterRequest {
  getProtect(): boolean | undefined;
}
type RegisterCallback = (err: unknown, resp?: { getUrn(): string }) => void;

export interface EvaluatedSite {
  evaluation: Evaluation;
  inputs: ResourceLike[];
  outputs: ResourceLike[];
}

/** Evaluates a site and returns its resources as the policy engine would present them. */
export async function evaluateSiteResources(opts: EvaluateOptions): Promise<EvaluatedSite> {
  const protectByUrn = new Map<string, boolean>();
  const original = MockMonitor.prototype.registerResource;
  MockMonitor.prototype.registerResource = function (this: unknown, req: RegisterRequest, callback: RegisterCallback) {
    return original.call(this, req, (err, resp) => {
      if (resp) protectByUrn.set(resp.getUrn(), req.getProtect() === true);
      callback(err, resp);
    });
  };
  let evaluation: Evaluation;
  try {
    evaluation = await evaluateSite(opts);
  } finally {
    MockMonitor.prototype.registerResource = original;
  }
  const resources = evaluation.cloud.resources;
  const unattached = resources.filter((r) => r.urn === "").map((r) => `${r.type}::${r.name}`);
  if (unattached.length > 0) throw new Error(`resources without a unique URN (policies report by URN): ${unattached.join(", ")}`);

  const base = (r: (typeof resources)[number]) => ({
    type: r.type,
    name: r.name,
    urn: r.urn,
    protect: protectByUrn.get(r.urn) === true,
    region: r.region,
    ...(r.custom ? { provider: providerOf(opts.stack, r.type, r.provider) } : {}),
  });
  const stackResource: ResourceLike = {
    type: "pulumi:pulumi:Stack",
    name: `eks-dr-${opts.stack}`,
    urn: `urn:pulumi:${opts.stack}::eks-dr::pulumi:pulumi:Stack::eks-dr-${opts.stack}`,
    props: evaluation.outputs,
    protect: false,
  };
  return {
    evaluation,
    // Resource policies run on registrations only: a `.get()` is never analyzed (pulumi/pulumi
    // pkg/resource/deploy/step_generator.go: the analyzers run in the registration path, not in
    // GenerateReadSteps); stack policies see every resource of the stack, reads included.
    inputs: resources.filter((r) => !r.read).map((r) => ({ ...base(r), props: r.inputs })),
    outputs: [stackResource, ...resources.map((r) => ({ ...base(r), props: { ...r.state, id: r.id } }))],
  };
}

/** `urn:pulumi:<stack>::<project>::<type>::<name>` of a provider reference `<urn>::<id>`, as type and name. */
function providerOf(stack: string, type: string, reference: string | undefined): ProviderRef | undefined {
  if (reference) {
    const urn = reference.slice(0, reference.lastIndexOf("::"));
    const parts = urn.split("::");
    return { type: parts[2].split("$").pop() as string, name: parts[3], urn };
  }
  const pkg = type.split(":")[0];
  if (pkg !== "aws" && pkg !== "kubernetes") return undefined;
  return { type: `pulumi:providers:${pkg}`, name: "default", urn: `urn:pulumi:${stack}::eks-dr::pulumi:providers:${pkg}::default` };
}
