/**
 * Where the CLI writes, and how that output may be drawn: redrawn in place only on a terminal that
 * can move its cursor, colour only where NO_COLOR does not forbid it.
 */
export interface Output {
  write(text: string): void;
  isTTY?: boolean;
  /** Width of the terminal, when it is one (read at each redraw: terminals get resized). */
  columns?: number;
  /** Height of the terminal, when it is one. */
  rows?: number;
}

export interface Rendering {
  /** Redraw a task list in place (a terminal that is not `TERM=dumb`); else one line per change. */
  live: boolean;
  /** ANSI colour and dimming; off when NO_COLOR is set to anything but "" (https://no-color.org). */
  color: boolean;
}

export function rendering(out: Output, vars: Record<string, string | undefined>): Rendering {
  const live = out.isTTY === true && vars.TERM !== "dumb";
  const color = live && (vars.NO_COLOR === undefined || vars.NO_COLOR === "");
  return { live, color };
}
