/**
 * The driver's ports: the narrow interfaces the failover plans are written against.
 *
 * Each port has two adapters:
 *   - real: Pulumi Automation API (LocalWorkspace) and AWS SDK v3 clients;
 *   - simulated: an in-memory two-Region model with a virtual clock and fault injection.
 * Plans, the executor, the journal and the CLI only ever see these interfaces.
 *
 * The cloud's ports, one per AWS service, are in cloud/ (cloud/port.ts composes them).
 */
import type { SiteConfig } from "../stacks/config";
import type { BackupOnlySiteOutputs, SiteOutputs } from "../stacks/outputs";

// ---------------------------------------------------------------------------------------------
// Clock

export interface Clock {
  /** Milliseconds since the epoch (virtual in simulations). */
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Stacks (Pulumi)

/** A config change on one stack; `key` is a schema key without namespace, dotted for nested ones. */
export interface ConfigChange {
  key:
    | "role"
    | "replicateToPeer"
    | "quiesced"
    | "database.readers.standby"
    | "database.readers.active"
    | "impairedRegions"
    | "veleroRestore.backupName"
    | "veleroRestore.attempt"
    | "restoredData";
  /** JSON value as the schema expects it (string, boolean, number, list of strings, an object of strings). */
  value: string | boolean | number | string[] | Record<string, string>;
}

export interface UpOptions {
  /** Only these URNs (may name resources not created yet). */
  target?: string[];
  /** Leave these URNs out (e.g. a DNS record whose control plane is unreachable). */
  exclude?: string[];
  /** Refresh exactly these URNs first (resources the driver changed directly). Never the whole stack: see README, pulumi-aws#6041. */
  refreshTargets?: string[];
  /** One line of engine output at a time, for progress display. */
  onOutput?: (line: string) => void;
  signal?: AbortSignal;
}

export interface UpResult {
  /** Operation counts from the update summary, e.g. { update: 3, same: 120 }. */
  changes: Record<string, number>;
}

export interface StackPort {
  /** The stack's config, parsed with the shared schema. */
  readConfig(stack: string): Promise<SiteConfig>;
  /** Applies changes to the stack's config (its Pulumi.<stack>.yaml), all or nothing. */
  setConfig(stack: string, changes: ConfigChange[]): Promise<void>;
  /** `pulumi up` (never with a full refresh). */
  up(stack: string, opts?: UpOptions): Promise<UpResult>;
  /** The stack's outputs, validated against the contract; undefined when the stack has none yet. */
  outputs(stack: string): Promise<SiteOutputs | undefined>;
  /**
   * The outputs of a standby of the backup-restore tier (no cluster or database; what a restore into
   * it reads), validated against `backupOnlySiteOutputsSchema`; undefined when the stack has none.
   */
  backupOnlyOutputs(stack: string): Promise<BackupOnlySiteOutputs | undefined>;
}

// ---------------------------------------------------------------------------------------------
// Cloud actions and reads that IaC cannot express: one port per service, in cloud/<service>/

export type * from "./cloud/port";

// ---------------------------------------------------------------------------------------------
// Journal

export type JournalEvent =
  | { kind: "run-start"; runId: string; at: number; command: string; args: Record<string, unknown>; pid: number; host: string }
  | { kind: "step-start"; runId: string; at: number; step: string }
  | { kind: "step-end"; runId: string; at: number; step: string; outcome: "done" | "skipped" | "failed"; detail?: string; data?: Record<string, unknown> }
  | { kind: "mark"; runId: string; at: number; name: string; data?: Record<string, unknown> }
  | { kind: "run-end"; runId: string; at: number; outcome: "succeeded" | "failed" | "aborted" | "rolled-back"; report?: Record<string, unknown> };

export interface JournalPort {
  /** Events of the most recent run, oldest first; empty when there is none. */
  lastRun(): Promise<JournalEvent[]>;
  /** Every event of every run, oldest first (validated like `lastRun`). */
  history(): Promise<JournalEvent[]>;
  append(event: JournalEvent): Promise<void>;
  /**
   * Takes the run lock and keeps its lease renewed; throws LockHeldError if another run holds it
   * and is alive, or holds it and `takeOver` is false.
   */
  lock(runId: string, opts: { takeOver: boolean }): Promise<void>;
  unlock(runId: string): Promise<void>;
  /** Stops renewing the lease and leaves the lock in place (a simulated crash: as a killed process would). */
  abandon(runId: string): Promise<void>;
}
