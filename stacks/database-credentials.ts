/**
 * The pair's database credentials secret, made by the owner of global resources. One function for
 * the full site and the backup-only site, so the secret keeps its URN and inputs whatever the tier.
 */
import type * as aws from "@pulumi/aws";
import { DatabaseCredentials } from "../components/database-credentials";
import type { EncryptionKey } from "../components/encryption-key";
import type { SiteConfig } from "./config";
import type { PeerSite } from "./peer";

export function pairDatabaseCredentials(
  stack: string,
  config: SiteConfig,
  key: EncryptionKey | undefined,
  peer: PeerSite,
  peerRegion: string,
  providers: aws.Provider[],
): DatabaseCredentials | undefined {
  if (!key || !config.ownsGlobalResources) return undefined;
  return new DatabaseCredentials(
    `${stack}-db-credentials`,
    {
      username: config.database.masterUsername,
      databaseName: config.database.databaseName,
      kmsKeyArn: key.keyArn,
      peerRegion,
      peerKmsKeyArn: peer.get("kmsKeyArn", "the replica of the database secret in the peer Region"),
    },
    { providers },
  );
}
