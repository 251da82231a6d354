/**
 * The sample 3-tier application ("service peccy") in the site's cluster: a web tier behind
 * an internet-facing ALB, an app tier that keeps pictures on the site's EFS file system and data in
 * the site's Aurora cluster. The same objects run in both sites; only sizes follow the role.
 *
 * Sizing (decisions 4 and 5): replicas per tier are given (`replicas`, resolved from the site's role
 * by stacks/roles.ts), so by default the standby runs the same Deployments and its pods wait Pending
 * until the failover scales its web/app node groups up, which needs no Kubernetes call on the
 * critical path.
 *
 * Read-only mode (`readOnly`, while a planned failover quiesces the site): both tiers keep their
 * replicas and the app gets `READ_ONLY=true`, so the old active site keeps serving reads and stops
 * taking writes. The variable is in the pod template, so switching it rolls the app's pods, and an
 * `up` that awaits the rollout ends once no pod takes writes any more. The image honours it (README,
 * "Configuration": the read-only contract).
 *
 * Traffic: the AWS Load Balancer Controller turns the Ingress into an ALB (ingress class `alb`).
 * The Ingress rule has no host, so the ALB answers on any Host header: Route 53 health checkers send
 * the ALB's own name as Host, and the driver probes the ALB too (`endpointUrl`); a host rule for
 * the application hostname would answer them 404 and keep the site "unhealthy" forever. Over HTTPS
 * the driver presents the application hostname (`endpointHostname`) as TLS server name and Host,
 * since that is the name the ALB's certificate holds.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { DnsConfig, WorkloadConfig } from "../stacks/config";
import { resolveImage } from "./image-registry";
import { PodIdentityRole } from "./pod-identity-role";
import { siteAlbAnnotations } from "./site-endpoint";

/** Node label (and taint key) that dedicates node groups to a tier: `eks-dr/tier=<tier>:NoSchedule`. */
export const TIER_LABEL = "eks-dr/tier";
/** The ingress class the AWS Load Balancer Controller's chart creates. */
const ALB_INGRESS_CLASS = "alb";
const DEFAULT_HEALTH_PATH = "/healthz";
/** The app's environment variable that switches it to read-only mode (`"true"`); the simulated world reads it too. */
export const READ_ONLY_ENV = "READ_ONLY";
/** ALB target group health check of the web tier's pods: every 5 s (the ALB's minimum), 4 s timeout (below the interval). */
const TARGET_HEALTH_CHECK_INTERVAL_SECONDS = 5;
const TARGET_HEALTH_CHECK_TIMEOUT_SECONDS = 4;
/** Aurora MySQL. */
const MYSQL_PORT = 3306;

export type Tier = "web" | "app";

export interface SampleWorkloadArgs {
  /** Namespace for every object; the caller creates it (the PVC lives there too). */
  namespace: pulumi.Input<string>;
  /** Container images per tier (`eks-dr:workload.images`). */
  images: WorkloadConfig["images"];
  /** Replicas per tier (0 stops the tier). */
  replicas: Record<Tier, number>;
  /**
   * The app refuses writes and keeps serving reads: `READ_ONLY=true` in its environment (a planned
   * failover quiesces the old active site so). @default false
   */
  readOnly?: boolean;
  /**
   * Whether `up` waits for the pods to become ready. Off where pods wait Pending for nodes only a
   * failover brings (a pilot-light standby); it is off anyway while an image is missing. @default true
   */
  awaitRollout?: boolean;
  /** This site's repository URLs (`ImageRegistry.repositoryUrls`); images without a registry host resolve to them. */
  repositoryUrls: { web: pulumi.Input<string>; app: pulumi.Input<string> };
  /** PersistentVolumeClaim bound to this site's EFS file system (`SharedFileSystem.pvcName`). */
  pvcName: pulumi.Input<string>;
  /** Where app pods see the shared files. @default "/data" */
  sharedFilesMountPath?: string;
  database: {
    /** Cluster (writer) endpoint of this site's Aurora cluster. */
    writerEndpoint: pulumi.Input<string>;
    /** Reader endpoint of this site's Aurora cluster. */
    readerEndpoint: pulumi.Input<string>;
    /** ARN of the credentials secret in THIS Region (the owner's secret or its replica here). */
    secretArn: pulumi.Input<string>;
    /**
     * The KMS key that secret is encrypted with in THIS Region: the multi-Region primary key on the
     * owner, the replica key elsewhere (`EncryptionKey.keyArn`).
     */
    secretKmsKeyArn: pulumi.Input<string>;
  };
  /** The site's Region, given to the app so its AWS SDK finds the secret (pods cannot read IMDS). */
  region: string;
  /** The site's EKS cluster: the app's service account gets its IAM role there through Pod Identity. */
  clusterName: pulumi.Input<string>;
  /** `eks-dr:dns`: health path for the ALB target group, certificate for an HTTPS listener. */
  dns?: DnsConfig;
  /**
   * IngressGroup of the site's ALB (`SiteEndpoint`): the web Ingress joins it with the default
   * order 0, ahead of the site's own health rule. @default none: an ALB of its own
   */
  albGroupName?: string;
  /** Name of the app pods' own ServiceAccount, bound to their IAM role through Pod Identity. @default "app" */
  appServiceAccountName?: string;
  /** Port the containers listen on. @default 8080 */
  containerPort?: number;
  /**
   * Images not in the site's registry yet (`missingImages`). While any is missing, the Deployments
   * are created without `up` waiting for their pods, and a warning says what to run next. @default []
   */
  missingImages?: pulumi.Input<string[]>;
}

/** The image reference's tag (`:1.0.0`) or digest (`@sha256:...`), as ECR lists image ids. */
function tagOrDigest(ref: string): { imageTag?: string; imageDigest?: string } {
  const at = ref.indexOf("@");
  if (at >= 0) return { imageDigest: ref.slice(at + 1) };
  const colon = ref.lastIndexOf(":");
  return colon > ref.lastIndexOf("/") ? { imageTag: ref.slice(colon + 1) } : {};
}

/**
 * The workload's images that are not in the site's own ECR repositories yet, as
 * `<configured ref> (<repository URL>)`. ECR ListImages through `aws.ecr.getImages` (it fails when
 * the repository does not exist, which on a first deploy is every time: the repositories are
 * created by the same `up`; terraform-provider-aws internal/service/ecr/images_data_source.go), so
 * a failed lookup counts as missing. Images with a registry host are not looked up. `opts` carries
 * the site's provider, so the lookup is in the site's Region.
 */
export function missingImages(
  images: WorkloadConfig["images"],
  repositoryUrls: { web: pulumi.Input<string>; app: pulumi.Input<string> },
  opts: pulumi.InvokeOptions,
): pulumi.Output<string[]> {
  const tiers: Tier[] = ["web", "app"];
  return pulumi.output(repositoryUrls).apply(async (urls) => {
    const missing = await Promise.all(
      tiers.map(async (tier) => {
        const ref = images[tier];
        const resolved = resolveImage(ref, urls);
        const url = urls[tier];
        // Pulled from elsewhere (a registry host in the reference): nothing to look up here.
        if (!resolved.startsWith(`${url}:`) && !resolved.startsWith(`${url}@`)) return undefined;
        const repositoryName = url.slice(url.indexOf("/") + 1);
        const wanted = tagOrDigest(resolved.slice(url.length));
        const present = await aws.ecr
          .getImages({ repositoryName }, opts)
          .then((r) =>
            (r.imageIds ?? []).some(
              (id) =>
                (wanted.imageTag !== undefined && id.imageTag === wanted.imageTag) ||
                (wanted.imageDigest !== undefined && id.imageDigest === wanted.imageDigest),
            ),
          )
          .catch(() => false);
        return present ? undefined : `${ref} is not in the site's registry yet (${url})`;
      }),
    );
    return missing.filter((m): m is string => m !== undefined);
  });
}

/**
 * Ingress annotations for the AWS Load Balancer Controller: the site ALB's listener settings
 * (site-endpoint.ts, the same on every Ingress of its group) and this tier's target group.
 */
export function albAnnotations(dns: DnsConfig | undefined, groupName?: string): Record<string, string> {
  return {
    ...siteAlbAnnotations(dns, groupName),
    // Pod IPs as targets: traffic skips the node port hop, and target health is the pod's own.
    "alb.ingress.kubernetes.io/target-type": "ip",
    "alb.ingress.kubernetes.io/healthcheck-path": dns?.healthCheck.path ?? DEFAULT_HEALTH_PATH,
    // After a failover the site serves once its first pod target passes one health check ("After
    // your target is registered, it must pass one health check to be considered healthy": ELB
    // guide, "Health checks for Application Load Balancer target groups"), so the wait is up to one
    // interval: the ALB's shortest, 5 s, instead of the controller's default 15 s (controller v2.11
    // docs/guide/ingress/annotations.md). The timeout must stay below the interval (ELB answers
    // "ValidationError: Health check interval must be greater than the timeout") and at least 2 s.
    "alb.ingress.kubernetes.io/healthcheck-interval-seconds": String(TARGET_HEALTH_CHECK_INTERVAL_SECONDS),
    "alb.ingress.kubernetes.io/healthcheck-timeout-seconds": String(TARGET_HEALTH_CHECK_TIMEOUT_SECONDS),
  };
}

export class SampleWorkload extends pulumi.ComponentResource {
  /** DNS name of the site's ALB, from the Ingress status (`albHostname` output). */
  readonly albHostname: pulumi.Output<string>;
  /** What the driver probes to know the site serves: `<scheme>://<alb><health path>` (`endpointUrl` output). */
  readonly endpointUrl: pulumi.Output<string>;
  /**
   * For an HTTPS endpoint: the application hostname, the name on the ALB's certificate, which the
   * probe sends as TLS server name and Host (`endpointHostname` output). Undefined over HTTP.
   */
  readonly endpointHostname?: string;
  readonly deploymentUrns: { web: pulumi.Output<string>; app: pulumi.Output<string> };
  /** Replicas each tier runs with this config. */
  readonly replicas: Record<Tier, number>;
  readonly deployments: Record<Tier, k8s.apps.v1.Deployment>;
  /** The app pods' IAM role and its Pod Identity association. */
  readonly appIdentity: PodIdentityRole;
  readonly ingress: k8s.networking.v1.Ingress;

  constructor(name: string, args: SampleWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
    super("eks-dr:index:SampleWorkload", name, {}, opts);
    const port = args.containerPort ?? 8080;
    pulumi.output(args.missingImages ?? []).apply((missing) => {
      if (missing.length === 0) return;
      const stack = pulumi.getStack();
      pulumi.log.warn(
        `${missing.join("; ")}: the web and app Deployments are created without waiting for their pods, which retry the pull. ` +
          `Next: push the images (README, "Deploy for real"; a standby gets them by ECR replication from the active site), ` +
          `then \`pulumi up -s ${stack}\` again so the rollout is awaited.`,
        this,
      );
    });
    const healthPath = args.dns?.healthCheck.path ?? DEFAULT_HEALTH_PATH;
    const mountPath = args.sharedFilesMountPath ?? "/data";
    const urls = pulumi.output(args.repositoryUrls);
    const image = (tier: Tier) => urls.apply((u) => resolveImage(args.images[tier], u));
    for (const tier of ["web", "app"] as const) {
      const n = args.replicas[tier];
      if (!Number.isInteger(n) || n < 0) throw new Error(`SampleWorkload ${name}: replicas.${tier} must be a whole number >= 0, got ${n}`);
    }
    this.replicas = { ...args.replicas };

    const labels = (tier: Tier) => ({ "app.kubernetes.io/name": tier, "app.kubernetes.io/part-of": "eks-dr" });
    const metadata = (tier: Tier, extra: Record<string, string> = {}) => ({
      name: tier,
      namespace: args.namespace,
      labels: labels(tier),
      ...(Object.keys(extra).length > 0 ? { annotations: extra } : {}),
    });

    // The web tier answers the ALB's (and Route 53's) health path; the app tier its own /healthz.
    const readinessPath: Record<Tier, string> = { web: healthPath, app: DEFAULT_HEALTH_PATH };
    const deployment = (
      tier: Tier,
      container: k8s.types.input.core.v1.Container,
      podSpec: Partial<k8s.types.input.core.v1.PodSpec>,
      dependsOn: pulumi.Resource[] = [],
    ) =>
      new k8s.apps.v1.Deployment(
        `${name}-${tier}`,
        {
          // Where the pods wait Pending for nodes that only a failover brings (pilot light: awaitRollout
          // off), and before the images are pushed they cannot pull them (ImagePullBackOff): in both cases
          // `up` must not wait for them to become ready (it would time out after 10 minutes).
          // Only the annotation depends on the registry lookup: name and namespace stay known in a preview.
          metadata: {
            ...metadata(tier),
            annotations: pulumi
              .output(args.missingImages ?? [])
              .apply((missing) => (args.awaitRollout === false || missing.length > 0 ? { "pulumi.com/skipAwait": "true" } : undefined)),
          },
          spec: {
            replicas: this.replicas[tier],
            selector: { matchLabels: labels(tier) },
            template: {
              metadata: { labels: labels(tier) },
              spec: {
                // Only on this tier's dedicated nodes: the selector picks them, the toleration admits
                // the pods past their `eks-dr/tier=<tier>:NoSchedule` taint.
                nodeSelector: { [TIER_LABEL]: tier },
                tolerations: [{ key: TIER_LABEL, operator: "Equal", value: tier, effect: "NoSchedule" }],
                // Spread over zones, but never refuse to schedule: during a failover nodes arrive one
                // zone at a time, and a pod waiting for balance is a longer RTO.
                topologySpreadConstraints: [
                  { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: labels(tier) } },
                ],
                containers: [
                  {
                    ...container,
                    name: tier,
                    image: image(tier),
                    ports: [{ name: "http", containerPort: port }],
                    // Readiness only: a liveness restart cannot fix a dependency (database, EFS) that
                    // is down, it only adds restarts to the outage. Probed every second: a pod is Ready
                    // at its first passing probe, and only then does the load balancer controller
                    // register it as a target, so the probe's period is on a failover's critical path
                    // (the kubelet's HTTP GET each second is cheap); 10 failures (10 s) take it out.
                    readinessProbe: { httpGet: { path: readinessPath[tier], port: "http" }, periodSeconds: 1, failureThreshold: 10 },
                    securityContext: { allowPrivilegeEscalation: false },
                  },
                ],
                ...podSpec,
              },
            },
          },
        },
        { parent: this, dependsOn },
      );

    const service = (tier: Tier) =>
      new k8s.core.v1.Service(
        `${name}-${tier}`,
        {
          metadata: metadata(tier),
          // ClusterIP is enough: with target-type ip the ALB sends to pod IPs directly.
          spec: { type: "ClusterIP", selector: labels(tier), ports: [{ name: "http", port: 80, targetPort: "http" }] },
        },
        { parent: this },
      );

    // maxUnavailable rather than minAvailable: it lets a node drain evict one pod at a time whatever
    // the replica count, including 1 (warm standby) and 0, where minAvailable would block.
    const disruptionBudget = (tier: Tier) =>
      new k8s.policy.v1.PodDisruptionBudget(
        `${name}-${tier}`,
        { metadata: metadata(tier), spec: { maxUnavailable: 1, selector: { matchLabels: labels(tier) } } },
        { parent: this },
      );

    // The app's own AWS identity. With IMDS limited to hop 2 for nodes, a pod without one falls back
    // to the node role, which may not read the secret. Pod Identity hands the pods of this service
    // account the role's credentials (the eks-pod-identity-agent add-on runs on every node, see
    // Cluster); exactly GetSecretValue on this Region's copy of the secret, and Decrypt with the key
    // it is encrypted with here, only when Secrets Manager asks (Secrets Manager User Guide,
    // GetSecretValue "Required permissions"; "Secret encryption and decryption", kms:ViaService).
    const appServiceAccountName = args.appServiceAccountName ?? "app";
    const appServiceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-app`,
      { metadata: { name: appServiceAccountName, namespace: args.namespace, labels: labels("app") } },
      { parent: this },
    );
    this.appIdentity = new PodIdentityRole(
      `${name}-app`,
      {
        clusterName: args.clusterName,
        namespace: args.namespace,
        serviceAccount: appServiceAccountName,
        inlinePolicy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            { Sid: "ReadTheDatabaseSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: args.database.secretArn },
            {
              Sid: "DecryptItThroughSecretsManager",
              Effect: "Allow",
              Action: "kms:Decrypt",
              Resource: args.database.secretKmsKeyArn,
              Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${args.region}.amazonaws.com` } },
            },
          ],
        }),
      },
      { parent: this },
    );

    const appService = service("app");
    const app = deployment(
      "app",
      {
        name: "app",
        env: [
          { name: "DB_WRITER_HOST", value: args.database.writerEndpoint },
          { name: "DB_READER_HOST", value: args.database.readerEndpoint },
          { name: "DB_PORT", value: String(MYSQL_PORT) },
          { name: "DB_SECRET_ARN", value: args.database.secretArn },
          { name: "AWS_REGION", value: args.region },
          { name: "SHARED_FILES_DIR", value: mountPath },
          // Only while read-only: a site that takes writes keeps the pod template it always had.
          ...(args.readOnly ? [{ name: READ_ONLY_ENV, value: "true" }] : []),
        ],
        volumeMounts: [{ name: "shared-files", mountPath }],
        resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "512Mi" } },
      },
      {
        volumes: [{ name: "shared-files", persistentVolumeClaim: { claimName: args.pvcName } }],
        serviceAccountName: appServiceAccountName,
      },
      // EKS injects the Pod Identity credentials when a pod is created, so the association (and the
      // role's policy) must exist before the first app pod does.
      [appServiceAccount, this.appIdentity],
    );
    disruptionBudget("app");

    const webService = service("web");
    const web = deployment(
      "web",
      {
        name: "web",
        env: [{ name: "APP_URL", value: pulumi.interpolate`http://app.${args.namespace}.svc.cluster.local` }],
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
      },
      {},
    );
    disruptionBudget("web");

    this.ingress = new k8s.networking.v1.Ingress(
      `${name}-web`,
      {
        metadata: { ...metadata("web"), annotations: albAnnotations(args.dns, args.albGroupName) },
        spec: {
          ingressClassName: ALB_INGRESS_CLASS,
          rules: [{ http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { name: "http" } } } }] } }],
        },
      },
      { parent: this, dependsOn: [webService, appService] },
    );

    this.deployments = { web, app };
    this.albHostname = this.ingress.status.apply((status) => {
      const hostname = status?.loadBalancer?.ingress?.[0]?.hostname;
      if (!hostname) {
        throw new Error(`Ingress ${name}-web has no load balancer hostname; check the AWS Load Balancer Controller's logs in kube-system`);
      }
      return hostname;
    });
    // HTTPS only when HTTP redirects to it. The ALB's certificate names the application hostname,
    // not the ALB, so the probe connects to the ALB and presents (and verifies) that hostname.
    const scheme = albAnnotations(args.dns)["alb.ingress.kubernetes.io/ssl-redirect"] ? "https" : "http";
    this.endpointUrl = pulumi.interpolate`${scheme}://${this.albHostname}${healthPath}`;
    this.endpointHostname = scheme === "https" ? args.dns?.hostname : undefined;
    this.deploymentUrns = { web: web.urn, app: app.urn };
    this.registerOutputs({
      albHostname: this.albHostname,
      endpointUrl: this.endpointUrl,
      endpointHostname: this.endpointHostname,
      deploymentUrns: this.deploymentUrns,
    });
  }
}
