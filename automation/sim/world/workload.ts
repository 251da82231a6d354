/**
 * The workload and its data plane: each site's Deployments (replicas by tier, and the app's
 * read-only mode), its pods, its ALB target, and whether it serves.
 *
 * From nodes to serving, per tier, as on a real cluster: once a tier has replicas and a Ready node,
 * its Pending pods are scheduled and start (image pulled, app answering: `pod-start`), then the
 * kubelet's readiness probe marks them Ready (`readiness-probe`, from the Deployment's probe). The
 * load balancer controller registers the web tier's Ready pods in the ALB target group
 * (`alb-target-registration`), and a newly registered target is healthy after one passing check
 * (`alb-target-health-check`, from the Ingress's interval). Losing the nodes or the replicas resets
 * the chain. The probe and the interval are the program's (`servingSettings`, read from its
 * resources), never restated here.
 *
 * A site serves (reads and writes) when its Region answers, its ALB has a healthy web target, its
 * app pods are Ready, its workload is not read-only, its DB cluster is the available writer and its
 * file system is writable. It serves reads when it serves, or when its workload is read-only with a
 * healthy target, Ready app pods and an available DB cluster with an instance (writer or secondary:
 * the app reads through the reader endpoint). Its workload writes while it serves (writes.ts); its
 * health check follows whether it serves reads, as the web tier answers the health path either way
 * (route53.ts).
 */
import { DataPlaneError } from "../errors";
import { AwsError } from "../errors";
import { type Core, Part, type ServingChain, type ServingSettings, type SiteRec, type WorkloadStores } from "./core";
import type { Efs } from "./efs";
import type { RestoredFiles } from "./restored-files";
import type { Route53 } from "./route53";
import type { Writes } from "./writes";

const TIERS = ["web", "app"] as const;
type Tier = (typeof TIERS)[number];

export class Workload extends Part {
  constructor(
    core: Core,
    private readonly efs: Efs,
    private readonly writes: Writes,
    private readonly route53: Route53,
    private readonly restoredFiles: RestoredFiles,
    /** The application hostname (`dns.hostname`): the name on an HTTPS site's ALB certificate. */
    private readonly appHostname: string | undefined,
  ) {
    super(core);
  }

  /** Steady state at the start: the active site has been serving (and writing) for `historyMs`. */
  start(): void {
    for (const site of this.sites) {
      // A site whose pods can run has been running them: its chain is complete at the start.
      for (const tier of TIERS) {
        if (this.tierCanRun(site, tier)) Object.assign(site.chain[tier], { scheduledAt: this.t, upAt: this.t, readyAt: this.t });
      }
      site.podsReady = this.podsCondition(site);
      if (site.podsReady) Object.assign(site.chain.target, { registeringAt: this.t, registeredAt: this.t, healthyAt: this.t });
      site.targetHealthy = site.podsReady;
      site.serving = this.servingCondition(site);
      site.servingLog.push({ at: this.t, serving: site.serving });
      site.servesReads = this.readsCondition(site);
      if (site.serving) this.writes.openSegment(site, this.t - this.tuning.historyMs);
    }
  }

  /** Recompute step, per site: pods, the ALB target, then serving; the workload's writes follow serving, the health check reads. */
  trackSites(): void {
    for (const site of this.sites) {
      for (const tier of TIERS) this.trackTier(site, tier);
      site.podsReady = this.podsCondition(site);
      this.trackTarget(site);
      const serving = this.servingCondition(site);
      if (serving !== site.serving) {
        site.serving = serving;
        site.servingLog.push({ at: this.t, serving });
        if (serving) this.writes.openSegment(site);
        else this.writes.closeSegment(site);
      }
      const reads = this.readsCondition(site);
      if (reads !== site.servesReads) {
        site.servesReads = reads;
        this.route53.followServing(site, reads);
      }
    }
  }

  /** A tier's pods: scheduled once it has replicas and a Ready node, started, then Ready at a passing probe. */
  private trackTier(site: SiteRec, tier: Tier): void {
    const chain = site.chain[tier];
    if (!this.tierCanRun(site, tier)) {
      if (chain.scheduledAt !== undefined) site.chain[tier] = { gen: chain.gen + 1 };
      return;
    }
    if (chain.scheduledAt !== undefined) return;
    const gen = ++chain.gen;
    chain.scheduledAt = this.t;
    if (tier === "app") this.restoredFiles.appStarts(this.workloadFileSystem(site));
    chain.upAt = this.t + this.latency.sample("pod-start");
    const readyAt = chain.upAt + this.latency.sample("readiness-probe", { probe: site.servingSettings?.probes[tier] });
    this.schedule(readyAt, `${site.stack}: ${tier} pods Ready`, () => {
      if (site.chain[tier].gen === gen) site.chain[tier].readyAt = readyAt;
    });
  }

  /** The web tier's ALB target: registered once web pods are Ready, healthy after one passing check; gone with them. */
  private trackTarget(site: SiteRec): void {
    const target = site.chain.target;
    if (site.chain.web.readyAt === undefined) {
      if (target.registeringAt !== undefined) site.chain.target = { gen: target.gen + 1 };
      site.targetHealthy = false;
      return;
    }
    site.targetHealthy = target.healthyAt !== undefined;
    if (target.registeringAt !== undefined) return;
    const gen = ++target.gen;
    target.registeringAt = this.t;
    const registeredAt = this.t + this.latency.sample("alb-target-registration");
    const healthyAt = registeredAt + this.latency.sample("alb-target-health-check", { targetHealthCheck: site.servingSettings?.targetHealthCheck });
    this.schedule(registeredAt, `${site.stack}: web target registered`, () => {
      if (site.chain.target.gen === gen) site.chain.target.registeredAt = registeredAt;
    });
    this.schedule(healthyAt, `${site.stack}: web target healthy`, () => {
      if (site.chain.target.gen === gen) site.chain.target.healthyAt = healthyAt;
    });
  }

  /**
   * App pods mount the file system their volume names through a mount target in the site's VPC; with
   * none (an EFS restore into a new file system creates none) the kubelet cannot mount it and the
   * pods never start (EFS User Guide, "Managing mount targets": a client mounts through a mount
   * target in its Availability Zone). An app Deployment that depends on the Job moving restored
   * files to the root is created only once it completed (restored-files.ts).
   */
  private tierCanRun(site: SiteRec, tier: Tier): boolean {
    const fileSystemId = this.workloadFileSystem(site);
    const mountable = tier !== "app" || ((site.fileSystems[fileSystemId]?.mountTargets ?? 0) > 0 && !this.restoredFiles.holdsApp(site, fileSystemId));
    return (site.replicas?.[tier] ?? 0) > 0 && site.nodeGroups[tier].readyNodes > 0 && mountable;
  }

  private podsCondition(site: SiteRec): boolean {
    return site.chain.web.readyAt !== undefined && site.chain.app.readyAt !== undefined;
  }

  /** The site's application answers through its ALB: a healthy web target, and Ready app pods behind it. */
  private appAnswers(site: SiteRec): boolean {
    return site.targetHealthy && site.chain.app.readyAt !== undefined;
  }

  private workloadFileSystem(site: SiteRec): string {
    return site.workloadStores?.fileSystemId ?? site.names.fileSystemId;
  }

  /** The workload writes to the stores holding the site's data now (after a restore: the restored ones). */
  private onTheSiteData(site: SiteRec): boolean {
    return (
      this.workloadFileSystem(site) === site.names.fileSystemId &&
      (site.workloadStores?.dbClusterIdentifier ?? site.names.dbClusterIdentifier) === site.names.dbClusterIdentifier
    );
  }

  private servingCondition(site: SiteRec): boolean {
    return (
      !this.impaired.has(site.region) &&
      this.appAnswers(site) &&
      !site.readOnly &&
      this.onTheSiteData(site) &&
      site.db.role === "writer" &&
      !site.db.pendingDemotion &&
      site.db.status === "available" &&
      site.db.instanceCount > 0 &&
      this.efs.protectionOf(site) === "ENABLED"
    );
  }

  private readsCondition(site: SiteRec): boolean {
    if (site.serving) return true;
    return (
      site.readOnly &&
      !this.impaired.has(site.region) &&
      this.appAnswers(site) &&
      site.db.status === "available" &&
      !site.db.assumingRole &&
      site.db.instanceCount > 0
    );
  }

  setWorkload(stack: string, replicas: { web: number; app: number } | undefined, readOnly: boolean, stores?: WorkloadStores): void {
    const site = this.siteOf(stack);
    site.replicas = replicas && { ...replicas };
    site.readOnly = readOnly;
    if (stores) this.useStores(site, stores);
    this.recompute();
  }

  /** The workload's volume and DB endpoints now name these stores (its Deployments and volume changed). */
  setWorkloadStores(stack: string, stores: WorkloadStores): void {
    this.useStores(this.siteOf(stack), stores);
    this.recompute();
  }

  /** A volume on another file system is mounted by new app pods: the ones running stop, new ones start (when they can). */
  private useStores(site: SiteRec, stores: WorkloadStores): void {
    const before = this.workloadFileSystem(site);
    site.workloadStores = { ...stores };
    if (this.workloadFileSystem(site) !== before && site.chain.app.scheduledAt !== undefined) site.chain.app = { gen: site.chain.app.gen + 1 };
  }

  /** CreateMountTarget in the site's VPC for a file system of its Region. */
  addMountTarget(region: string, fileSystemId: string, delta = 1): void {
    const site = this.siteInRegion(region);
    const fs = site?.fileSystems[fileSystemId];
    if (!site || !fs) throw new AwsError("FileSystemNotFound", `File system '${fileSystemId}' does not exist.`, { status: 404 });
    fs.mountTargets = Math.max(0, fs.mountTargets + delta);
    this.recompute();
  }

  setServingSettings(stack: string, settings: ServingSettings | undefined): void {
    const site = this.siteOf(stack);
    if (settings) site.servingSettings = settings;
    else delete site.servingSettings;
  }

  /** When each link of the site's current path from nodes to a healthy target happened (virtual ms). */
  servingChain(stack: string): ServingChain {
    return structuredClone(this.siteOf(stack).chain);
  }

  writeDb(stack: string, rows: number): void {
    const site = this.siteOf(stack);
    if (site.db.role !== "writer" || site.db.pendingDemotion || site.db.status !== "available") {
      throw new DataPlaneError(
        "ER_OPTION_PREVENTS_STATEMENT",
        `${site.names.dbClusterIdentifier} is a read-only secondary cluster; writes go to the global cluster's writer`,
      );
    }
    this.writes.addPointWrite(stack, rows, 0);
  }

  writeFiles(stack: string, files: number): void {
    const site = this.siteOf(stack);
    const protection = this.efs.protectionOf(site);
    if (protection !== "ENABLED") {
      throw new DataPlaneError("EROFS", `${site.names.fileSystemId} is read-only (replication overwrite protection ${protection})`);
    }
    this.writes.addPointWrite(stack, 0, files);
  }

  /**
   * Does a GET of `url` get a 2xx? Over HTTPS the ALB's certificate names the application hostname,
   * never the ALB's own DNS name, so the TLS handshake verifies only when the probe presents that
   * name (`serverName`, sent as SNI and verified against the certificate); without it the name
   * checked is the URL's host, and verification fails whatever the site's state. (The certificate
   * names the custom domain, "the domain name on the certificate must match the custom domain name
   * record": Elastic Load Balancing User Guide, "SSL certificates for your Application Load Balancer".)
   */
  endpointServes(url: string, serverName?: string): boolean {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return false;
    }
    const host = parsed.hostname;
    if (parsed.protocol === "https:" && (serverName ?? host) !== this.appHostname) return false;
    // The probe GETs the health path, which the web tier answers in read-only mode too.
    return this.sites.find((s) => s.names.albHostname === host)?.servesReads ?? false;
  }

  endpointRegion(url: string): string | undefined {
    try {
      const host = new URL(url).hostname;
      return this.sites.find((s) => s.names.albHostname === host)?.region;
    } catch {
      return undefined;
    }
  }

  servingLog(stack: string): { at: number; serving: boolean }[] {
    return [...this.siteOf(stack).servingLog];
  }
}
