/**
 * The step library the plans are built from. Every step follows the same contract (see types.ts):
 * `check()` only reads the postcondition; `run()` looks before it acts, so an action already under
 * way (a switchover in progress, a replication already DELETING, node sizes already set) is waited
 * for rather than repeated, then waits for the postcondition.
 *
 * Calls into a Region that may be impaired always carry `timeouts.impairedCallMs`; the guarded
 * cloud bounds every call even if an adapter ignored it.
 *
 * One module per concern:
 *   shared.ts    the marks, the call bound, the wait for a postcondition, step ids
 *   nodes.ts     EKS node group sizes
 *   database.ts  Aurora: an instance for a headless secondary, lag drained, promotion, the old primary rebuilt
 *   files.ts     EFS: replication stopped or detached, stale half cleaned, replication restored
 *   resync.ts    failback: the old site caught up on EFS and Aurora
 *   dns.ts       Route 53: the failover record swap
 *   serving.ts   the wait until the target serves (end of the RTO), then until clients moved to it
 *   iac.ts       config and `pulumi up`: quiesce, role swap, converge
 *   point-of-no-return.ts  the planned switch's point of no return
 *   rollback.ts  the source back into service after a failure before that point
 */
export { MARK, opts, waitFor } from "./shared";
export { scaleNodesStep } from "./nodes";
export { auroraDrainStep, auroraRebuiltStep, dbInstanceStep, promoteDbStep } from "./database";
export { cleanStaleReplicationStep, deleteReplicationStep, detachReplicationStep, efsSyncAfterStep, replicateToPeerStep } from "./files";
export { DRAINED_LAG_MS, resyncStep } from "./resync";
export { isDnsStepId, swapDnsStep } from "./dns";
export { clientsMovedStep, waitServingStep } from "./serving";
export { clearImpairedRegionsStep, convergeChanges, convergeConfigStep, quiesceStep, upStep, type UpStepArgs } from "./iac";
export { pointOfNoReturnStep } from "./point-of-no-return";
export { rollbackSteps } from "./rollback";
