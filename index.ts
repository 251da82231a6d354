// Entry point for `pulumi up -s <stack>`: one site per stack (see stacks/program.ts).
import { runSite } from "./stacks/program";

export = runSite({ projectDir: __dirname });
