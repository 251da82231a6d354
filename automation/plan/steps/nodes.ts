/**
 * Node steps: a node group scaled to the sizes of a role through the EKS API.
 */
import { PRIORITY } from "../priorities";
import type { NodeGroupScaling, NodeGroupState } from "../../ports";
import type { NodeGroupName, Role, SiteConfig } from "../../../stacks/config";
import { nodeGroupSizes } from "../../../stacks/roles";
import type { Site } from "../sites";
import type { Step, StepContext } from "../types";
import { id, opts, waitFor } from "./shared";

function scalingFor(cfg: SiteConfig, group: NodeGroupName, role: Role): NodeGroupScaling {
  const s = nodeGroupSizes({ ...cfg, role }, group);
  return { minSize: s.min, desiredSize: s.desired, maxSize: s.max };
}

const sizesMatch = (st: NodeGroupState, want: NodeGroupScaling) =>
  st.minSize === want.minSize && st.desiredSize === want.desiredSize && st.maxSize === want.maxSize;
const nodesReady = (st: NodeGroupState, want: NodeGroupScaling) =>
  sizesMatch(st, want) && st.status === "ACTIVE" && (st.readyNodes === undefined || st.readyNodes >= want.desiredSize);

/**
 * Scales one node group of `site` to the sizes of `role` through the EKS API (decision 4: a
 * `pulumi up` in front of the slowest branch would add minutes; IaC converges afterwards).
 */
export function scaleNodesStep(site: Site, group: NodeGroupName, role: Role, prefix = "", dependsOn: string[] = []): Step {
  const want = scalingFor(site.config, group, role);
  const cluster = site.outputs.clusterName;
  const name = site.outputs.nodeGroupNames[group];
  const describe = (ctx: StepContext) => ctx.cloud.eks.describeNodeGroup(site.region, cluster, name, opts(ctx));
  return {
    id: id(prefix, `scale-nodes-${group}`),
    title: `Scale ${group} nodes of ${site.stack} to ${want.minSize}/${want.desiredSize}/${want.maxSize} and wait until Ready`,
    dependsOn,
    effect: `EKS UpdateNodegroupConfig ${cluster}/${name} in ${site.region}: min/desired/max ${want.minSize}/${want.desiredSize}/${want.maxSize} (${role} sizes)`,
    priority: PRIORITY.scaleNodes,
    check: async (ctx) => nodesReady(await describe(ctx), want),
    run: async (ctx) => {
      const st = await describe(ctx);
      if (!sizesMatch(st, want)) await ctx.cloud.eks.scaleNodeGroup(site.region, cluster, name, want, opts(ctx));
      else ctx.log(`sizes already ${want.minSize}/${want.desiredSize}/${want.maxSize}; waiting for nodes`);
      let last: NodeGroupState | undefined;
      await waitFor(ctx, `${group} nodes of ${site.stack} Ready`, async () => nodesReady((last = await describe(ctx)), want), ctx.timeouts.nodesMs);
      if (last?.readyNodesUnknown) {
        return {
          detail: `sizes ${want.minSize}/${want.desiredSize}/${want.maxSize} ACTIVE; Ready nodes not read: ${last.readyNodesUnknown}`,
          data: { readyNodes: undefined },
        };
      }
      return { detail: `${last?.readyNodes ?? want.desiredSize} nodes Ready`, data: { readyNodes: last?.readyNodes } };
    },
  };
}
