/**
 * Pulumi state of a simulated stack, as plain JSON data: per resource, the inputs last applied
 * (what the program sent, after `ignoreChanges`), the outputs the provider read back after its
 * last create/update/refresh, the options it was registered with and who created it.
 */
import { jsonCopy } from "../../util/json-copy";
import type { Registration } from "../program/run";

/** A resource as registered (its inputs after `ignoreChanges`, its outputs as read back), and who created it. */
export interface ResourceState extends Registration {
  /** The principal that ran the `up` that created it (the creator of an EKS cluster is its bootstrap admin). */
  createdBy?: string;
}

/** A stack's resources in the engine's order (creation order; deletions go in reverse). */
export type StackState = ResourceState[];

// The same as a JSON round trip, faster (util/json-copy.ts).
const copy = jsonCopy;

/** The state entry a registration leaves once applied; `outputs` as the provider read them back. */
export function stateOf(reg: Registration, inputs: Record<string, unknown>, outputs: Record<string, unknown>, createdBy: string | undefined): ResourceState {
  return copy({
    urn: reg.urn,
    type: reg.type,
    name: reg.name,
    ...(reg.parent ? { parent: reg.parent } : {}),
    custom: reg.custom,
    id: reg.id,
    ...(reg.providerUrn ? { providerUrn: reg.providerUrn } : {}),
    ...(reg.region ? { region: reg.region } : {}),
    inputs,
    outputs,
    options: reg.options,
    dependencies: reg.dependencies,
    ...(reg.read ? { read: true } : {}),
    ...(createdBy ? { createdBy } : {}),
  });
}

export function findResource(state: StackState, urn: string): ResourceState | undefined {
  return state.find((r) => r.urn === urn);
}

/** Replaces (or appends) the entry with this URN, keeping its position. */
export function putResource(state: StackState, entry: ResourceState): void {
  const i = state.findIndex((r) => r.urn === entry.urn);
  if (i >= 0) state[i] = entry;
  else state.push(entry);
}

export function removeResource(state: StackState, urn: string): void {
  const i = state.findIndex((r) => r.urn === urn);
  if (i >= 0) state.splice(i, 1);
}

/** `urn:pulumi:<stack>::<project>::<type chain>::<name>` -> `<type> <name>`, for messages. */
export function describeUrn(urn: string): string {
  const name = urn.slice(urn.lastIndexOf("::") + 2);
  const type = urn.slice(0, urn.lastIndexOf("::")).split("::").pop()?.split("$").pop() ?? "";
  return `${type} ${name}`;
}
