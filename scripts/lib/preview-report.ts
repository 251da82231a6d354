/**
 * The result of one stack's `pulumi preview` as CI reports it (PR comment and job summary), and
 * its Markdown. Written by scripts/preview.ts whether the preview passed or failed, so a failed
 * preview (a mandatory policy violation, a provider error) is as visible as a green one.
 */

export interface Violation {
  policy: string;
  /** As the engine reports it: `mandatory` blocks, anything else (`advisory`) does not. */
  level: string;
  /** Logical name of the resource, from its URN; absent for a stack-wide violation. */
  resource?: string;
  message: string;
}

export interface PreviewReport {
  stack: string;
  /** The name the backend knows the stack by. */
  stackName: string;
  status: "succeeded" | "failed";
  violations: Violation[];
  /** Error diagnostics and, when the command failed, the end of its error output. */
  errors: string[];
  /** Planned operations by kind (create, update, delete, replace, same...). */
  changes: Record<string, number>;
  /** Mandatory policies run as advisory because of the DR state the stack files record. */
  relaxed: { policy: string; because: string[] }[];
  /** The end of the preview's output (the diff), without colors. */
  output: string;
}

/** Where a comment came from and which commit it is about. */
export interface CommentContext {
  sha: string;
  runUrl: string;
}

/** GitHub refuses comment bodies over 65,536 characters; keep room for the frame. */
export const MAX_COMMENT_CHARS = 60_000;

/** The hidden marker that identifies this stack's comment, so each stack keeps exactly one. */
export const marker = (stack: string): string => `<!-- eks-dr-preview:${stack} -->`;

const cell = (text: string): string => text.replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>");
const short = (sha: string): string => sha.slice(0, 7);

export function blocking(report: PreviewReport): Violation[] {
  return report.violations.filter((v) => v.level === "mandatory");
}

function headline(report: PreviewReport): string {
  const mandatory = blocking(report).length;
  if (report.status === "succeeded") {
    const advisory = report.violations.length - mandatory;
    return `### ✅ \`pulumi preview\` of **${report.stack}** passed${advisory > 0 ? ` with ${advisory} advisory policy violation(s)` : ""}`;
  }
  const why = mandatory > 0 ? `${mandatory} mandatory policy violation(s)` : report.errors.length > 0 ? "an error" : "see the run";
  return `### ❌ \`pulumi preview\` of **${report.stack}** failed: ${why}`;
}

function changeLine(changes: Record<string, number>): string {
  const parts = Object.entries(changes)
    .filter(([op, n]) => op !== "same" && n > 0)
    .map(([op, n]) => `${n} to ${op}`);
  return parts.length === 0 ? "no changes" : parts.join(", ");
}

/** The comment (or summary) for a finished preview. */
export function renderReport(report: PreviewReport, ctx: CommentContext): string {
  const lines = [marker(report.stack), headline(report), "", `Commit \`${short(ctx.sha)}\` · stack \`${report.stackName}\` · [run](${ctx.runUrl})`, ""];
  if (report.violations.length > 0) {
    lines.push("| Level | Policy | Resource | What is wrong, and the fix |", "| --- | --- | --- | --- |");
    const ordered = [...blocking(report), ...report.violations.filter((v) => v.level !== "mandatory")];
    for (const v of ordered) lines.push(`| ${v.level} | \`${v.policy}\` | ${v.resource ? `\`${cell(v.resource)}\`` : "(stack)"} | ${cell(v.message)} |`);
    lines.push("");
  }
  if (report.errors.length > 0) lines.push("**Errors**", "", "```", ...report.errors.map((e) => e.trim()), "```", "");
  if (report.relaxed.length > 0) {
    lines.push("**Run as advisory because of the DR state the stack files record:**", "");
    for (const r of report.relaxed) lines.push(`- \`${r.policy}\`: ${r.because.join("; ")}`);
    lines.push("");
  }
  if (report.status === "succeeded") lines.push(`**Changes:** ${changeLine(report.changes)}`, "");
  const frame = lines.join("\n");
  const room = MAX_COMMENT_CHARS - frame.length - 200;
  const output = report.output.length > room ? `… (first ${report.output.length - room} characters cut)\n${report.output.slice(-room)}` : report.output;
  if (output.trim() !== "") lines.push("<details><summary>Preview output</summary>", "", "```", output.replace(/```/g, "``\u200b`"), "```", "</details>");
  return lines.join("\n");
}

/** The comment when the preview never produced a report (an earlier step failed or the job was cancelled). */
export function renderNoReport(stack: string, ctx: CommentContext): string {
  return [
    marker(stack),
    `### ❌ \`pulumi preview\` of **${stack}** did not run to the end`,
    "",
    `Commit \`${short(ctx.sha)}\` · [run](${ctx.runUrl})`,
    "",
    "A step before or during the preview failed (credentials, backend login, the stack files...); the run's log says which. There is no preview result for this commit.",
  ].join("\n");
}

const STALE = /^> \[!WARNING\]\n> \*\*Stale\.\*\*[^\n]*\n\n/m;

/**
 * The same comment marked stale: a newer commit is being previewed, so its verdict no longer
 * applies. Idempotent: a comment already marked gets the new banner, not a second one.
 */
export function markStale(body: string, stack: string, ctx: CommentContext): string {
  const banner = `> [!WARNING]\n> **Stale.** A newer commit (\`${short(ctx.sha)}\`) is being previewed ([run](${ctx.runUrl})); this result no longer applies. Do not merge on it.\n\n`;
  const content = body.replace(marker(stack), "").replace(STALE, "").trimStart();
  return `${marker(stack)}\n${banner}${content}`;
}

export const isStale = (body: string): boolean => STALE.test(body);
