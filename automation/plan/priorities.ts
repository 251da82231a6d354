/**
 * Which ready step starts first when workers are scarce (higher first; the executor and the plan
 * rendering order ready steps by it, then by plan order). The one table of the plans' priorities:
 * the slowest branch of a switch starts first so that the critical path is as short as it can be.
 */
export const PRIORITY = {
  /** Node scale-up: minutes until nodes are Ready, the slowest branch of every switch. */
  scaleNodes: 10,
  /** Putting the source back into service comes before anything else a rollback does. */
  unquiesce: 10,
  /** A headless target's first DB instance (5-15 min) gates the promotion. */
  addDbInstance: 5,
  /** The quiesce starts the write downtime, once the capacity steps are done. */
  quiesce: 3,
  /** The point of no return and the Aurora promotion: the data switch. */
  pointOfNoReturn: 2,
  promoteDb: 2,
  /** EFS detach or delete, and the DNS swap: short calls beside the promotion. */
  efsReplication: 1,
  dnsSwap: 1,
  /** Everything else, and every step of the bench's sequential runbook. */
  default: 0,
} as const;
