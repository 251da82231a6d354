/**
 * From nodes Ready to the site serving, in the simulated world: the pods' start, their readiness
 * probe and the ALB target's registration and one passing check, timed with the program's own
 * probe and health-check settings, read from the resources it registered.
 */
import { expect } from "chai";
import { AwsError } from "../../../automation/sim/errors";
import { deployPair } from "../../../automation/sim/stacks/deploy";
import { servingSettingsOf } from "../../../automation/sim/stacks/serving-settings";
import type { StackState } from "../../../automation/sim/stacks/state";
import { configs, MIN, SEC, sim, until } from "./helpers";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const SERVICE = "kubernetes:core/v1:Service";
const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";

/** A minimal stack state: web and app node groups, their Deployments, web's Service and Ingress. */
function state(opts: { probe?: Record<string, number>; ingress?: Record<string, string>; service?: Record<string, string> } = {}): StackState {
  const res = (type: string, name: string, inputs: Record<string, unknown>, outputs: Record<string, unknown> = {}) =>
    ({ urn: `urn:${type}::${name}`, type, name, custom: true, id: name, inputs, outputs, options: {}, dependencies: [] }) as unknown as StackState[number];
  const meta = (name: string, annotations?: Record<string, string>) => ({ name, namespace: "shop", ...(annotations ? { annotations } : {}) });
  const deployment = (tier: string) =>
    res(DEPLOYMENT, tier, {
      metadata: meta(tier),
      spec: {
        template: {
          metadata: { labels: { "app.kubernetes.io/name": tier } },
          spec: { nodeSelector: { "eks-dr/tier": tier }, containers: [{ name: tier, ...(opts.probe ? { readinessProbe: opts.probe } : {}) }] },
        },
      },
    });
  return [
    res(NODE_GROUP, "ng-web", { labels: { "eks-dr/tier": "web" } }, { nodeGroupName: "ng-web" }),
    res(NODE_GROUP, "ng-app", { labels: { "eks-dr/tier": "app" } }, { nodeGroupName: "ng-app" }),
    deployment("web"),
    deployment("app"),
    res(SERVICE, "web", { metadata: meta("web", opts.service), spec: { selector: { "app.kubernetes.io/name": "web" } } }),
    res(INGRESS, "web", {
      metadata: meta("web", opts.ingress),
      spec: { rules: [{ http: { paths: [{ path: "/", backend: { service: { name: "web", port: { name: "http" } } } }] } }] },
    }),
  ];
}
const GROUPS = { web: "ng-web", app: "ng-app" };

describe("sim: from nodes Ready to serving", () => {
  describe("settings read from the program's resources", () => {
    it("the project's program: readiness probed every second, the web target checked every 5 s", async () => {
      const deployed = await deployPair(configs(), { deployedBy: "arn:aws:iam::123456789012:role/deployer" });
      for (const stack of ["primary", "dr"]) {
        const settings = servingSettingsOf(deployed.state[stack], deployed.outputs[stack].nodeGroupNames as Record<string, unknown>);
        expect(settings, stack).to.deep.equal({
          probes: {
            web: { periodSeconds: 1, successThreshold: 1, initialDelaySeconds: 0 },
            app: { periodSeconds: 1, successThreshold: 1, initialDelaySeconds: 0 },
          },
          targetHealthCheck: { intervalSeconds: 5 },
        });
      }
    });

    it("takes Kubernetes' and the controller's defaults for what the resources leave out", () => {
      expect(servingSettingsOf(state({ probe: {} }), GROUPS)).to.deep.equal({
        probes: {
          web: { periodSeconds: 10, successThreshold: 1, initialDelaySeconds: 0 },
          app: { periodSeconds: 10, successThreshold: 1, initialDelaySeconds: 0 },
        },
        targetHealthCheck: { intervalSeconds: 15 },
      });
      // No readiness probe: Ready once the container runs.
      expect(servingSettingsOf(state(), GROUPS)?.probes.web).to.deep.equal({ periodSeconds: 0, successThreshold: 1, initialDelaySeconds: 0 });
    });

    it("reads the Service's annotation before the Ingress's, as the controller does", () => {
      const interval = "alb.ingress.kubernetes.io/healthcheck-interval-seconds";
      expect(servingSettingsOf(state({ ingress: { [interval]: "10" } }), GROUPS)?.targetHealthCheck).to.deep.equal({ intervalSeconds: 10 });
      expect(servingSettingsOf(state({ ingress: { [interval]: "10" }, service: { [interval]: "20" } }), GROUPS)?.targetHealthCheck).to.deep.equal({
        intervalSeconds: 20,
      });
    });

    it("refuses what ELB refuses: an interval not above the timeout, or outside 5-300 s", () => {
      const hc = (interval: string, timeout?: string) => ({
        "alb.ingress.kubernetes.io/healthcheck-interval-seconds": interval,
        ...(timeout ? { "alb.ingress.kubernetes.io/healthcheck-timeout-seconds": timeout } : {}),
      });
      const refusal = (ingress: Record<string, string>) => {
        try {
          servingSettingsOf(state({ ingress }), GROUPS);
        } catch (err) {
          expect(err).to.be.instanceOf(AwsError);
          return err as AwsError;
        }
        return expect.fail("expected a ValidationError") as never;
      };
      // The controller's default timeout is 5 s: an interval of 5 needs a shorter one.
      expect(refusal(hc("5")).message).to.match(/Ingress web: Health check interval must be greater than the timeout \(interval 5, timeout 5\)/);
      expect(refusal(hc("3", "2")).name).to.equal("ValidationError");
      expect(servingSettingsOf(state({ ingress: hc("5", "4") }), GROUPS)?.targetHealthCheck).to.deep.equal({ intervalSeconds: 5 });
    });
  });

  it("each tier's pods start once its nodes are Ready, turn Ready within the probe's period, then the web target is healthy within one interval", async () => {
    const s = await sim();
    const dr = s.world.site("dr");
    const scale = (group: string, desiredSize: number) => s.world.scaleNodeGroup("us-west-2", "eks-dr-dr", group, { minSize: 0, desiredSize, maxSize: 6 });
    for (let cycle = 0; cycle < 5; cycle++) {
      scale(dr.nodeGroups.web.name, 3);
      await until(s.clock, () => s.world.site("dr").nodeGroups.web.readyNodes === 3, 10 * MIN, SEC);
      const webNodesAt = s.clock.now();
      // The app tier has no nodes yet: its pods wait Pending, the web tier's do not wait for them.
      await until(s.clock, () => s.world.site("dr").targetHealthy, 5 * MIN, SEC);
      expect(s.world.site("dr").podsReady, "app pods wait for app nodes").to.equal(false);
      const c = s.world.servingChain("dr");
      expect(c.app.scheduledAt).to.equal(undefined);
      expect(c.web.scheduledAt! - webNodesAt).to.be.within(-SEC, 0);
      expect(c.web.upAt! - c.web.scheduledAt!, "pod-start").to.be.within(10 * SEC, 60 * SEC);
      expect(c.web.readyAt! - c.web.upAt!, "readiness probe every 1 s").to.be.within(0, 1 * SEC);
      expect(c.target.registeredAt! - c.web.readyAt!, "registration").to.be.within(2 * SEC, 20 * SEC);
      expect(c.target.healthyAt! - c.target.registeredAt!, "one check within the 5 s interval").to.be.within(0, 5 * SEC);

      scale(dr.nodeGroups.app.name, 3);
      await until(s.clock, () => s.world.site("dr").podsReady, 10 * MIN, SEC);
      const app = s.world.servingChain("dr").app;
      expect(app.readyAt! - app.upAt!).to.be.within(0, 1 * SEC);

      // Nodes gone: the pods and the target go with them; the next nodes start the chain again.
      scale(dr.nodeGroups.web.name, 0);
      scale(dr.nodeGroups.app.name, 0);
      await s.clock.sleep(SEC);
      expect(s.world.site("dr")).to.include({ podsReady: false, targetHealthy: false });
      expect(s.world.servingChain("dr").target.registeringAt).to.equal(undefined);
    }
  });
});
