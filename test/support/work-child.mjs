// One work item of the engine in a process of its own, run from the build output (dist/), so a
// test can SIGKILL it in the middle of a step. Arguments: requestId dequeueCount. Settings come
// from the environment, as in the Functions host; the child is a host of its own, so it builds
// its deps once from them through the composition root.
import functions from "@azure/functions";

const { InvocationContext } = functions;
const [requestId = "", dequeueCount = "1"] = process.argv.slice(2);
const dist = (path) => import(new URL(`../../dist/${path}`, import.meta.url).href);
const { parseSettings } = await dist("src/config/settings.js");
const { createRuntime } = await dist("src/hosting/composition.js");
const { backgroundHandlers } = await dist("functions/background.js");
const { workQueueHandler } = backgroundHandlers(createRuntime(parseSettings(process.env)));
const context = new InvocationContext({
  functionName: "work-queue",
  invocationId: `child-${process.pid}`,
  triggerMetadata: { dequeueCount: Number(dequeueCount) },
  logHandler: (level, ...args) => {
    console.log(`[${level}] work-queue(child): ${args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ")}`);
  },
});
await workQueueHandler({ requestId }, context);
console.log("work item done");
