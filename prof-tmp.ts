import { createSimulation, evaluationStats } from "./automation/sim";
import { runDrill } from "./automation/drill";
import { simWiring } from "./automation/wiring";
const cpu = (c: NodeJS.CpuUsage) => Math.round((c.user + c.system) / 1000);
async function main() {
  const c1 = process.cpuUsage();
  const sim = await createSimulation({ seed: 1 });
  console.log("create cpu", cpu(process.cpuUsage(c1)));
  const c2 = process.cpuUsage();
  await runDrill(simWiring(sim, { stackNames: ["primary", "dr"] }), { mode: "unplanned" });
  console.log("drill cpu", cpu(process.cpuUsage(c2)), evaluationStats());
  console.log("total cpu", cpu(process.cpuUsage()));
}
main();
