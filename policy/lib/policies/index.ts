/** Every policy of the eks-dr pack, in the order the pack reports them. */
import type { DrPolicy } from "../policy";
import { activeSiteBackupCopiedToPeer } from "./backups";
import {
  auroraBackupRetention,
  auroraDeletionProtection,
  auroraEncryptedWithCmk,
  credentialsAndImagesEncryptedWithCmk,
  dataKeysManagedByTheSite,
  dataKeysMultiRegion,
  dataKeysProtected,
  efsAutomaticBackups,
  efsEncryptedWithCmk,
  statefulResourcesProtected,
} from "./data";
import { failoverPrimaryHealthCheck, noPublicDataPorts, nodeGroupsMultiSubnet } from "./network";
import { noDefaultProviders } from "./providers";
import { auroraGlobalMembership, ecrReplication, efsOverwriteProtectionMatchesRole, efsReplicationFollowsRole, replicationLagAlarms } from "./replication";

export * from "./backups";
export * from "./data";
export * from "./network";
export * from "./providers";
export * from "./replication";

// The config type of each policy differs; the pack treats them uniformly.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const DR_POLICIES: readonly DrPolicy<any>[] = [
  noDefaultProviders,
  efsEncryptedWithCmk,
  auroraEncryptedWithCmk,
  credentialsAndImagesEncryptedWithCmk,
  auroraDeletionProtection,
  auroraBackupRetention,
  statefulResourcesProtected,
  dataKeysProtected,
  dataKeysManagedByTheSite,
  efsAutomaticBackups,
  nodeGroupsMultiSubnet,
  noPublicDataPorts,
  failoverPrimaryHealthCheck,
  efsReplicationFollowsRole,
  efsOverwriteProtectionMatchesRole,
  auroraGlobalMembership,
  replicationLagAlarms,
  dataKeysMultiRegion,
  ecrReplication,
  activeSiteBackupCopiedToPeer,
];
