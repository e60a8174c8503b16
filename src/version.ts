import { readFileSync } from "node:fs";

/** The engine's version from package.json, found from source (src/) and from the build (dist/src/). */
export const ENGINE_VERSION: string = (() => {
  for (const relative of ["../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), "utf8")) as { name?: unknown; version?: unknown };
      if (pkg.name === "privacy-engine" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // try the next location
    }
  }
  return "0.0.0";
})();
