/**
 * Records the resource options a component gave its children; the mocks never see them.
 *
 *   const rec = recordResourceOptions();
 *   new Component("x", args, { providers: [ctx.aws], transformations: [rec.transformation] });
 *   rec.options.get("aws:rds/cluster:Cluster::db")?.protect
 *
 * Children inherit transformations, so the component and every resource under it is recorded,
 * keyed `type::name`. `dependsOn` is what the constructor was given, as an array of the resources
 * themselves (for `instanceof` and identity checks). `protect`, `ignoreChanges` and
 * `deleteBeforeReplace` are read from the registration the engine receives, so `protect` is the
 * effective value after inheritance from the parent (a transformation only sees what was passed).
 */
import * as pulumi from "@pulumi/pulumi";

export interface RecordedOptions {
  type: string;
  name: string;
  /** The `dependsOn` given, normalised to an array (empty when none). */
  dependsOn: unknown[];
  /** As registered with the engine (set once the registration is sent, i.e. after evaluation). */
  protect?: boolean;
  ignoreChanges?: string[];
  deleteBeforeReplace?: boolean;
}

export interface ResourceOptionsRecorder {
  /** Pass in the component's `transformations`. */
  transformation: pulumi.ResourceTransformation;
  /** Keyed `type::name`, in construction order. */
  options: Map<string, RecordedOptions>;
  /** The recorded resources of one type, in construction order. */
  ofType(type: string): RecordedOptions[];
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getProtect(): boolean;
  getIgnorechangesList(): string[];
  getDeletebeforereplace(): boolean;
}
type RegisterResource = (req: RegisterRequest, callback: unknown) => unknown;

export function recordResourceOptions(): ResourceOptionsRecorder {
  const options = new Map<string, RecordedOptions>();
  let hooked: unknown;

  // The transformation runs in the constructor, before the registration is sent: hooking the
  // current (mock) monitor on the first call sees the registration of every recorded resource.
  const hookMonitor = () => {
    const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource: RegisterResource };
    if (hooked === monitor) return;
    hooked = monitor;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
      const recorded = options.get(`${req.getType()}::${req.getName()}`);
      if (recorded) {
        recorded.protect = req.getProtect();
        recorded.ignoreChanges = req.getIgnorechangesList();
        recorded.deleteBeforeReplace = req.getDeletebeforereplace();
      }
      return register(req, callback);
    };
  };

  const transformation: pulumi.ResourceTransformation = ({ type, name, opts }) => {
    hookMonitor();
    const key = `${type}::${name}`;
    if (options.has(key)) throw new Error(`recordResourceOptions: two resources are keyed ${key}`);
    options.set(key, { type, name, dependsOn: ([] as unknown[]).concat(opts.dependsOn ?? []) });
    return undefined;
  };

  return { transformation, options, ofType: (type) => [...options.values()].filter((o) => o.type === type) };
}
