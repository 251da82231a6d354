/**
 * The principal running an `up` changes Kubernetes objects of a site's cluster only with an EKS
 * access entry and an access policy the program registered (and the state holds), or as the
 * cluster's creator. These tests give access through `eks-dr:clusterAccess`, the program's key for
 * access entries; the simulation itself only reads what the program registers.
 */
import { expect } from "chai";
import { failover, type RunResult } from "../../../automation/driver";
import { configs, rejection, sim } from "./helpers";
import { simulate } from "../helpers";

const CI_DEPLOY = "arn:aws:iam::123456789012:role/eks-dr-ci-deploy";
const OPERATOR = "arn:aws:iam::123456789012:role/eks-dr-operator";

const EDITOR = "arn:aws:iam::123456789012:role/eks-dr-app-editor";
const VIEWER = "arn:aws:iam::123456789012:role/eks-dr-viewer";

/**
 * One `eks-dr:clusterAccess` for the tests that give access, a principal per access policy tried:
 * the pair is deployed from the same stack files each time, so the program's runs are shared.
 */
const ACCESS = [
  { principalArn: EDITOR, policy: "edit", namespaces: ["app"] },
  { principalArn: VIEWER, policy: "view" },
  { principalArn: OPERATOR, policy: "clusterAdmin" },
];
const withAccess = () =>
  configs((_, raw) => {
    raw.clusterAccess = structuredClone(ACCESS);
  });

describe("sim: Kubernetes access of the principal running the up", () => {
  it("refuses every Kubernetes change with 401 to a principal without an access entry that did not create the cluster", async () => {
    // CI deployed the pair; the operator runs the planned failover's quiesce.
    const s = await sim({ deployedBy: CI_DEPLOY, principal: OPERATOR });
    await s.stacks.setConfig("primary", [{ key: "quiesced", value: true }]);
    const err = await rejection(s.stacks.up("primary"), "StackUpError");
    expect(err.message).to.match(
      /kubernetes:apps\/v1:Deployment primary-app-app \(update\): the Kubernetes API server of eks-dr-primary answered 401 Unauthorized: arn:aws:iam::123456789012:role\/eks-dr-operator has no EKS access entry/,
    );
    expect(s.world.site("primary")).to.deep.include({ replicas: { web: 3, app: 3 }, readOnly: false, serving: true }); // still taking writes
    expect(s.world.calls({ api: "kubernetes:api", origin: "pulumi:primary" }).map((c) => c.outcome)).to.include("Unauthorized");
  });

  it("lets the cluster's creator through (bootstrap admin)", async () => {
    const s = await sim({ deployedBy: OPERATOR, principal: OPERATOR });
    await s.stacks.setConfig("primary", [{ key: "quiesced", value: true }]);
    await s.stacks.up("primary");
    expect(s.world.site("primary")).to.deep.include({ replicas: { web: 3, app: 3 }, readOnly: true, serving: false, servesReads: true });
  });

  it("lets a principal through whom the program gave an access entry with an access policy", async () => {
    // EDITOR's entry allows editing namespace app only, where the quiesce changes the Deployments.
    const s = await sim({ configs: withAccess(), deployedBy: CI_DEPLOY, principal: EDITOR });
    await s.stacks.setConfig("primary", [{ key: "quiesced", value: true }]);
    await s.stacks.up("primary");
    expect(s.world.site("primary")).to.deep.include({ replicas: { web: 3, app: 3 }, readOnly: true, serving: false, servesReads: true });
  });

  it("refuses with 403 a principal whose access policy only reads", async () => {
    const s = await sim({ configs: withAccess(), deployedBy: CI_DEPLOY, principal: VIEWER });
    await s.stacks.setConfig("primary", [{ key: "quiesced", value: true }]);
    const err = await rejection(s.stacks.up("primary"), "StackUpError");
    expect(err.message).to.match(
      /answered 403 Forbidden: the access policies of arn:aws:iam::123456789012:role\/eks-dr-viewer do not allow changing it in namespace app/,
    );
  });

  it("makes a planned failover run by an operator without access fail at the quiesce, before anything is switched", async () => {
    const t = await simulate({ seed: 5, deployedBy: CI_DEPLOY, principal: OPERATOR });
    const r = (await failover(t.deps, { to: "dr", mode: "planned" })) as RunResult;
    // Before the point of no return: the run puts primary back into service (nothing was applied to it).
    expect(r.report.outcome).to.equal("rolled-back");
    expect(r.report.failedStep).to.equal("quiesce-source");
    expect(r.report.error).to.match(/401 Unauthorized/);
    expect(t.sim.world.writer()).to.equal("primary");
  });

  it("the same planned failover succeeds once the program gives the operator an access entry on both clusters", async () => {
    const t = await simulate({ seed: 5, deployedBy: CI_DEPLOY, principal: OPERATOR, clusterAccess: ACCESS });
    const r = (await failover(t.deps, { to: "dr", mode: "planned" })) as RunResult;
    expect(r.report.outcome, r.report.error).to.equal("succeeded");
    expect(t.sim.world.writer()).to.equal("dr");
    expect(t.sim.world.calls({ api: "kubernetes:api" }).map((c) => c.outcome)).to.not.include("Unauthorized");
  });
});
