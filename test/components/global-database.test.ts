import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { GlobalDatabase, type GlobalDatabaseArgs } from "../../components/global-database";
import type { DatabaseConfig, Role } from "../../stacks/config";
import { dbInstanceCount } from "../../stacks/roles";
import { componentChildren, evaluateComponent } from "../harness/component";
import type { MockCloud } from "../../automation/sim/program/mock-cloud";
import { recordResourceOptions } from "../../automation/sim/program/resource-options";

/**
 * Inputs of the provider resources that force replacement (`ForceNew` in the schema), from
 * hashicorp/terraform-provider-aws, the provider @pulumi/aws bridges:
 * - aws_rds_cluster: internal/service/rds/cluster.go (schema of resourceCluster, incl. CustomizeDiff:
 *   storage_type forces replacement for non-Aurora engines only).
 * - aws_rds_global_cluster: internal/service/rds/global_cluster.go (schema of resourceGlobalCluster).
 * - aws_rds_cluster_instance: internal/service/rds/cluster_instance.go.
 */
const CLUSTER_REPLACE_ON = [
  "availabilityZones",
  "clusterIdentifier",
  "clusterIdentifierPrefix",
  "clusterScalabilityType",
  "databaseName",
  "dbSubnetGroupName",
  "dbSystemId",
  "engine",
  "engineMode",
  "kmsKeyId",
  "masterUsername",
  "restoreToPointInTime",
  "s3Import",
  "snapshotIdentifier",
  "sourceRegion",
  "storageEncrypted",
  "storageType",
];
const GLOBAL_CLUSTER_REPLACE_ON = ["databaseName", "engine", "globalClusterIdentifier", "sourceDbClusterIdentifier", "storageEncrypted"];
const INSTANCE_REPLACE_ON = [
  "availabilityZone",
  "clusterIdentifier",
  "customIamInstanceProfile",
  "dbSubnetGroupName",
  "engine",
  "identifier",
  "identifierPrefix",
];

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const unwrap = (v: any): any => (v && typeof v === "object" && SECRET_SIG in v ? v.value : v);
const resolve = <T>(o: pulumi.Output<T> | undefined): Promise<T | undefined> =>
  o === undefined ? Promise.resolve(undefined) : new Promise((ok) => o.apply((v) => ok(v)));

const DATABASE: DatabaseConfig = {
  engineVersion: "8.0.mysql_aurora.3.08.2",
  instanceClass: "db.r6g.large",
  databaseName: "app",
  masterUsername: "dbadmin",
  readers: { active: 2, standby: 1 },
  backupRetentionDays: 14,
};
const keyIn = (region: string) => `arn:aws:kms:${region}:123456789012:key/mrk-0123456789abcdef0123456789abcdef`;

interface Site {
  owner: boolean;
  role: Role;
  region: string;
  readers?: DatabaseConfig["readers"];
  globalClusterIdentifier?: string | undefined;
}

async function evaluate(site: Site) {
  const { options, transformation } = recordResourceOptions();
  const args = (region: string): GlobalDatabaseArgs => ({
    ownsGlobalResources: site.owner,
    instances: dbInstanceCount(site.role, { readers: site.readers ?? DATABASE.readers }),
    globalClusterIdentifier: "globalClusterIdentifier" in site ? site.globalClusterIdentifier : "eks-dr-global",
    clusterIdentifier: site.owner ? "eks-dr-primary" : "eks-dr-dr",
    database: { ...DATABASE, readers: site.readers ?? DATABASE.readers },
    masterPassword: site.owner ? pulumi.secret("s3cret-Passw0rd!") : undefined,
    kmsKeyArn: keyIn(region),
    vpcId: `vpc-${region}`,
    privateSubnetIds: [`subnet-${region}-a`, `subnet-${region}-b`, `subnet-${region}-c`],
    availabilityZones: [`${region}a`, `${region}b`, `${region}c`],
    appSecurityGroupId: `sg-app-${region}`,
  });
  const result = await evaluateComponent((ctx) => new GlobalDatabase("db", args(ctx.region), { providers: [ctx.aws], transformations: [transformation] }), {
    region: site.region,
  });
  return { ...result, options };
}

const pick = (inputs: Record<string, any>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, unwrap(inputs[k])]));

function expectChildrenInRegion(cloud: MockCloud, region: string): void {
  const children = componentChildren(cloud).filter((r) => r.type !== "eks-dr:index:GlobalDatabase");
  expect(children.length).to.be.greaterThan(3);
  for (const r of children) {
    expect(r.region, r.name).to.equal(region);
    expect(r.urn, r.name).to.contain("eks-dr:index:GlobalDatabase$");
  }
}

describe("GlobalDatabase", () => {
  it("on the owner creates exactly one global cluster and a writer cluster with credentials, all encrypted and protected", async () => {
    const { cloud, value, options } = await evaluate({ owner: true, role: "active", region: "eu-west-3" });

    const global = cloud.one("aws:rds/globalCluster:GlobalCluster");
    expect(global.inputs).to.include({
      globalClusterIdentifier: "eks-dr-global",
      engine: "aurora-mysql",
      engineVersion: DATABASE.engineVersion,
      storageEncrypted: true,
      deletionProtection: true,
    });
    expect(global.inputs.sourceDbClusterIdentifier, "created empty: no source cluster to read differently later").to.equal(undefined);
    expect(options.get("aws:rds/globalCluster:GlobalCluster::db")).to.deep.include({ protect: true, ignoreChanges: [] });

    const cluster = cloud.one("aws:rds/cluster:Cluster");
    expect(cluster.inputs).to.include({
      clusterIdentifier: "eks-dr-primary",
      globalClusterIdentifier: "eks-dr-global",
      engine: "aurora-mysql",
      masterUsername: "dbadmin",
      databaseName: "app",
      storageEncrypted: true,
      kmsKeyId: keyIn("eu-west-3"),
      deletionProtection: true,
      backupRetentionPeriod: 14,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: "eks-dr-primary-final",
      deleteAutomatedBackups: false,
      copyTagsToSnapshot: true,
    });
    expect(unwrap(cluster.inputs.masterPassword)).to.equal("s3cret-Passw0rd!");
    expect(cluster.inputs.manageMasterUserPassword, "not supported in a global database (decision 2)").to.equal(undefined);
    expect(cluster.inputs.enabledCloudwatchLogsExports).to.deep.equal(["audit", "error", "slowquery"]);
    expect(options.get("aws:rds/cluster:Cluster::db")).to.deep.include({
      protect: true,
      ignoreChanges: ["replicationSourceIdentifier", "globalClusterIdentifier", "engineVersion"],
    });

    // Exports land in log groups created first, with retention and the site key.
    for (const type of ["audit", "error", "slowquery"]) {
      const group = cloud.one("aws:cloudwatch/logGroup:LogGroup", `db-${type}`);
      expect(group.inputs).to.include({ name: `/aws/rds/cluster/eks-dr-primary/${type}`, kmsKeyId: keyIn("eu-west-3"), retentionInDays: 30 });
    }
    // ...and are not empty: audit is a cluster parameter, the slow query log an instance one.
    const clusterParams = cloud.one("aws:rds/clusterParameterGroup:ClusterParameterGroup");
    expect(clusterParams.inputs.family).to.equal("aurora-mysql8.0");
    expect(cluster.inputs.dbClusterParameterGroupName).to.equal(clusterParams.inputs.name);
    expect(clusterParams.inputs.parameters.map((p: any) => `${p.name}=${p.value}`)).to.include("server_audit_logging=1");
    const instanceParams = cloud.one("aws:rds/parameterGroup:ParameterGroup");
    expect(instanceParams.inputs.family).to.equal("aurora-mysql8.0");
    expect(instanceParams.inputs.parameters.map((p: any) => `${p.name}=${p.value}`)).to.include.members(["slow_query_log=1", "log_output=FILE"]);
    for (const instance of cloud.ofType("aws:rds/clusterInstance:ClusterInstance")) {
      expect(instance.inputs.dbParameterGroupName, instance.name).to.equal(instanceParams.inputs.name);
    }

    expect(await resolve(value.globalClusterIdentifier)).to.equal("eks-dr-global");
    expect(await resolve(value.clusterIdentifier)).to.equal("eks-dr-primary");
    expect(await resolve(value.clusterArn)).to.equal(cluster.state.arn);
    expect(await resolve(value.writerEndpoint)).to.equal(cluster.state.endpoint);
    expect(await resolve(value.readerEndpoint)).to.equal(cluster.state.readerEndpoint);
    expect(value.hasCluster).to.equal(true);
    expectChildrenInRegion(cloud, "eu-west-3");
  });

  it("on the other site joins the global cluster it was given, without credentials, with its own Region's key", async () => {
    const { cloud, value, options } = await evaluate({ owner: false, role: "standby", region: "us-west-2", globalClusterIdentifier: "pair-global-7" });
    expect(cloud.ofType("aws:rds/globalCluster:GlobalCluster")).to.have.length(0);
    const cluster = cloud.one("aws:rds/cluster:Cluster");
    expect(cluster.inputs).to.include({
      clusterIdentifier: "eks-dr-dr",
      globalClusterIdentifier: "pair-global-7",
      engine: "aurora-mysql",
      engineVersion: DATABASE.engineVersion,
      storageEncrypted: true,
      kmsKeyId: keyIn("us-west-2"),
      deletionProtection: true,
      backupRetentionPeriod: 14,
    });
    for (const credential of ["masterUsername", "masterPassword", "databaseName", "manageMasterUserPassword", "replicationSourceIdentifier"]) {
      expect(cluster.inputs[credential], credential).to.equal(undefined);
    }
    expect(options.get("aws:rds/cluster:Cluster::db")?.protect).to.equal(true);
    expect(value.globalClusterIdentifier).to.equal(undefined);
    expect(await resolve(value.clusterIdentifier)).to.equal("eks-dr-dr");
    expectChildrenInRegion(cloud, "us-west-2");
  });

  const counts: [string, Site, number][] = [
    ["owner active: writer + readers.active", { owner: true, role: "active", region: "eu-west-3" }, 3],
    ["owner standby: readers.standby", { owner: true, role: "standby", region: "eu-west-3" }, 1],
    ["secondary active: writer + readers.active", { owner: false, role: "active", region: "eu-central-1" }, 3],
    ["secondary standby: readers.standby", { owner: false, role: "standby", region: "eu-central-1", readers: { active: 1, standby: 2 } }, 2],
    ["headless standby: no instance", { owner: false, role: "standby", region: "eu-central-1", readers: { active: 1, standby: 0 } }, 0],
  ];
  for (const [label, site, expected] of counts) {
    it(`runs ${expected} instance(s), spread over AZs with stable identifiers (${label})`, async () => {
      const { cloud, value, options } = await evaluate(site);
      const instances = cloud.ofType("aws:rds/clusterInstance:ClusterInstance");
      expect(instances.map((i) => i.name)).to.deep.equal(Array.from({ length: expected }, (_, i) => `db-${i}`));
      const ident = site.owner ? "eks-dr-primary" : "eks-dr-dr";
      instances.forEach((inst, i) => {
        expect(inst.inputs).to.include({
          identifier: `${ident}-${i}`,
          clusterIdentifier: ident,
          instanceClass: "db.r6g.large",
          engine: "aurora-mysql",
          dbSubnetGroupName: ident,
          availabilityZone: `${site.region}${"abc"[i % 3]}`,
          publiclyAccessible: false,
          promotionTier: i === 0 ? 0 : 1,
        });
        expect(inst.inputs.engineVersion, "follows the cluster").to.equal(undefined);
        expect(options.get(`aws:rds/clusterInstance:ClusterInstance::db-${i}`)?.protect, "readers must be removable").to.equal(false);
      });
      expect(value.instanceCount).to.equal(expected);
    });
  }

  it("exposes the URN of instance 0 even when it does not exist, equal to the URN it gets once created (decision 7)", async () => {
    const headless = await evaluate({ owner: false, role: "standby", region: "eu-central-1", readers: { active: 1, standby: 0 } });
    expect(headless.cloud.ofType("aws:rds/clusterInstance:ClusterInstance")).to.have.length(0);
    const urn = await resolve(headless.value.promotionInstanceUrn);

    const warm = await evaluate({ owner: false, role: "standby", region: "eu-central-1", readers: { active: 1, standby: 1 } });
    const instance0 = warm.cloud.one("aws:rds/clusterInstance:ClusterInstance", "db-0");
    expect(instance0.urn).to.match(/^urn:pulumi:/);
    expect(urn).to.equal(instance0.urn);
    expect(await resolve(warm.value.promotionInstanceUrn)).to.equal(instance0.urn);
  });

  it("keeps instances removable under a protected component (children inherit protect)", async () => {
    const { options, transformation } = recordResourceOptions();
    await evaluateComponent(
      (ctx) =>
        new GlobalDatabase(
          "db",
          {
            ownsGlobalResources: false,
            instances: 2,
            globalClusterIdentifier: "eks-dr-global",
            clusterIdentifier: "eks-dr-dr",
            database: DATABASE,
            kmsKeyArn: keyIn("eu-west-3"),
            vpcId: "vpc-1",
            privateSubnetIds: ["subnet-1"],
            availabilityZones: ["eu-west-3a"],
            appSecurityGroupId: "sg-app",
          },
          { providers: [ctx.aws], protect: true, transformations: [transformation] },
        ),
    );
    expect(options.get("aws:rds/clusterInstance:ClusterInstance::db-0")?.protect).to.equal(false);
    expect(options.get("aws:rds/cluster:Cluster::db")?.protect).to.equal(true);
  });

  it("admits MySQL only from the app-tier security group", async () => {
    const { cloud, value } = await evaluate({ owner: true, role: "active", region: "eu-west-3" });
    const sg = cloud.one("aws:ec2/securityGroup:SecurityGroup");
    expect(sg.inputs.vpcId).to.equal("vpc-eu-west-3");
    expect(sg.inputs.ingress ?? [], "no inline rules").to.deep.equal([]);
    expect(sg.inputs.egress ?? [], "no inline rules").to.deep.equal([]);
    const rules = cloud.resources.filter((r) => /securityGroup(Ingress|Egress)?Rule/.test(r.type));
    expect(rules, "exactly one rule in the database's security group").to.have.length(1);
    expect(rules[0].type).to.equal("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    expect(rules[0].inputs).to.include({
      securityGroupId: sg.id,
      referencedSecurityGroupId: "sg-app-eu-west-3",
      ipProtocol: "tcp",
      fromPort: 3306,
      toPort: 3306,
    });
    for (const wide of ["cidrIpv4", "cidrIpv6", "prefixListId"]) expect(rules[0].inputs[wide], wide).to.equal(undefined);
    expect(cloud.one("aws:rds/cluster:Cluster").inputs.vpcSecurityGroupIds).to.deep.equal([sg.id]);
    expect(await resolve(value.securityGroupId)).to.equal(sg.id);
  });

  it("keeps identifiers and every replacement-forcing input when roles swap", async () => {
    const swaps: [string, Site, Site][] = [
      ["owner active -> standby", { owner: true, role: "active", region: "eu-west-3" }, { owner: true, role: "standby", region: "eu-west-3" }],
      ["secondary standby -> active", { owner: false, role: "standby", region: "us-west-2" }, { owner: false, role: "active", region: "us-west-2" }],
    ];
    for (const [label, before, after] of swaps) {
      const a = await evaluate(before);
      const b = await evaluate(after);
      const clusterA = a.cloud.one("aws:rds/cluster:Cluster");
      const clusterB = b.cloud.one("aws:rds/cluster:Cluster");
      // Not vacuous: the inputs that identify and encrypt the cluster are set.
      for (const k of ["clusterIdentifier", "engine", "dbSubnetGroupName", "kmsKeyId", "storageEncrypted"]) {
        expect(clusterA.inputs[k], `${label}: ${k} set`).not.to.equal(undefined);
      }
      expect(pick(clusterB.inputs, CLUSTER_REPLACE_ON), label).to.deep.equal(pick(clusterA.inputs, CLUSTER_REPLACE_ON));
      // Stronger: nothing about the cluster depends on the role.
      expect(JSON.stringify(clusterB.inputs), `${label}: cluster inputs`).to.equal(JSON.stringify(clusterA.inputs));
      expect(clusterB.urn, `${label}: same resource`).to.equal(clusterA.urn);
      expect(await resolve(b.value.clusterIdentifier)).to.equal(await resolve(a.value.clusterIdentifier));

      const globals = [a, b].map((e) => e.cloud.ofType("aws:rds/globalCluster:GlobalCluster"));
      expect(globals[1].length, label).to.equal(globals[0].length);
      if (globals[0].length === 1) {
        expect(pick(globals[0][0].inputs, ["globalClusterIdentifier", "engine", "storageEncrypted"])).to.deep.equal({
          globalClusterIdentifier: "eks-dr-global",
          engine: "aurora-mysql",
          storageEncrypted: true,
        });
        expect(pick(globals[1][0].inputs, GLOBAL_CLUSTER_REPLACE_ON), label).to.deep.equal(pick(globals[0][0].inputs, GLOBAL_CLUSTER_REPLACE_ON));
      }

      // Instance 0 exists in both roles here (readers.standby = 1) and is the same instance.
      const i0a = a.cloud.one("aws:rds/clusterInstance:ClusterInstance", "db-0");
      const i0b = b.cloud.one("aws:rds/clusterInstance:ClusterInstance", "db-0");
      expect(pick(i0b.inputs, INSTANCE_REPLACE_ON), `${label}: instance 0`).to.deep.equal(pick(i0a.inputs, INSTANCE_REPLACE_ON));
      for (const e of [a, b]) expect(await resolve(e.value.promotionInstanceUrn)).to.equal(i0a.urn);
    }
  });

  it("creates no cluster on the other site until the global cluster id is known", async () => {
    const { cloud, value } = await evaluate({ owner: false, role: "standby", region: "eu-central-1", globalClusterIdentifier: undefined });
    for (const type of ["aws:rds/cluster:Cluster", "aws:rds/globalCluster:GlobalCluster", "aws:rds/clusterInstance:ClusterInstance"]) {
      expect(cloud.ofType(type), type).to.have.length(0);
    }
    expect(value.hasCluster).to.equal(false);
    for (const key of ["clusterIdentifier", "clusterArn", "writerEndpoint", "readerEndpoint", "promotionInstanceUrn", "globalClusterIdentifier"] as const) {
      expect(value[key], key).to.equal(undefined);
    }
    expect(cloud.ofType("aws:ec2/securityGroup:SecurityGroup")).to.have.length(1);
  });

  it("rejects identifiers RDS would refuse, credentials on the wrong site and a negative instance count", async () => {
    const base: GlobalDatabaseArgs = {
      ownsGlobalResources: true,
      instances: 2,
      globalClusterIdentifier: "eks-dr-global",
      clusterIdentifier: "eks-dr-primary",
      database: DATABASE,
      masterPassword: "x",
      kmsKeyArn: keyIn("eu-west-3"),
      vpcId: "vpc-1",
      privateSubnetIds: ["subnet-1"],
      availabilityZones: ["eu-west-3a"],
      appSecurityGroupId: "sg-app",
    };
    const cases: [Partial<GlobalDatabaseArgs>, RegExp][] = [
      [{ clusterIdentifier: "Eks_DR" }, /clusterIdentifier "Eks_DR"/],
      [{ clusterIdentifier: "eks--dr" }, /clusterIdentifier/],
      [{ masterPassword: undefined }, /needs globalClusterIdentifier and masterPassword/],
      [{ ownsGlobalResources: false }, /do not pass masterPassword/],
      [{ database: { ...DATABASE, engineVersion: "8.0.32" } }, /engineVersion/],
      [{ instances: -1 }, /instances must be a whole number >= 0, got -1/],
    ];
    for (const [override, message] of cases) {
      let error: unknown;
      try {
        await evaluateComponent((ctx) => new GlobalDatabase("db", { ...base, ...override }, { providers: [ctx.aws] }));
      } catch (e) {
        error = e;
      }
      expect((error as Error)?.message, JSON.stringify(override)).to.match(message);
    }
  });
});
