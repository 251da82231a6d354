/**
 * Program runs kept on disk, so a new process (the next drill, the other test worker, the bench)
 * reuses them instead of loading Pulumi and evaluating the program again.
 *
 * A run depends on its inputs (the key) and on the code that produced it: the program's sources
 * (components/, stacks/, every file, the JSON policies included), the mocks that answered it
 * (automation/sim/program/), and the installed packages (package-lock.json). Their content hash
 * names the cache's directory, so any change to them starts an empty one (older ones are removed).
 * Only the project's own program is cached here: a program given by a test may change at run time.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");
const SOURCES = ["components", "stacks", "automation/sim/program", "index.ts", "Pulumi.yaml", "package.json", "package-lock.json"];
const CACHE_ROOT = path.join(REPO_ROOT, "node_modules", ".cache", "eks-dr-sim");

function filesUnder(rel: string): string[] {
  const abs = path.join(REPO_ROOT, rel);
  if (!fs.existsSync(abs)) return [];
  if (!fs.statSync(abs).isDirectory()) return [rel];
  return fs
    .readdirSync(abs)
    .sort()
    .flatMap((entry) => filesUnder(path.join(rel, entry)));
}

let fingerprint: string | undefined;
/** Content hash of everything besides its inputs that a run depends on. */
function codeFingerprint(): string {
  if (fingerprint === undefined) {
    const hash = createHash("sha256");
    for (const file of SOURCES.flatMap(filesUnder))
      hash
        .update(file)
        .update("\0")
        .update(fs.readFileSync(path.join(REPO_ROOT, file)))
        .update("\0");
    fingerprint = hash.digest("hex").slice(0, 16);
  }
  return fingerprint;
}

const fileFor = (key: string): string => path.join(CACHE_ROOT, codeFingerprint(), `${createHash("sha256").update(key).digest("hex").slice(0, 32)}.json`);

/** The stored run for `key`, or undefined. Unreadable entries count as absent. */
export function readCachedRun(key: string): unknown {
  try {
    const stored = JSON.parse(fs.readFileSync(fileFor(key), "utf8")) as { key: string; run: unknown };
    return stored.key === key ? stored.run : undefined;
  } catch {
    return undefined;
  }
}

/** Stores a run (plain JSON). Best effort: a read-only or full disk only costs a re-evaluation. */
export function writeCachedRun(key: string, run: unknown): void {
  try {
    const file = fileFor(key);
    const dir = path.dirname(file);
    if (!fs.existsSync(dir)) {
      // Runs of other code versions are never read again.
      if (fs.existsSync(CACHE_ROOT)) for (const old of fs.readdirSync(CACHE_ROOT)) fs.rmSync(path.join(CACHE_ROOT, old), { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true });
    }
    // Written whole, then renamed: a concurrent reader (the other test worker) never sees half a file.
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ key, run }));
    fs.renameSync(tmp, file);
  } catch {
    // the cache is an optimisation only
  }
}
