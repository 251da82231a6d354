/**
 * The bearer token an EKS API server accepts for an IAM identity, made as `aws eks get-token` and
 * aws-iam-authenticator make it (kubernetes-sigs/aws-iam-authenticator pkg/token/token.go,
 * `GetWithSTS` and the server's `Verify`):
 *
 * - an STS `GetCallerIdentity` request (`Action=GetCallerIdentity&Version=2011-06-15`, GET, path `/`)
 *   presigned with SigV4 for service `sts` in the site's Region (host `sts.<region>.amazonaws.com`,
 *   which the server accepts besides the global host), with the header `x-k8s-aws-id: <cluster name>`
 *   among the signed headers (the server refuses a URL that did not sign it) and `X-Amz-Expires=60`
 *   (the server checks 0..900; STS ignores it: the URL is valid 15 minutes after its X-Amz-Date);
 * - the token is `k8s-aws-v1.` + the URL in unpadded base64url (`base64.RawURLEncoding`).
 *
 * The server answers for the identity by sending that URL to STS, so the token needs no permission
 * of its own; what the identity may do in the cluster is its EKS access entry's policy.
 */
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, ChecksumConstructor, HashConstructor } from "@smithy/types";

export const EKS_TOKEN_PREFIX = "k8s-aws-v1.";
export const CLUSTER_ID_HEADER = "x-k8s-aws-id";
/** `X-Amz-Expires` as the authenticator sends it (legacy servers require 0..60). */
export const PRESIGN_EXPIRES_SECONDS = 60;
/** A presigned STS URL is valid 15 minutes after its X-Amz-Date; a token is reused for 14 (as `aws eks get-token`'s expiry). */
export const TOKEN_REUSE_MS = 14 * 60_000;

export interface EksTokenArgs {
  clusterName: string;
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** SHA-256 for SigV4 (the SDK clients' `config.sha256`). */
  sha256: ChecksumConstructor | HashConstructor;
  /** The signing time, ms. */
  now: number;
}

/** `k8s-aws-v1.<base64url of the presigned GetCallerIdentity URL>`. */
export async function eksToken(a: EksTokenArgs): Promise<string> {
  const hostname = `sts.${a.region}.amazonaws.com`;
  const signer = new SignatureV4({ credentials: a.credentials, region: a.region, service: "sts", sha256: a.sha256 });
  const signed = await signer.presign(
    {
      method: "GET",
      protocol: "https:",
      hostname,
      path: "/",
      query: { Action: "GetCallerIdentity", Version: "2011-06-15" },
      headers: { host: hostname, [CLUSTER_ID_HEADER]: a.clusterName },
    } as Parameters<SignatureV4["presign"]>[0],
    { expiresIn: PRESIGN_EXPIRES_SECONDS, signingDate: new Date(a.now) },
  );
  return EKS_TOKEN_PREFIX + Buffer.from(presignedUrl(signed.hostname, signed.path, signed.query ?? {}), "utf8").toString("base64url");
}

/** The URL of a presigned request: its query in the order SigV4 signed it does not matter to STS. */
function presignedUrl(hostname: string, path: string, query: Record<string, string | string[] | null>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === null) continue;
    for (const one of Array.isArray(v) ? v : [v]) params.append(k, one);
  }
  // URLSearchParams encodes a space as "+"; SigV4 signed "%20" (none of these values has one, but be exact).
  return `https://${hostname}${path}?${params.toString().replace(/\+/g, "%20")}`;
}

/** What a token is made from, so the adapter can cache one per cluster. */
export interface CachedToken {
  token: string;
  madeAt: number;
}
