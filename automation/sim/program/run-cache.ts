/**
 * Program runs kept on disk, so a new process (the next drill, the other test worker, the bench)
 * reuses them instead of loading Pulumi and evaluating the program again.
 *
 * A run depends on its inputs (the key) and on the code that produced it: the program's sources
 * (components/, stacks/, every file, the JSON policies included), the mocks that answered it
 * (automation/sim/program/), and the installed packages (package-lock.json). Their content hash
 * names the cache's directory, so any change to them starts an empty one.
 * Only the project's own program is cached here: a program given by a test may change at run time.
 *
 * The cache lives in the OS temp folder (one per user), not under node_modules: `npm ci` deletes
 * node_modules and a fresh clone has none, so CI and every new checkout evaluated each run again
 * (a third of a cold `npm test`) although the fingerprint already says when the code is the same.
 * Checkouts of several versions share the folder, so a new version removes only the versions not
 * used for a week and those beyond the newest few.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");
const SOURCES = ["components", "stacks", "automation/sim/program", "index.ts", "Pulumi.yaml", "package.json", "package-lock.json"];
const UID = process.getuid?.();
const CACHE_ROOT = path.join(os.tmpdir(), `eks-dr-sim-${UID ?? "user"}`);
/** Code versions kept besides the current one, and for how long after their last new run. */
export const KEEP_VERSIONS = 8;
export const KEEP_UNUSED_MS = 7 * 24 * 3600_000;

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

/** The cache folder when it is this user's own (another user's could hold anything), else undefined. */
function ownRoot(): string | undefined {
  try {
    const st = fs.statSync(CACHE_ROOT);
    return st.isDirectory() && (UID === undefined || st.uid === UID) ? CACHE_ROOT : undefined;
  } catch {
    return undefined;
  }
}

/** The versions (folder names) to remove when `current` starts: unused for a while, or beyond the newest few. */
export function staleVersions(versions: { name: string; mtimeMs: number }[], current: string, nowMs: number): string[] {
  const others = versions.filter((v) => v.name !== current).sort((a, b) => b.mtimeMs - a.mtimeMs);
  return others.filter((v, i) => i >= KEEP_VERSIONS || nowMs - v.mtimeMs > KEEP_UNUSED_MS).map((v) => v.name);
}

/** The stored run for `key`, or undefined. Unreadable entries count as absent. */
export function readCachedRun(key: string): unknown {
  if (!ownRoot()) return undefined;
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
      fs.mkdirSync(CACHE_ROOT, { recursive: true, mode: 0o700 });
      if (!ownRoot()) return;
      const versions = fs.readdirSync(CACHE_ROOT).map((name) => ({ name, mtimeMs: fs.statSync(path.join(CACHE_ROOT, name)).mtimeMs }));
      for (const old of staleVersions(versions, codeFingerprint(), Date.now())) fs.rmSync(path.join(CACHE_ROOT, old), { recursive: true, force: true });
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
