// Patches the query engine of the Cosmos emulator used by the tests (@zeit/cosmosdb-query 0.7.2,
// embedded by @vercel/cosmosdb-server 1.0.1) so that queries are linear in the container's size.
//
// The engine compiles `FROM c` into `collection.reduce(($, c) => [...$, { c }], [])` and each JOIN
// into `.reduce(($, d) => [...$, ...mapped], [])`: the accumulator is copied for every document,
// so one query over 20 000 documents takes 11-18 s and 40 000 exceed the client's timeout (see
// /work/shared/emulators.md). This script changes lib/transformer.js to generate reducers that
// push onto the accumulator and return it:
//
//   FROM c          ($, c) => typeof c !== "undefined" ? ($.push({ c }), $) : $
//   JOIN p IN c.x   ($, { c }) => { const $$items = (c.x || []).map(p => ({ c, p }));
//                                   for (let $$i = 0; $$i < $$items.length; $$i++) $.push($$items[$$i]);
//                                   return $; }
//
// Same results in the same order: the initial `[]` is a fresh literal on every execution, and no
// other code holds the intermediate accumulators. The JOIN copies element by element (an index
// loop, like the spread it replaces, reads holes as undefined) rather than `$.push(...$$items)`,
// whose arguments would overflow the stack for a large array. `$$items`/`$$i` collide neither with
// query aliases (Cosmos SQL identifiers are [A-Za-z_][A-Za-z0-9_]*) nor with the names the engine
// generates (`$`, `$0`..., `$a` aggregates, `$b` built-ins, `$c`, `$h`, `$p`, `$_`, `$__`, ...).
//
// Runs as the project's `postinstall`. Idempotent (a marker comment). Never fails an install: when
// the package is absent (production install) or its source differs from the expected one (another
// version), it prints one line and exits 0; test/integration/cosmos-query-patch.test.ts then fails.
//
// Usage: node scripts/patch-cosmosdb-query.mjs [path/to/@zeit/cosmosdb-query ...]
// Without arguments it patches the copy @vercel/cosmosdb-server loads (and a top-level copy, if
// that is a different one).

import { createRequire } from "node:module";
import { existsSync, readFileSync, realpathSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const MARKER = "/* privacy-engine: push-accumulation patch v1 (scripts/patch-cosmosdb-query.mjs) */";
const PREFIX = "[patch-cosmosdb-query]";

// The helpers inserted into transformer.js: babel AST builders for the generated reducer bodies.
const HELPERS = `
// --- privacy-engine patch: accumulate with push instead of spreading the accumulator ---
function $pushNode(argument) {
    return {
        type: "CallExpression",
        callee: {
            type: "MemberExpression",
            object: { type: "Identifier", name: "$" },
            property: { type: "Identifier", name: "push" },
            computed: false
        },
        arguments: [argument]
    };
}
// ($.push(element), $)
function pushOneNode(element) {
    return {
        type: "SequenceExpression",
        expressions: [$pushNode(element), { type: "Identifier", name: "$" }]
    };
}
// { const $$items = elements; for (let $$i = 0; $$i < $$items.length; $$i++) $.push($$items[$$i]); return $; }
function pushAllNode(elements) {
    const a = () => ({ type: "Identifier", name: "$$items" });
    const i = () => ({ type: "Identifier", name: "$$i" });
    return {
        type: "BlockStatement",
        body: [
            {
                type: "VariableDeclaration",
                kind: "const",
                declarations: [{ type: "VariableDeclarator", id: a(), init: elements }]
            },
            {
                type: "ForStatement",
                init: {
                    type: "VariableDeclaration",
                    kind: "let",
                    declarations: [
                        { type: "VariableDeclarator", id: i(), init: { type: "NumericLiteral", value: 0 } }
                    ]
                },
                test: {
                    type: "BinaryExpression",
                    operator: "<",
                    left: i(),
                    right: {
                        type: "MemberExpression",
                        object: a(),
                        property: { type: "Identifier", name: "length" },
                        computed: false
                    }
                },
                update: { type: "UpdateExpression", operator: "++", prefix: false, argument: i() },
                body: {
                    type: "ExpressionStatement",
                    expression: $pushNode({ type: "MemberExpression", object: a(), property: i(), computed: true })
                }
            },
            { type: "ReturnStatement", argument: { type: "Identifier", name: "$" } }
        ]
    };
}
// --- end of privacy-engine patch helpers ---
`;

// Each edit: the original source (matched with any whitespace between tokens) and its replacement.
const EDITS = [
  {
    name: "helpers",
    find: `function transform(contexts, node) {`,
    replace: `${HELPERS.trimStart()}function transform(contexts, node) {`,
  },
  {
    // JOIN x IN expr / JOIN (subquery):  [...$, ...mapProps]  ->  { ...push each...; return $; }
    name: "JOIN reducer",
    find: `params: [{ type: "Identifier", name: "$" }, document],
           body: {
               type: "ArrayExpression",
               elements: [
                   {
                       type: "SpreadElement",
                       argument: {
                           type: "Identifier",
                           name: "$"
                       }
                   },
                   {
                       type: "SpreadElement",
                       argument: mapProps
                   }
               ]
           }`,
    replace: `params: [{ type: "Identifier", name: "$" }, document],
                            body: pushAllNode(mapProps) /* privacy-engine patch: was [...$, ...mapProps] */`,
  },
  {
    // FROM c / FROM c.x y / JOIN c.x:  cond ? [...$, { ... }] : $  ->  cond ? ($.push({ ... }), $) : $
    name: "FROM reducer",
    find: `consequent: {
               type: "ArrayExpression",
               elements: [
                   {
                       type: "SpreadElement",
                       argument: {
                           type: "Identifier",
                           name: "$"
                       }
                   },
                   {
                       type: "ObjectExpression",
                       properties: [
                           ...(document.type === "ObjectPattern"
                               ? document.properties
                               : []),
                           {
                               type: "ObjectProperty",
                               computed: false,
                               key: nameNode,
                               value: exp
                           }
                       ]
                   }
               ]
           },`,
    replace: `consequent: pushOneNode({ /* privacy-engine patch: was [...$, { ... }] */
                                type: "ObjectExpression",
                                properties: [
                                    ...(document.type === "ObjectPattern"
                                        ? document.properties
                                        : []),
                                    {
                                        type: "ObjectProperty",
                                        computed: false,
                                        key: nameNode,
                                        value: exp
                                    }
                                ]
                            }),`,
  },
];

/** A regular expression matching `text` with any amount of whitespace where it has some. */
function tolerantPattern(text) {
  const tokens = text.trim().split(/\s+/).map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(tokens.join("\\s+"), "g");
}

/** Returns the patched source, or a reason why this source cannot be patched. */
export function patchSource(source) {
  let patched = source;
  for (const edit of EDITS) {
    const matches = [...patched.matchAll(tolerantPattern(edit.find))];
    if (matches.length !== 1) {
      return { error: `expected source of the ${edit.name} found ${matches.length} times (expected once)` };
    }
    const [match] = matches;
    patched = patched.slice(0, match.index) + edit.replace + patched.slice(match.index + match[0].length);
  }
  // After the "use strict" directive, so the directive stays the file's first statement.
  const strict = `"use strict";\n`;
  patched = patched.startsWith(strict) ? `${strict}${MARKER}\n${patched.slice(strict.length)}` : `${MARKER}\n${patched}`;
  return { source: patched };
}

function writeAtomically(file, text) {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (error) {
    if (existsSync(tmp)) unlinkSync(tmp);
    throw error;
  }
}

/** Patches one package directory; returns a one-line status. Never throws for expected cases. */
export function patchPackage(packageDir) {
  const transformer = path.join(packageDir, "lib", "transformer.js");
  let version = "unknown";
  try {
    version = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")).version ?? "unknown";
  } catch {
    // keep "unknown"
  }
  if (!existsSync(transformer)) {
    return { ok: false, message: `WARNING: ${transformer} not found (@zeit/cosmosdb-query ${version}); not patched` };
  }
  const source = readFileSync(transformer, "utf8");
  if (source.includes(MARKER)) {
    return { ok: true, message: `already patched: ${transformer} (@zeit/cosmosdb-query ${version})` };
  }
  const result = patchSource(source);
  if (result.error !== undefined) {
    return {
      ok: false,
      message:
        `WARNING: @zeit/cosmosdb-query ${version} at ${packageDir} is not the expected 0.7.2 source (${result.error}); ` +
        "NOT patched, so emulator queries stay quadratic in the container size. " +
        "Update scripts/patch-cosmosdb-query.mjs for this version.",
    };
  }
  writeAtomically(transformer, result.source);
  return { ok: true, message: `patched ${transformer} (@zeit/cosmosdb-query ${version}): FROM/JOIN reducers push instead of spread` };
}

/** The installed @zeit/cosmosdb-query directories: the emulator's own copy first, then a top-level one. */
function installedPackageDirs(projectRoot) {
  const fromRoot = createRequire(path.join(projectRoot, "package.json"));
  const dirs = [];
  const add = (req) => {
    try {
      const dir = path.dirname(realpathSync(req.resolve("@zeit/cosmosdb-query/package.json")));
      if (!dirs.includes(dir)) dirs.push(dir);
    } catch {
      // not resolvable from there
    }
  };
  try {
    const serverPackageJson = fromRoot.resolve("@vercel/cosmosdb-server/package.json");
    add(createRequire(realpathSync(serverPackageJson)));
  } catch {
    // the emulator is a dev dependency: absent in a production install
  }
  add(fromRoot);
  return dirs;
}

// --- Second patch: compile once per query text --------------------------------------------------
//
// The engine parses every query with a PEG parser (lib/index.js: `new Query(text)` per request, and
// the server parses the text a second time to check partition keys) and turns the generated code
// into a function with `new Function` on every execution (lib/executor.js). The parser backtracks
// on nested parentheses: one `IN (...)` list inside two levels of grouping takes ~150 ms, so a
// discovery of a dozen queries spends seconds parsing (issue 7's small-subject figure). A query's
// text fully decides its AST and code (parameters are bound at execution), so both are cached by
// text: the Query object (its AST, and its code once generated) in a Map of at most 1 000 texts,
// the compiled function per generated code likewise. The Query's AST is only read after parsing
// (transform and containsPartitionKeys build new trees), so sharing it is safe.
export const CACHE_MARKER = "/* privacy-engine: compile-cache patch v1 (scripts/patch-cosmosdb-query.mjs) */";

const CACHE_EDITS = [
  {
    file: "index.js",
    find: "exports.default = (query) => new Query(query);",
    replace: `${CACHE_MARKER}
const $$queries = new Map();
exports.default = (query) => {
    let parsed = $$queries.get(query);
    if (parsed === undefined) {
        parsed = new Query(query);
        if ($$queries.size >= 1000) $$queries.delete($$queries.keys().next().value);
        $$queries.set(query, parsed);
    }
    return parsed;
};`,
  },
  {
    file: "executor.js",
    find: "const execute = new Function(`\"use strict\";return (${code})`)();",
    replace: `${CACHE_MARKER}
    let execute = $$compiled.get(code);
    if (execute === undefined) {
        execute = new Function(\`"use strict";return (\${code})\`)();
        if ($$compiled.size >= 1000) $$compiled.delete($$compiled.keys().next().value);
        $$compiled.set(code, execute);
    }`,
    prelude: "const $$compiled = new Map();\n",
  },
];

/** Adds the compile cache to one package directory; returns a one-line status. */
export function patchCompileCache(packageDir) {
  const messages = [];
  let ok = true;
  for (const edit of CACHE_EDITS) {
    const file = path.join(packageDir, "lib", edit.file);
    if (!existsSync(file)) {
      ok = false;
      messages.push(`WARNING: ${file} not found; compile cache not added`);
      continue;
    }
    const source = readFileSync(file, "utf8");
    if (source.includes(CACHE_MARKER)) {
      messages.push(`${edit.file} already cached`);
      continue;
    }
    const at = source.indexOf(edit.find);
    if (at < 0 || source.indexOf(edit.find, at + 1) >= 0) {
      ok = false;
      messages.push(`WARNING: ${file} is not the expected source; compile cache not added`);
      continue;
    }
    let patched = source.slice(0, at) + edit.replace + source.slice(at + edit.find.length);
    if (edit.prelude !== undefined) {
      const strict = `"use strict";\n`;
      patched = patched.startsWith(strict) ? `${strict}${edit.prelude}${patched.slice(strict.length)}` : `${edit.prelude}${patched}`;
    }
    writeAtomically(file, patched);
    messages.push(`${edit.file}: compile cache added`);
  }
  return { ok, message: messages.join("; ") };
}

function main() {
  const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const args = process.argv.slice(2);
  const dirs = args.length > 0 ? args.map((a) => path.resolve(a)) : installedPackageDirs(projectRoot);
  if (dirs.length === 0) {
    console.log(`${PREFIX} @zeit/cosmosdb-query is not installed (no dev dependencies?); nothing to patch`);
    return;
  }
  for (const dir of dirs) {
    try {
      console.log(`${PREFIX} ${patchPackage(dir).message}`);
      console.log(`${PREFIX} ${patchCompileCache(dir).message}`);
    } catch (error) {
      // Never break an install; the test reports the unpatched engine.
      console.log(`${PREFIX} WARNING: could not patch ${dir}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))) {
  main();
}
