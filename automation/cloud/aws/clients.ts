/**
 * The AWS SDK v3 clients of the real `CloudPort`: the factory that creates them (tests inject one
 * that hands out clients they mock) and the pool that keeps one client per service and Region.
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { EFSClient } from "@aws-sdk/client-efs";
import { EKSClient, type EKSClientConfig } from "@aws-sdk/client-eks";
import { RDSClient } from "@aws-sdk/client-rds";
import { Route53Client } from "@aws-sdk/client-route-53";

/** Creates the SDK clients; tests inject one that hands out clients they mock. */
export interface AwsClientFactory {
  eks(region: string): EKSClient;
  rds(region: string): RDSClient;
  efs(region: string): EFSClient;
  cloudWatch(region: string): CloudWatchClient;
  /** Route 53's control plane is global and signs in us-east-1. */
  route53(): Route53Client;
}

export interface AwsClientOptions {
  /**
   * TCP connect timeout per attempt, in ms. Without it a black-holed Region would consume a whole
   * call budget in one connect; with it the remaining budget goes to retries. @default 3000
   */
  connectionTimeoutMs?: number;
  /** Region the Route 53 client signs for. @default us-east-1 */
  route53Region?: string;
  /** Credentials; by default the SDK's provider chain (env, profile, SSO, IMDS...). */
  credentials?: EKSClientConfig["credentials"];
}

/**
 * The factory used outside tests: real clients with the connection settings above, making ONE
 * attempt per call (`maxAttempts: 1`, "Number greater than 0", AWS SDKs and Tools Reference Guide,
 * "Retry behavior"). The driver's guard (cloud/guard.ts) is the one retry layer, on the driver's
 * Clock and inside the call's bound; SDK retries under it would multiply the attempts (3 x 6).
 */
export function defaultAwsClientFactory(opts: AwsClientOptions = {}): AwsClientFactory {
  const common = oneAttemptClientConfig(opts);
  return {
    eks: (region) => new EKSClient({ ...common, region }),
    rds: (region) => new RDSClient({ ...common, region }),
    efs: (region) => new EFSClient({ ...common, region }),
    cloudWatch: (region) => new CloudWatchClient({ ...common, region }),
    route53: () => new Route53Client({ ...common, region: opts.route53Region ?? "us-east-1" }),
  };
}

/**
 * The configuration every SDK client of the driver shares (the AWS Backup port's too,
 * cloud/backup/real.ts): one attempt per call, the connect timeout, the credentials if given.
 */
export function oneAttemptClientConfig(opts: AwsClientOptions = {}) {
  return {
    maxAttempts: 1,
    requestHandler: { connectionTimeout: opts.connectionTimeoutMs ?? 3000 },
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
  };
}

/** The services whose clients are per Region. */
export type RegionalService = "eks" | "rds" | "efs" | "cloudWatch";
export type RegionalClient<S extends RegionalService> = ReturnType<AwsClientFactory[S]>;

/** One client per service and Region, created on first use; one Route 53 client. */
export class AwsClients {
  private readonly clients = new Map<string, unknown>();
  private route53Client?: Route53Client;

  constructor(private readonly factory: AwsClientFactory) {}

  client<S extends RegionalService>(service: S, region: string): RegionalClient<S> {
    const key = `${service}:${region}`;
    let client = this.clients.get(key);
    if (!client) {
      client = this.factory[service](region);
      this.clients.set(key, client);
    }
    return client as RegionalClient<S>;
  }

  route53(): Route53Client {
    this.route53Client ??= this.factory.route53();
    return this.route53Client;
  }
}
