// The local Functions host behind `npm start` and the emulator tests, split by concern under
// ./host/: lifecycle (startLocalHost: server, start and bounded stop), routes, http-trigger,
// timers, queue-trigger, service-bus-trigger, admin (the admin invoke API) and invocation (what
// the triggers share). This file only re-exports what importers use, so they keep one path.

export { startLocalHost, type LocalHost, type LocalHostOptions } from "./host/lifecycle.js";
export { compileRoute, matchRoute } from "./host/routes.js";
