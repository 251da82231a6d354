/**
 * The real Kubernetes port: GETs on a site's EKS API server with `@kubernetes/client-node`.
 *
 * - Where: the cluster's `endpoint` and `certificateAuthority.data` (base64 PEM) from EKS
 *   `DescribeCluster` (EKS API reference, Cluster), read once per cluster and kept; the client
 *   verifies the server's certificate against that CA.
 * - Who: a bearer token made from the driver's own AWS credentials (the EKS client's, so the same
 *   identity as every other call), as `aws eks get-token` makes it (token.ts), reused for 14 minutes.
 *   The identity needs an EKS access entry on the cluster (config `clusterAccess`) whose policy can
 *   read Velero's objects and nodes; a 401 or 403 says so.
 * - Velero's objects are custom resources of group `velero.io`, version `v1`, plurals `restores`,
 *   `backups`, `backupstoragelocations` (velero config/crd/v1/bases). A node is Ready when its
 *   `Ready` condition is `True` (Kubernetes API reference, NodeCondition). A managed node group's
 *   nodes carry the labels the group applies through the EKS API (Nodegroup `labels`, "the
 *   Kubernetes labels applied to the nodes in the node group": EKS API reference), which this
 *   program's groups always have (`eks-dr/tier`); a group without any is found by
 *   `eks.amazonaws.com/nodegroup=<name>`, the label EKS is widely seen to add but which its API
 *   reference does not list.
 *
 * Every call is bounded like an AWS call (`boundedCall`); an HTTP error comes back as an
 * `AwsCallError` with the status (a 5xx or 429 is retried by the driver's guard, as for AWS).
 */
import { DescribeClusterCommand } from "@aws-sdk/client-eks";
import type * as ClientNode from "@kubernetes/client-node";
import type { HttpLibrary } from "@kubernetes/client-node";
import { z } from "zod";
import type { CallOptions } from "../call-options";
import { AwsCallError, boundedCall, type CallSite } from "../aws/call";
import { type AwsContext, required } from "../aws/context";
import type { KubernetesPort, VeleroRestoreReadiness, VeleroRestoreState } from "./port";
import { eksToken, TOKEN_REUSE_MS } from "./token";

/**
 * `@kubernetes/client-node`, loaded on first use: it takes about 0.6 s to load, which every CLI
 * command (and the simulated Regions, which never use it) would otherwise pay at start.
 */
let clientNode: typeof ClientNode | undefined;
function k8s(): typeof ClientNode {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (clientNode ??= require("@kubernetes/client-node") as typeof ClientNode);
}

const VELERO_GROUP = "velero.io";
const VELERO_VERSION = "v1";
const MANAGED_NODE_GROUP_LABEL = "eks.amazonaws.com/nodegroup";

/** The parts of a velero.io/v1 Restore read here (restore_types.go `RestoreStatus`). */
const restoreObject = z.object({
  metadata: z.object({ name: z.string() }),
  status: z
    .object({
      phase: z.string().optional(),
      errors: z.number().optional(),
      warnings: z.number().optional(),
      failureReason: z.string().optional(),
      validationErrors: z.array(z.string()).nullish(),
    })
    .optional(),
});
const locationObject = z.object({ status: z.object({ phase: z.string().optional() }).optional() });

interface ClusterAccess {
  server: string;
  caData: string;
}

export interface KubernetesApiOptions {
  /** The HTTP layer of `@kubernetes/client-node`; tests give one that answers without a network. @default its fetch library */
  httpApi?: HttpLibrary;
  /** @default Date.now */
  now?: () => number;
}

export class KubernetesApi implements KubernetesPort {
  private readonly clusters = new Map<string, ClusterAccess>();
  private readonly tokens = new Map<string, { token: string; madeAt: number }>();
  private readonly now: () => number;

  constructor(
    private readonly ctx: AwsContext,
    private readonly opts: KubernetesApiOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  async readVeleroRestore(region: string, clusterName: string, namespace: string, name: string, opts?: CallOptions): Promise<VeleroRestoreState | undefined> {
    const site = this.site(region, clusterName, `restores.${VELERO_GROUP}`, `${namespace}/${name}`);
    const raw = await this.get(site, opts, async (config) =>
      new (k8s().CustomObjectsApi)(config).getNamespacedCustomObject({ group: VELERO_GROUP, version: VELERO_VERSION, namespace, plural: "restores", name }),
    );
    if (raw === undefined) return undefined;
    const r = parse(site, restoreObject, raw);
    return {
      name: r.metadata.name,
      phase: r.status?.phase || "New",
      errors: r.status?.errors ?? 0,
      warnings: r.status?.warnings ?? 0,
      ...(r.status?.failureReason ? { failureReason: r.status.failureReason } : {}),
      validationErrors: r.status?.validationErrors ?? [],
    };
  }

  async veleroRestoreReadiness(
    region: string,
    clusterName: string,
    namespace: string,
    backupName: string,
    location: string,
    opts?: CallOptions,
  ): Promise<VeleroRestoreReadiness> {
    const backupSite = this.site(region, clusterName, `backups.${VELERO_GROUP}`, `${namespace}/${backupName}`);
    const backup = await this.get(backupSite, opts, async (config) =>
      new (k8s().CustomObjectsApi)(config).getNamespacedCustomObject({
        group: VELERO_GROUP,
        version: VELERO_VERSION,
        namespace,
        plural: "backups",
        name: backupName,
      }),
    );
    const locationSite = this.site(region, clusterName, `backupstoragelocations.${VELERO_GROUP}`, `${namespace}/${location}`);
    const bsl = await this.get(locationSite, opts, async (config) =>
      new (k8s().CustomObjectsApi)(config).getNamespacedCustomObject({
        group: VELERO_GROUP,
        version: VELERO_VERSION,
        namespace,
        plural: "backupstoragelocations",
        name: location,
      }),
    );
    const phase = bsl === undefined ? undefined : parse(locationSite, locationObject, bsl).status?.phase;
    return { backupSynced: backup !== undefined, ...(phase ? { locationPhase: phase } : {}) };
  }

  async countReadyNodes(region: string, clusterName: string, nodeGroupName: string, labels: Record<string, string>, opts?: CallOptions): Promise<number> {
    const labelSelector = nodeGroupSelector(nodeGroupName, labels);
    const site = this.site(region, clusterName, "nodes", labelSelector);
    const list = await this.get(site, opts, async (config) => new (k8s().CoreV1Api)(config).listNode({ labelSelector }));
    return (list?.items ?? []).filter((n) => (n.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")).length;
  }

  // -------------------------------------------------------------------------------------------

  private site(region: string, clusterName: string, kind: string, name: string): CallSite & { clusterName: string } {
    return { service: "Kubernetes API", api: `GET ${kind}`, region, resource: `${name} in cluster "${clusterName}"`, clusterName };
  }

  /** One GET, bounded; a 404 is `undefined`. DescribeCluster and the token are inside the same bound. */
  private async get<T>(
    site: CallSite & { clusterName: string },
    opts: CallOptions | undefined,
    request: (config: ReturnType<typeof ClientNode.createConfiguration>) => Promise<T>,
  ): Promise<T | undefined> {
    return boundedCall(site, this.ctx.bound(opts), async (abortSignal) => {
      const access = await this.access(site.region, site.clusterName, abortSignal);
      const token = await this.token(site.region, site.clusterName);
      const { KubeConfig, ServerConfiguration, createConfiguration, ApiException } = k8s();
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: site.clusterName, server: access.server, caData: access.caData, skipTLSVerify: false }],
        users: [{ name: "eks-dr-driver", token }],
        contexts: [{ name: "eks-dr-driver", cluster: site.clusterName, user: "eks-dr-driver" }],
        currentContext: "eks-dr-driver",
      });
      const config = createConfiguration({
        baseServer: new ServerConfiguration<Record<string, string>>(access.server, {}),
        authMethods: { default: kc },
        ...(this.opts.httpApi ? { httpApi: this.opts.httpApi } : {}),
      });
      try {
        return await request(config);
      } catch (err) {
        if (err instanceof ApiException && err.code === 404) return undefined;
        throw new AwsCallError(site, httpError(err));
      }
    });
  }

  /** The cluster's endpoint and CA (DescribeCluster), once per cluster. */
  private async access(region: string, clusterName: string, abortSignal: AbortSignal): Promise<ClusterAccess> {
    const key = `${region}/${clusterName}`;
    const known = this.clusters.get(key);
    if (known) return known;
    const site: CallSite = { service: "EKS", api: "DescribeCluster", region, resource: `cluster "${clusterName}"` };
    let out;
    try {
      out = await this.ctx.clients.client("eks", region).send(new DescribeClusterCommand({ name: clusterName }), { abortSignal });
    } catch (err) {
      throw new AwsCallError(site, err);
    }
    const access = {
      server: required(site, out.cluster?.endpoint, "cluster.endpoint"),
      caData: required(site, out.cluster?.certificateAuthority?.data, "cluster.certificateAuthority.data"),
    };
    this.clusters.set(key, access);
    return access;
  }

  /** A token for the cluster, made again after 14 minutes (a presigned URL lasts 15). */
  private async token(region: string, clusterName: string): Promise<string> {
    const key = `${region}/${clusterName}`;
    const now = this.now();
    const known = this.tokens.get(key);
    if (known && now - known.madeAt < TOKEN_REUSE_MS) return known.token;
    // The EKS client's own credentials and hash: the identity of every other call of the driver.
    const config = this.ctx.clients.client("eks", region).config;
    const token = await eksToken({ clusterName, region, credentials: config.credentials, sha256: config.sha256, now });
    this.tokens.set(key, { token, madeAt: now });
    return token;
  }
}

function parse<T>(site: CallSite, schema: z.ZodType<T>, raw: unknown): T {
  const r = schema.safeParse(raw);
  if (!r.success) throw new AwsCallError(site, new Error(`unexpected object (${r.error.issues[0]?.message ?? "invalid"})`));
  return r.data;
}

/** An API server's error as the guard reads AWS errors: HTTP status, reason, retryable when 5xx or 429. */
function httpError(err: unknown): unknown {
  if (!(err instanceof k8s().ApiException)) return err;
  const code = err.code;
  const body = (typeof err.body === "string" ? safeJson(err.body) : err.body) as { reason?: string; message?: string } | undefined;
  const reason = body?.reason || `HTTP${code}`;
  const hint =
    code === 401 || code === 403 ? " (the driver's AWS identity needs an EKS access entry on this cluster whose policy can read it: config clusterAccess)" : "";
  return {
    name: reason,
    message: `${body?.message || err.message.split("\n")[0]}${hint}`,
    $metadata: { httpStatusCode: code },
    $fault: code >= 500 ? "server" : "client",
    ...(code === 429 ? { $retryable: { throttling: true } } : {}),
  };
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** The label selector of a node group's nodes: its EKS-applied labels, else EKS's own node group label. */
export function nodeGroupSelector(nodeGroupName: string, labels: Record<string, string>): string {
  const own = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  return own.length ? own.map(([k, v]) => `${k}=${v}`).join(",") : `${MANAGED_NODE_GROUP_LABEL}=${nodeGroupName}`;
}
