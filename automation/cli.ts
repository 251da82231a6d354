/**
 * The eks-dr command line: validate, deploy, status, failover, failback, drill.
 *
 *   npm run validate
 *   npm run status
 *   npm run failover -- --to dr --mode unplanned --max-data-loss 5m
 *   npm run failback
 *   npm run drill -- --seed 7 --mode unplanned
 *
 * Exit codes (automation/cli/help.ts, printed in every command's help): 0 done (status: ready);
 * 1 the run failed, rolled back or was stopped by Ctrl-C, or status is not ready; 2 a bad flag or
 * value, invalid stack files, a missing tool, login or credential, or the driver refused to start
 * (nothing was changed). Such an error is one line naming the cause and the fix; with --json,
 * stdout is a JSON document either way and nothing else, and nothing prompts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createInterface } from "node:readline/promises";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { RefusedError, SetupError, StepFailedError, StoppedError, UsageError, errorMessage, isCrash } from "./errors";
import { commandLine, deploy, failback, failover, formatPlanSummary, status, type CommandResult, type DriverDeps, type RunOptions } from "./driver";
import { runDrill, formatDrill } from "./drill";
import type { Plan } from "./plan/types";
import { formatReadiness } from "./readiness";
import { LiveProgress } from "./ui/live-progress";
import { rendering, type Output } from "./ui/output";
import { PlainProgress } from "./ui/plain-progress";
import { formatReport } from "./report/report";
import { withSimulatedUsers } from "./sim/user-view";
import { formatDuration, parseDuration } from "./util/duration";
import { formatValidation, validateProject } from "./validate";
import { ConfigError, configErrorLines } from "../stacks/config-problems";
import { discoverStacks, driverDeps, wire, type Wiring, type WiringOptions } from "./wiring";
import { AwsBackup } from "./cloud/backup/real";
import { formatRestoreFigures, restore, type RestoreDeps } from "./restore";
import { formatRestoreDrill, runRestoreDrill } from "./restore-drill";
import { EXIT, HELP_CONFIGURATION, addCommandHelp } from "./cli/help";
import { accepted, promptText, targetLines } from "./cli/confirm";
import { runTarget } from "./cli/run-target";
import { collectStack, stackFlags, stackMap, type StackMap } from "./cli/stack-map";
import { PROJECT } from "../stacks/config";

export interface CliEnv {
  stdout: Output;
  stderr: Output;
  stdinIsTTY: boolean;
  /** Asks a question on the terminal; only called when stdin is a TTY. */
  ask: (question: string) => Promise<string>;
  projectDir: string;
  /** Builds the ports; tests pass one that returns a simulation they inspect. */
  wire: (opts: WiringOptions) => Promise<Wiring>;
  /** Process id recorded in the run lock. @default process.pid */
  pid?: number;
  /** The shared state location when --state is not given (EKS_DR_STATE). */
  defaultState?: string;
  /**
   * Calls `handler` on Ctrl-C (SIGINT) until the returned function is called; only while a run
   * executes. @default none (tests trigger it themselves)
   */
  onInterrupt?: (handler: () => void) => () => void;
  /** Environment variables the CLI reads (NO_COLOR, TERM, EKS_DR_STACKS). @default process.env */
  vars?: Record<string, string | undefined>;
}

export { EXIT };

// ---------------------------------------------------------------------------------------------
// Option values

function durationArg(value: string): number {
  try {
    const ms = parseDuration(value);
    if (ms <= 0) throw new Error(`"${value}" must be more than 0`);
    return ms;
  } catch (err) {
    throw new InvalidArgumentError(errorMessage(err));
  }
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO 8601 time with a zone, whose fields name a real instant (no 30 February, no hour 25) in a plausible year. */
function isoTimeArg(value: string): number {
  const m = ISO_TIME.exec(value);
  const ms = Date.parse(value);
  if (!m || Number.isNaN(ms)) throw new InvalidArgumentError(`"${value}" is not an ISO 8601 time with a zone; use e.g. 2025-01-01T09:30:00Z`);
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? "0"].map(Number);
  // Date.parse rolls impossible fields over (2024-02-30 is 1 March): rebuild the fields and compare.
  const probe = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (
    probe.getUTCFullYear() !== year ||
    probe.getUTCMonth() !== month - 1 ||
    probe.getUTCDate() !== day ||
    probe.getUTCHours() !== hour ||
    probe.getUTCMinutes() !== minute ||
    hour > 23 ||
    second > 59
  ) {
    throw new InvalidArgumentError(`"${value}" is not a real time (check the day of the month and the hour)`);
  }
  if (year < 2000) throw new InvalidArgumentError(`"${value}": the year ${year} is not plausible for an incident; give the time the incident began`);
  return ms;
}

/** The incident must be recent: an RTO measured from months ago means the wrong date was typed. */
const MAX_INCIDENT_AGE_MS = 30 * 24 * 3600_000;

/** The project directory: it must hold Pulumi.yaml (and the sites' stack files). */
function cwdArg(value: string): string {
  const dir = path.resolve(value);
  if (value.trim() === "" || !fs.existsSync(dir))
    throw new InvalidArgumentError(`${dir} does not exist; give the project directory (the one holding Pulumi.yaml)`);
  if (!fs.statSync(dir).isDirectory()) throw new InvalidArgumentError(`${dir} is not a directory; give the project directory (the one holding Pulumi.yaml)`);
  if (!fs.existsSync(path.join(dir, "Pulumi.yaml")))
    throw new InvalidArgumentError(`${dir} has no Pulumi.yaml; give the project directory (the one holding Pulumi.yaml and the Pulumi.<site>.yaml files)`);
  return dir;
}

const cwdOption = () =>
  new Option("--cwd <dir>", "the project directory, holding Pulumi.yaml and the Pulumi.<site>.yaml files (default: this checkout)").argParser(cwdArg);

const stackOption = () =>
  new Option(
    "--stack <site=stack>",
    "the Pulumi stack of a site, e.g. primary=acme/eks-dr/primary (repeatable; default $EKS_DR_STACKS, else the site's name)",
  ).argParser(collectStack);

/** A journal file path: not empty, not a directory. */
function journalArg(value: string): string {
  if (value.trim() === "") throw new InvalidArgumentError("the path is empty; give a file, e.g. .eks-dr/journal.jsonl");
  const resolved = path.resolve(value);
  if (fs.existsSync(resolved) && fs.statSync(resolved).isDirectory()) {
    throw new InvalidArgumentError(`${resolved} is a directory; give a file in it, e.g. ${path.join(resolved, "journal.jsonl")}`);
  }
  return value;
}

function seedArg(value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a seed; use a whole number such as 42`);
  return Number(value);
}

function countArg(value: string): number {
  if (!/^\d{1,3}$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`"${value}" is not a count; use a whole number from 1`);
  return Number(value);
}

interface CommonFlags {
  json?: boolean;
  journal?: string;
  sim?: boolean;
  seed?: number;
  latencyFile?: string;
  dryRun?: boolean;
  yes?: boolean;
  takeOver?: boolean;
  incidentAt?: number;
  maxDataLoss?: number;
  force?: boolean;
  maxConcurrency?: number;
  simCrashAfter?: string;
  state?: string;
  /** --cwd: the project directory. */
  cwd?: string;
  /** --stack <site=stack>, repeatable. */
  stack?: string[];
}

const simHelp = "use the simulated Regions (virtual clock, in-memory journal unless --journal)";

function addRunFlags(cmd: Command, opts: { dataLoss?: boolean; incident?: boolean } = {}): Command {
  cmd
    .option("--dry-run", "print the plan, the config changes per stack and each step's verdict; change nothing")
    .option("-y, --yes", "do not ask for confirmation (without it: prompt on a terminal, refuse otherwise)")
    .option("--json", "print the final report as JSON on stdout (progress goes to stderr)")
    .addOption(new Option("--journal <path>", "journal file (default .eks-dr/journal.jsonl in the project)").argParser(journalArg))
    .option("--state <url>", "keep the run lock and journal in S3, shared by every operator: s3://<bucket>/<prefix>[?region=...] (default $EKS_DR_STATE)")
    .option("--take-over", "take over the run lock of a crashed run (the lock names its holder)")
    .addOption(new Option("--max-concurrency <n>", "steps run at once").argParser(countArg).default(8))
    .addOption(stackOption())
    .addOption(cwdOption());
  if (opts.incident) cmd.addOption(new Option("--incident-at <time>", "RTO starts at this ISO time instead of the run's start").argParser(isoTimeArg));
  if (opts.dataLoss) {
    cmd
      .addOption(new Option("--max-data-loss <duration>", "unplanned: refuse when the estimated RPO exceeds this (e.g. 5m)").argParser(durationArg))
      .option("--force", "unplanned: fail over even when the estimated RPO exceeds --max-data-loss");
  }
  return addSimFlags(cmd, { crash: true });
}

function addSimFlags(cmd: Command, opts: { crash?: boolean } = {}): Command {
  if (opts.crash) {
    cmd.option(
      "--sim-crash-after <step>",
      "with --sim: the driver process dies right after this step ends, as if killed (rehearse a crash; resume with --take-over)",
    );
  }
  return cmd
    .option("--sim", simHelp)
    .addOption(new Option("--seed <n>", "simulation seed (with --sim and drill)").argParser(seedArg))
    .option("--latency-file <path>", "JSON/YAML of measured step durations overriding the latency model's (docs/latency.md; with --sim and drill)");
}

// ---------------------------------------------------------------------------------------------
// Program

export function buildProgram(env: CliEnv, setExit: (code: number) => void): Command {
  const program = new Command("eks-dr")
    .description("Multi-region DR for EKS apps: deploy both sites, check readiness, fail over and back, drill on simulated Regions.")
    .showHelpAfterError("(add --help for usage)")
    .configureOutput({ writeOut: (s) => env.stdout.write(s), writeErr: (s) => env.stderr.write(s) })
    .exitOverride()
    .version(packageVersion(), "-V, --version", "print the version of eks-dr")
    .configureHelp(HELP_CONFIGURATION)
    .addHelpText(
      "after",
      "\nExit codes: 0 done (status: ready), 1 run failed, stopped or not ready, 2 bad flag, invalid stack files, a missing tool,\n" +
        "login or credential, or refused (nothing changed; one line names the cause and the fix). Each command's --help details them.\n" +
        "A crashed, failed or stopped run resumes when the same command runs again; another command is refused until it is finished.",
    );

  /** Flags that contradict each other: checked before anything else, the terminal check included. */
  const checkFlags = (flags: CommonFlags): void => {
    if (!flags.sim && (flags.seed !== undefined || flags.latencyFile !== undefined)) {
      throw new UsageError(
        `${flags.seed !== undefined ? "--seed" : "--latency-file"} only applies to the simulated Regions: add --sim (or use \`npm run drill\`).`,
      );
    }
    if (!flags.sim && flags.simCrashAfter !== undefined)
      throw new UsageError("option '--sim-crash-after <step>' only applies to the simulated Regions: add --sim.");
    const state = flags.state ?? (flags.sim || flags.journal !== undefined ? undefined : env.defaultState);
    if (state !== undefined && flags.journal !== undefined)
      throw new UsageError("options '--state <url>' and '--journal <path>' both say where the journal is: give one.");
    if (flags.state !== undefined && flags.sim)
      throw new UsageError("option '--state <url>' applies to the real Regions; the simulation keeps its journal and world in a file (--journal).");
    if (flags.stack?.length && flags.sim)
      throw new UsageError("option '--stack <site=stack>' selects stacks in a Pulumi backend; the simulated Regions have none: leave it out with --sim.");
    stacksOf(flags);
  };

  const projectDirOf = (flags: { cwd?: string }) => flags.cwd ?? env.projectDir;

  /** Each site's Pulumi stack (--stack, EKS_DR_STACKS); the simulation has only its own. */
  const stacksOf = (flags: CommonFlags): StackMap =>
    flags.sim ? {} : stackMap({ flags: flags.stack, env: vars().EKS_DR_STACKS, sites: discoverStacks(projectDirOf(flags)), project: PROJECT });

  /** Flags a resume must repeat besides those the wiring knows: the project directory and the stacks. */
  const locationFlags = (flags: CommonFlags): string[] => [...(flags.cwd !== undefined ? [`--cwd ${flags.cwd}`] : []), ...stackFlags(stacksOf(flags))];

  const wiringFor = async (flags: CommonFlags, cmd: Command): Promise<Wiring> => {
    checkFlags(flags);
    const state = flags.state ?? (flags.sim || flags.journal !== undefined ? undefined : env.defaultState);
    void cmd;
    const stacks = stacksOf(flags);
    return env.wire({
      projectDir: projectDirOf(flags),
      ...(Object.keys(stacks).length ? { qualifiedStacks: stacks } : {}),
      ...(locationFlags(flags).length ? { extraResumeFlags: locationFlags(flags) } : {}),
      journalPath: flags.journal,
      sim: flags.sim,
      seed: flags.seed,
      latencyFile: flags.latencyFile,
      ...(state !== undefined ? { state } : {}),
      ...(env.pid !== undefined ? { pid: env.pid } : {}),
    });
  };

  const vars = () => env.vars ?? process.env;
  const human = (flags: CommonFlags): Output => (flags.json ? env.stderr : env.stdout);
  const print = (out: Output, lines: string[]) => out.write(lines.map((l) => `${l}\n`).join(""));

  /** Refuses up front when nobody can confirm: before any port is built or anything read. */
  const requireConfirmable = (flags: CommonFlags) => {
    checkFlags(flags);
    if (flags.dryRun || flags.yes) return;
    // A script reading the JSON document cannot answer a question, and the question would not be JSON.
    if (flags.json)
      throw new RefusedError("--json never prompts: pass --yes to run without confirmation, or --dry-run to only see the plan. Nothing was changed.");
    if (env.stdinIsTTY) return;
    throw new RefusedError(
      "stdin is not a terminal, so nobody can confirm: pass --yes to run without confirmation, or --dry-run to only see the plan. Nothing was changed.",
    );
  };

  const runOptions = (flags: CommonFlags, w: Wiring): RunOptions => ({
    ...(flags.simCrashAfter !== undefined && w.sim ? simCrash(flags.simCrashAfter, w) : {}),
    dryRun: flags.dryRun,
    takeOver: flags.takeOver,
    incidentAt: flags.incidentAt,
    maxDataLossMs: flags.maxDataLoss,
    force: flags.force,
    stop: stopRun.signal,
    confirm: flags.yes
      ? undefined
      : async (summary, plan) => {
          const stacks = stacksOf(flags);
          const target = await runTarget(w, plan, { projectDir: projectDirOf(flags), vars: vars(), stackName: (s) => stacks[s] ?? s });
          print(env.stdout, [...targetLines(target), "", ...summary]);
          // Ctrl-C or Ctrl-D at the prompt is a "no".
          const answer = await env.ask(promptText(plan)).catch(() => "");
          return accepted(plan, answer);
        },
    observer: (plan: Plan, startedAt: number) => {
      const out = human(flags);
      const r = rendering(out, vars());
      return r.live ? new LiveProgress(out, w.clock, plan.steps, { color: r.color }) : new PlainProgress(out, w.clock, startedAt);
    },
  });

  /** --sim-crash-after: arms the crash, once the plan shows the step exists. */
  const simCrash = (step: string, w: Wiring): Pick<RunOptions, "checkPlan"> => ({
    checkPlan: (plan) => {
      if (!plan.steps.some((s) => s.id === step) && !plan.rollback?.some((s) => s.id === step)) {
        throw new UsageError(`option '--sim-crash-after <step>': this plan has no step "${step}"; its steps are ${plan.steps.map((s) => s.id).join(", ")}`);
      }
      w.sim!.faults.crashAfterStep(step);
    },
  });

  /** A simulated crash ends the command as a killed process would, with the command that resumes it. */
  /** Ctrl-C during a run: the run stops at the next step boundary (RunOptions.stop). */
  const stopRun = new AbortController();
  const onCtrlC = () => {
    env.stderr.write(
      "\nCtrl-C: stopping once the steps running now have finished (a step is never cut in the middle); the same command resumes the run. Ctrl-C again quits at once.\n",
    );
    stopRun.abort();
  };

  const orCrash = async (w: Wiring, command: string, args: Record<string, string>, run: () => Promise<void>) => {
    const release = env.onInterrupt?.(onCtrlC);
    try {
      await run();
    } catch (err) {
      if (!isCrash(err) || !w.sim) throw err;
      env.stderr.write(
        `simulation: ${errorMessage(err)}: the driver process died there, as if killed, leaving its journal and lock as they were.\n` +
          `Rehearse the resume: \`${commandLine(driverDeps(w), command, args)} --take-over\`\n`,
      );
      setExit(EXIT.failed);
    } finally {
      release?.();
    }
  };

  const deps = (w: Wiring, flags: CommonFlags): DriverDeps => driverDeps(w, { maxConcurrency: flags.maxConcurrency });

  const finish = (flags: CommonFlags, result: CommandResult, w?: Wiring) => {
    // On the simulated Regions, users' RTO and write downtime as the world measured them.
    if (result.kind === "run" && w?.sim) result = { ...result, report: withSimulatedUsers(result.report, w.sim.world) };
    if (result.kind === "dry-run") {
      if (flags.json)
        env.stdout.write(
          JSON.stringify({ dryRun: true, plan: planJson(result.plan), steps: result.steps, resumes: result.resumes, refusal: result.refusal }, null, 2) + "\n",
        );
      else print(env.stdout, result.lines);
      setExit(result.refusal !== undefined ? EXIT.refused : EXIT.ok);
      return;
    }
    if (flags.json) env.stdout.write(JSON.stringify(result.report, null, 2) + "\n");
    else print(env.stdout, formatReport(result.report));
    if (result.report.outcome === "failed" && flags.sim && flags.journal === undefined) {
      human(flags).write(
        "note: this simulation and its journal lived in this process only; to rehearse resuming a run in a new process, give --journal <file>.\n",
      );
    }
    setExit(result.report.outcome === "succeeded" ? EXIT.ok : EXIT.failed);
  };

  const validateStack = (stackNames: readonly string[], flag: string, stack: string) => {
    if (!stackNames.includes(stack)) throw new UsageError(`option '${flag}': unknown stack "${stack}"; this project's stacks are ${stackNames.join(", ")}`);
  };

  /** `now` is the driver's clock: the wall clock, or the simulation's (known once it is wired). */
  const validateIncident = (flags: CommonFlags, now: number, simulated: boolean) => {
    if (flags.incidentAt !== undefined && flags.incidentAt > now) {
      throw new UsageError(
        `option '--incident-at <time>': ${new Date(flags.incidentAt).toISOString()} is after now (${new Date(now).toISOString()}${simulated ? ", simulated clock" : ""}); give the time the incident began`,
      );
    }
    if (flags.incidentAt !== undefined && now - flags.incidentAt > MAX_INCIDENT_AGE_MS) {
      throw new UsageError(
        `option '--incident-at <time>': ${new Date(flags.incidentAt).toISOString()} is more than 30 days before now (${new Date(now).toISOString()}${simulated ? ", simulated clock" : ""}); check the date`,
      );
    }
  };

  /**
   * The wiring of a command that acts on `--to`: its value and `--incident-at` checked before the
   * terminal check as far as they can be without the cloud, then again against the wired project
   * and the driver's clock.
   */
  const wiringForTarget = async (flags: CommonFlags & { to: string }): Promise<Wiring> => {
    validateStack(discoverStacks(projectDirOf(flags)), "--to <stack>", flags.to);
    if (!flags.sim) validateIncident(flags, Date.now(), false);
    requireConfirmable(flags);
    const w = await wiringFor(flags, program);
    validateStack(w.stackNames, "--to <stack>", flags.to);
    validateIncident(flags, w.clock.now(), !!w.sim);
    return w;
  };

  /**
   * With --sim, the premise of a run that assumes the other site's Region is lost: that Region is
   * impaired, applied only once the run passed its offline checks (a refused run impairs nothing).
   */
  const impairSourceInSimulation = (w: Wiring, flags: CommonFlags & { to: string }, premise: string): (() => void) | undefined => {
    const sim = w.sim;
    if (!sim) return undefined;
    return () => {
      const source = w.stackNames.find((s) => s !== flags.to)!;
      if (sim.world.isImpaired(sim.world.regionOf(source))) return;
      sim.faults.impairRegion(source);
      human(flags).write(`simulation: ${source}'s Region is impaired from now on (${premise})\n`);
    };
  };

  /** Both stack files and the rules between them, offline; prints and exits 2 when they are not valid. */
  const offlineValidation = (flags: { json?: boolean; cwd?: string }, reportValid: boolean): boolean => {
    const v = validateProject(projectDirOf(flags));
    if (flags.json && (reportValid || !v.ok)) env.stdout.write(JSON.stringify(v, null, 2) + "\n");
    if (!v.ok || reportValid) print(v.ok ? human(flags) : env.stderr, formatValidation(v));
    if (!v.ok) setExit(EXIT.refused);
    return v.ok;
  };

  // validate -----------------------------------------------------------------------------------
  program
    .command("validate")
    .description("check both stack files and the rules between them, offline (no cloud, no Pulumi CLI); exit 2 naming each bad key")
    .option("--json", "print the result as JSON")
    .addOption(cwdOption())
    .action((flags: { json?: boolean; cwd?: string }) => {
      if (offlineValidation(flags, true)) setExit(EXIT.ok);
    });

  // deploy -------------------------------------------------------------------------------------
  addRunFlags(
    program
      .command("deploy")
      .description(
        "validate both stack files, then pulumi up both sites: the owner of global resources first, then its peer, then the active site again if its EFS replication waited for the peer's file system",
      ),
  ).action(async (flags: CommonFlags) => {
    // Before anything needs a Pulumi CLI: a bad stack file is named with its key.
    if (!offlineValidation(flags, false)) return;
    requireConfirmable(flags);
    const w = await wiringFor(flags, program);
    await orCrash(w, "deploy", {}, async () => finish(flags, await deploy(deps(w, flags), runOptions(flags, w))));
  });

  // status -------------------------------------------------------------------------------------
  addSimFlags(
    program
      .command("status")
      .description(
        "readiness evaluation: outputs, clusters, Aurora secondary (headless?), replication, estimated RPO now, the steps a failover would run; exit 1 when not ready",
      )
      .addOption(new Option("--mode <mode>", "which failover's steps to preview").choices(["planned", "unplanned"]).default("unplanned"))
      .option("--json", "print the evaluation as JSON")
      .addOption(new Option("--journal <path>", "journal file to check for an unfinished run").argParser(journalArg))
      .option("--state <url>", "the shared S3 lock and journal to check (default $EKS_DR_STATE)")
      .addOption(stackOption())
      .addOption(cwdOption()),
  ).action(async (flags: CommonFlags & { mode: "planned" | "unplanned" }) => {
    const w = await wiringFor(flags, program);
    const r = await status(deps(w, flags), { mode: flags.mode });
    if (flags.json) env.stdout.write(JSON.stringify(r, null, 2) + "\n");
    else print(env.stdout, formatReadiness(r.readiness));
    setExit(r.readiness.ready ? EXIT.ok : EXIT.failed);
  });

  // failover -----------------------------------------------------------------------------------
  addRunFlags(
    program
      .command("failover")
      .description(
        "make --to the active site: planned (both Regions healthy, no data loss: quiesce, drain, switchover) or unplanned (source Region impaired: failover with data loss allowed, nothing waits on the source)",
      )
      .requiredOption("--to <stack>", "the stack that becomes active (e.g. dr)")
      .addOption(new Option("--mode <mode>", "planned or unplanned").choices(["planned", "unplanned"]).makeOptionMandatory()),
    { dataLoss: true, incident: true },
  ).action(async (flags: CommonFlags & { to: string; mode: "planned" | "unplanned" }) => {
    if (flags.mode === "planned" && (flags.maxDataLoss !== undefined || flags.force)) {
      throw new UsageError(`option '${flags.force ? "--force" : "--max-data-loss"}' applies to --mode unplanned only (a planned failover loses no data)`);
    }
    const w = await wiringForTarget(flags);
    const opts = runOptions(flags, w);
    if (flags.mode === "unplanned") opts.beforeGates = impairSourceInSimulation(w, flags, "an unplanned failover's premise");
    await orCrash(w, "failover", { to: flags.to, mode: flags.mode }, async () =>
      finish(flags, await failover(deps(w, flags), { to: flags.to, mode: flags.mode }, opts), w),
    );
  });

  // failback -----------------------------------------------------------------------------------
  addRunFlags(
    program
      .command("failback")
      .description(
        "return to the standby site (the old active, healthy again): clean its stale replication, up it as standby, replicate back, wait until it caught up, then a planned failover back",
      ),
    { incident: false },
  ).action(async (flags: CommonFlags) => {
    requireConfirmable(flags);
    const w = await wiringFor(flags, program);
    const opts = runOptions(flags, w);
    const sim = w.sim;
    if (sim) {
      // The premise of a failback: the old site's Region answers again (an unplanned failover left it impaired).
      opts.beforeGates = async () => {
        for (const stack of w.stackNames) {
          if ((await w.stacks.readConfig(stack)).role !== "standby" || !sim.world.isImpaired(sim.world.regionOf(stack))) continue;
          sim.faults.recoverRegion(stack);
          human(flags).write(`simulation: ${stack}'s Region has recovered (a failback's premise)\n`);
        }
      };
    }
    await orCrash(w, "failback", {}, async () => finish(flags, await failback(deps(w, flags), opts), w));
  });

  // restore ------------------------------------------------------------------------------------
  addRunFlags(
    program
      .command("restore")
      .description(
        "rebuild --to from the AWS Backup recovery points in its Region (newest consistent ones not newer than --point): restore Aurora and EFS, " +
          "bring the site up as active, swap DNS, restore the Kubernetes objects of the newest Velero backup not newer than those points, " +
          "report RTO and RPO; --in-place: point-in-time restore of the active site's data (needs --yes; no Velero restore)",
      )
      .requiredOption("--to <stack>", "the stack to restore (the peer of the lost site, or the active site with --in-place)")
      .addOption(
        new Option("--point <latest|time>", "the newest points (latest), or the newest not newer than this ISO time")
          .argParser((v: string) => (v === "latest" ? v : new Date(isoTimeArg(v)).toISOString()))
          .default("latest"),
      )
      .addOption(
        new Option("--max-skew <duration>", "the EFS and Aurora points must be this close in time, else refuse (e.g. 1h)")
          .argParser(durationArg)
          .default(3_600_000, "1h"),
      )
      .option("--in-place", "point-in-time restore into the active site (corruption); refused without --yes")
      .option(
        "--require-velero",
        "refuse (exit 2) unless a Completed Velero backup not newer than the recovery points is in the target's bucket; without it the restore goes on without the Kubernetes objects and says so",
      ),
    { incident: true },
  ).action(async (flags: CommonFlags & { to: string; point: string; maxSkew: number; inPlace?: boolean; requireVelero?: boolean }) => {
    if (flags.inPlace && !flags.yes && !flags.dryRun) {
      throw new RefusedError(
        `--in-place switches ${flags.to} to data restored from its recovery points (nothing is overwritten, but what was written since is no longer served): confirm with --yes. Nothing was changed.`,
      );
    }
    const w = await wiringForTarget(flags);
    if (flags.point !== "latest" && Date.parse(flags.point) > w.clock.now())
      throw new UsageError(`option '--point <latest|time>': ${flags.point} is after now; give a past time or latest`);
    const opts = runOptions(flags, w);
    const sim = w.sim;
    if (!flags.inPlace) opts.beforeGates = impairSourceInSimulation(w, flags, "a restore's premise: the site or its data is lost");
    const backup = sim ? undefined : new AwsBackup();
    const restoreDeps = Object.defineProperty(deps(w, flags), "backup", { get: () => backup ?? sim!.backup, enumerable: true }) as RestoreDeps;
    const args = {
      to: flags.to,
      point: flags.point,
      "max-skew": `${Math.round(flags.maxSkew / 1000)}s`,
      ...(flags.inPlace ? { "in-place": "" } : {}),
      ...(flags.requireVelero ? { "require-velero": "" } : {}),
    };
    await orCrash(w, "restore", args, async () => {
      const point = flags.point === "latest" ? ({ latest: true } as const) : { at: Date.parse(flags.point) };
      const result = await restore(
        restoreDeps,
        { to: flags.to, point, maxSkewMs: flags.maxSkew, inPlace: flags.inPlace, confirmed: flags.yes, requireVelero: flags.requireVelero },
        opts,
      );
      if (result.kind === "run" && result.restore) {
        if (flags.json) {
          env.stdout.write(JSON.stringify({ ...result.report, restore: result.restore }, null, 2) + "\n");
          setExit(result.report.outcome === "succeeded" ? EXIT.ok : EXIT.failed);
          return;
        }
        finish(flags, result);
        print(env.stdout, formatRestoreFigures(result.restore));
        return;
      }
      finish(flags, result);
    });
  });

  // drill --------------------------------------------------------------------------------------
  program
    .command("drill")
    .description("full failover + failback on the SIMULATED Regions (latency model of docs/latency.md), printing the timeline and RTO/RPO of each")
    .addOption(new Option("--seed <n>", "seed of the simulation (same seed, same drill)").argParser(seedArg).default(1))
    .addOption(
      new Option("--mode <mode>", "failover mode: unplanned impairs the active site's Region first").choices(["planned", "unplanned"]).default("unplanned"),
    )
    .option("--latency-file <path>", "JSON/YAML of measured step durations overriding the latency model's (docs/latency.md)")
    .option("--json", "print both reports and the simulation's own measurements as JSON")
    .addOption(
      new Option(
        "--tier <tier>",
        "backup-restore: the active site's Region is lost and `restore` rebuilds the peer from its backups (default: the stack files' failover and failback)",
      ).choices(["backup-restore"]),
    )
    .addOption(cwdOption())
    .action(async (flags: { seed: number; mode: "planned" | "unplanned"; latencyFile?: string; json?: boolean; tier?: "backup-restore"; cwd?: string }) => {
      const w = await env.wire({ projectDir: projectDirOf(flags), sim: true, seed: flags.seed, latencyFile: flags.latencyFile });
      const out = flags.json ? env.stderr : env.stdout;
      const r = rendering(out, vars());
      if (flags.tier === "backup-restore") {
        // As the failover drill: live list on a terminal only, the timeline printed once at the end.
        const d = await runRestoreDrill(w, {
          ...(r.live ? { observer: (plan: Plan) => new LiveProgress(out, w.clock, plan.steps, { color: r.color, clearAtEnd: true }) } : {}),
          log: (line) => out.write(`${line}\n`),
        });
        if (flags.json) env.stdout.write(JSON.stringify(d, null, 2) + "\n");
        else print(env.stdout, formatRestoreDrill(d));
        setExit(d.report.outcome === "succeeded" && d.simulation.agrees ? EXIT.ok : EXIT.failed);
        return;
      }
      const drill = await runDrill(w, {
        mode: flags.mode,
        // The drill prints each run's timeline at the end: progress is only the live list on a
        // terminal, cleared before the timeline, never a second record of the same steps.
        ...(r.live ? { observer: (plan: Plan) => new LiveProgress(out, w.clock, plan.steps, { color: r.color, clearAtEnd: true }) } : {}),
        log: (line) => out.write(`${line}\n`),
      });
      if (flags.json) env.stdout.write(JSON.stringify(drill, null, 2) + "\n");
      else print(env.stdout, formatDrill(drill));
      setExit(drill.failover.outcome === "succeeded" && drill.failback?.outcome === "succeeded" ? EXIT.ok : EXIT.failed);
    });

  for (const cmd of program.commands) addCommandHelp(cmd);
  return program;
}

/** The version in package.json (the CLI ships with the project, not as a package of its own). */
function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(path.resolve(__dirname, "..", "package.json"), "utf8")) as { version: string }).version;
}

function planJson(plan: Plan) {
  return {
    command: plan.command,
    args: plan.args,
    title: plan.title,
    mode: plan.mode,
    source: plan.source,
    target: plan.target,
    notes: plan.notes,
    configChanges: plan.configChanges,
    steps: plan.steps.map((s) => ({ id: s.id, title: s.title, dependsOn: s.dependsOn, effect: s.effect })),
    summary: formatPlanSummary(plan),
  };
}

/** What a failure is, for --json documents. */
function errorKind(err: unknown): string {
  if (err instanceof SetupError) return err.kind;
  if (err instanceof CommanderError || err instanceof UsageError) return "usage";
  if (err instanceof RefusedError) return "refused";
  if (err instanceof Error && err.name === "LatencyOverrideError") return "usage";
  if (err instanceof Error && err.name === "ConfigError") return "config";
  if (err instanceof StoppedError) return "stopped";
  if (err instanceof StepFailedError || isCrash(err)) return "failed";
  return "error";
}

/** Runs the CLI; resolves to the exit code. */
export async function runCli(argv: string[], env: CliEnv): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(env, (c) => (code = c));
  // --json promises a JSON document on stdout, failures included.
  const json = argv.includes("--json");
  const fail = (exitCode: number, err: unknown, lines: string[]): number => {
    env.stderr.write(lines.map((l) => `${l}\n`).join(""));
    if (json) {
      const fix = err instanceof SetupError ? { problem: err.problem, fix: err.fix } : err instanceof StoppedError ? { resumeCommand: err.resumeCommand } : {};
      env.stdout.write(
        JSON.stringify({ error: { kind: errorKind(err), message: errorMessage(err).replace(/^error: /, ""), ...fix, exitCode } }, null, 2) + "\n",
      );
    }
    return exitCode;
  };
  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; parse errors were already printed, naming the flag.
      if (err.exitCode === 0) return EXIT.ok;
      return json ? fail(EXIT.refused, err, []) : EXIT.refused;
    }
    if (err instanceof SetupError) {
      // One line: the cause and the command that fixes it.
      return fail(EXIT.refused, err, [`error: ${err.message}`]);
    }
    if (err instanceof UsageError) {
      return fail(EXIT.refused, err, [`error: ${err.message}`, "(add --help for usage; nothing was changed)"]);
    }
    if (err instanceof RefusedError) {
      return fail(EXIT.refused, err, [`refused: ${err.message}`]);
    }
    if (err instanceof StoppedError) {
      return fail(EXIT.failed, err, [err.message]);
    }
    if (err instanceof StepFailedError || isCrash(err)) {
      return fail(EXIT.failed, err, [`error: ${errorMessage(err)}`, "Run the same command again to resume."]);
    }
    if (err instanceof Error && err.name === "LatencyOverrideError") {
      return fail(EXIT.refused, err, [`error: option '--latency-file': ${err.message}`]);
    }
    if (err instanceof ConfigError) {
      // The same lines as `npm run validate`: file, key, what to do.
      return fail(EXIT.refused, err, configErrorLines(err.problems));
    }
    return fail(EXIT.failed, err, [`error: ${errorMessage(err)}`]);
  }
}

/** A process stream as an Output; its size is read at each use (a terminal can be resized). */
function terminalOutput(stream: NodeJS.WriteStream): Output {
  return {
    write: (s) => void stream.write(s),
    isTTY: stream.isTTY === true,
    get columns() {
      return stream.columns;
    },
    get rows() {
      return stream.rows;
    },
  };
}

/** The process's environment: real terminal, project directory beside this file. */
export function processEnv(): CliEnv {
  return {
    stdout: terminalOutput(process.stdout),
    stderr: terminalOutput(process.stderr),
    stdinIsTTY: process.stdin.isTTY === true,
    ask: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      // Ctrl-C (SIGINT on the interface) and Ctrl-D (end of input) abort the question: a "no".
      const cancel = new AbortController();
      rl.on("SIGINT", () => cancel.abort());
      rl.on("close", () => cancel.abort());
      try {
        return await rl.question(question, { signal: cancel.signal });
      } finally {
        rl.close();
      }
    },
    projectDir: path.resolve(__dirname, ".."),
    onInterrupt: (handler) => {
      let presses = 0;
      const listener = () => {
        if (++presses === 1) return handler();
        // A second Ctrl-C: quit as a killed process would; the journal and the lock stay as they are.
        process.stderr.write("Ctrl-C again: quitting now. The same command resumes the run (add --take-over: this process held the lock).\n");
        process.exit(EXIT.failed);
      };
      process.on("SIGINT", listener);
      return () => void process.off("SIGINT", listener);
    },
    wire,
    ...(process.env.EKS_DR_STATE ? { defaultState: process.env.EKS_DR_STATE } : {}),
  };
}

if (require.main === module) {
  // AWS SDK v3 warns on Node 20 that its releases after January 2027 need Node 22 (a multi-line
  // notice on stderr at the first client); it would bury the one-line errors this CLI prints.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  runCli(process.argv.slice(2), processEnv()).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`error: ${errorMessage(err)}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}

export { formatDuration };
