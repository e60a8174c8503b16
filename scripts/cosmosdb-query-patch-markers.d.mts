// Types for scripts/cosmosdb-query-patch-markers.mjs (imported by the TypeScript tests).
export declare const PATCH_FILE: "patches/@zeit+cosmosdb-query+0.7.2.patch";
export declare const PATCHED_VERSION: "0.7.2";
export declare const PUSH_MARKER: string;
export declare const CACHE_MARKER: string;
export declare const PATCHED_FILES: Readonly<Record<"lib/transformer.js" | "lib/index.js" | "lib/executor.js", readonly string[]>>;
