/**
 * Policies on how the site is reached: security group exposure of the data ports, node group
 * placement across subnets, and Route 53 failover health checks.
 */
import * as ipaddr from "ipaddr.js";
import { definePolicy, type Violation } from "../policy";
import { T, describe, isSet, isUnknown, knownArray, knownNumber, knownString, ofType, type ResourceLike } from "../resources";

/** Data ports that must never face the internet. */
export const DATA_PORTS = [
  { port: 2049, service: "NFS (EFS)" },
  { port: 3306, service: "MySQL (Aurora)" },
] as const;

/**
 * Address space that is not reachable from the internet: RFC 1918, the RFC 6598 shared space AWS
 * accepts as a VPC secondary CIDR, and IPv6 unique local addresses. A CIDR counts as private only
 * when it lies entirely inside one of these (10.0.0.0/7 does not: it covers 11.0.0.0/8).
 */
const PRIVATE_RANGES: readonly [string, number][] = [
  ["10.0.0.0", 8],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["100.64.0.0", 10],
  ["fc00::", 7],
];

/**
 * The widest public IPv6 block a data port may face: an Amazon-provided VPC IPv6 block is a /56
 * (EC2 API Reference, CreateVpc `AmazonProvidedIpv6CidrBlock`), so a rule for the VPC's own
 * IPv6 addresses is a /56 or narrower; anything wider takes in other networks.
 */
const WIDEST_VPC_IPV6_PREFIX = 56;

/** True when the CIDR reaches beyond private address space (0.0.0.0/0, 0.0.0.0/1, 52.0.0.0/8, 2000::/3...). */
function isPublicCidr(value: unknown): boolean {
  const text = knownString(value)?.trim();
  if (!text) return false;
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  let bits: number;
  try {
    [addr, bits] = ipaddr.parseCIDR(text);
  } catch {
    return false; // not a CIDR AWS would accept; the provider rejects it
  }
  const inPrivate = PRIVATE_RANGES.some(([net, len]) => {
    const range = ipaddr.parse(net);
    return range.kind() === addr.kind() && bits >= len && addr.match(range, len);
  });
  if (inPrivate) return false;
  return addr.kind() === "ipv4" || bits < WIDEST_VPC_IPV6_PREFIX;
}

/** One ingress permission, whatever resource type carries it. */
interface Ingress {
  protocol: unknown;
  fromPort: unknown;
  toPort: unknown;
  cidrs: unknown[];
  /**
   * Managed prefix lists: their entries are not visible to a policy, and AWS-managed ones list
   * public address space (e.g. CloudFront's origin-facing addresses).
   */
  prefixLists: unknown[];
}

/** The ingress permissions a resource grants (security group inline rules, or a standalone rule). */
function ingressOf(r: ResourceLike): Ingress[] {
  switch (r.type) {
    case T.securityGroup:
      return (knownArray(r.props.ingress) ?? []).map((rule) => {
        const x = (rule ?? {}) as Record<string, unknown>;
        return {
          protocol: x.protocol,
          fromPort: x.fromPort,
          toPort: x.toPort,
          cidrs: [...(knownArray(x.cidrBlocks) ?? []), ...(knownArray(x.ipv6CidrBlocks) ?? [])],
          prefixLists: knownArray(x.prefixListIds) ?? [],
        };
      });
    case T.securityGroupRule:
      if (knownString(r.props.type) !== "ingress") return [];
      return [
        {
          protocol: r.props.protocol,
          fromPort: r.props.fromPort,
          toPort: r.props.toPort,
          cidrs: [...(knownArray(r.props.cidrBlocks) ?? []), ...(knownArray(r.props.ipv6CidrBlocks) ?? [])],
          prefixLists: knownArray(r.props.prefixListIds) ?? [],
        },
      ];
    case T.ingressRule:
      return [
        {
          protocol: r.props.ipProtocol,
          fromPort: r.props.fromPort,
          toPort: r.props.toPort,
          cidrs: [r.props.cidrIpv4, r.props.cidrIpv6],
          prefixLists: isSet(r.props.prefixListId) ? [r.props.prefixListId] : [],
        },
      ];
    default:
      return [];
  }
}

/** True when the permission admits TCP on `port` (all-protocol rules admit every port). */
function admitsTcpPort(rule: Ingress, port: number): boolean {
  const protocol = String(rule.protocol ?? "").toLowerCase();
  if (protocol === "-1" || protocol === "all") return true;
  if (protocol !== "tcp" && protocol !== "6") return false;
  const from = knownNumber(rule.fromPort);
  const to = knownNumber(rule.toPort);
  // Unknown ports during preview: assume the worst only when the range is fully known.
  if (from === undefined || to === undefined) return false;
  // Port -1 with TCP is not valid in AWS; 0-65535 is "all ports".
  return from <= port && port <= to;
}

/** What the permission opens to beyond private space, for the message; empty when nothing. */
function publicSources(rule: Ingress): string[] {
  const cidrs = rule.cidrs.filter(isPublicCidr).map((c) => String(c).trim());
  const lists = rule.prefixLists.filter(isSet).map((p) => (isUnknown(p) ? "a prefix list (id not known yet)" : `prefix list ${String(p)}`));
  return [...(cidrs.length > 0 ? [`public addresses ${cidrs.join(" and ")}`] : []), ...lists];
}

export const noPublicDataPorts = definePolicy({
  name: "no-public-data-ports",
  description:
    "No security group rule opens NFS (2049) or MySQL (3306) to public address space (any CIDR outside RFC 1918/6598 and IPv6 ULA, IPv6 wider than a VPC's /56) or to a managed prefix list.",
  enforcementLevel: "mandatory",
  scope: "resource",
  types: [T.securityGroup, T.securityGroupRule, T.ingressRule],
  defaults: {},
  validate(resources) {
    const out: Violation[] = [];
    for (const r of resources) {
      for (const rule of ingressOf(r)) {
        const sources = publicSources(rule);
        if (sources.length === 0) continue;
        for (const { port, service } of DATA_PORTS) {
          if (!admitsTcpPort(rule, port)) continue;
          out.push({
            urn: r.urn,
            message:
              `${describe(r)} opens ${service} port ${port} to ${sources.join(" and ")}. ` +
              "Fix: admit the port only from the security group of the pods' nodes (`referencedSecurityGroupId`, " +
              "`sourceSecurityGroupId` or `securityGroups`), never from a public CIDR (two /1 blocks are the whole internet too) or a prefix list whose entries this policy cannot see; " +
              "replicas reach the data over AWS-managed replication, not this port.",
          });
        }
      }
    }
    return out;
  },
});

export const nodeGroupsMultiSubnet = definePolicy<{ minimumSubnets: number }>({
  name: "eks-node-groups-multi-subnet",
  description: "Every EKS managed node group spans at least `minimumSubnets` subnets (default 2), one per Availability Zone.",
  enforcementLevel: "mandatory",
  scope: "resource",
  types: [T.eksNodeGroup],
  configSchema: {
    minimumSubnets: { type: "integer", default: 2, minimum: 1, description: "Fewest subnets (Availability Zones) a node group may span." },
  },
  defaults: { minimumSubnets: 2 },
  validate(resources, { minimumSubnets }) {
    const out: Violation[] = [];
    for (const ng of ofType(resources, T.eksNodeGroup)) {
      if (isUnknown(ng.props.subnetIds)) continue;
      const ids = knownArray(ng.props.subnetIds) ?? [];
      // Subnets not created yet (unknown ids) are distinct subnets; known ids count once.
      const count = new Set(ids.filter((id) => !isUnknown(id)).map(String)).size + ids.filter(isUnknown).length;
      if (count < minimumSubnets) {
        out.push({
          urn: ng.urn,
          message:
            `${describe(ng)} spans ${count} subnet(s), fewer than ${minimumSubnets}: losing one Availability Zone would take all its nodes, ` +
            "turning an AZ outage into a Region failover. Fix: pass the site's private subnets in every AZ as `subnetIds` (config `eks-dr:azCount` >= 2).",
        });
      }
    }
    return out;
  },
});

export const failoverPrimaryHealthCheck = definePolicy({
  name: "route53-primary-health-check",
  description: "A Route 53 failover record marked PRIMARY has a health check (or, for an alias, evaluates target health).",
  enforcementLevel: "mandatory",
  scope: "resource",
  types: [T.route53Record],
  defaults: {},
  validate(resources) {
    const out: Violation[] = [];
    for (const record of ofType(resources, T.route53Record)) {
      const policies = knownArray(record.props.failoverRoutingPolicies) ?? [];
      const primary = policies.some((p) => knownString((p as Record<string, unknown> | undefined)?.type) === "PRIMARY");
      if (!primary) continue;
      const aliases = knownArray(record.props.aliases) ?? [];
      const aliasEvaluates = aliases.some((a) => (a as Record<string, unknown> | undefined)?.evaluateTargetHealth === true);
      if (isSet(record.props.healthCheckId) || aliasEvaluates) continue;
      out.push({
        urn: record.urn,
        message:
          `${describe(record)} is the PRIMARY failover record but has no health check, so Route 53 keeps answering with it when the site is down ` +
          "and DNS never fails over. Fix: create an `aws.route53.HealthCheck` on the site's endpoint and set `healthCheckId` (config `eks-dr:dns.healthCheck`).",
      });
    }
    return out;
  },
});
