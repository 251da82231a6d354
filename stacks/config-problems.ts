/**
 * How a config problem is named, the same way on every path that reads the stack files (the
 * program, `npm run validate`, the driver, the simulated Regions): `<file>: <key>: <what is wrong
 * and what to do>`, e.g.
 *
 *   Pulumi.primary.yaml: eks-dr:nodeGroups.web.standy: is not a known key; did you mean standby?
 *   Pulumi.dr.yaml and Pulumi.primary.yaml: eks-dr:role: both sites are active; ...
 */

export const stackFileName = (stack: string): string => `Pulumi.${stack}.yaml`;

/** A rule between the two sites lives in both files, named in a stable order. */
export const pairFileNames = (a: string, b: string): string => [a, b].sort().map(stackFileName).join(" and ");

/** One problem with a site's config: which file, which key, what is wrong, and what to do. */
export interface ConfigProblem {
  /** The stack file (or both, for a rule between the sites), e.g. `Pulumi.primary.yaml`. */
  file?: string;
  /** Fully qualified key, with a path into objects: `eks-dr:nodeGroups.web.active.desired`. None for a file that cannot be read. */
  key?: string;
  message: string;
}

/** `file: key: message`, leaving out what the problem does not have. */
export function formatConfigProblem(p: ConfigProblem): string {
  return [p.file, p.key, p.message].filter((part) => part !== undefined && part !== "").join(": ");
}

/** Raised before anything is created or changed when a site's config (or the pair's) is invalid. */
export class ConfigError extends Error {
  constructor(
    /** The stack being loaded, or both when the rules between them fail. */
    readonly stack: string,
    readonly problems: ConfigProblem[],
  ) {
    super(
      `Invalid config for stack "${stack}":\n` +
        problems.map((p) => `  ${formatConfigProblem(p)}`).join("\n") +
        `\nFix it in the file named, or with \`pulumi config set --path <key> <value> -s <stack>\`; nothing was changed.`,
    );
    this.name = "ConfigError";
  }
}

/** The lines the command line prints for a ConfigError, as `npm run validate` prints its problems. */
export function configErrorLines(problems: ConfigProblem[]): string[] {
  return [
    ...problems.map((p) => `error: ${formatConfigProblem(p)}`),
    `${problems.length} problem(s): fix them in the files named (or \`pulumi config set --path <key> <value> -s <stack>\`), then run \`npm run validate\` again. Nothing was changed.`,
  ];
}
