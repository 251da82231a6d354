/**
 * A stand-in for the Pulumi CLI, so the real Automation API path (PulumiCommand.get, LocalWorkspace,
 * `pulumi stack select`, `pulumi config --json`) runs without a CLI installed: a POSIX shell script
 * at `<root>/bin/pulumi`, which is where `PulumiCommand.get({ root })` looks. Each subcommand either
 * prints what the real CLI would on success or fails with the stderr and exit code given.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { tempDir } from "../../harness/temp-dir";

export interface FakeCliBehaviour {
  /** What `pulumi version` prints, without the leading "v". @default 3.248.0 */
  version?: string;
  /** `pulumi stack select --stack <name>`: fail with this stderr (exit 255), else succeed. */
  stackSelectError?: string;
  /** `pulumi config --json --stack <name>`: the JSON printed, per stack name. */
  config?: Record<string, unknown>;
  /** `pulumi up`: fail with this stderr (exit 255). */
  upError?: string;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Creates a directory holding `bin/pulumi` behaving as told; returns the directory (the `root`). */
export function fakePulumiCli(b: FakeCliBehaviour = {}): string {
  const root = tempDir("fake-pulumi");
  fs.mkdirSync(path.join(root, "bin"));
  const configCases = Object.entries(b.config ?? {})
    .map(([stack, json]) => `      ${stack}) printf '%s\\n' ${quote(JSON.stringify(json))} ;;`)
    .join("\n");
  const script = `#!/bin/sh
stack=""
prev=""
for a in "$@"; do
  if [ "$prev" = "--stack" ]; then stack="$a"; fi
  prev="$a"
done
case "$1" in
  version) echo ${quote(`v${b.version ?? "3.248.0"}`)} ;;
  stack)
    ${b.stackSelectError ? `printf '%s\\n' ${quote(b.stackSelectError)} >&2; exit 255` : "exit 0"} ;;
  config)
    case "$stack" in
${configCases}
      *) echo "{}" ;;
    esac ;;
  up)
    ${b.upError ? `printf '%s\\n' ${quote(b.upError)} >&2; exit 255` : "exit 0"} ;;
  *) echo "fake pulumi: unexpected command $*" >&2; exit 2 ;;
esac
`;
  const bin = path.join(root, "bin", "pulumi");
  fs.writeFileSync(bin, script, { mode: 0o755 });
  return root;
}

/** A directory with no CLI in it: spawning `<root>/bin/pulumi` fails with ENOENT. */
export function noPulumiCli(): string {
  return tempDir("no-pulumi");
}
