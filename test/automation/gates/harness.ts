/**
 * A CLI harness for the safety-gate tests: the real `runCli` with captured output, the real
 * wiring (simulated Regions), and scratch files for journals and latency overrides.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { runCli, type CliEnv } from "../../../automation/cli";
import { wire, type Wiring, type WiringOptions } from "../../../automation/wiring";
import { PROJECT_DIR } from "../helpers";
import { tempDir } from "../../harness/temp-dir";

export interface CliRun {
  code: number;
  out: string;
  err: string;
  wired: Wiring[];
  asked: string[];
}

export interface CliHarnessOptions {
  tty?: boolean;
  /** The answer at the prompt, or an error to reject with (Ctrl-C / Ctrl-D). */
  answer?: string | Error;
  beforeRun?: (w: Wiring, opts: WiringOptions) => void;
  projectDir?: string;
  /** Process id the CLI records in locks (a dead one simulates a process that has exited). */
  pid?: number;
}

export async function cli(argv: string[], opts: CliHarnessOptions = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const wired: Wiring[] = [];
  const asked: string[] = [];
  const env: CliEnv = {
    stdout: { write: (s) => void out.push(s), isTTY: false },
    stderr: { write: (s) => void err.push(s), isTTY: false },
    stdinIsTTY: !!opts.tty,
    ask: async (q) => {
      asked.push(q);
      if (opts.answer instanceof Error) throw opts.answer;
      return opts.answer ?? "";
    },
    projectDir: opts.projectDir ?? PROJECT_DIR,
    ...(opts.pid !== undefined ? { pid: opts.pid } : {}),
    wire: async (o) => {
      const w = await wire(o);
      opts.beforeRun?.(w, o);
      wired.push(w);
      return w;
    },
  };
  const code = await runCli(argv, env);
  return { code, out: out.join(""), err: err.join(""), wired, asked };
}

/** A fresh scratch directory, removed by `cleanup`. */
export function scratch(): { dir: string; file: (name: string, text?: string) => string; cleanup: () => void } {
  const dir = tempDir("gates");
  return {
    dir,
    file: (name, text) => {
      const p = path.join(dir, name);
      if (text !== undefined) {
        fs.mkdirSync(path.dirname(p), { recursive: true });
        fs.writeFileSync(p, text);
      }
      return p;
    },
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** A pid no process can have (above Linux's largest pid_max, 2^22): a process that has exited. */
export const DEAD_PID = 4_194_304 + 17;
