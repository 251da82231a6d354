/**
 * Evaluates a single component under the mock cloud, on an explicit regional provider, so a
 * component test sees exactly the resources that component registers.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { inEvaluation } from "../../automation/sim/program/evaluate";
import { MockCloud, observeRegistrations, type StackOutputs } from "../../automation/sim/program/mock-cloud";

export interface ComponentContext {
  /** The regional AWS provider; pass it as `providers: [ctx.aws, ctx.k8s]` (children inherit it). */
  aws: aws.Provider;
  /** A Kubernetes provider for components that create cluster objects. */
  k8s: k8s.Provider;
  region: string;
}

export interface ComponentEvaluation<T> {
  cloud: MockCloud;
  value: T;
  warnings: string[];
}

/**
 * Runs like the program's evaluations (automation/sim/program/evaluate.ts `inEvaluation`): one at a
 * time, and without the SDK's debugging aids, whose stack traces were most of the time a component
 * with packaged components took.
 */
export function evaluateComponent<T>(
  build: (ctx: ComponentContext) => T,
  opts: { region?: string; stack?: string; stackOutputs?: StackOutputs } = {},
): Promise<ComponentEvaluation<T>> {
  return inEvaluation(async () => {
    const region = opts.region ?? "eu-west-3";
    const cloud = new MockCloud(opts.stackOutputs ?? {});
    await pulumi.runtime.setMocks(cloud, "eks-dr", opts.stack ?? "test", false, "organization");
    observeRegistrations(cloud);
    pulumi.runtime.setAllConfig({}, []);
    const warnings: string[] = [];
    const log = pulumi.log as { warn: (msg: string) => Promise<void> };
    const originalWarn = log.warn;
    log.warn = async (msg: string) => {
      warnings.push(msg);
    };
    try {
      const ctx: ComponentContext = {
        aws: new aws.Provider("test-aws", { region: region as aws.Region }),
        k8s: new k8s.Provider("test-k8s", { kubeconfig: "{}" }),
        region,
      };
      const value = build(ctx);
      const runtime = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
      await runtime.waitForRPCs?.();
      return { cloud, value, warnings };
    } finally {
      log.warn = originalWarn;
    }
  });
}

/** Resources that are not the test's own providers. */
export function componentChildren(cloud: MockCloud): MockCloud["resources"] {
  return cloud.resources.filter((r) => !r.type.startsWith("pulumi:providers:"));
}
