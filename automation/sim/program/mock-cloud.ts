/**
 * Pulumi mocks that behave like a small AWS account: every registration is recorded with the URN
 * the engine gives it, its resource options and dependencies, the provider it went through and
 * that provider's Region, and resources get the computed outputs AWS would return (ids, ARNs,
 * endpoints), derived from their name and Region so nothing is constant.
 *
 * The mocks are told neither URNs nor options, so `observeRegistrations` wraps the mock monitor:
 * `MockMonitor.registerResource` calls `newResource` synchronously, before its first `await`, so
 * what the wrapper notes just before the call belongs to that registration.
 *
 * A packaged (multi-language) component is registered with the children its provider would
 * register (packaged-components.ts), through the AWS provider it was given: one given none would
 * use the default provider, which the stacks disable, so that fails here as `pulumi up` would.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { kubeconfigTarget } from "./kubeconfig";
import { PACKAGED_COMPONENTS, type ChildSpec, type RegisteredChild } from "./packaged-components";

/** Resource properties as the SDKs send them: a different shape per type, read loosely by tests. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Props = Record<string, any>;

export const ACCOUNT_ID = "123456789012";

/** Resource options as the engine receives them (after inheritance from the parent). */
export interface RegisteredOptions {
  protect: boolean;
  ignoreChanges: string[];
  deleteBeforeReplace: boolean;
  retainOnDelete: boolean;
}

export interface RecordedResource {
  type: string;
  name: string;
  /** The URN the engine gives the resource (its type chain shows the parents). */
  urn: string;
  /** URN of the parent, if any. */
  parent?: string;
  id: string;
  inputs: Props;
  /** Inputs plus computed outputs, as returned to the program. */
  state: Props;
  /** Provider reference (`urn::id`) the resource was registered with, if any. */
  provider?: string;
  /** URN of that provider. */
  providerUrn?: string;
  /** Region of that provider (aws: its `region`; kubernetes: its cluster's Region), else undefined. */
  region?: string;
  custom: boolean;
  options: RegisteredOptions;
  /** URNs the registration depends on (`dependsOn` and the resources its inputs come from). */
  dependencies: string[];
  /** A packaged component's `providers`: package -> provider reference (`urn::id`). */
  providers?: Record<string, string>;
  /** Read with `<Resource>.get(name, id)`: an existing resource the program references, never creates, changes or deletes. */
  read?: boolean;
}

export interface RecordedCall {
  token: string;
  inputs: Props;
  provider?: string;
  providerUrn?: string;
  region?: string;
}

/** Outputs of peer stacks served to StackReferences, keyed by the referenced stack's short name. */
export type StackOutputs = Record<string, Record<string, unknown>>;

/** What the monitor wrapper learned about the registration under way. */
interface PendingRegistration {
  urn: string;
  parent?: string;
  options: RegisteredOptions;
  dependencies: string[];
  /** A packaged component's `providers` (package -> `urn::id`). */
  providers?: Record<string, string>;
  /** A packaged component's inputs as sent, resource references as their URN. */
  rawInputs?: Props;
  /** A `.get()` (the monitor's ReadResource), not a registration. */
  read?: boolean;
}

const SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";

/** Serialized properties as plain data: secrets and output values unwrapped, resource references as their URN. */
function plainInputs(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(plainInputs);
  const obj = value as Props;
  if (obj[SIG] === RESOURCE_SIG) return obj.urn;
  if (obj[SIG] === SECRET_SIG || obj[SIG] === OUTPUT_SIG) return plainInputs(obj.value);
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, plainInputs(v)]));
}

/** The partition of a Region's ARNs. */
const partitionOf = (region: string): string => (region.startsWith("us-gov-") ? "aws-us-gov" : region.startsWith("cn-") ? "aws-cn" : "aws");

const shortHash = (...parts: string[]): string => createHash("sha256").update(parts.join("/")).digest("hex").slice(0, 17);

/** `urn::id` -> urn. */
export const providerUrnOf = (ref: string | undefined): string | undefined => (ref ? ref.slice(0, ref.lastIndexOf("::")) : undefined);

export class MockCloud implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];
  readonly calls: RecordedCall[] = [];
  private readonly providerRegions = new Map<string, string>();
  private pending?: PendingRegistration;
  /** The monitor's own registry, where resource references are looked up (set by `observeRegistrations`). */
  private monitorResources?: Map<string, { urn: string; id: string | null; state: Props }>;
  private newUrn?: (parent: string, type: string, name: string) => string;

  constructor(private readonly stackOutputs: StackOutputs = {}) {}

  /** Called by the monitor wrapper just before the monitor calls `newResource`. */
  beginRegistration(reg: PendingRegistration): void {
    this.pending = reg;
  }

  /** Called by `observeRegistrations`: how the monitor names resources and where it keeps them. */
  attachMonitor(
    newUrn: (parent: string, type: string, name: string) => string,
    resources: Map<string, { urn: string; id: string | null; state: Props }>,
  ): void {
    this.newUrn = newUrn;
    this.monitorResources = resources;
  }

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Props } {
    const reg = this.pending;
    this.pending = undefined;
    const inputs = args.inputs ?? {};
    if (args.type === "pulumi:pulumi:StackReference") {
      const shortName = String(inputs.name).split("/").pop() as string;
      const outputs = this.stackOutputs[shortName] ?? {};
      const state = { name: inputs.name, outputs, secretOutputNames: [] as string[] };
      this.record(args, reg, inputs.name, state);
      return { id: inputs.name, state };
    }
    const model = PACKAGED_COMPONENTS[args.type];
    if (model) return this.packagedComponent(args, reg, model);
    const region = this.regionOf(args.provider) ?? (args.type === "pulumi:providers:aws" ? inputs.region : undefined);
    const id = args.id && args.id !== "" ? args.id : this.idFor(args.type, args.name, region);
    // Providers are referenced as `urn::id`; ids here are unique, so the id alone finds the Region.
    if (args.type === "pulumi:providers:aws" && inputs.region) this.providerRegions.set(id, inputs.region);
    // A Kubernetes provider's Region is its cluster's: the kubeconfig's `aws eks get-token --region`.
    const kubeRegion = args.type === "pulumi:providers:kubernetes" ? kubeconfigTarget(inputs.kubeconfig)?.region : undefined;
    if (kubeRegion) this.providerRegions.set(id, kubeRegion);
    // A read names the resource by its id: what AWS returns for it is derived from the id.
    const state = { ...inputs, ...computedOutputs(args.type, reg?.read ? id : args.name, id, region ?? "us-east-1", inputs) };
    this.record(args, reg, id, state, region ?? kubeRegion);
    return { id, state };
  }

  call(args: pulumi.runtime.MockCallArgs): Props {
    const region = this.regionOf(args.provider);
    this.calls.push({ token: args.token, inputs: args.inputs, provider: args.provider, providerUrn: providerUrnOf(args.provider), region });
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

  /**
   * A packaged component: its registration, then the children its provider would register through
   * the AWS provider it was given, each reachable by resource reference like any registration.
   */
  private packagedComponent(
    args: pulumi.runtime.MockResourceArgs,
    reg: PendingRegistration | undefined,
    model: (typeof PACKAGED_COMPONENTS)[string],
  ): { id: undefined; state: Props } {
    const inputs = (reg?.rawInputs ?? args.inputs ?? {}) as Props;
    const awsRef = reg?.providers?.aws;
    const region = this.regionOf(awsRef);
    if (!reg || !awsRef || !region || !this.newUrn || !this.monitorResources) {
      throw new Error(
        `${args.type} ${args.name} was registered without an AWS provider in its \`providers\`: a packaged component does not inherit its parent's, ` +
          "so its children would use the default aws provider, which pulumi:disable-default-providers refuses. Pass { providers: { aws: <the site's provider> } }",
      );
    }
    const component = this.record(args, reg, args.name, {}, undefined, inputs);
    component.providers = { ...reg.providers };
    const newUrn = this.newUrn;
    const registry = this.monitorResources;
    const child = (spec: ChildSpec): RegisteredChild => {
      const parent = spec.parent?.urn ?? reg.urn;
      const urn = newUrn(parent, spec.type, spec.name);
      const custom = spec.custom ?? true;
      const id = custom ? this.idFor(spec.type, spec.name, region) : "";
      const state = custom ? { ...spec.inputs, ...computedOutputs(spec.type, spec.name, id, region, spec.inputs) } : { ...spec.inputs };
      this.resources.push({
        type: spec.type,
        name: spec.name,
        urn,
        parent,
        id,
        inputs: spec.inputs,
        state,
        ...(custom ? { provider: awsRef, providerUrn: providerUrnOf(awsRef), region } : {}),
        custom,
        // Children inherit protect from their parent (@pulumi/pulumi resource.ts).
        options: { protect: reg.options.protect, ignoreChanges: spec.ignoreChanges ?? [], deleteBeforeReplace: false, retainOnDelete: false },
        dependencies: (spec.dependsOn ?? []).map((d) => d.urn),
      });
      registry.set(urn, { urn, id: custom ? id : null, state });
      return { urn, id, state, ref: { [SIG]: RESOURCE_SIG, urn, id, packageVersion: "" } };
    };
    const inputsOf = (urn: string) => this.resources.find((r) => r.urn === urn)?.inputs;
    const outputs = model({ name: args.name, inputs, region, partition: partitionOf(region), child, inputsOf });
    // A component's outputs are what its provider returns (Construct), not its inputs.
    component.state = outputs;
    return { id: undefined, state: outputs };
  }

  private regionOf(provider: string | undefined): string | undefined {
    if (!provider) return undefined;
    return this.providerRegions.get(provider.slice(provider.lastIndexOf("::") + 2));
  }

  private record(
    args: pulumi.runtime.MockResourceArgs,
    reg: PendingRegistration | undefined,
    id: string,
    state: Props,
    region?: string,
    inputs?: Props,
  ): RecordedResource {
    const entry: RecordedResource = {
      type: args.type,
      name: args.name,
      urn: reg?.urn ?? "",
      parent: reg?.parent,
      id,
      inputs: inputs ?? args.inputs ?? {},
      state,
      provider: args.provider,
      providerUrn: providerUrnOf(args.provider),
      region,
      custom: args.custom ?? true,
      options: reg?.options ?? { protect: false, ignoreChanges: [], deleteBeforeReplace: false, retainOnDelete: false },
      dependencies: reg?.dependencies ?? [],
      ...(reg?.read ? { read: true } : {}),
    };
    this.resources.push(entry);
    return entry;
  }

  private idFor(type: string, name: string, region: string | undefined): string {
    const h = shortHash(type, name, region ?? "");
    const prefix = ID_PREFIXES[type];
    return prefix ? `${prefix}-${h}` : `${name}-${h.slice(0, 8)}`;
  }
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getRemote?(): boolean;
  getObject?(): { toJavaScript(): Props } | undefined;
  getProvidersMap?(): { forEach(f: (value: string, key: string) => void): void };
  // Read requests (StackReference) carry no options: every getter below may be missing.
  getProtect?(): boolean | undefined;
  getIgnorechangesList?(): string[];
  getDeletebeforereplace?(): boolean;
  getRetainondelete?(): boolean | undefined;
  getDependenciesList?(): string[];
}
interface MockMonitorLike {
  resources: Map<string, { urn: string; id: string | null; state: Props }>;
  newUrn(parent: string, type: string, name: string): string;
  registerResource(req: RegisterRequest, callback: unknown): unknown;
  readResource(req: RegisterRequest, callback: unknown): unknown;
}

/**
 * Wraps the current mock monitor (call right after `setMocks`) so that `cloud` records the URN,
 * options and dependencies of each registration. The URN is the one the monitor returns to the
 * program, as the engine forms it: `urn:pulumi:<stack>::<project>::<parent's type chain>$<type>::<name>`
 * (pulumi/pulumi sdk/go/common/resource/urn/urn.go `New` takes the parent's qualified type: its whole chain).
 */
export function observeRegistrations(cloud: MockCloud): void {
  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitorLike;
  // The engine qualifies a child's type with its parent's whole type chain; the mock monitor keeps
  // only the parent's own type. Give the program (and the state) the engine's URNs.
  const stack = pulumi.getStack();
  const project = pulumi.getProject();
  monitor.newUrn = (parent, type, name) => `urn:pulumi:${stack}::${project}::${parent ? `${parent.split("::")[2]}$` : ""}${type}::${name}`;
  cloud.attachMonitor(monitor.newUrn, monitor.resources);
  const wrap = (method: "registerResource" | "readResource") => {
    const original = monitor[method].bind(monitor);
    monitor[method] = (req, callback) => {
      const remote = req.getRemote?.() === true;
      const providers: Record<string, string> = {};
      if (remote) req.getProvidersMap?.().forEach((ref, pkg) => (providers[pkg] = ref));
      cloud.beginRegistration({
        urn: monitor.newUrn(req.getParent(), req.getType(), req.getName()),
        parent: req.getParent() || undefined,
        options: {
          protect: req.getProtect?.() ?? false,
          ignoreChanges: req.getIgnorechangesList?.() ?? [],
          deleteBeforeReplace: req.getDeletebeforereplace?.() ?? false,
          retainOnDelete: req.getRetainondelete?.() ?? false,
        },
        dependencies: req.getDependenciesList?.() ?? [],
        ...(remote ? { providers, rawInputs: plainInputs(req.getObject?.()?.toJavaScript() ?? {}) as Props } : {}),
        ...(method === "readResource" ? { read: true } : {}),
      });
      return original(req, callback);
    };
  };
  wrap("registerResource");
  wrap("readResource");
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
  return `arn:${partitionOf(region)}:${service}:${region}:${ACCOUNT_ID}:${resource}`;
}

/** Computed outputs per resource type: what AWS (or a component's provider) fills in. */
function computedOutputs(type: string, name: string, id: string, region: string, inputs: Props): Props {
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
      return {
        arn: arn("eks", region, `nodegroup/${inputs.clusterName}/${inputs.nodeGroupName ?? name}/x`),
        nodeGroupName: inputs.nodeGroupName ?? name,
        status: "ACTIVE",
      };
    case "aws:ec2/eip:Eip":
      return { allocationId: id, publicIp: `203.0.113.${(parseInt(shortHash(id), 16) % 254) + 1}` };
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
      return {
        // A read names it by its identifier, which the provider reads back (global_cluster_identifier).
        globalClusterIdentifier: inputs.globalClusterIdentifier ?? name,
        arn: `arn:aws:rds::${ACCOUNT_ID}:global-cluster:${inputs.globalClusterIdentifier ?? name}`,
        globalClusterResourceId: `cluster-${shortHash(name)}`,
      };
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
      return {
        arn: arn("ecr", region, `repository/${inputs.name ?? name}`),
        repositoryUrl: `${ACCOUNT_ID}.dkr.ecr.${region}.amazonaws.com/${inputs.name ?? name}`,
      };
    case "aws:sns/topic:Topic":
      return { arn: arn("sns", region, inputs.name ?? name) };
    case "aws:secretsmanager/secret:Secret":
      return { arn: arn("secretsmanager", region, `secret:${inputs.name ?? name}-AbCdEf`) };
    case "random:index/randomPassword:RandomPassword": {
      // Like the provider: `length` characters drawn from the enabled sets, specials from overrideSpecial.
      const special = inputs.overrideSpecial ?? "!@#$%&*()-_=+[]{}<>:?";
      const pools = ["abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789", inputs.special === false ? "" : special].filter((p) => p);
      const bytes = createHash("sha256").update(`password/${name}`).digest();
      const result = Array.from(
        { length: inputs.length ?? 16 },
        (_, i) => pools[i % pools.length][bytes[i % bytes.length] % pools[i % pools.length].length],
      ).join("");
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
    case "kubernetes:networking.k8s.io/v1:Ingress": {
      // Ingresses of one IngressGroup share one ALB, so one hostname (AWS Load Balancer Controller
      // docs, Ingress annotations, "IngressGroup"); an Ingress without a group has its own.
      const group = inputs.metadata?.annotations?.["alb.ingress.kubernetes.io/group.name"];
      const key = typeof group === "string" ? `group:${group}` : `${inputs.metadata?.namespace ?? "default"}/${name}`;
      return { status: { loadBalancer: { ingress: [{ hostname: `k8s-${shortHash(key, region).slice(0, 8)}-1234567890.${region}.elb.amazonaws.com` }] } } };
    }
    default:
      if (type.startsWith("aws:") && !("arn" in inputs)) {
        const service = type.split(":")[1].split("/")[0];
        return { arn: arn(service, region, `${name}/${id}`) };
      }
      return {};
  }
}

/** Results of provider functions (invokes) the program calls. */
function invokeResult(token: string, inputs: Props, region: string): Props {
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
