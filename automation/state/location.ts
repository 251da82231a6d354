/**
 * Where the state a failover needs lives, and whether it survives the loss of either site's
 * Region: the Pulumi state backend (the stacks' state and outputs, read by every `up` and by the
 * driver) and the driver's own lock and journal. `status` reports each as a warning when it does
 * not: a local file (lost with this machine, invisible to other operators) or a bucket in one of
 * the two sites' Regions (lost with the Region the failover has to leave).
 *
 * The Pulumi backend is found the way the Pulumi CLI finds it (pulumi/pulumi, pkg/workspace
 * GetCurrentCloudURLWithSource): PULUMI_BACKEND_URL, else `backend.url` in Pulumi.yaml, else the
 * `current` URL of the logged-in account in ~/.pulumi/credentials.json (PULUMI_HOME moves it).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { errorMessage } from "../errors";
import type { ReadinessCheck } from "../readiness";

export interface BackendUrl {
  url?: string;
  /** Where it was read from, for the message. */
  source: string;
}

/** The Pulumi backend URL as the CLI would pick it. */
export function pulumiBackendUrl(
  env: Record<string, string | undefined>,
  projectDir: string,
  pulumiHome = env.PULUMI_HOME ?? path.join(os.homedir(), ".pulumi"),
): BackendUrl {
  if (env.PULUMI_BACKEND_URL) return { url: env.PULUMI_BACKEND_URL, source: "PULUMI_BACKEND_URL" };
  try {
    const project = parseYaml(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { backend?: { url?: string } } | null;
    if (project?.backend?.url) return { url: project.backend.url, source: "backend.url in Pulumi.yaml" };
  } catch {
    // No readable project file: the CLI would fail too; fall through to the login.
  }
  try {
    const creds = JSON.parse(fs.readFileSync(path.join(pulumiHome, "credentials.json"), "utf8")) as { current?: string };
    if (creds.current) return { url: creds.current, source: `the current login (${path.join(pulumiHome, "credentials.json")})` };
  } catch {
    // Not logged in.
  }
  return { source: "nothing: not logged in (pulumi login)" };
}

/** An S3 URL's bucket and the Region it names (`?region=`), if any. */
function s3Parts(url: string): { bucket: string; region?: string } | undefined {
  try {
    const u = new URL(url);
    if (u.protocol !== "s3:") return undefined;
    return { bucket: u.hostname, ...(u.searchParams.get("region") ? { region: u.searchParams.get("region")! } : {}) };
  } catch {
    return undefined;
  }
}

export interface LocationInput {
  /** What is stored there, e.g. "Pulumi state backend". */
  what: string;
  url: string | undefined;
  /** Where the URL came from, for the message. */
  source?: string;
  /** The two sites' Regions. */
  siteRegions: string[];
  /** The Region of an S3 bucket whose URL does not say it (HeadBucket). */
  bucketRegion: (bucket: string) => Promise<string>;
  /** What to do instead, for the message. */
  fix: string;
}

/** One status check (a warning when the location does not survive the loss of a site's Region). */
export async function checkLocation(input: LocationInput): Promise<ReadinessCheck> {
  const name = input.what;
  const from = input.source ? ` (from ${input.source})` : "";
  const regions = input.siteRegions.join(" and ");
  const check = (ok: boolean, detail: string): ReadinessCheck => ({ name, ok, detail, severity: "warning", neededFor: "both" });
  const url = input.url;
  if (!url) return check(false, `cannot tell where it is${from}; ${input.fix}`);
  if (url.startsWith("file:") || url.startsWith("/") || url.startsWith(".")) {
    return check(false, `${url}${from} is a local file: lost with this machine and not shared with other operators. ${input.fix}`);
  }
  const s3 = s3Parts(url);
  if (s3) {
    let region = s3.region;
    if (!region) {
      try {
        region = await input.bucketRegion(s3.bucket);
      } catch (err) {
        return check(false, `${url}${from}: could not read the Region of bucket ${s3.bucket} (${errorMessage(err)}); it must be neither ${regions}`);
      }
    }
    if (input.siteRegions.includes(region)) {
      return check(
        false,
        `${url}${from} is in ${region}, one of the two sites' Regions: an outage of ${region} takes it with the site you fail over from. ${input.fix}`,
      );
    }
    return check(true, `${url}${from} is in ${region}, outside both sites' Regions`);
  }
  if (/^https:\/\/(api|app)\.pulumi\.com\/?$/.test(url)) return check(true, `Pulumi Cloud${from}, outside your AWS Regions`);
  if (url.startsWith("gs://") || url.startsWith("azblob://")) return check(true, `${url}${from}, outside AWS`);
  return check(false, `${url}${from}: cannot tell where it runs; make sure it is in neither ${regions}`);
}
