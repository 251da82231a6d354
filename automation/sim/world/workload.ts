/**
 * The workload and its data plane: each site's Deployments (replicas by tier, and the app's
 * read-only mode), its pods, and whether it serves. Pods are scheduled once both tiers have replicas
 * and nodes, and turn Ready after the pods-ready latency. A site serves (reads and writes) when its
 * Region answers, its pods are Ready, its workload is not read-only, its DB cluster is the available
 * writer and its file system is writable. It serves reads when it serves, or when its workload is
 * read-only with Ready pods and an available DB cluster with an instance (writer or secondary: the
 * app reads through the reader endpoint). Its workload writes while it serves (writes.ts); its health
 * check follows whether it serves reads, as the web tier answers the health path either way (route53.ts).
 */
import { DataPlaneError } from "../errors";
import { AwsError } from "../errors";
import { type Core, Part, type SiteRec, type WorkloadStores } from "./core";
import type { Efs } from "./efs";
import type { Route53 } from "./route53";
import type { Writes } from "./writes";

export class Workload extends Part {
  constructor(
    core: Core,
    private readonly efs: Efs,
    private readonly writes: Writes,
    private readonly route53: Route53,
    /** The application hostname (`dns.hostname`): the name on an HTTPS site's ALB certificate. */
    private readonly appHostname: string | undefined,
  ) {
    super(core);
  }

  /** Steady state at the start: the active site has been serving (and writing) for `historyMs`. */
  start(): void {
    for (const site of this.sites) {
      site.podsReady = this.podsCondition(site);
      site.serving = this.servingCondition(site);
      site.servingLog.push({ at: this.t, serving: site.serving });
      site.servesReads = this.readsCondition(site);
      if (site.serving) this.writes.openSegment(site, this.t - this.tuning.historyMs);
    }
  }

  /** Recompute step, per site: pods, then serving; the workload's writes follow serving, the health check reads. */
  trackSites(): void {
    for (const site of this.sites) {
      // Pods: scheduled once both tiers have replicas and nodes; Ready after the pods-ready latency.
      if (this.podsCondition(site)) {
        if (!site.podsReady && site.podsPendingAt === undefined) {
          const gen = ++site.podsGen;
          site.podsPendingAt = this.schedule(this.t + this.latency.sample("pods-ready"), `${site.stack}: pods ready`, () => {
            if (gen !== site.podsGen) return;
            site.podsReady = true;
            site.podsPendingAt = undefined;
          });
        }
      } else if (site.podsReady || site.podsPendingAt !== undefined) {
        site.podsReady = false;
        site.podsPendingAt = undefined;
        site.podsGen++;
      }
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

  /**
   * App pods mount the file system their volume names through a mount target in the site's VPC; with
   * none (an EFS restore into a new file system creates none) the kubelet cannot mount it and the
   * pods never start (EFS User Guide, "Managing mount targets": a client mounts through a mount
   * target in its Availability Zone).
   */
  private podsCondition(site: SiteRec): boolean {
    const r = site.replicas;
    const mountable = (site.fileSystems[this.workloadFileSystem(site)]?.mountTargets ?? 0) > 0;
    return !!r && r.web > 0 && r.app > 0 && site.nodeGroups.web.readyNodes > 0 && site.nodeGroups.app.readyNodes > 0 && mountable;
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
      site.podsReady &&
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
      site.readOnly && !this.impaired.has(site.region) && site.podsReady && site.db.status === "available" && !site.db.assumingRole && site.db.instanceCount > 0
    );
  }

  setWorkload(stack: string, replicas: { web: number; app: number } | undefined, readOnly: boolean, stores?: WorkloadStores): void {
    const site = this.siteOf(stack);
    site.replicas = replicas && { ...replicas };
    site.readOnly = readOnly;
    if (stores) site.workloadStores = { ...stores };
    this.recompute();
  }

  /** The workload's volume and DB endpoints now name these stores (its Deployments and volume changed). */
  setWorkloadStores(stack: string, stores: WorkloadStores): void {
    this.siteOf(stack).workloadStores = { ...stores };
    this.recompute();
  }

  /** CreateMountTarget in the site's VPC for a file system of its Region. */
  addMountTarget(region: string, fileSystemId: string, delta = 1): void {
    const site = this.siteInRegion(region);
    const fs = site?.fileSystems[fileSystemId];
    if (!site || !fs) throw new AwsError("FileSystemNotFound", `File system '${fileSystemId}' does not exist.`, { status: 404 });
    fs.mountTargets = Math.max(0, fs.mountTargets + delta);
    this.recompute();
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
