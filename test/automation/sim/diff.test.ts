/**
 * The simulated engine's plan (automation/sim/stacks/diff.ts) on small hand-made registrations and
 * states: what Pulumi would create, update, replace or delete, and what it refuses.
 */
import { expect } from "chai";
import type { Registration } from "../../../automation/sim/program/run";
import { planUp } from "../../../automation/sim/stacks/diff";
import { stateOf, type StackState } from "../../../automation/sim/stacks/state";

const urn = (type: string, name: string) => `urn:pulumi:s::eks-dr::${type}::${name}`;

function reg(type: string, name: string, inputs: Record<string, unknown>, more: Partial<Registration> = {}): Registration {
  return {
    urn: urn(type, name),
    type,
    name,
    custom: true,
    id: `${name}-id`,
    inputs,
    outputs: inputs,
    options: { protect: false, ignoreChanges: [], deleteBeforeReplace: false, retainOnDelete: false },
    dependencies: [],
    ...more,
  };
}

/** The state after applying `r`, the provider having read back `readBack` over its inputs. */
const applied = (r: Registration, readBack: Record<string, unknown> = {}) => stateOf(r, r.inputs, { ...r.inputs, ...readBack }, undefined);

const FS = "aws:efs/fileSystem:FileSystem";
const NG = "aws:eks/nodeGroup:NodeGroup";
const SG = "aws:ec2/securityGroup:SecurityGroup";

describe("sim: the engine's plan for an up", () => {
  it("an input that differs from what the provider read back is an update; a computed output beside it is not", () => {
    const before = reg(NG, "web", { scalingConfig: { desiredSize: 0, minSize: 0, maxSize: 6 } });
    const state: StackState = [applied(before, { arn: "arn:aws:eks:::nodegroup/web", status: "ACTIVE" })];
    const same = planUp([before], state);
    expect(same.steps).to.deep.equal([]);
    expect(same.sameCount).to.equal(1);

    const plan = planUp([reg(NG, "web", { scalingConfig: { desiredSize: 3, minSize: 3, maxSize: 6 } })], state);
    expect(plan.steps.map((s) => [s.op, s.changed])).to.deep.equal([["update", ["scalingConfig"]]]);
  });

  it("ignoreChanges: an ignored path that differs from the state is no diff, and the old input is what is applied", () => {
    const fs = reg(FS, "files", { encrypted: true, protection: { replicationOverwrite: "DISABLED" }, tags: { a: "1" } });
    // Read back after an update while replicated into: AWS reports REPLICATING.
    const state: StackState = [applied(fs, { protection: { replicationOverwrite: "REPLICATING" } })];
    expect(
      planUp([fs], state).steps.map((s) => s.op),
      "without ignoreChanges the engine plans DISABLED again",
    ).to.deep.equal(["update"]);

    const ignoring = reg(
      FS,
      "files",
      { encrypted: true, protection: { replicationOverwrite: "ENABLED" }, tags: { a: "2" } },
      {
        options: { protect: true, ignoreChanges: ["protection"], deleteBeforeReplace: false, retainOnDelete: false },
      },
    );
    const plan = planUp([ignoring], state);
    expect(plan.steps.map((s) => [s.op, s.changed])).to.deep.equal([["update", ["tags"]]]);
    expect(plan.steps[0].inputs!.protection).to.deep.equal({ replicationOverwrite: "DISABLED" });
  });

  it("ignoreChanges on a nested path leaves the rest of the property diffed", () => {
    const before = reg(NG, "web", { scalingConfig: { desiredSize: 0, minSize: 0, maxSize: 6 } });
    const state: StackState = [applied(before, { scalingConfig: { desiredSize: 3, minSize: 0, maxSize: 6 } })];
    const opts = { protect: false, ignoreChanges: ["scalingConfig.desiredSize"], deleteBeforeReplace: false, retainOnDelete: false };
    expect(planUp([reg(NG, "web", { scalingConfig: { desiredSize: 0, minSize: 0, maxSize: 6 } }, { options: opts })], state).steps).to.deep.equal([]);
    const plan = planUp([reg(NG, "web", { scalingConfig: { desiredSize: 0, minSize: 0, maxSize: 9 } }, { options: opts })], state);
    expect(plan.steps.map((s) => s.op)).to.deep.equal(["update"]);
    expect(plan.steps[0].inputs!.scalingConfig).to.deep.equal({ desiredSize: 0, minSize: 0, maxSize: 9 });
  });

  it("a property the provider cannot update in place replaces the resource, and a protected one is refused", () => {
    const opts = (protect: boolean) => ({ protect, ignoreChanges: [], deleteBeforeReplace: false, retainOnDelete: false });
    const state: StackState = [applied(reg(FS, "files", { encrypted: true, kmsKeyId: "key-1" }, { options: opts(false) }))];
    const replace = planUp([reg(FS, "files", { encrypted: true, kmsKeyId: "key-2" }, { options: opts(false) })], state);
    expect(replace.steps.map((s) => [s.op, s.changed, s.refused])).to.deep.equal([["replace", ["kmsKeyId"], undefined]]);

    const protectedState: StackState = [applied(reg(FS, "files", { encrypted: true, kmsKeyId: "key-1" }, { options: opts(true) }))];
    const refused = planUp([reg(FS, "files", { encrypted: true, kmsKeyId: "key-2" }, { options: opts(true) })], protectedState);
    expect(refused.steps[0].op).to.equal("replace");
    expect(refused.steps[0].refused).to.match(/unable to replace resource ".*::files"\nas it is currently marked for protection/);
  });

  it("deletes what the program no longer registers after every create and update, newest first; a protected one is refused", () => {
    const a = reg(SG, "a", { name: "a" });
    const b = reg(SG, "b", { name: "b" });
    const kept = reg(SG, "kept", { name: "kept" });
    const guarded = reg(
      FS,
      "guarded",
      { encrypted: true },
      { options: { protect: true, ignoreChanges: [], deleteBeforeReplace: false, retainOnDelete: false } },
    );
    const state: StackState = [applied(a), applied(guarded), applied(b), applied(kept)];
    const plan = planUp([reg(SG, "kept", { name: "kept2" }), reg(SG, "new", { name: "new" })], state);
    expect(plan.steps.map((s) => `${s.op} ${s.urn.split("::").pop()}`)).to.deep.equal(["update kept", "create new", "delete b", "delete guarded", "delete a"]);
    expect(plan.steps.find((s) => s.urn === guarded.urn)!.refused).to.match(/cannot be deleted\nbecause it is protected/);
  });

  it("an existing DB cluster is never moved into a global cluster: the provider refuses adding it or migrating it between two (global_cluster_identifier)", () => {
    const DB = "aws:rds/cluster:Cluster";
    const standalone = reg(DB, "db", { clusterIdentifier: "c", engine: "aurora-mysql" });
    const state: StackState = [applied(standalone, { globalClusterIdentifier: "" })];
    const adding = planUp([reg(DB, "db", { clusterIdentifier: "c", engine: "aurora-mysql", globalClusterIdentifier: "g2" })], state);
    expect(adding.steps.map((s) => [s.op, s.changed])).to.deep.equal([["update", ["globalClusterIdentifier"]]]);
    expect(adding.steps[0].refused).to.match(/existing RDS Clusters cannot be added to an existing RDS Global Cluster/);

    const member = reg(DB, "db", { clusterIdentifier: "c", engine: "aurora-mysql", globalClusterIdentifier: "g1" });
    const memberState: StackState = [applied(member)];
    const moving = planUp([reg(DB, "db", { clusterIdentifier: "c", engine: "aurora-mysql", globalClusterIdentifier: "g2" })], memberState);
    expect(moving.steps[0].refused).to.match(/cannot be migrated between existing RDS Global Clusters/);
    // With ignoreChanges (the program's clusters), a different identifier is no diff at all.
    const ignoring = reg(
      DB,
      "db",
      { clusterIdentifier: "c", engine: "aurora-mysql", globalClusterIdentifier: "g2" },
      { options: { protect: true, ignoreChanges: ["globalClusterIdentifier"], deleteBeforeReplace: false, retainOnDelete: false } },
    );
    expect(planUp([ignoring], memberState).steps).to.deep.equal([]);
    // Another change to a member is an ordinary update.
    const other = planUp([reg(DB, "db", { clusterIdentifier: "c", engine: "aurora-mysql", globalClusterIdentifier: "g1", tags: { a: "1" } })], memberState);
    expect(other.steps.map((s) => [s.op, s.refused])).to.deep.equal([["update", undefined]]);
  });

  it("--target limits the steps to the listed URNs; a target that depends on an untargeted create is fatal", () => {
    const state: StackState = [applied(reg(NG, "web", { scalingConfig: { desiredSize: 0 } })), applied(reg(SG, "old", { name: "old" }))];
    const desired = [reg(NG, "web", { scalingConfig: { desiredSize: 3 } }), reg(SG, "sg", { name: "sg" })];
    const plan = planUp(desired, state, { target: [urn(NG, "web")] });
    expect(plan.steps.map((s) => `${s.op} ${s.urn.split("::").pop()}`)).to.deep.equal(["update web"]);
    expect(plan.fatal).to.deep.equal([]);

    const dependent = [reg(SG, "sg", { name: "sg" }), reg(NG, "web", { scalingConfig: { desiredSize: 3 } }, { dependencies: [urn(SG, "sg")] })];
    expect(planUp(dependent, state, { target: [urn(NG, "web")] }).fatal).to.deep.equal([
      `Resource '${urn(NG, "web")}' depends on '${urn(SG, "sg")}' which was was not specified in --target list.`,
    ]);
  });

  it("a target neither registered nor in the state is reported; --exclude leaves a URN out", () => {
    const state: StackState = [applied(reg(NG, "web", { scalingConfig: { desiredSize: 0 } }))];
    const desired = [reg(NG, "web", { scalingConfig: { desiredSize: 3 } })];
    expect(planUp(desired, state, { target: [urn(NG, "nope")] }).afterwards).to.deep.equal([`Target '${urn(NG, "nope")}' could not be found in the stack.`]);
    const excluded = planUp(desired, state, { exclude: [urn(NG, "web")] });
    expect(excluded.steps).to.deep.equal([]);
    expect(excluded.sameCount).to.equal(1);
  });
});
