import type * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { PodIdentityRole } from "../../components/pod-identity-role";
import { albAnnotations, SampleWorkload, type SampleWorkloadArgs, TIER_LABEL } from "../../components/sample-workload";
import { siteConfigSchema, type DnsConfig, type WorkloadConfig } from "../../stacks/config";
import { componentChildren, evaluateComponent } from "../harness/component";
import { resolve } from "../../automation/sim/program/evaluate";
import type { MockCloud, RecordedResource } from "../../automation/sim/program/mock-cloud";
import { recordResourceOptions } from "../../automation/sim/program/resource-options";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";

const IMAGES: WorkloadConfig["images"] = { web: "web:1.4.2", app: "app:2.0.1" };

function dnsConfig(raw: Record<string, unknown> = {}): DnsConfig {
  return siteConfigSchema.shape.dns.unwrap().parse({ hostedZoneId: "Z0123456789ABCDEFGHIJ", hostname: "shop.example.com", ...raw });
}

const repoUrls = (region: string) => ({
  web: `123456789012.dkr.ecr.${region}.amazonaws.com/eks-dr/web`,
  app: `123456789012.dkr.ecr.${region}.amazonaws.com/eks-dr/app`,
});

async function build(
  opts: {
    replicas?: SampleWorkloadArgs["replicas"];
    readOnly?: boolean;
    awaitRollout?: boolean;
    region?: string;
    dns?: DnsConfig;
    images?: WorkloadConfig["images"];
    transformations?: pulumi.ResourceTransformation[];
  } = {},
) {
  const region = opts.region ?? "eu-west-3";
  return evaluateComponent(
    (ctx) => {
      const args: SampleWorkloadArgs = {
        namespace: "shop",
        images: opts.images ?? IMAGES,
        replicas: opts.replicas ?? { web: 3, app: 4 },
        ...(opts.readOnly !== undefined ? { readOnly: opts.readOnly } : {}),
        awaitRollout: opts.awaitRollout,
        repositoryUrls: repoUrls(ctx.region),
        pvcName: "shared-files",
        database: {
          writerEndpoint: `shop.cluster-abc.${ctx.region}.rds.amazonaws.com`,
          readerEndpoint: `shop.cluster-ro-abc.${ctx.region}.rds.amazonaws.com`,
          secretArn: `arn:aws:secretsmanager:${ctx.region}:123456789012:secret:shop-db-AbCdEf`,
          secretKmsKeyArn: `arn:aws:kms:${ctx.region}:123456789012:key/mrk-0123456789abcdef0123456789abcdef`,
        },
        region: ctx.region,
        clusterName: "shop-cluster",
        dns: opts.dns,
      };
      return new SampleWorkload("shop", args, { providers: [ctx.aws, ctx.k8s], transformations: opts.transformations });
    },
    { region },
  );
}

const deploymentOf = (cloud: MockCloud, tier: string): RecordedResource => cloud.one(DEPLOYMENT, `shop-${tier}`);
const podSpec = (d: RecordedResource) => d.inputs.spec.template.spec;
const env = (d: RecordedResource): Record<string, string> => Object.fromEntries(podSpec(d).containers[0].env.map((e: any) => [e.name, e.value]));

describe("SampleWorkload", () => {
  it("runs each tier at the replicas it is given, 0 included (a quiesced site)", async () => {
    const active = await build({ replicas: { web: 3, app: 4 } });
    expect(deploymentOf(active.cloud, "web").inputs.spec.replicas).to.equal(3);
    expect(deploymentOf(active.cloud, "app").inputs.spec.replicas).to.equal(4);
    const quiesced = await build({ replicas: { web: 1, app: 0 } });
    expect(deploymentOf(quiesced.cloud, "web").inputs.spec.replicas).to.equal(1);
    expect(deploymentOf(quiesced.cloud, "app").inputs.spec.replicas).to.equal(0);
    expect(quiesced.value.replicas).to.deep.equal({ web: 1, app: 0 });
  });

  it("read-only mode keeps every replica and tells the app to refuse writes (READ_ONLY=true); off, no such variable", async () => {
    const ro = await build({ replicas: { web: 3, app: 4 }, readOnly: true });
    expect(deploymentOf(ro.cloud, "web").inputs.spec.replicas).to.equal(3);
    expect(deploymentOf(ro.cloud, "app").inputs.spec.replicas).to.equal(4);
    expect(env(deploymentOf(ro.cloud, "app")).READ_ONLY).to.equal("true");
    // The app's readiness stays its /healthz: read-only pods stay Ready and in the ALB's targets.
    expect(podSpec(deploymentOf(ro.cloud, "app")).containers[0].readinessProbe.httpGet.path).to.equal("/healthz");
    for (const readOnly of [false, undefined]) {
      const rw = await build({ replicas: { web: 3, app: 4 }, ...(readOnly === undefined ? {} : { readOnly }) });
      expect(env(deploymentOf(rw.cloud, "app"))).to.not.have.property("READ_ONLY");
    }
  });

  it("rejects a replica count Kubernetes would refuse, naming the tier", async () => {
    let error: unknown;
    try {
      await build({ replicas: { web: 2, app: -1 } });
    } catch (e) {
      error = e;
    }
    expect((error as Error)?.message).to.match(/replicas\.app must be a whole number >= 0, got -1/);
  });

  it("creates app pods only once their service account and its Pod Identity association exist (credentials are injected at pod creation)", async () => {
    const { options, transformation } = recordResourceOptions();
    const { cloud, value } = await build({ transformations: [transformation] });
    const dependsOn = options.get(`${DEPLOYMENT}::shop-app`)!.dependsOn;
    expect(dependsOn).to.include(value.appIdentity);
    expect(dependsOn.some((d) => d instanceof PodIdentityRole)).to.equal(true);
    expect(dependsOn.map((d) => (d as pulumi.Resource & { constructor: { name: string } }).constructor.name)).to.include("ServiceAccount");
    expect(cloud.one("kubernetes:core/v1:ServiceAccount").inputs.metadata).to.deep.include({ name: "app", namespace: "shop" });
    expect(podSpec(deploymentOf(cloud, "app")).serviceAccountName).to.equal("app");
    expect(cloud.one("aws:eks/podIdentityAssociation:PodIdentityAssociation").inputs).to.include({
      clusterName: "shop-cluster",
      namespace: "shop",
      serviceAccount: "app",
    });
  });

  it("mounts the shared-files claim in app pods only", async () => {
    const { cloud } = await build();
    const app = deploymentOf(cloud, "app");
    expect(podSpec(app).volumes).to.deep.equal([{ name: "shared-files", persistentVolumeClaim: { claimName: "shared-files" } }]);
    expect(podSpec(app).containers[0].volumeMounts).to.deep.equal([{ name: "shared-files", mountPath: "/data" }]);
    expect(env(app).SHARED_FILES_DIR).to.equal("/data");
    expect(podSpec(deploymentOf(cloud, "web")).volumes).to.equal(undefined);
  });

  it("wires the app tier to this site's database endpoints, secret and Region", async () => {
    for (const region of ["eu-west-3", "us-west-2"]) {
      const { cloud } = await build({ region });
      const app = deploymentOf(cloud, "app");
      expect(env(app)).to.include({
        DB_WRITER_HOST: `shop.cluster-abc.${region}.rds.amazonaws.com`,
        DB_READER_HOST: `shop.cluster-ro-abc.${region}.rds.amazonaws.com`,
        DB_PORT: "3306",
        DB_SECRET_ARN: `arn:aws:secretsmanager:${region}:123456789012:secret:shop-db-AbCdEf`,
        AWS_REGION: region,
      });
      expect(podSpec(app).serviceAccountName).to.equal("app");
      expect(env(deploymentOf(cloud, "web")).APP_URL).to.equal("http://app.shop.svc.cluster.local");
    }
  });

  it("puts each tier on its own nodes, tolerating exactly that tier's taint, spread over zones", async () => {
    const { cloud } = await build();
    for (const tier of ["web", "app"]) {
      const spec = podSpec(deploymentOf(cloud, tier));
      expect(spec.nodeSelector, tier).to.deep.equal({ [TIER_LABEL]: tier });
      // The node groups carry the taint eks-dr/tier=<tier>:NoSchedule.
      expect(spec.tolerations, tier).to.deep.equal([{ key: "eks-dr/tier", operator: "Equal", value: tier, effect: "NoSchedule" }]);
      expect(spec.topologySpreadConstraints[0]).to.include({ topologyKey: "topology.kubernetes.io/zone", maxSkew: 1, whenUnsatisfiable: "ScheduleAnyway" });
    }
  });

  it("guards each tier with a disruption budget that never blocks at 0 or 1 replica", async () => {
    const { cloud } = await build();
    const pdbs = cloud.ofType("kubernetes:policy/v1:PodDisruptionBudget");
    expect(pdbs.map((p) => p.inputs.metadata.name).sort()).to.deep.equal(["app", "web"]);
    for (const p of pdbs) {
      expect(p.inputs.spec.maxUnavailable).to.equal(1);
      expect(p.inputs.spec.selector.matchLabels["app.kubernetes.io/name"]).to.equal(p.inputs.metadata.name);
    }
  });

  it("pulls images from this site's own repositories", async () => {
    for (const region of ["eu-west-3", "ap-southeast-2"]) {
      const { cloud } = await build({ region });
      expect(podSpec(deploymentOf(cloud, "web")).containers[0].image).to.equal(`${repoUrls(region).web}:1.4.2`);
      expect(podSpec(deploymentOf(cloud, "app")).containers[0].image).to.equal(`${repoUrls(region).app}:2.0.1`);
    }
    const { cloud } = await build({ images: { web: "public.ecr.aws/nginx/nginx:1.27", app: "app:2.0.1" } });
    expect(podSpec(deploymentOf(cloud, "web")).containers[0].image).to.equal("public.ecr.aws/nginx/nginx:1.27");
  });

  it("exposes web through an internet-facing ALB with pod targets and the DNS health path", async () => {
    const { cloud, value } = await build({ dns: dnsConfig({ healthCheck: { path: "/status" } }) });
    const ingress = cloud.one(INGRESS);
    expect(ingress.inputs.spec.ingressClassName).to.equal("alb");
    expect(ingress.inputs.metadata.annotations).to.deep.equal({
      "alb.ingress.kubernetes.io/scheme": "internet-facing",
      "alb.ingress.kubernetes.io/target-type": "ip",
      "alb.ingress.kubernetes.io/healthcheck-path": "/status",
      "alb.ingress.kubernetes.io/healthcheck-interval-seconds": "5",
      "alb.ingress.kubernetes.io/healthcheck-timeout-seconds": "4",
      "alb.ingress.kubernetes.io/listen-ports": '[{"HTTP":80}]',
    });
    // No host rule: Route 53 health checkers and the driver address the ALB by its own name.
    expect(ingress.inputs.spec.rules).to.have.length(1);
    expect(ingress.inputs.spec.rules[0].host).to.equal(undefined);
    expect(ingress.inputs.spec.rules[0].http.paths[0].backend.service).to.deep.equal({ name: "web", port: { name: "http" } });
    expect(podSpec(deploymentOf(cloud, "web")).containers[0].readinessProbe.httpGet.path).to.equal("/status");

    const alb = ingress.state.status.loadBalancer.ingress[0].hostname;
    expect(await resolve(value.albHostname)).to.equal(alb);
    expect(await resolve(value.endpointUrl)).to.equal(`http://${alb}/status`);
  });

  it("checks a new pod target every 5 s, the ALB's shortest interval (a registered target is healthy after one passing check), with a timeout under it", async () => {
    const { cloud } = await build();
    const a = cloud.one(INGRESS).inputs.metadata.annotations;
    expect(a["alb.ingress.kubernetes.io/healthcheck-interval-seconds"]).to.equal("5");
    // ELB refuses a timeout not smaller than the interval (ValidationError), and one under 2 s.
    expect(Number(a["alb.ingress.kubernetes.io/healthcheck-timeout-seconds"])).to.be.within(2, 4);
  });

  it("probes readiness every second, so a started pod turns Ready (and is registered) within a second, tolerating 10 s of failures", async () => {
    const { cloud } = await build();
    for (const tier of ["web", "app"]) {
      expect(podSpec(deploymentOf(cloud, tier)).containers[0].readinessProbe, tier).to.deep.include({ periodSeconds: 1, failureThreshold: 10 });
    }
  });

  it("defaults the health path to /healthz without DNS", async () => {
    const { cloud, value } = await build();
    expect(cloud.one(INGRESS).inputs.metadata.annotations["alb.ingress.kubernetes.io/healthcheck-path"]).to.equal("/healthz");
    expect(await resolve(value.endpointUrl)).to.match(/^http:\/\/k8s-.*\/healthz$/);
  });

  it("adds an HTTPS listener with the certificate, redirecting only when Route 53 checks HTTPS", async () => {
    const certificateArn = "arn:aws:acm:eu-west-3:123456789012:certificate/abc";
    const httpCheck = albAnnotations(dnsConfig({ certificateArn }));
    expect(httpCheck["alb.ingress.kubernetes.io/listen-ports"]).to.equal('[{"HTTP":80},{"HTTPS":443}]');
    expect(httpCheck["alb.ingress.kubernetes.io/certificate-arn"]).to.equal(certificateArn);
    expect(httpCheck["alb.ingress.kubernetes.io/ssl-redirect"]).to.equal(undefined);

    const { cloud, value } = await build({ dns: dnsConfig({ certificateArn, healthCheck: { protocol: "HTTPS" } }) });
    expect(cloud.one(INGRESS).inputs.metadata.annotations["alb.ingress.kubernetes.io/ssl-redirect"]).to.equal("443");
    expect(await resolve(value.endpointUrl)).to.match(/^https:\/\//);
  });

  it("names the application hostname for an HTTPS endpoint: the ALB's certificate names it, not the ALB", async () => {
    const certificateArn = "arn:aws:acm:eu-west-3:123456789012:certificate/abc";
    const https = await build({ dns: dnsConfig({ certificateArn, healthCheck: { protocol: "HTTPS" } }) });
    const alb = https.cloud.one(INGRESS).state.status.loadBalancer.ingress[0].hostname;
    expect(await resolve(https.value.endpointUrl)).to.equal(`https://${alb}/healthz`);
    expect(await resolve(https.value.endpointHostname)).to.equal("shop.example.com");
    const plain = await build({ dns: dnsConfig({ certificateArn }) });
    expect(plain.value.endpointHostname, "HTTP needs no TLS name").to.equal(undefined);
  });

  it("does not make `up` wait for the pods when told not to (a standby's stay Pending until a failover brings nodes)", async () => {
    const standby = await build({ awaitRollout: false });
    for (const tier of ["web", "app"]) {
      expect(deploymentOf(standby.cloud, tier).inputs.metadata.annotations).to.deep.equal({ "pulumi.com/skipAwait": "true" });
    }
    const active = await build({ awaitRollout: true });
    expect(deploymentOf(active.cloud, "web").inputs.metadata.annotations).to.equal(undefined);
  });

  for (const region of ["eu-west-3", "us-east-2"]) {
    it(`creates every object in the given namespace through the cluster's provider, parented (${region})`, async () => {
      const { cloud, value } = await build({ region });
      const all = componentChildren(cloud).filter((r) => r.type !== "eks-dr:index:SampleWorkload");
      const children = all.filter((r) => r.type.startsWith("kubernetes:"));
      expect(children.map((r) => r.type).sort()).to.deep.equal(
        [
          DEPLOYMENT,
          DEPLOYMENT,
          "kubernetes:core/v1:Service",
          "kubernetes:core/v1:Service",
          "kubernetes:core/v1:ServiceAccount",
          "kubernetes:policy/v1:PodDisruptionBudget",
          "kubernetes:policy/v1:PodDisruptionBudget",
          INGRESS,
        ].sort(),
      );
      // The app's IAM role, its policy and its association go through the site's AWS provider.
      for (const r of all.filter((r) => r.type.startsWith("aws:"))) expect(r.region, r.name).to.equal(region);
      for (const r of children) {
        expect(r.urn, r.name).to.contain("eks-dr:index:SampleWorkload$");
        expect(r.provider, r.name).to.contain("pulumi:providers:kubernetes::test-k8s");
        expect(r.inputs.metadata.namespace, r.name).to.equal("shop");
      }
      expect(await resolve(value.deploymentUrns.web)).to.equal(deploymentOf(cloud, "web").urn);
      expect(await resolve(value.deploymentUrns.app)).to.equal(deploymentOf(cloud, "app").urn);
      expect(await resolve(value.albHostname)).to.equal(cloud.one(INGRESS).state.status.loadBalancer.ingress[0].hostname);
      expect(env(deploymentOf(cloud, "app")).AWS_REGION).to.equal(region);
    });
  }
});
