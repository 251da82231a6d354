/**
 * What every command's help says besides its flags: which flags are required, examples, and the
 * exit codes, from one table so that help and code cannot drift apart.
 */
import { Help, type Command, type Option } from "commander";

/**
 * The exit codes. A config problem, a bad flag, a missing tool or login and a refusal share 2:
 * in every one of them nothing was changed and the message names what to fix, which is all a
 * script needs to decide; `--json` tells them apart (`error.kind`: usage, config, refused, or the
 * setup problem's own kind).
 */
export const EXIT = { ok: 0, failed: 1, refused: 2 } as const;

/** What each exit code means for a command (only the codes it can return). */
const EXIT_MEANINGS: Record<string, Partial<Record<keyof typeof EXIT, string>>> = {
  validate: {
    ok: "both stack files and the rules between them are valid",
    refused: "a stack file is not valid (each file, key and fix named), or a bad flag",
  },
  deploy: {
    ok: "both sites are up to date",
    failed: "an up failed, or Ctrl-C stopped the run at a step boundary: the same command resumes it",
    refused: "a bad flag, invalid stack files, a missing tool, login or credential, or refused; nothing was changed",
  },
  status: {
    ok: "ready: the standby can take over",
    failed: "not ready (each failing check is listed)",
    refused: "a bad flag, invalid stack files, a missing tool, login or credential",
  },
  failover: {
    ok: "the target serves as the active site",
    failed: "a step failed, the run rolled back, or Ctrl-C stopped it at a step boundary: the message prints the command that resumes it",
    refused: "a bad flag, invalid stack files, a missing tool, login or credential, a safety gate, or a cancelled confirmation; nothing was changed",
  },
  failback: {
    ok: "the old site serves as the active site again",
    failed: "a step failed, the run rolled back, or Ctrl-C stopped it at a step boundary: the message prints the command that resumes it",
    refused: "a bad flag, invalid stack files, a missing tool, login or credential, a safety gate, or a cancelled confirmation; nothing was changed",
  },
  drill: {
    ok: "the simulated failover and failback both succeeded",
    failed: "one of them failed",
    refused: "a bad flag or latency file",
  },
};

/** Examples, as an operator types them. */
const EXAMPLES: Record<string, string[]> = {
  validate: ["npm run validate", "npm run validate -- --json"],
  deploy: ["npm run deploy -- --dry-run", "npm run deploy -- --stack primary=acme/eks-dr/primary --stack dr=acme/eks-dr/dr"],
  status: ["npm run status", "npm run status -- --mode planned --json", "npm run status -- --cwd ../eks-dr-prod --state s3://my-dr-state/eks-dr"],
  failover: [
    "npm run failover -- --to dr --mode planned --dry-run",
    "npm run failover -- --to dr --mode unplanned --max-data-loss 5m --incident-at 2025-01-01T09:30:00Z",
    "npm run failover -- --to dr --mode planned --sim --yes --journal /tmp/rehearsal.jsonl",
  ],
  failback: ["npm run failback -- --dry-run", "npm run failback -- --state s3://my-dr-state/eks-dr"],
  drill: ["npm run drill", "npm run drill -- --seed 7 --mode planned", "npm run drill -- --latency-file measured.yaml --json"],
};

/** For a command without its own entry: the meanings every command shares. */
const GENERIC_MEANINGS: Partial<Record<keyof typeof EXIT, string>> = {
  ok: "done",
  failed: "the run failed or was stopped: the same command resumes it",
  refused: "a bad flag or value, invalid stack files, a missing tool, login or credential, or refused; nothing was changed",
};

export function exitCodesText(command: string): string {
  const meanings = EXIT_MEANINGS[command] ?? GENERIC_MEANINGS;
  const rows = (Object.keys(EXIT) as (keyof typeof EXIT)[]).filter((k) => meanings[k] !== undefined).map((k) => `  ${EXIT[k]}  ${meanings[k]}`);
  return `Exit codes:\n${rows.join("\n")}`;
}

/** Examples and exit codes after the command's options. */
export function addCommandHelp(cmd: Command): Command {
  const name = cmd.name();
  const examples = EXAMPLES[name] ?? [];
  const exampleText = examples.length ? `\nExamples:\n${examples.map((e) => `  ${e}`).join("\n")}\n` : "";
  return cmd.addHelpText("after", `${exampleText}\n${exitCodesText(name)}\n`);
}

/** Help settings (inherited by every command): the option list marks the options that must be given. */
export const HELP_CONFIGURATION: Partial<Help> = {
  optionDescription(this: Help, option: Option): string {
    const base = Help.prototype.optionDescription.call(this, option);
    return option.mandatory ? `${base} (required)` : base;
  },
};
