/**
 * Who the driver acts as: the AWS account of the credentials in use. STS GetCallerIdentity needs no
 * permission ("No permissions are required to perform this operation", AWS STS API Reference,
 * GetCallerIdentity), so it answers for any valid credentials. Asked of STS in the target site's
 * Region (the SDK v3 client resolves the regional endpoint unless `useGlobalEndpoint` is set:
 * `useGlobalEndpoint ?? false` in @aws-sdk/client-sts's endpoint parameters), never of the global
 * endpoint in us-east-1, whose Region may be the one that is down.
 */
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { boundedCall } from "../cloud/aws/call";
import { errorMessage } from "../errors";

export interface CallerIdentity {
  account: string;
  arn: string;
}

/** The account and ARN of the credentials in use; throws (bounded) when STS does not say. */
export async function callerIdentity(region: string, opts: { timeoutMs: number; client?: STSClient }): Promise<CallerIdentity> {
  const client = opts.client ?? new STSClient({ region });
  const r = await boundedCall({ service: "STS", api: "GetCallerIdentity", region }, { timeoutMs: opts.timeoutMs }, (signal) =>
    client.send(new GetCallerIdentityCommand({}), { abortSignal: signal }),
  );
  if (!r.Account || !r.Arn) throw new Error("STS GetCallerIdentity returned no account");
  return { account: r.Account, arn: r.Arn };
}

/** The account from an ARN (`arn:aws:iam::123456789012:role/x`). */
export function accountOfArn(arn: string): string | undefined {
  return /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(arn)?.[1];
}

/** One line for the confirmation: the account, or why it is not known (the run does not depend on it). */
export async function describeCaller(lookup: () => Promise<CallerIdentity>): Promise<string> {
  try {
    const id = await lookup();
    return `${id.account} (${id.arn})`;
  } catch (err) {
    return `unknown: ${errorMessage(err)}`;
  }
}
