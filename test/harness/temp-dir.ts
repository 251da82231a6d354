/**
 * Temporary directories for tests. Each is removed when its test file ends (the root hook below,
 * loaded by the mocha configs) or at the latest when the process exits, so a test run leaves
 * nothing behind in the OS temp folder.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const created = new Set<string>();

/** A new empty directory `<os temp>/eks-dr-<prefix>-XXXXXX`, removed after the test file. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `eks-dr-${prefix}-`));
  created.add(dir);
  return dir;
}

/** Removes the directories `tempDir` made (all so far, or those given) and what is in them. */
export function removeTempDirs(only?: string[]): void {
  for (const dir of only ?? [...created]) {
    if (!created.has(dir)) continue;
    fs.rmSync(dir, { recursive: true, force: true });
    created.delete(dir);
  }
}

/** The directories `tempDir` made that are not removed yet. */
export function liveTempDirs(): string[] {
  return [...created];
}

// A run that stops early (one file, a failed `before`) still cleans up.
process.once("exit", () => removeTempDirs());

/** Mocha root hook plugin: in parallel mode `afterAll` runs after each file, serially after the run. */
export const mochaHooks = { afterAll: () => removeTempDirs() };
