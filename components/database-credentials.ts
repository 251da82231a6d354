/**
 * The Aurora master credentials, created once for the pair by the site that owns global resources.
 *
 * `manageMasterUserPassword` is not supported for clusters in an Aurora global database (decision
 * 2), so the password is generated here as a Pulumi secret and stored in a Secrets Manager secret
 * with a replica in the peer Region. After a failover the application reads the replica in its own
 * Region: a replica's ARN is the primary's with only the Region changed, same name and suffix
 * (Secrets Manager User Guide, "Replicate secrets across Regions"), which `secretArnInRegion`
 * computes for the peer site from this site's output `dbSecretArn`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

export interface DatabaseCredentialsArgs {
  /** Master user name (config `database.masterUsername`). */
  username: string;
  /** Initial database name (config `database.databaseName`), stored for clients as `dbname`. */
  databaseName: string;
  /** This site's KMS key ARN (the multi-Region primary): encrypts the primary secret. */
  kmsKeyArn: pulumi.Input<string>;
  /** The peer site's Region, where the replica lives. */
  peerRegion: string;
  /**
   * The peer site's key ARN (peer output `kmsKeyArn`, the MRK replica in `peerRegion`), which
   * encrypts the replica. Undefined until the peer is deployed: the replica is added by the next
   * `up` after it, since replicating with a key that does not exist yet would fail.
   */
  peerKmsKeyArn?: string;
  /**
   * Secret name; stable, since the replica ARN and the application's configuration derive from it.
   * @default `eks-dr/<name>/master`
   */
  secretName?: string;
  /** Password length; Aurora MySQL accepts 8 to 41 characters. @default 32 */
  passwordLength?: number;
  /** Days a deleted secret can still be restored, 7 to 30. @default 30 */
  recoveryWindowDays?: number;
}

/**
 * Special characters of the password. CreateDBCluster accepts "any printable ASCII character
 * except /, \", or @" (RDS API Reference, MasterUserPassword); space, quote and backslash are left
 * out too so the value survives shells, connection strings and JSON unescaped.
 */
export const PASSWORD_SPECIAL_CHARACTERS = "!#$%&*()-_=+[]{}<>:?.,;^~";

/** Aurora MySQL master password length limits (RDS API Reference, CreateDBCluster). */
export const MYSQL_PASSWORD_LENGTH = { min: 8, max: 41 } as const;

const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

/** The ARN of the same secret in another Region: replicas differ from the primary only by Region. */
export function secretArnInRegion(secretArn: string, region: string): string {
  const parts = secretArn.split(":");
  if (parts.length < 7 || parts[0] !== "arn" || parts[2] !== "secretsmanager") {
    throw new Error(`"${secretArn}" is not a Secrets Manager secret ARN`);
  }
  parts[3] = region;
  return parts.join(":");
}

export class DatabaseCredentials extends pulumi.ComponentResource {
  /** ARN of the primary secret (this site's Region); output `dbSecretArn`. */
  readonly secretArn: pulumi.Output<string>;
  /** Secret name, identical in both Regions. */
  readonly secretName: string;
  readonly username: string;
  /** The generated master password (a Pulumi secret) for the writer cluster. */
  readonly password: pulumi.Output<string>;
  /** Region of the replica, or undefined while the peer's key is not known. */
  readonly replicaRegion: string | undefined;

  constructor(name: string, args: DatabaseCredentialsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("eks-dr:index:DatabaseCredentials", name, {}, opts);

    const secretName = args.secretName ?? `eks-dr/${name}/master`;
    if (!SECRET_NAME.test(secretName)) {
      throw new Error(`DatabaseCredentials ${name}: secretName "${secretName}" may only hold letters, digits and /_+=.@-`);
    }
    const length = args.passwordLength ?? 32;
    if (!Number.isInteger(length) || length < MYSQL_PASSWORD_LENGTH.min || length > MYSQL_PASSWORD_LENGTH.max) {
      throw new Error(
        `DatabaseCredentials ${name}: passwordLength must be ${MYSQL_PASSWORD_LENGTH.min} to ${MYSQL_PASSWORD_LENGTH.max} (Aurora MySQL), got ${length}`,
      );
    }
    const recoveryWindowInDays = args.recoveryWindowDays ?? 30;
    if (!Number.isInteger(recoveryWindowInDays) || recoveryWindowInDays < 7 || recoveryWindowInDays > 30) {
      throw new Error(`DatabaseCredentials ${name}: recoveryWindowDays must be 7 to 30, got ${recoveryWindowInDays}`);
    }

    // Protected: replacing it (e.g. by changing the length) would change the master password under
    // the running application. Rotating the password is a deliberate operation, not a side effect.
    const password = new random.RandomPassword(
      name,
      {
        length,
        special: true,
        overrideSpecial: PASSWORD_SPECIAL_CHARACTERS,
        minLower: 1,
        minUpper: 1,
        minNumeric: 1,
        minSpecial: 1,
      },
      { parent: this, protect: true },
    );

    const replicas = args.peerKmsKeyArn === undefined ? [] : [{ region: args.peerRegion, kmsKeyId: args.peerKmsKeyArn }];
    const secret = new aws.secretsmanager.Secret(
      name,
      {
        name: secretName,
        description: "eks-dr Aurora master credentials (replicated to the peer Region for failover)",
        kmsKeyId: args.kmsKeyArn,
        // Replicas are added and removed in place (ReplicateSecretToRegions / RemoveRegionsFromReplication),
        // so adding the peer on a later `up` does not replace the secret.
        replicas,
        // Never overwrite a same-named secret in the peer Region: a conflict should fail loudly.
        forceOverwriteReplicaSecret: false,
        recoveryWindowInDays,
      },
      { parent: this, protect: true },
    );

    // Key names follow the RDS secret structure, so the AWS SDK helpers and rotation functions read it.
    const secretString = pulumi.secret(
      pulumi.interpolate`${password.result}`.apply((pw) =>
        JSON.stringify({ engine: "mysql", username: args.username, password: pw, port: 3306, dbname: args.databaseName }),
      ),
    );
    new aws.secretsmanager.SecretVersion(name, { secretId: secret.id, secretString }, { parent: this });

    this.secretArn = secret.arn;
    this.secretName = secretName;
    this.username = args.username;
    this.password = pulumi.secret(password.result);
    this.replicaRegion = args.peerKmsKeyArn === undefined ? undefined : args.peerRegion;
    this.registerOutputs({ secretArn: this.secretArn, replicaRegion: this.replicaRegion });
  }
}
