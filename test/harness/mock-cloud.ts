/**
 * Pulumi mocks that behave like a small AWS account: every registration is recorded with the
 * Region of the provider it went through, and resources get the computed outputs AWS would
 * return (ids, ARNs, endpoints), derived from their name and Region so nothing is constant.
 */
import type * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";

export const ACCOUNT_ID = "123456789012";

export interface RecordedResource {
  type: string;
  name: string;
  /** Filled by `attachUrns` after evaluation; its type chain shows the parents. */
  urn: string;
  id: string;
  inputs: Record<string, any>;
  /** Inputs plus computed outputs, as returned to the program. */
  state: Record<string, any>;
  /** Provider reference (`urn::id`) the resource was registered with, if any. */
  provider?: string;
  /** Region of that provider (for aws resources), else undefined. */
  region?: string;
  custom: boolean;
}

export interface RecordedCall {
  token: string;
  inputs: Record<string, any>;
  provider?: string;
  region?: string;
}

/** Outputs of peer stacks served to StackReferences, keyed by the referenced stack's short name. */
export type StackOutputs = Record<string, Record<string, unknown>>;

/** The mocks receive secrets as `{ <sig>: <secret marker>, value }`. */
function unwrapSecret(value: unknown): unknown {
  return typeof value === "object" && value !== null && "value" in value ? (value as { value: unknown }).value : value;
}

const shortHash = (...parts: string[]): string => createHash("sha256").update(parts.join("/")).digest("hex").slice(0, 17);

export class MockCloud implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];
  readonly calls: RecordedCall[] = [];
  private readonly providerRegions = new Map<string, string>();

  constructor(private readonly stackOutputs: StackOutputs = {}) {}

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, any> } {
    const inputs = args.inputs ?? {};
    if (args.type === "pulumi:pulumi:StackReference") {
      const shortName = String(inputs.name).split("/").pop() as string;
      const outputs = this.stackOutputs[shortName] ?? {};
      const state = { name: inputs.name, outputs, secretOutputNames: [] as string[] };
      this.record(args, inputs.name, state);
      return { id: inputs.name, state };
    }
    const region = this.regionOf(args.provider) ?? (args.type === "pulumi:providers:aws" ? inputs.region : undefined);
    const id = args.id && args.id !== "" ? args.id : this.idFor(args.type, args.name, region);
    // Providers are referenced as `urn::id`; ids here are unique, so the id alone finds the Region.
    if (args.type === "pulumi:providers:aws" && inputs.region) this.providerRegions.set(id, inputs.region);
    // A Kubernetes provider's Region is its cluster's: the kubeconfig's `aws eks get-token --region`.
    const kubeconfig = unwrapSecret(inputs.kubeconfig);
    const kubeRegion = args.type === "pulumi:providers:kubernetes" ? /"--region",\s*"([a-z0-9-]+)"/.exec(String(kubeconfig ?? ""))?.[1] : undefined;
    if (kubeRegion) this.providerRegions.set(id, kubeRegion);
    const state = { ...inputs, ...computedOutputs(args.type, args.name, id, region ?? "us-east-1", inputs) };
    this.record(args, id, state, region);
    return { id, state };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
    const region = this.regionOf(args.provider);
    this.calls.push({ token: args.token, inputs: args.inputs, provider: args.provider, region });
    return invokeResult(args.token, args.inputs, region ?? "us-east-1");
  }

  /** Resources of one type, in registration order. */
  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  /** The single resource of a type; fails loudly when there are zero or several. */
  one(type: string, name?: string): RecordedResource {
    const found = this.ofType(type).filter((r) => name === undefined || r.name === name || r.name.endsWith(name));
    if (found.length !== 1) {
      throw new Error(`expected exactly one ${type}${name ? ` named ${name}` : ""}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`);
    }
    return found[0];
  }

  private regionOf(provider: string | undefined): string | undefined {
    if (!provider) return undefined;
    return this.providerRegions.get(provider.slice(provider.lastIndexOf("::") + 2));
  }

  /**
   * Fills in URNs (which carry the parent chain) from the mock monitor's registry, since
   * `newResource` is not told them. Call once every registration has been answered.
   */
  attachUrns(registeredUrns: Iterable<string>): void {
    const byKey = new Map<string, string[]>();
    for (const urn of registeredUrns) {
      const name = urn.slice(urn.lastIndexOf("::") + 2);
      const typeChain = urn.slice(0, urn.lastIndexOf("::")).split("::").pop() as string;
      const type = typeChain.split("$").pop() as string;
      const key = `${type}::${name}`;
      byKey.set(key, [...(byKey.get(key) ?? []), urn]);
    }
    for (const r of this.resources) {
      const urns = byKey.get(`${r.type}::${r.name}`) ?? [];
      if (urns.length === 1) r.urn = urns[0];
    }
  }

  private record(args: pulumi.runtime.MockResourceArgs, id: string, state: Record<string, any>, region?: string): void {
    this.resources.push({
      type: args.type,
      name: args.name,
      urn: "",
      id,
      inputs: args.inputs ?? {},
      state,
      provider: args.provider,
      region,
      custom: args.custom ?? true,
    });
  }

  private idFor(type: string, name: string, region: string | undefined): string {
    const h = shortHash(type, name, region ?? "");
    const prefix = ID_PREFIXES[type];
    return prefix ? `${prefix}-${h}` : `${name}-${h.slice(0, 8)}`;
  }
}

/** AWS-style id prefixes, so tests can tell ids apart from names. */
const ID_PREFIXES: Record<string, string> = {
  "aws:ec2/vpc:Vpc": "vpc",
  "aws:ec2/subnet:Subnet": "subnet",
  "aws:ec2/internetGateway:InternetGateway": "igw",
  "aws:ec2/natGateway:NatGateway": "nat",
  "aws:ec2/eip:Eip": "eipalloc",
  "aws:ec2/routeTable:RouteTable": "rtb",
  "aws:ec2/securityGroup:SecurityGroup": "sg",
  "aws:ec2/launchTemplate:LaunchTemplate": "lt",
  "aws:efs/fileSystem:FileSystem": "fs",
  "aws:efs/mountTarget:MountTarget": "fsmt",
  "aws:efs/accessPoint:AccessPoint": "fsap",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr",
  "aws:route53/healthCheck:HealthCheck": "hc",
};

function arn(service: string, region: string, resource: string): string {
  return `arn:aws:${service}:${region}:${ACCOUNT_ID}:${resource}`;
}

/** Computed outputs per resource type: what AWS (or a component's provider) fills in. */
function computedOutputs(type: string, name: string, id: string, region: string, inputs: Record<string, any>): Record<string, any> {
  switch (type) {
    case "aws:eks/cluster:Cluster": {
      const clusterName = inputs.name ?? name;
      return {
        name: clusterName,
        arn: arn("eks", region, `cluster/${clusterName}`),
        endpoint: `https://${shortHash(clusterName, region).toUpperCase()}.gr7.${region}.eks.amazonaws.com`,
        certificateAuthority: { data: Buffer.from(`ca-of-${clusterName}`).toString("base64") },
        vpcConfig: { ...(inputs.vpcConfig ?? {}), clusterSecurityGroupId: `sg-cluster-${shortHash(clusterName)}`, vpcId: "vpc-from-subnets" },
        identities: [{ oidcs: [{ issuer: `https://oidc.eks.${region}.amazonaws.com/id/${shortHash(clusterName, "oidc").toUpperCase()}` }] }],
        status: "ACTIVE",
      };
    }
    case "aws:eks/nodeGroup:NodeGroup":
      return { arn: arn("eks", region, `nodegroup/${inputs.clusterName}/${inputs.nodeGroupName ?? name}/x`), nodeGroupName: inputs.nodeGroupName ?? name, status: "ACTIVE" };
    case "aws:ec2/launchTemplate:LaunchTemplate":
      return { arn: arn("ec2", region, `launch-template/${id}`), latestVersion: 1, defaultVersion: 1 };
    case "aws:efs/fileSystem:FileSystem":
      return { arn: arn("elasticfilesystem", region, `file-system/${id}`), dnsName: `${id}.efs.${region}.amazonaws.com` };
    case "aws:efs/accessPoint:AccessPoint":
      return { arn: arn("elasticfilesystem", region, `access-point/${id}`) };
    case "aws:kms/key:Key":
    case "aws:kms/replicaKey:ReplicaKey": {
      // Multi-Region key ids are "mrk-" and 32 hex digits.
      const keyId = `mrk-${createHash("sha256").update(`${name}/${region}`).digest("hex").slice(0, 32)}`;
      return { keyId, arn: arn("kms", region, `key/${keyId}`) };
    }
    case "aws:rds/globalCluster:GlobalCluster":
      return { arn: `arn:aws:rds::${ACCOUNT_ID}:global-cluster:${inputs.globalClusterIdentifier ?? name}`, globalClusterResourceId: `cluster-${shortHash(name)}` };
    case "aws:rds/cluster:Cluster": {
      const ident = inputs.clusterIdentifier ?? name;
      const h = shortHash(ident, region).slice(0, 12);
      return {
        clusterIdentifier: ident,
        arn: arn("rds", region, `cluster:${ident}`),
        endpoint: `${ident}.cluster-${h}.${region}.rds.amazonaws.com`,
        readerEndpoint: `${ident}.cluster-ro-${h}.${region}.rds.amazonaws.com`,
        clusterResourceId: `cluster-${h}`,
      };
    }
    case "aws:rds/clusterInstance:ClusterInstance":
      return { identifier: inputs.identifier ?? name, arn: arn("rds", region, `db:${inputs.identifier ?? name}`) };
    case "aws:ecr/repository:Repository":
      return { arn: arn("ecr", region, `repository/${inputs.name ?? name}`), repositoryUrl: `${ACCOUNT_ID}.dkr.ecr.${region}.amazonaws.com/${inputs.name ?? name}` };
    case "aws:sns/topic:Topic":
      return { arn: arn("sns", region, inputs.name ?? name) };
    case "aws:secretsmanager/secret:Secret":
      return { arn: arn("secretsmanager", region, `secret:${inputs.name ?? name}-AbCdEf`) };
    case "random:index/randomPassword:RandomPassword": {
      // Like the provider: `length` characters drawn from the enabled sets, specials from overrideSpecial.
      const special = inputs.overrideSpecial ?? "!@#$%&*()-_=+[]{}<>:?";
      const pools = ["abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789", inputs.special === false ? "" : special].filter((p) => p);
      const bytes = createHash("sha256").update(`password/${name}`).digest();
      const result = Array.from({ length: inputs.length ?? 16 }, (_, i) => pools[i % pools.length][bytes[i % bytes.length] % pools[i % pools.length].length]).join("");
      return { result, bcryptHash: `$2a$10$${shortHash(result)}` };
    }
    case "aws:iam/role:Role":
      return { arn: `arn:aws:iam::${ACCOUNT_ID}:role/${inputs.name ?? name}`, name: inputs.name ?? name };
    case "aws:iam/policy:Policy":
      return { arn: `arn:aws:iam::${ACCOUNT_ID}:policy/${inputs.name ?? name}` };
    case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
      return { arn: `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/${String(inputs.url ?? name).replace(/^https:\/\//, "")}` };
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return { arn: arn("cloudwatch", region, `alarm:${inputs.name ?? name}`) };
    case "aws:backup/vault:Vault":
      return { arn: arn("backup", region, `backup-vault:${inputs.name ?? name}`), recoveryPoints: 0 };
    case "aws:backup/plan:Plan":
      return { arn: arn("backup", region, `backup-plan:${id}`), version: shortHash(id, "version") };
    case "aws:cloudwatch/eventRule:EventRule":
      return { arn: arn("events", region, `rule/${inputs.name ?? name}`), name: inputs.name ?? name };
    case "aws:s3/bucket:Bucket": {
      // Bucket names are global; autonaming appends a random suffix.
      const bucket = inputs.bucket ?? `${name}-${shortHash(name, region).slice(0, 7)}`;
      return { bucket, arn: `arn:aws:s3:::${bucket}`, bucketRegionalDomainName: `${bucket}.s3.${region}.amazonaws.com`, region };
    }
    case "aws:route53/healthCheck:HealthCheck":
      return { arn: `arn:aws:route53:::healthcheck/${id}` };
    case "aws:route53/record:Record":
      return { fqdn: inputs.name };
    case "kubernetes:networking.k8s.io/v1:Ingress":
      return { status: { loadBalancer: { ingress: [{ hostname: `k8s-${shortHash(name, region).slice(0, 8)}-1234567890.${region}.elb.amazonaws.com` }] } } };
    default:
      if (type.startsWith("aws:") && !("arn" in inputs)) {
        const service = type.split(":")[1].split("/")[0];
        return { arn: arn(service, region, `${name}/${id}`) };
      }
      return {};
  }
}

/** Results of provider functions (invokes) the program calls. */
function invokeResult(token: string, inputs: Record<string, any>, region: string): Record<string, any> {
  switch (token) {
    case "aws:index/getAvailabilityZones:getAvailabilityZones": {
      const letters = ["a", "b", "c", "d"];
      return { names: letters.map((l) => `${region}${l}`), zoneIds: letters.map((_, i) => `${region.slice(0, 3)}${i + 1}-az${i + 1}`), state: "available" };
    }
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { accountId: ACCOUNT_ID, arn: `arn:aws:iam::${ACCOUNT_ID}:user/test`, userId: "AIDATEST" };
    case "aws:index/getRegion:getRegion":
      return { name: region, region, id: region };
    case "aws:index/getPartition:getPartition":
      // The provider's Region decides: a site in GovCloud or China gets that partition's ARNs.
      if (region.startsWith("us-gov-")) return { partition: "aws-us-gov", dnsSuffix: "amazonaws.com" };
      if (region.startsWith("cn-")) return { partition: "aws-cn", dnsSuffix: "amazonaws.com.cn" };
      return { partition: "aws", dnsSuffix: "amazonaws.com" };
    case "aws:iam/getPolicyDocument:getPolicyDocument":
      return { json: JSON.stringify({ Version: "2012-10-17", Statement: inputs.statements ?? [] }) };
    default:
      return {};
  }
}
