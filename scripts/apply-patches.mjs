// postinstall: applies patches/ with patch-package, failing the install when a patch no longer
// applies or the patched package's version moved (--error-on-fail --error-on-warn). The patched
// package is a development dependency (the Cosmos emulator): an install without them
// (`npm ci --omit=dev`, a deployment) has nothing to patch and no patch-package to run.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const resolves = (name) => {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
};

if (!resolves("@zeit/cosmosdb-query/package.json")) {
  console.log("[apply-patches] the Cosmos emulator is not installed (no dev dependencies): nothing to patch");
  process.exit(0);
}
if (!resolves("patch-package/package.json")) {
  console.error("[apply-patches] @zeit/cosmosdb-query is installed but patch-package is not: run npm ci");
  process.exit(1);
}
const cli = require.resolve("patch-package/index.js");
const run = spawnSync(process.execPath, [cli, "--error-on-fail", "--error-on-warn"], { stdio: "inherit" });
process.exit(run.status ?? 1);
