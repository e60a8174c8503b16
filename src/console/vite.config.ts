import { fileURLToPath } from "node:url";
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

// The console's build: root is this folder, served under /console/, written to dist/console
// (the `console` function serves it). Type checking is tsc's (npm run typecheck), not Vite's.

const here = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root: here,
  base: "/console/",
  plugins: [preact({ devtoolsInProd: false, prerender: { enabled: false } })],
  build: {
    outDir: fileURLToPath(new URL("../../dist/console", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: {
    // `vite --config src/console/vite.config.ts` against a running engine (npm start).
    proxy: { "/api": process.env.CONSOLE_API_ORIGIN ?? "http://localhost:7071" },
  },
});
