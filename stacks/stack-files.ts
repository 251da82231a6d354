/**
 * Reads `Pulumi.<stack>.yaml` files of this project.
 *
 * The program uses it to check the pair of sites before creating anything (a peer's Region and
 * CIDR are known as soon as its stack file exists), and the driver uses it to plan config changes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { PROJECT } from "./config";

export const stackFileName = (stack: string): string => `Pulumi.${stack}.yaml`;

/** Raw `eks-dr:*` values of a stack file, namespace stripped; undefined when the file is absent. */
export function readStackFileConfig(projectDir: string, stack: string): Record<string, unknown> | undefined {
  const file = path.join(projectDir, stackFileName(stack));
  if (!fs.existsSync(file)) return undefined;
  const doc = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  return projectValues(doc.config ?? {});
}

/** Picks the project's keys out of a config map keyed `namespace:key`, skipping encrypted values. */
export function projectValues(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(config)) {
    const [namespace, key] = splitKey(fullKey);
    if (namespace !== PROJECT || isSecure(value)) continue;
    out[key] = value;
  }
  return out;
}

function splitKey(fullKey: string): [string, string] {
  const i = fullKey.indexOf(":");
  return i < 0 ? [PROJECT, fullKey] : [fullKey.slice(0, i), fullKey.slice(i + 1)];
}

function isSecure(value: unknown): boolean {
  return typeof value === "object" && value !== null && "secure" in value;
}
