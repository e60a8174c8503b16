import functions from "@azure/functions";
import { hostRoute, type FunctionDefinition } from "../src/hosting/definition.js";
import { allFunctions } from "./all.js";
import { parseSettings } from "../src/config/settings.js";
import { createRuntime } from "../src/hosting/composition.js";

// The Azure entry point (package.json `main`): registers every function description with the
// Functions host. `%SETTING%` expressions in schedules and queue names are resolved by the host.
// host.json's routePrefix is "", so each HTTP route is registered in full: the API's under `api/`,
// the console's (prefix "") at the site's root.

const { app } = functions;

export function registerWithAzure(definition: FunctionDefinition): void {
  switch (definition.kind) {
    case "http":
      app.http(definition.name, {
        methods: [...definition.methods],
        route: hostRoute(definition),
        authLevel: "anonymous", // the engine authenticates every caller itself
        handler: definition.handler,
      });
      return;
    case "timer":
      app.timer(definition.name, { schedule: definition.schedule, handler: definition.handler });
      return;
    case "storageQueue":
      app.storageQueue(definition.name, {
        queueName: definition.queueName,
        connection: definition.connection,
        handler: definition.handler,
      });
      return;
    case "serviceBusQueue":
      app.serviceBusQueue(definition.name, {
        queueName: definition.queueName,
        connection: definition.connection,
        handler: definition.handler,
      });
      return;
  }
}

app.setup({ enableHttpStream: false });
// The composition root on Azure: settings and the data map are checked as the host loads the app
// (a bad one stops the start with a message naming it, instead of failing the first invocation),
// and the one set of deps of this worker process is built here and handed to every function.
const deps = createRuntime(parseSettings(process.env));
for (const definition of allFunctions(deps)) registerWithAzure(definition);
