/**
 * The step library the plans are built from. Every step follows the same contract (see types.ts):
 * `check()` only reads the postcondition; `run()` looks before it acts, so an action already under
 * way (a switchover in progress, a replication already DELETING, node sizes already set) is waited
 * for rather than repeated, then waits for the postcondition.
 *
 * Calls into a Region that may be impaired always carry `timeouts.impairedCallMs`; the guarded
 * cloud bounds every call even if an adapter ignored it.
 *
 * One module per concern (the README's Layout lists them); this file is their public surface.
 */
export { MARK, opts, waitFor } from "./shared";
export { scaleNodesStep } from "./nodes";
export { auroraDrainStep, auroraRebuiltStep, dbInstanceStep, promoteDbStep } from "./database";
export { cleanStaleReplicationStep, deleteReplicationStep, detachReplicationStep, efsSyncAfterStep, replicateToPeerStep } from "./files";
export { DRAINED_LAG_MS, resyncStep } from "./resync";
export { reseedStandbyStep, stopStaleReplicationStep } from "./reseed";
export { isDnsStepId, swapDnsStep } from "./dns";
export { clientsMovedStep, waitServingStep } from "./serving";
export { clearImpairedRegionsStep, convergeChanges, convergeConfigStep, quiesceStep, upStep, type UpStepArgs } from "./iac";
export { pointOfNoReturnStep } from "./point-of-no-return";
export { rollbackSteps } from "./rollback";
