// The markers that patches/@zeit+cosmosdb-query+0.7.2.patch writes into the Cosmos emulator's query
// engine (@zeit/cosmosdb-query 0.7.2, inside @vercel/cosmosdb-server 1.0.1). The project's
// `postinstall` (`patch-package --error-on-fail`) applies the patch; test/integration/
// cosmos-query-patch.test.ts imports these strings to check that the patch file carries them and
// that the installed engine does. Change a marker only together with the patch file.
//
// The patch (see the README's "Emulator patch" section):
// - lib/transformer.js: upstream compiles `FROM c` into `collection.reduce(($, c) => [...$, { c }], [])`
//   and each JOIN into `.reduce(($, d) => [...$, ...mapped], [])`, copying the accumulator for every
//   document, so one query is quadratic in the container's size. The patched reducers push onto the
//   accumulator and return it.
// - lib/index.js and lib/executor.js: a compile cache, so the SQL text is parsed once per text and
//   the generated code turned into a function once per code (at most 1 000 entries each).

/** The patch file, relative to the project root. */
export const PATCH_FILE = "patches/@zeit+cosmosdb-query+0.7.2.patch";

/** The @zeit/cosmosdb-query version the patch was made for. */
export const PATCHED_VERSION = "0.7.2";

/** In lib/transformer.js: the FROM/JOIN reducers push instead of spreading the accumulator. */
export const PUSH_MARKER = `/* privacy-engine: push-accumulation patch v1 (${PATCH_FILE}) */`;

/** In lib/index.js and lib/executor.js: parsed queries and compiled code are cached by text. */
export const CACHE_MARKER = `/* privacy-engine: compile-cache patch v1 (${PATCH_FILE}) */`;

/** Each patched file (under the package's directory) and the markers it must contain. */
export const PATCHED_FILES = Object.freeze({
  "lib/transformer.js": Object.freeze([PUSH_MARKER]),
  "lib/index.js": Object.freeze([CACHE_MARKER]),
  "lib/executor.js": Object.freeze([CACHE_MARKER]),
});
