/**
 * A CLI environment for tests: captured stdout/stderr, a scripted terminal, the simulated Regions.
 */
import { type CliEnv } from "../../../automation/cli";
import { wire, type Wiring, type WiringOptions } from "../../../automation/wiring";
import { PROJECT_DIR } from "../helpers";

export interface Harness {
  env: CliEnv;
  out: string[];
  err: string[];
  wired: { opts: WiringOptions; wiring: Wiring }[];
  asked: string[];
}

export interface HarnessOptions {
  /** stdin is a terminal (someone can answer). */
  tty?: boolean;
  /** What the operator types at the prompt. */
  answer?: string;
  beforeRun?: (w: Wiring) => void;
  /** The environment variables the CLI sees (NO_COLOR, TERM, EKS_DR_STACKS...). */
  vars?: Record<string, string | undefined>;
  /** stdout/stderr are terminals of this many columns. */
  terminalColumns?: number;
  projectDir?: string;
}

export function harness(opts: HarnessOptions = {}): Harness {
  const h: Harness = { out: [], err: [], wired: [], asked: [], env: undefined as unknown as CliEnv };
  const terminal = opts.terminalColumns !== undefined;
  h.env = {
    stdout: { write: (s) => void h.out.push(s), isTTY: terminal, ...(terminal ? { columns: opts.terminalColumns } : {}) },
    stderr: { write: (s) => void h.err.push(s), isTTY: terminal, ...(terminal ? { columns: opts.terminalColumns } : {}) },
    stdinIsTTY: !!opts.tty,
    ask: async (q) => {
      h.asked.push(q);
      return opts.answer ?? "";
    },
    projectDir: opts.projectDir ?? PROJECT_DIR,
    vars: opts.vars ?? {},
    wire: async (o) => {
      const wiring = await wire(o);
      opts.beforeRun?.(wiring);
      h.wired.push({ opts: o, wiring });
      return wiring;
    },
  };
  return h;
}

export const text = (parts: string[]) => parts.join("");
