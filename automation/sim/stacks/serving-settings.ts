/**
 * What the program set on the path from a node Ready to the site serving, read from the resources it
 * registered, so the simulated world times that path with the program's own values (a reverted
 * setting shows in the figures): each tier's readiness probe, from its Deployment, and the web
 * tier's ALB target group health check, from the annotations of the Service and Ingress routing to
 * it. Absent fields take the defaults of Kubernetes and of the load balancer controller; values
 * ELB refuses fail the `up` as the controller's reconcile would.
 */
import { AwsError } from "../errors";
import type { ServingSettings } from "../world";
import type { ProbeTiming } from "../latency";
import { tierOf } from "./effects";
import type { ResourceState, StackState } from "./state";

const str = (v: unknown): string => (typeof v === "string" ? v : "");
const obj = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const SERVICE = "kubernetes:core/v1:Service";
const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";

/** Kubernetes API reference, Probe: periodSeconds default 10 (minimum 1), successThreshold default 1, initialDelaySeconds default 0. */
const PROBE_DEFAULTS: ProbeTiming = { periodSeconds: 10, successThreshold: 1, initialDelaySeconds: 0 };
/** A container without a readiness probe is Ready once it runs (Kubernetes, "Container probes"). */
const NO_PROBE: ProbeTiming = { periodSeconds: 0, successThreshold: 1, initialDelaySeconds: 0 };
/** AWS Load Balancer Controller v2.11 docs/guide/ingress/annotations.md: defaults '15' and '5'. */
const INTERVAL_ANNOTATION = "alb.ingress.kubernetes.io/healthcheck-interval-seconds";
const TIMEOUT_ANNOTATION = "alb.ingress.kubernetes.io/healthcheck-timeout-seconds";
const CONTROLLER_DEFAULTS = { intervalSeconds: 15, timeoutSeconds: 5 };

function probeOf(deployment: ResourceState): ProbeTiming {
  const container = obj(arr(obj(obj(obj(deployment.inputs.spec).template).spec).containers)[0]);
  const probe = container.readinessProbe;
  if (probe === undefined) return NO_PROBE;
  const p = obj(probe);
  const field = (k: keyof ProbeTiming) => (p[k] === undefined ? PROBE_DEFAULTS[k] : Number(p[k]));
  return { periodSeconds: field("periodSeconds"), successThreshold: field("successThreshold"), initialDelaySeconds: field("initialDelaySeconds") };
}

const podLabels = (d: ResourceState) => obj(obj(obj(obj(d.inputs.spec).template).metadata).labels);
const namespaceOf = (r: ResourceState) => str(obj(r.inputs.metadata).namespace);
const nameOf = (r: ResourceState) => str(obj(r.inputs.metadata).name);
const annotationsOf = (r: ResourceState) => obj(obj(r.inputs.metadata).annotations);

/** The Services selecting the Deployment's pods (a selector all of whose labels the pods carry). */
function servicesOf(state: StackState, deployment: ResourceState): ResourceState[] {
  const labels = podLabels(deployment);
  return state.filter((r) => {
    if (r.type !== SERVICE || namespaceOf(r) !== namespaceOf(deployment)) return false;
    const selector = obj(obj(r.inputs.spec).selector);
    return Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
  });
}

/** The Ingresses with a rule whose backend is `service` (same namespace). */
function ingressesOf(state: StackState, service: ResourceState): ResourceState[] {
  return state.filter(
    (r) =>
      r.type === INGRESS &&
      namespaceOf(r) === namespaceOf(service) &&
      arr(obj(r.inputs.spec).rules).some((rule) => arr(obj(obj(rule).http).paths).some((p) => str(obj(obj(obj(p).backend).service).name) === nameOf(service))),
  );
}

/** The web tier's target group health check: the Service's annotation wins over the Ingress's ("Service have higher priority"). */
function targetHealthCheckOf(state: StackState, web: ResourceState | undefined): { intervalSeconds: number; timeoutSeconds: number } {
  const service = web && servicesOf(state, web)[0];
  const ingress = service && ingressesOf(state, service)[0];
  const pick = (key: string, fallback: number) => {
    for (const r of [service, ingress]) {
      const v = r && annotationsOf(r)[key];
      if (v !== undefined) return Number(v);
    }
    return fallback;
  };
  const intervalSeconds = pick(INTERVAL_ANNOTATION, CONTROLLER_DEFAULTS.intervalSeconds);
  const timeoutSeconds = pick(TIMEOUT_ANNOTATION, CONTROLLER_DEFAULTS.timeoutSeconds);
  // CreateTargetGroup / ModifyTargetGroup: interval 5-300 s, timeout 2-120 s, and the interval
  // greater than the timeout (ELB API reference; its error text below).
  const where = ingress ? `Ingress ${nameOf(ingress)}` : "the web tier's target group";
  if (!Number.isInteger(intervalSeconds) || intervalSeconds < 5 || intervalSeconds > 300) {
    throw new AwsError("ValidationError", `${where}: health check interval ${intervalSeconds} must be between 5 and 300 seconds`);
  }
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 2 || timeoutSeconds > 120) {
    throw new AwsError("ValidationError", `${where}: health check timeout ${timeoutSeconds} must be between 2 and 120 seconds`);
  }
  if (intervalSeconds <= timeoutSeconds) {
    throw new AwsError(
      "ValidationError",
      `${where}: Health check interval must be greater than the timeout (interval ${intervalSeconds}, timeout ${timeoutSeconds})`,
    );
  }
  return { intervalSeconds, timeoutSeconds };
}

/** The state's serving settings; undefined when it runs no web and app Deployments. */
export function servingSettingsOf(state: StackState, nodeGroupNames: Record<string, unknown>): ServingSettings | undefined {
  const byTier: Record<string, ResourceState> = {};
  for (const d of state.filter((r) => r.type === DEPLOYMENT)) {
    const tier = tierOf(obj(obj(obj(obj(d.inputs.spec).template).spec).nodeSelector), state, nodeGroupNames);
    if (tier && !byTier[tier]) byTier[tier] = d;
  }
  if (!byTier.web || !byTier.app) return undefined;
  const { intervalSeconds } = targetHealthCheckOf(state, byTier.web);
  return { probes: { web: probeOf(byTier.web), app: probeOf(byTier.app) }, targetHealthCheck: { intervalSeconds } };
}
