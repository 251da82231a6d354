import { expect } from "chai";
import { type ConfigError } from "../../../stacks/config";
import { siteOutputsSchema } from "../../../stacks/outputs";
import { type Simulation, type StackUpError } from "../../../automation/sim";
import { GLOBAL_CLUSTER_ID, MIN, SEC, headless, rejection, sim, until } from "./helpers";

const ZONE = "Z0EXAMPLE00000000000";
const HOST = "app.example.com";

/** The URN of the single resource of `type` in a stack's state whose name ends with `suffix`. */
function urnOf(s: Simulation, stack: string, type: string, suffix = ""): string {
  const found = s.stacks.stateOf(stack).filter((r) => r.type === type && r.name.endsWith(suffix));
  expect(found, `${type} *${suffix} in ${stack}`).to.have.length(1);
  return found[0].urn;
}

/** Gets the pair to the point where roles can be swapped in IaC: planned switchover done, replication gone. */
async function plannedPromotion(s: Simulation) {
  await s.cloud.rds.switchoverGlobalCluster("us-east-1", GLOBAL_CLUSTER_ID, s.world.site("dr").db.arn);
  await s.cloud.efs.deleteReplication("us-east-1", s.world.site("primary").fs.id, "ALL_CONFIGURATIONS");
  await until(s.clock, () => s.world.writer() === "dr" && s.world.replicationsNow().length === 0, 20 * MIN, 10 * SEC);
  await s.cloud.route53.setPrimaryRecord(ZONE, HOST, { setIdentifier: "dr", healthCheckId: s.world.site("dr").healthCheck.id });
}

describe("sim: SimStacks", () => {
  it("deploys the project's stack files by running the program: outputs are its exports, the world its registrations", async () => {
    const s = await sim();
    const dr = await s.stacks.readConfig("dr");
    expect(dr).to.include({ region: "us-west-2", role: "standby", peerStack: "primary" });
    const p = (await s.stacks.outputs("primary"))!;
    const d = (await s.stacks.outputs("dr"))!;
    expect(() => siteOutputsSchema.parse(p)).to.not.throw();
    expect(p).to.include({ role: "active", globalClusterIdentifier: GLOBAL_CLUSTER_ID, fileSystemId: s.world.site("primary").fs.id });
    expect(p.efsReplication).to.deep.equal({ destinationFileSystemId: d.fileSystemId, destinationRegion: "us-west-2" });
    expect(d.efsReplication).to.equal(undefined);
    expect(d.globalClusterIdentifier).to.equal(undefined);
    // URNs are the engine's: the node groups the driver refreshes are in the state under them, each
    // the child pulumi-eks registers under its ManagedNodeGroup's name.
    const state = s.stacks.stateOf("dr");
    for (const urn of d.outOfBandUrns) {
      const group = state.find((r) => r.urn === urn);
      expect(group?.type, urn).to.equal("aws:eks/nodeGroup:NodeGroup");
      expect(state.find((r) => r.urn === group?.parent)).to.deep.include({ type: "eks:index:ManagedNodeGroup", name: group?.name });
    }
    expect(d.outOfBandUrns[0]).to.match(
      /^urn:pulumi:dr::eks-dr::eks-dr:index:RegionalSite\$eks-dr:index:NodeGroups\$eks:index:ManagedNodeGroup\$aws:eks\/nodeGroup:NodeGroup::dr-nodes-system$/,
    );
    // The world's node groups start at the sizes the program asked its ManagedNodeGroups for.
    for (const tier of ["system", "web", "app"] as const) {
      const asked = state.find((r) => r.type === "eks:index:ManagedNodeGroup" && r.name === `dr-nodes-${tier}`)!.inputs.scalingConfig as Record<string, number>;
      expect(s.world.site("dr").nodeGroups[tier], tier).to.include({ minSize: asked.minSize, desiredSize: asked.desiredSize, maxSize: asked.maxSize });
    }
    expect(state.find((r) => r.urn === d.promotionInstanceUrn)?.type).to.equal("aws:rds/clusterInstance:ClusterInstance");
    expect(state.find((r) => r.urn === d.dnsRecordUrn)?.type).to.equal("aws:route53/record:Record");
    // The world is named after the program's outputs.
    expect(d.nodeGroupNames.web).to.equal(s.world.site("dr").nodeGroups.web.name);
    expect(d.dbClusterArn).to.equal(s.world.site("dr").db.arn);
    expect(d.healthCheckId).to.equal(s.world.site("dr").healthCheck.id);
    expect(d.albHostname).to.equal(s.world.site("dr").albHostname);
    // Every resource is recorded with its provider's Region; the us-east-1 ones are the alarm's.
    const regions = new Set(state.filter((r) => r.type.startsWith("aws:")).map((r) => r.region));
    expect([...regions].sort()).to.deep.equal(["us-east-1", "us-west-2"]);
  });

  it("an up with nothing changed changes nothing: no diff against what the provider read back", async () => {
    const s = await sim();
    for (const stack of ["dr", "primary"]) {
      const r = await s.stacks.up(stack);
      expect(Object.keys(r.changes), stack).to.deep.equal(["same"]);
      expect(
        s.world.sideEffects().filter((c) => c.origin === `pulumi:${stack}`),
        stack,
      ).to.have.length(0);
    }
  });

  it("setConfig validates with the shared schema, all or nothing", async () => {
    const s = await sim();
    const err = await rejection(
      s.stacks.setConfig("dr", [
        { key: "role", value: "active" },
        { key: "database.readers.active", value: 0 },
      ]),
      "ConfigError",
    );
    expect((err as unknown as ConfigError).problems[0].key).to.equal("eks-dr:database.readers.active");
    expect((await s.stacks.readConfig("dr")).role).to.equal("standby");
    await s.stacks.setConfig("dr", [
      { key: "role", value: "active" },
      { key: "database.readers.standby", value: 0 },
    ]);
    const dr = await s.stacks.readConfig("dr");
    expect(dr.role).to.equal("active");
    expect(dr.database.readers).to.deep.equal({ active: 1, standby: 0 });
  });

  it("up fails at program start when the pair's config is inconsistent (two active sites)", async () => {
    const s = await sim();
    await s.stacks.setConfig("dr", [{ key: "role", value: "active" }]);
    const err = await rejection(s.stacks.up("dr"), "ConfigError");
    expect(err.message).to.match(/both sites are active/);
    expect(s.world.sideEffects().filter((c) => c.origin === "pulumi:dr" && c.api !== "pulumi:config-set")).to.have.length(0);
  });

  it("up applies what the program registers for the new roles: standby sizes, protection, instances, SECONDARY record; then active on the peer", async () => {
    const s = await sim();
    await plannedPromotion(s);
    await s.stacks.setConfig("primary", [{ key: "role", value: "standby" }]);
    await s.stacks.setConfig("dr", [{ key: "role", value: "active" }]);
    const lines: string[] = [];
    const t0 = s.clock.now();
    const r1 = await s.stacks.up("primary", { onOutput: (l) => lines.push(l) });
    expect(s.clock.now() - t0).to.be.within(30 * SEC, 5 * MIN);
    expect(r1.changes.update).to.be.greaterThan(0);
    expect(r1.changes.delete).to.be.greaterThan(0); // the replication, a reader, the extra NAT gateways
    const p = s.world.site("primary");
    expect(p.nodeGroups.web).to.include({ desiredSize: 0, readyNodes: 0 });
    expect(p.fs.protection).to.equal("DISABLED");
    expect(p.db.instanceCount).to.equal(1);
    expect(p.replicas).to.deep.equal({ web: 3, app: 3 }); // Pending: no web/app nodes left
    expect(lines[0]).to.equal("Updating (primary):");
    expect((await s.stacks.outputs("primary"))!).to.include({ role: "standby" });
    expect((await s.stacks.outputs("primary"))!.efsReplication).to.equal(undefined);

    await s.stacks.up("dr");
    const d = s.world.site("dr");
    expect(d.nodeGroups.web).to.include({ desiredSize: 3, readyNodes: 3, status: "ACTIVE" }); // the provider waited
    expect(d.fs.protection).to.equal("ENABLED");
    expect(d.db.instanceCount).to.equal(2); // the provider waited for the new instance
    expect(d.replicas).to.deep.equal({ web: 3, app: 3 });
    expect(s.world.replicationsNow()[0]).to.include({ sourceStack: "dr", destStack: "primary", status: "ENABLED" });
    expect(s.world.getFailoverRecords(ZONE, HOST).find((r) => r.failover === "PRIMARY")!.setIdentifier).to.equal("dr");
    expect((await s.stacks.outputs("dr"))!.efsReplication!.destinationFileSystemId).to.equal(p.fs.id);
    await until(s.clock, () => s.world.site("dr").serving, 5 * MIN, SEC);
  });

  it("rejects an up that would make a second PRIMARY record", async () => {
    const s = await sim();
    await s.cloud.rds.switchoverGlobalCluster("us-east-1", GLOBAL_CLUSTER_ID, s.world.site("dr").db.arn);
    await s.cloud.efs.deleteReplication("us-east-1", s.world.site("primary").fs.id, "ALL_CONFIGURATIONS");
    await until(s.clock, () => s.world.writer() === "dr" && s.world.replicationsNow().length === 0, 20 * MIN, 10 * SEC);
    await s.stacks.setConfig("primary", [{ key: "role", value: "standby" }]);
    await s.stacks.setConfig("dr", [
      { key: "role", value: "active" },
      { key: "replicateToPeer", value: false },
    ]);
    // No DNS swap and the old active's up not run: dr's record would be a second PRIMARY.
    const err = await rejection(s.stacks.up("dr"), "StackUpError");
    expect(err.message).to.match(/aws:route53\/record:Record dr-dns: InvalidChangeBatch/);
    expect((err as unknown as StackUpError).cause).to.have.property("name", "InvalidChangeBatch");
    expect((await s.stacks.outputs("dr"))!.role).to.equal("standby"); // outputs only change on success
    // Other resources of that up were applied (Pulumi does not roll back).
    expect(s.world.site("dr").nodeGroups.web.desiredSize).to.equal(3);
  });

  it("target creates only the promotion instance of a headless standby", async () => {
    const s = await sim({ configs: headless() });
    const out = (await s.stacks.outputs("dr"))!;
    expect(s.stacks.stateOf("dr").some((r) => r.urn === out.promotionInstanceUrn)).to.equal(false);
    await s.stacks.setConfig("dr", [{ key: "database.readers.standby", value: 1 }]);
    const t0 = s.clock.now();
    const r = await s.stacks.up("dr", { target: [out.promotionInstanceUrn] });
    expect(r.changes).to.include({ create: 1 });
    expect(s.clock.now() - t0).to.be.within(5 * MIN, 15 * MIN + 5 * MIN); // instance creation, waited for
    expect(s.world.site("dr").db.instanceCount).to.equal(1);
    expect(
      s.world
        .sideEffects()
        .filter((c) => c.origin === "pulumi:dr")
        .map((c) => c.api),
    ).to.deep.equal(["pulumi:config-set", "CreateDBInstance"]);
  });

  it("refuses an empty target list, as the real adapter does (the CLI would update every resource)", async () => {
    const s = await sim();
    const err = await rejection(s.stacks.up("dr", { target: [] }));
    expect(err.message).to.match(/empty target list/);
    expect(s.world.calls({ origin: "pulumi:dr" })).to.have.length(0);
  });

  it("fails an up whose target is neither in the state nor in the program, as Pulumi does", async () => {
    const s = await sim(); // dr has a reader: instance 0 exists, instance 5 is in neither
    const instance0 = (await s.stacks.outputs("dr"))!.promotionInstanceUrn;
    const ghost = instance0.replace(/-0$/, "-5");
    const err = await rejection(s.stacks.up("dr", { target: [ghost] }), "StackUpError");
    expect(err.message).to.include(`Target '${ghost}' could not be found in the stack`);
    // A target the program registers (instance 0, already in the state) is fine.
    await s.stacks.up("dr", { target: [instance0] });
  });

  it("fails a targeted up whose target depends on an untargeted create, before changing anything", async () => {
    const s = await sim();
    await s.stacks.setConfig("dr", [
      { key: "role", value: "active" },
      { key: "replicateToPeer", value: false },
    ]);
    await s.stacks.setConfig("primary", [{ key: "role", value: "standby" }]);
    // As active, dr gets NAT gateways in every AZ (awsx OnePerAz): target the second AZ's private
    // route, which then points at a gateway not created yet, without creating the gateway.
    const state = s.stacks.stateOf("dr");
    const route = state.find((r) => r.type === "aws:ec2/route:Route" && r.name === "dr-network-private-2")!;
    const err = await rejection(s.stacks.up("dr", { target: [route.urn] }), "StackUpError");
    expect(err.message).to.match(/depends on '.*aws:ec2\/natGateway:NatGateway::dr-network-2' which was was not specified in --target list/);
    expect(s.world.sideEffects().filter((c) => c.origin === "pulumi:dr" && c.api !== "pulumi:config-set")).to.have.length(0);
  });

  it("fails a refresh of a URN that is not in the state, before refreshing or changing anything", async () => {
    const s = await sim();
    const web = urnOf(s, "dr", "aws:eks/nodeGroup:NodeGroup", "-web");
    const ghost = web.replace(/-web$/, "-gpu");
    const err = await rejection(s.stacks.up("dr", { refreshTargets: [ghost, web] }), "StackUpError");
    expect(err.message).to.include(`Resource to refresh '${ghost}' could not be found in the stack`);
    expect(s.world.sideEffects().filter((c) => c.origin === "pulumi:dr")).to.have.length(0);
  });

  it("refreshes exactly refreshTargets: out-of-band node sizes are not applied again", async () => {
    const s = await sim();
    const out = (await s.stacks.outputs("dr"))!;
    await plannedPromotion(s);
    for (const ng of ["web", "app"])
      await s.cloud.eks.scaleNodeGroup("us-west-2", out.clusterName, out.nodeGroupNames[ng as "web"], { minSize: 2, desiredSize: 3, maxSize: 6 });
    await until(s.clock, () => s.world.site("dr").nodeGroups.app.readyNodes === 3, 10 * MIN, 10 * SEC);
    await s.stacks.setConfig("primary", [{ key: "role", value: "standby" }]);
    await s.stacks.setConfig("dr", [
      { key: "role", value: "active" },
      { key: "replicateToPeer", value: false },
    ]);
    await s.stacks.up("primary");
    await s.stacks.up("dr", { refreshTargets: out.outOfBandUrns });
    expect(s.world.sideEffects("UpdateNodegroupConfig").filter((c) => c.origin === "pulumi:dr")).to.have.length(0);
    expect(s.world.sideEffects("CreateDBInstance").filter((c) => c.origin === "pulumi:dr")).to.have.length(1); // the active role's reader
  });

  it("without refresh, Pulumi diffs against its state and applies the sizes again", async () => {
    const s = await sim();
    const out = (await s.stacks.outputs("dr"))!;
    const web = urnOf(s, "dr", "aws:eks/nodeGroup:NodeGroup", "-web");
    await s.cloud.eks.scaleNodeGroup("us-west-2", out.clusterName, out.nodeGroupNames.web, { minSize: 1, desiredSize: 1, maxSize: 6 });
    await until(s.clock, () => s.world.site("dr").nodeGroups.web.readyNodes === 1, 10 * MIN, 10 * SEC);
    await s.stacks.up("dr"); // state says 0/0/6 = desired: no diff, the drift stays
    expect(s.world.site("dr").nodeGroups.web.desiredSize).to.equal(1);
    await s.stacks.up("dr", { refreshTargets: [web] }); // refreshed: 1/1/6 != 0/0/6
    expect(s.world.site("dr").nodeGroups.web.desiredSize).to.equal(0);
  });

  it("refreshing a replication destination's file system fails (pulumi-aws#6041)", async () => {
    const s = await sim();
    const fs = urnOf(s, "dr", "aws:efs/fileSystem:FileSystem");
    const err = await rejection(s.stacks.up("dr", { refreshTargets: [fs] }), "StackUpError");
    expect(err.message).to.match(/REPLICATING.*6041/);
  });

  it("exclude leaves a resource out (the DNS record when Route 53's control plane is down)", async () => {
    const s = await sim();
    s.faults.impairRegion("primary");
    await s.cloud.rds.failoverGlobalCluster("us-west-2", GLOBAL_CLUSTER_ID, s.world.site("dr").db.arn);
    await s.cloud.efs.deleteReplication("us-west-2", s.world.site("primary").fs.id, "LOCAL_CONFIGURATION_ONLY");
    await until(s.clock, () => s.world.writer() === "dr" && s.world.site("dr").fs.writable, 20 * MIN, 10 * SEC);
    await s.stacks.setConfig("primary", [{ key: "role", value: "standby" }]);
    await s.stacks.setConfig("dr", [
      { key: "role", value: "active" },
      { key: "replicateToPeer", value: false },
      { key: "impairedRegions", value: ["us-east-1"] },
    ]);
    const out = (await s.stacks.outputs("dr"))!;
    await s.stacks.up("dr", { exclude: [out.dnsRecordUrn!], refreshTargets: out.outOfBandUrns });
    expect(s.world.getFailoverRecords(ZONE, HOST).find((r) => r.setIdentifier === "dr")!.failover).to.equal("SECONDARY");
    await until(s.clock, () => s.world.dns().clients === "dr" && s.world.userView().up, 30 * MIN, 10 * SEC);
  });

  it("an up that reaches an impaired Region fails after a bounded time", async () => {
    const s = await sim({ unreachableUpFailAfterMs: 4 * MIN });
    s.faults.impairRegion("primary");
    await s.stacks.setConfig("primary", [{ key: "quiesced", value: true }]);
    const t0 = s.clock.now();
    const err = await rejection(s.stacks.up("primary"), "StackUpError");
    expect(err.message).to.match(/did not answer within 240 s/);
    expect(s.clock.now() - t0).to.be.within(4 * MIN, 4 * MIN + 5 * MIN);
  });

  it("refuses a second concurrent up of the same stack", async () => {
    const s = await sim();
    const first = s.stacks.up("dr");
    const err = await rejection(s.stacks.up("dr"), "StackUpError");
    expect(err.message).to.match(/409/);
    await first;
  });

  it("keeps its shared state as plain JSON data, so a driver process can be resumed from a copy", async () => {
    const s = await sim();
    const copy = JSON.parse(JSON.stringify(s.stacks.shared));
    expect(copy).to.deep.equal(s.stacks.shared);
  });
});
