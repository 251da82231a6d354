/**
 * Turns the pure DR policies into CrossGuard policies, and the policy engine's arguments into
 * `ResourceLike` objects. Kept apart from `index.ts` (which starts the analyzer server when loaded)
 * so tests can exercise it with hand-made arguments.
 */
import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { NotApplicable, type DrPolicy } from "./policy";
import type { ResourceLike } from "./resources";

/**
 * @pulumi/policy hands policies their properties wrapped in a proxy that throws as soon as an
 * unknown (preview-time) value is read, which would silently skip the whole policy. The DR
 * policies handle unknowns themselves (`isUnknown`), so they read the plain object underneath.
 */
const PROXY_TARGET = "__getSpecialProxyTarget";

export function unwrapProps(props: Record<string, unknown>): Record<string, unknown> {
  const target = (props as Record<string, unknown>)[PROXY_TARGET];
  return target !== null && typeof target === "object" ? (target as Record<string, unknown>) : props;
}

type EngineResource = Pick<ResourceValidationArgs, "type" | "name" | "urn" | "props" | "provider"> & {
  opts?: Partial<ResourceValidationArgs["opts"]>;
};

/** One resource from the policy engine (resource or stack validation) as the DR policies see it. */
export function toResourceLike(r: EngineResource | PolicyResource): ResourceLike {
  const props = unwrapProps(r.props);
  const providerProps = r.provider ? unwrapProps(r.provider.props) : {};
  const region = [props.region, providerProps.region].find((v): v is string => typeof v === "string" && v !== "");
  const provider = r.provider ? { type: r.provider.type, name: r.provider.name, urn: r.provider.urn } : undefined;
  return { type: r.type, name: r.name, urn: r.urn, props, protect: r.opts?.protect === true, region, ...(provider ? { provider } : {}) };
}

function configOf<C extends object>(policy: DrPolicy<C>, getConfig: () => object): C {
  const { enforcementLevel: _ignored, ...values } = (getConfig() ?? {}) as Record<string, unknown>;
  return { ...policy.defaults, ...values } as C;
}

/** The CrossGuard form of one DR policy. */
export function toPackPolicy<C extends object>(policy: DrPolicy<C>): ResourceValidationPolicy | StackValidationPolicy {
  const base = {
    name: policy.name,
    description: policy.description,
    enforcementLevel: policy.enforcementLevel,
    ...(policy.configSchema ? { configSchema: { properties: policy.configSchema } } : {}),
  };
  if (policy.scope === "resource") {
    return {
      ...base,
      validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        if (policy.types && !policy.types.includes(args.type)) return;
        for (const v of policy.validate(
          [toResourceLike(args)],
          configOf(policy, () => args.getConfig()),
        ))
          report(v.message);
      },
    };
  }
  return {
    ...base,
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
      let violations;
      try {
        violations = policy.validate(
          args.resources.map(toResourceLike),
          configOf(policy, () => args.getConfig()),
        );
      } catch (e) {
        if (e instanceof NotApplicable) args.notApplicable(e.reason);
        throw e;
      }
      for (const v of violations) report(v.message, v.urn);
    },
  };
}
