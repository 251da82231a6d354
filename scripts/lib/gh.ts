/**
 * GitHub REST calls through the GitHub CLI (`gh api`), which the hosted runners ship and which
 * authenticates with `GH_TOKEN` (the job's `github.token`). Tests inject a fake `GhApi`.
 */
import { spawn } from "node:child_process";

export interface GhRequest {
  method?: "GET" | "POST" | "PATCH";
  /** Path under https://api.github.com, e.g. `repos/o/r/issues/1/comments`. */
  path: string;
  /** JSON body (sent on stdin with `--input -`). */
  body?: unknown;
  /** Follow every page; the answer is then the concatenation of the pages' arrays. */
  paginate?: boolean;
}

/** Answers one request with the parsed JSON, or throws with the status line gh printed. */
export type GhApi = (request: GhRequest) => Promise<unknown>;

export class GhError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "GhError";
  }
}

/** The real `gh api`. */
export const ghApi: GhApi = (request) =>
  new Promise((resolve, reject) => {
    const args = ["api", "--method", request.method ?? "GET", "-H", "Accept: application/vnd.github+json", "-H", "X-GitHub-Api-Version: 2022-11-28"];
    // --paginate prints each page as its own array; --slurp (gh 2.48+, cli/cli#8620) wraps the pages in one outer array.
    if (request.paginate) args.push("--paginate", "--slurp");
    if (request.body !== undefined) args.push("--input", "-");
    args.push(request.path);
    const child = spawn("gh", args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += String(d)));
    child.stderr.on("data", (d) => (stderr += String(d)));
    child.on("error", (err) => reject(new GhError(`gh could not be started (${err.message}); install the GitHub CLI or run on a GitHub-hosted runner`)));
    child.on("close", (code) => {
      if (code !== 0) {
        const status = /HTTP (\d{3})/.exec(stderr)?.[1];
        reject(new GhError(`gh api ${request.method ?? "GET"} ${request.path}: ${stderr.trim() || `exit code ${code}`}`, status ? Number(status) : undefined));
        return;
      }
      try {
        const parsed = stdout.trim() === "" ? undefined : (JSON.parse(stdout) as unknown);
        resolve(request.paginate && Array.isArray(parsed) ? parsed.flat() : parsed);
      } catch (err) {
        reject(new GhError(`gh api ${request.path}: the answer is not JSON (${String(err)})`));
      }
    });
    child.stdin.end(request.body === undefined ? "" : JSON.stringify(request.body));
  });
