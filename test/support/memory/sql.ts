import { EngineError } from "../../../src/domain/errors.js";

// A small Cosmos SQL subset for the in-memory platform items, enough for the queries the contract
// suites and hand-written engine tests send:
//   SELECT * | ref [AS name], … FROM c [WHERE expr] [ORDER BY ref [ASC|DESC], …]
//   expr: NOT, AND, OR, parentheses; IS_DEFINED(ref), IS_STRING(ref); operand (= != <> < <= > >=) operand;
//   operand IN (operand, …); operands: c.a.b, c["a"]["b"], @param, 'text', numbers, true, false, null.
// Anything else is refused loudly, never answered wrongly. Undefined is Cosmos's third truth value.

type Token = { kind: "word" | "param" | "string" | "number" | "punct"; text: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s+|(@\w+)|('(?:[^'\\]|\\.)*')|("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?)|([A-Za-z_]\w*)|(<=|>=|!=|<>|[=<>(),.*[\]])/gy;
  let position = 0;
  while (position < text.length) {
    pattern.lastIndex = position;
    const match = pattern.exec(text);
    if (match === null) throw unsupported(text, `cannot read from "${text.slice(position, position + 10)}"`);
    position = pattern.lastIndex;
    const [, param, single, double, number, word, punct] = match;
    if (param !== undefined) tokens.push({ kind: "param", text: param });
    else if (single !== undefined) tokens.push({ kind: "string", text: single.slice(1, -1).replace(/\\(.)/g, "$1") });
    else if (double !== undefined) tokens.push({ kind: "string", text: JSON.parse(double) as string });
    else if (number !== undefined) tokens.push({ kind: "number", text: number });
    else if (word !== undefined) tokens.push({ kind: "word", text: word });
    else if (punct !== undefined) tokens.push({ kind: "punct", text: punct });
  }
  return tokens;
}

function unsupported(text: string, why: string): EngineError {
  return new EngineError("internal", `memory platform query not supported (${why}): ${text}`);
}

type Value = unknown;
type Truth = boolean | undefined;
type Expr = (doc: Record<string, unknown>) => Value;

export interface CompiledQuery {
  readonly where: (doc: Record<string, unknown>) => boolean;
  readonly project: (doc: Record<string, unknown>) => Record<string, unknown>;
  readonly orderBy: readonly { readonly value: Expr; readonly descending: boolean }[];
}

const truth = (v: Value): Truth => (typeof v === "boolean" ? v : undefined);

function compare(a: Value, b: Value, op: string): Truth {
  if (a === undefined || b === undefined) return undefined;
  if (op === "=") return JSON.stringify(a) === JSON.stringify(b);
  if (op === "!=" || op === "<>") return JSON.stringify(a) !== JSON.stringify(b);
  if (!((typeof a === "string" && typeof b === "string") || (typeof a === "number" && typeof b === "number"))) return undefined;
  return ordered(a, b, op);
}

function ordered<T extends string | number>(x: T, y: T, op: string): boolean {
  switch (op) {
    case "<":
      return x < y;
    case "<=":
      return x <= y;
    case ">":
      return x > y;
    default:
      return x >= y;
  }
}

/** Compiles `text` with its parameters; throws an EngineError for anything outside the subset. */
export function compileQuery(text: string, parameters: readonly { name: string; value: unknown }[]): CompiledQuery {
  const tokens = tokenize(text);
  const params = new Map(parameters.map((p) => [p.name, p.value]));
  let at = 0;
  const peek = (): Token | undefined => tokens[at];
  const isWord = (word: string): boolean => peek()?.kind === "word" && peek()?.text.toUpperCase() === word;
  const isPunct = (punct: string): boolean => peek()?.kind === "punct" && peek()?.text === punct;
  const expect = (ok: boolean, what: string): Token => {
    const token = peek();
    if (!ok || token === undefined) throw unsupported(text, `expected ${what} at token ${at}`);
    at += 1;
    return token;
  };

  function ref(): { expr: Expr; name: string } {
    expect(isWord("C"), "c");
    const path: string[] = [];
    for (;;) {
      if (isPunct(".")) {
        at += 1;
        path.push(expect(peek()?.kind === "word", "a field name").text);
      } else if (isPunct("[")) {
        at += 1;
        path.push(expect(peek()?.kind === "string", "a quoted field name").text);
        expect(isPunct("]"), "]");
      } else break;
    }
    const expr: Expr = (doc) => path.reduce<Value>((v, key) => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>)[key] : undefined), doc);
    return { expr, name: path.at(-1) ?? "c" };
  }

  function operand(): Expr {
    const token = peek();
    if (token === undefined) throw unsupported(text, "unexpected end");
    if (token.kind === "param") {
      at += 1;
      if (!params.has(token.text)) throw unsupported(text, `no value for ${token.text}`);
      const value = params.get(token.text);
      return () => value;
    }
    if (token.kind === "string") {
      at += 1;
      return () => token.text;
    }
    if (token.kind === "number") {
      at += 1;
      const n = Number(token.text);
      return () => n;
    }
    if (isWord("TRUE") || isWord("FALSE") || isWord("NULL")) {
      at += 1;
      const value = token.text.toUpperCase() === "NULL" ? null : token.text.toUpperCase() === "TRUE";
      return () => value;
    }
    return ref().expr;
  }

  function factor(): (doc: Record<string, unknown>) => Truth {
    if (isWord("NOT")) {
      at += 1;
      const inner = factor();
      return (doc) => {
        const v = inner(doc);
        return v === undefined ? undefined : !v;
      };
    }
    if (isPunct("(")) {
      at += 1;
      const inner = disjunction();
      expect(isPunct(")"), ")");
      return inner;
    }
    if (isWord("IS_DEFINED") || isWord("IS_STRING")) {
      const fn = expect(true, "function").text.toUpperCase();
      expect(isPunct("("), "(");
      const inner = ref().expr;
      expect(isPunct(")"), ")");
      return fn === "IS_DEFINED" ? (doc) => inner(doc) !== undefined : (doc) => typeof inner(doc) === "string";
    }
    const left = operand();
    if (isWord("IN")) {
      at += 1;
      expect(isPunct("("), "(");
      const list: Expr[] = [operand()];
      while (isPunct(",")) {
        at += 1;
        list.push(operand());
      }
      expect(isPunct(")"), ")");
      return (doc) => {
        const v = left(doc);
        return v === undefined ? undefined : list.some((item) => compare(v, item(doc), "=") === true);
      };
    }
    const op = expect(["=", "!=", "<>", "<", "<=", ">", ">="].some(isPunct), "a comparison").text;
    const right = operand();
    return (doc) => compare(left(doc), right(doc), op);
  }

  function conjunction(): (doc: Record<string, unknown>) => Truth {
    const parts = [factor()];
    while (isWord("AND")) {
      at += 1;
      parts.push(factor());
    }
    return (doc) => {
      const values = parts.map((p) => p(doc));
      return values.includes(false) ? false : values.includes(undefined) ? undefined : true;
    };
  }

  function disjunction(): (doc: Record<string, unknown>) => Truth {
    const parts = [conjunction()];
    while (isWord("OR")) {
      at += 1;
      parts.push(conjunction());
    }
    return (doc) => {
      const values = parts.map((p) => p(doc));
      return values.includes(true) ? true : values.includes(undefined) ? undefined : false;
    };
  }

  expect(isWord("SELECT"), "SELECT");
  let project: CompiledQuery["project"];
  if (isPunct("*")) {
    at += 1;
    project = (doc) => structuredClone(doc);
  } else {
    const fields: { name: string; expr: Expr }[] = [];
    do {
      if (isPunct(",")) at += 1;
      const { expr, name } = ref();
      let alias = name;
      if (isWord("AS")) {
        at += 1;
        alias = expect(peek()?.kind === "word", "an alias").text;
      }
      fields.push({ name: alias, expr });
    } while (isPunct(","));
    project = (doc) => {
      const row: Record<string, unknown> = {};
      for (const field of fields) {
        const value = field.expr(doc);
        if (value !== undefined) row[field.name] = structuredClone(value);
      }
      return row;
    };
  }
  expect(isWord("FROM"), "FROM");
  expect(isWord("C"), "c");
  let where: (doc: Record<string, unknown>) => boolean = () => true;
  if (isWord("WHERE")) {
    at += 1;
    const condition = disjunction();
    where = (doc) => truth(condition(doc)) === true;
  }
  const orderBy: { value: Expr; descending: boolean }[] = [];
  if (isWord("ORDER")) {
    at += 1;
    expect(isWord("BY"), "BY");
    do {
      if (isPunct(",")) at += 1;
      const value = ref().expr;
      let descending = false;
      if (isWord("ASC") || isWord("DESC")) descending = expect(true, "direction").text.toUpperCase() === "DESC";
      orderBy.push({ value, descending });
    } while (isPunct(","));
  }
  if (at !== tokens.length) throw unsupported(text, `unexpected "${peek()?.text ?? ""}"`);
  return { where, project, orderBy };
}
