/**
 * One PR comment per stack with its latest preview, kept honest:
 * - `stale`, at the start of a preview job: every earlier preview comment of the stack (this
 *   script's, found by its hidden marker, and the `preview on eks-dr/.../<stack>` comments the
 *   pulumi/actions action used to post) gets a "Stale" banner, so no green result of an older
 *   commit stands while the new commit is previewed, fails, or never finishes.
 * - `publish`, at the end (also when the preview failed): the comment is replaced by the new
 *   result (scripts/preview.ts's report), or by "did not run" when no report was written.
 *
 * Comments are read and written with `gh api` as the job's `github.token` (`pull-requests: write`);
 * only comments by that token's user (github-actions[bot]) are ever edited.
 *
 * Usage:
 *   tsx scripts/pr-comment.ts stale   --stack <site> --pr <n> --repo <owner/repo> --sha <sha> --run-url <url>
 *   tsx scripts/pr-comment.ts publish --stack <site> --pr <n> --repo <owner/repo> --sha <sha> --run-url <url> --report <file>
 */
import { Command } from "commander";
import * as fs from "node:fs";
import { EXIT, Refusal, runMain } from "./lib/actions";
import { ghApi, type GhApi } from "./lib/gh";
import { isStale, marker, markStale, renderNoReport, renderReport, type CommentContext, type PreviewReport } from "./lib/preview-report";

export const BOT_LOGIN = "github-actions[bot]";

export interface IssueComment {
  id: number;
  body?: string;
  user?: { login?: string } | null;
}

/** The heading pulumi/actions v7 gives its comment: `#### :tropical_drink: \`preview\` on <project>/<stack-name>`. */
function isPulumiActionsPreview(body: string, stack: string): boolean {
  const first = body.split("\n", 1)[0].trim();
  const m = /^#### :tropical_drink: `preview` on eks-dr\/(\S+)$/.exec(first);
  return m !== null && m[1].split("/").pop() === stack;
}

/** The bot's preview comments of `stack`, ours first (by marker), then the action's. */
export function previewComments(comments: readonly IssueComment[], stack: string): { ours: IssueComment[]; legacy: IssueComment[] } {
  const bot = comments.filter((c) => c.user?.login === BOT_LOGIN && typeof c.body === "string");
  return {
    ours: bot.filter((c) => (c.body as string).startsWith(marker(stack))),
    legacy: bot.filter((c) => isPulumiActionsPreview(c.body as string, stack)),
  };
}

const listComments = async (gh: GhApi, repo: string, pr: number) =>
  (await gh({ path: `repos/${repo}/issues/${pr}/comments`, paginate: true })) as IssueComment[];
const editComment = (gh: GhApi, repo: string, id: number, body: string) => gh({ method: "PATCH", path: `repos/${repo}/issues/comments/${id}`, body: { body } });

/** Marks every earlier preview comment of the stack stale; returns how many were edited. */
export async function markStaleComments(gh: GhApi, repo: string, pr: number, stack: string, ctx: CommentContext): Promise<number> {
  const { ours, legacy } = previewComments(await listComments(gh, repo, pr), stack);
  let edited = 0;
  for (const c of ours) {
    await editComment(gh, repo, c.id, markStale(c.body as string, stack, ctx));
    edited++;
  }
  for (const c of legacy.filter((c) => !isStale(c.body as string))) {
    // The action's comment has no marker; the banner goes on top, its text stays below.
    await editComment(
      gh,
      repo,
      c.id,
      `> [!WARNING]\n> **Stale.** A newer commit (\`${ctx.sha.slice(0, 7)}\`) is being previewed ([run](${ctx.runUrl})); this result no longer applies. Do not merge on it.\n\n${c.body as string}`,
    );
    edited++;
  }
  return edited;
}

/** Writes the stack's comment (edits ours, or creates it); returns the comment's id. */
export async function publishComment(gh: GhApi, repo: string, pr: number, stack: string, body: string, ctx: CommentContext): Promise<number> {
  const [existing, ...extra] = previewComments(await listComments(gh, repo, pr), stack).ours;
  if (existing) {
    await editComment(gh, repo, existing.id, body);
    // Duplicates (e.g. two runs racing before this one) would show two verdicts: keep one current.
    for (const c of extra) await editComment(gh, repo, c.id, markStale(c.body as string, stack, ctx));
    return existing.id;
  }
  const created = (await gh({ method: "POST", path: `repos/${repo}/issues/${pr}/comments`, body: { body } })) as { id: number };
  return created.id;
}

/** The comment for the report file, or "did not run" when the preview wrote none. */
export function commentBody(stack: string, reportFile: string, ctx: CommentContext): string {
  if (!fs.existsSync(reportFile)) return renderNoReport(stack, ctx);
  const report = JSON.parse(fs.readFileSync(reportFile, "utf8")) as PreviewReport;
  if (report.stack !== stack) throw new Refusal(`--report ${reportFile} is the preview of ${report.stack}, not ${stack}.`);
  return renderReport(report, ctx);
}

interface CommonOptions {
  stack: string;
  pr: string;
  repo: string;
  sha: string;
  runUrl: string;
}

function prNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Refusal(`--pr ${value} is not a pull request number.`);
  return n;
}

export async function main(argv: string[], gh: GhApi = ghApi, out: (line: string) => void = console.log): Promise<number> {
  const program = new Command("pr-comment").exitOverride();
  let run: (() => Promise<void>) | undefined;
  const common = (cmd: Command) =>
    cmd
      .requiredOption("--stack <site>", "the site whose preview this is")
      .requiredOption("--pr <number>", "the pull request")
      .requiredOption("--repo <owner/repo>", "the repository (github.repository)")
      .requiredOption("--sha <sha>", "the commit being previewed")
      .requiredOption("--run-url <url>", "the workflow run")
      .exitOverride();
  common(program.command("stale")).action((o: CommonOptions) => {
    run = async () =>
      out(
        `${o.stack}: ${await markStaleComments(gh, o.repo, prNumber(o.pr), o.stack, { sha: o.sha, runUrl: o.runUrl })} earlier preview comment(s) marked stale`,
      );
  });
  common(program.command("publish"))
    .requiredOption("--report <file>", "the report scripts/preview.ts wrote (absent when the preview did not run)")
    .action((o: CommonOptions & { report: string }) => {
      run = async () => {
        const ctx = { sha: o.sha, runUrl: o.runUrl };
        out(`${o.stack}: preview comment ${await publishComment(gh, o.repo, prNumber(o.pr), o.stack, commentBody(o.stack, o.report, ctx), ctx)} updated`);
      };
    });
  program.parse(argv, { from: "user" });
  if (!run) throw new Refusal("name an action: stale or publish");
  await run();
  return EXIT.ok;
}

if (require.main === module) runMain(() => main(process.argv.slice(2)));
