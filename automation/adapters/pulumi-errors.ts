/**
 * What the Pulumi Automation API's failures mean for the person at the keyboard. The first things
 * a user meets on the real path (no CLI, a CLI too old, not logged in, a stack not initialised, a
 * peer stack missing, AWS credentials the provider cannot use) become a one-line `SetupError`
 * naming the cause and the command that fixes it; anything else is left to the caller.
 *
 * Sources of the texts matched (each is the CLI's or the Automation API's own):
 * - no CLI: the Automation API spawns `pulumi` with execa, whose error carries `code: "ENOENT"` and
 *   reads "spawn pulumi ENOENT" (automation/cmd.ts, `exec`);
 * - too old: `PulumiCommand.get({ version })` throws "Minimum version requirement failed. The
 *   minimum CLI version requirement is X, your current CLI version is Y." (automation/cmd.ts,
 *   `parseAndValidatePulumiVersion`), or "Major version mismatch";
 * - not logged in: "PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions"
 *   (pkg/backend/backenderr, MissingEnvVarForNonInteractiveError; the Automation API always passes
 *   --non-interactive) or "this command requires logging in; try running `pulumi login` first"
 *   (LoginRequiredError); a DIY backend without its passphrase: "passphrase must be set with
 *   PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables"
 *   (pkg/secrets/passphrase);
 * - stack not initialised: "no stack named 'X' found" (backenderr.StackNotFoundError; the Automation
 *   API raises it as StackNotFoundError);
 * - peer stack missing: a StackReference to a stack the backend does not have fails the update
 *   with `unknown stack "X"` (pkg/backend/backend.go, GetStackOutputs);
 * - AWS credentials in pulumi-aws: "No valid credential sources found" / "Invalid credentials
 *   configured" (pulumi-aws#3310), and AWS's own ExpiredToken codes.
 */
import { authSetupError, SetupError } from "../errors";

/** The oldest Pulumi CLI the driver works with: `up --exclude` (used to leave an unreachable DNS
 * record out) arrived in 3.158.0 (pulumi/pulumi CHANGELOG, 3.158.0: "Allow targets to be excluded
 * with the `--exclude` flag"). The Automation API itself only requires 3.2.0-alpha. */
export const MIN_PULUMI_CLI = "3.158.0";

const INSTALL = "`curl -fsSL https://get.pulumi.com | sh` (or `brew install pulumi/tap/pulumi`; see https://www.pulumi.com/docs/install/)";

/** The CLI's stderr when the error is a CommandError, else the message. */
export function pulumiErrorText(err: unknown): string {
  const e = err as { commandResult?: { stderr?: unknown; err?: { message?: unknown } }; message?: unknown };
  const stderr = typeof e?.commandResult?.stderr === "string" ? e.commandResult.stderr : "";
  const message = typeof e?.message === "string" ? e.message : String(err);
  return stderr.trim() || message;
}

/** The lines of the CLI's output that say what went wrong ("error: ..."), or the last line. */
export function pulumiErrorSummary(err: unknown): string {
  const lines = pulumiErrorText(err)
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const errors = lines.filter((l) => /^error:/i.test(l));
  return (errors.length > 0 ? errors : lines.slice(-1)).join(" ");
}

/**
 * The SetupError an Automation API failure stands for, if it is one a user meets before anything
 * works; `stack` is the site being read or updated, `doing` what the driver was doing.
 */
export function pulumiSetupError(err: unknown, where: { stack: string; doing: string }): SetupError | undefined {
  if (err instanceof SetupError) return err;
  const e = err as { name?: unknown; commandResult?: { err?: { code?: unknown } } };
  const text = pulumiErrorText(err);
  const all = `${text}\n${err instanceof Error ? err.message : ""}`;

  const enoent = /spawn (\S+) ENOENT/.exec(all);
  if (e?.commandResult?.err?.code === "ENOENT" || enoent) {
    const command = enoent?.[1] ?? "pulumi";
    return new SetupError(
      "pulumi-cli-missing",
      `The Pulumi CLI is not installed or not on PATH (${command} was not found while ${where.doing})`,
      `install it with ${INSTALL}, open a new shell so that \`pulumi version\` works, then run the command again`,
      { cause: err },
    );
  }
  const tooOld = /minimum CLI version requirement is (\S+), your current CLI version is (\S+?)\.?(\s|$)/.exec(all);
  if (tooOld) {
    return new SetupError(
      "pulumi-cli-too-old",
      `Pulumi CLI ${tooOld[2].replace(/^v/, "")} is older than ${tooOld[1]}, the oldest this driver works with (it needs \`pulumi up --exclude\`)`,
      `upgrade it with ${INSTALL.replace("brew install pulumi/tap/pulumi", "brew upgrade pulumi")}, then run the command again`,
      { cause: err },
    );
  }
  const major = /Major version mismatch\. You are using Pulumi CLI version (\S+) with Automation SDK v(\d+)/.exec(all);
  if (major) {
    return new SetupError(
      "pulumi-cli-too-new",
      `Pulumi CLI ${major[1].replace(/^v/, "")} is a newer major version than this project's Automation API (v${major[2]})`,
      `install a ${major[2]}.x CLI (\`curl -fsSL https://get.pulumi.com | sh -s -- --version <${major[2]}.x.y>\`), or upgrade @pulumi/pulumi in package.json, then run the command again`,
      { cause: err },
    );
  }
  if (/must be set for login during non-interactive CLI sessions|requires logging in; try running `pulumi login`/.test(all)) {
    return new SetupError(
      "pulumi-not-logged-in",
      `The Pulumi CLI is not logged in to a state backend (while ${where.doing})`,
      "run `pulumi login` (Pulumi Cloud; or export PULUMI_ACCESS_TOKEN) or `pulumi login s3://<bucket>` for a self-managed backend, then run the command again",
      { cause: err },
    );
  }
  if (/\[401\]|Unauthorized: No credentials provided or are invalid/.test(all)) {
    return new SetupError(
      "pulumi-login-rejected",
      `The Pulumi backend rejected the CLI's login (while ${where.doing}): the access token expired or was revoked`,
      "run `pulumi login` again (or export a valid PULUMI_ACCESS_TOKEN), then run the command again",
      { cause: err },
    );
  }
  if (/passphrase must be set with PULUMI_CONFIG_PASSPHRASE/.test(all)) {
    return new SetupError(
      "pulumi-passphrase-missing",
      `Stack "${where.stack}" encrypts its secrets with a passphrase and none is set (while ${where.doing})`,
      "export PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE), then run the command again",
      { cause: err },
    );
  }
  const notFound = /no stack named '([^']+)' found/.exec(all);
  if (e?.name === "StackNotFoundError" || notFound) {
    const stack = notFound?.[1] ?? where.stack;
    const short = stack.split("/").pop() ?? stack;
    return new SetupError(
      "stack-not-initialised",
      `Stack "${stack}" does not exist in the backend the Pulumi CLI is logged in to (while ${where.doing})`,
      `create it with \`pulumi stack init ${stack}\` (its config is already in Pulumi.${short}.yaml), or \`pulumi login\` to the backend that holds it, then run the command again`,
      { cause: err },
    );
  }
  const unknownStack = /unknown stack "([^"]+)"/.exec(all);
  if (unknownStack) {
    const peer = unknownStack[1];
    const short = peer.split("/").pop() ?? peer;
    return new SetupError(
      "peer-stack-missing",
      `Stack "${where.stack}" reads its peer "${peer}" through a stack reference, and that stack does not exist in this backend (while ${where.doing})`,
      `create it with \`pulumi stack init ${short}\`, then deploy the pair in order with \`npm run deploy\``,
      { cause: err },
    );
  }
  // pulumi-aws configuring its provider (it checks the credentials with STS) or the S3 backend.
  const what = `${where.doing} (pulumi-aws or the state backend)`;
  if (/No valid credential sources found|NoCredentialProviders|no EC2 IMDS role found/.test(all)) {
    return authSetupError({ kind: "no-credentials", code: "No valid credential sources found", detail: "" }, what);
  }
  if (/ExpiredToken/.test(all)) return authSetupError({ kind: "expired", code: "ExpiredToken", detail: "" }, what);
  if (/Invalid credentials configured|InvalidClientTokenId|UnrecognizedClientException|SignatureDoesNotMatch/.test(all)) {
    return authSetupError({ kind: "invalid", code: "invalid credentials", detail: "" }, what);
  }
  return undefined;
}
