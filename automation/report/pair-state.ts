/**
 * Both sites' state in a few lines, read now, for a run that stopped past its point of no return:
 * what the operator needs to judge it (who takes writes, who serves, where the files replicate,
 * which record is PRIMARY) before running the resume command. Every read is bounded; one that
 * fails shows as unknown instead of hiding the others.
 */
import { siteServes } from "../cloud/serving/site";
import { errorMessage } from "../errors";
import type { CloudPort, StackPort } from "../ports";
import { writerArn, type Pair, type Site } from "../plan/sites";

export interface PairStateDeps {
  cloud: CloudPort;
  stacks: StackPort;
  /** Bound of each read. */
  timeoutMs: number;
}

const unknown = (err: unknown) => `unknown (${errorMessage(err)})`;

export async function describePairState(deps: PairStateDeps, pair: Pair): Promise<string[]> {
  const o = { timeoutMs: deps.timeoutMs };
  const dns = pair.target.config.dns ?? pair.source.config.dns;
  const [gc, records] = await Promise.all([
    deps.cloud.rds.describeGlobalCluster(pair.target.region, pair.globalClusterIdentifier, o).catch((e: unknown) => e as Error),
    dns ? deps.cloud.route53.getFailoverRecords(dns.hostedZoneId, dns.hostname, o).catch((e: unknown) => e as Error) : Promise.resolve(undefined),
  ]);
  const line = async (site: Site, peer: Site): Promise<string> => {
    const [cfg, serves, repl] = await Promise.all([
      deps.stacks.readConfig(site.stack).catch((e: unknown) => e as Error),
      siteServes(deps.cloud.serving, site.outputs, o).catch((e: unknown) => e as Error),
      deps.cloud.efs.describeReplication(site.region, site.outputs.fileSystemId, o).catch((e: unknown) => e as Error),
    ]);
    const parts: string[] = [];
    parts.push(cfg instanceof Error ? `config ${unknown(cfg)}` : `config role ${cfg.role}${cfg.quiesced ? ", quiesced" : ""}`);
    parts.push(`serving ${serves instanceof Error ? unknown(serves) : serves === undefined ? "unknown (no endpoint)" : serves ? "yes" : "no"}`);
    if (gc instanceof Error) parts.push(`Aurora ${unknown(gc)}`);
    else {
      const moving =
        gc.failoverState && (gc.failoverState.toClusterArn === site.outputs.dbClusterArn || gc.failoverState.fromClusterArn === site.outputs.dbClusterArn);
      const role = writerArn(gc.members) === site.outputs.dbClusterArn ? "writer" : "secondary";
      parts.push(
        `Aurora ${role}${moving ? ` (a ${gc.failoverState!.isDataLossAllowed ? "failover" : "switchover"} to ${gc.failoverState!.toClusterArn === site.outputs.dbClusterArn ? site.stack : peer.stack} is under way)` : ""}`,
      );
    }
    if (repl instanceof Error) parts.push(`EFS ${unknown(repl)}`);
    else if (!repl) parts.push("EFS writable, not replicating");
    else if (repl.sourceFileSystemId === site.outputs.fileSystemId) parts.push(`EFS replicates to ${peer.stack} (${repl.status})`);
    else parts.push(`EFS replication destination, read-only (${repl.status})`);
    if (records instanceof Error) parts.push(`DNS ${unknown(records)}`);
    else if (records) parts.push(`DNS record ${records.find((r) => r.setIdentifier === site.stack)?.failover ?? "missing"}`);
    return `${site.stack} (${site.region}): ${parts.join("; ")}`;
  };
  return Promise.all([line(pair.source, pair.target), line(pair.target, pair.source)]);
}
