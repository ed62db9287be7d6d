/**
 * A small subset of CEL, the expression language Inngest uses for trigger `if`, `waitForEvent`
 * `match`/`if`, concurrency keys and the SDK's own `onFailure` trigger
 * (`event.data.function_id == '<app>-<fn>'`).
 *
 * Supported: `event.*` / `async.*` member access (dots and `["key"]`), string/number/bool/null literals,
 * `== != < <= > >=`, `&& || !`, `+` (numbers and strings), parentheses. Anything else is refused when the
 * expression is compiled, so an unsupported expression fails loudly at engine start instead of never
 * (or always) matching.
 *
 * As in CEL, reading a missing field is an error; here that makes the whole comparison false.
 */

export class ExpressionError extends Error {
  constructor(expression: string, reason: string) {
    super(`Unsupported expression ${JSON.stringify(expression)}: ${reason}`);
    this.name = "ExpressionError";
  }
}

type Token =
  | { kind: "num"; value: number }
  | { kind: "str"; value: string }
  | { kind: "ident"; value: string }
  | { kind: "op"; value: string };

type Node =
  | { kind: "lit"; value: unknown }
  | { kind: "var"; name: string }
  | { kind: "member"; object: Node; key: Node }
  | { kind: "unary"; op: string; arg: Node }
  | { kind: "binary"; op: string; left: Node; right: Node };

/** Marks a failed read (missing field, wrong type); comparisons with it are false. */
const MISSING = Symbol("missing");

const OPERATORS = ["==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "+", "-", ".", "(", ")", "[", "]"];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (/[0-9]/.test(ch)) {
      const match = /^\d+(\.\d+)?/.exec(source.slice(i))!;
      tokens.push({ kind: "num", value: Number(match[0]) });
      i += match[0].length;
      continue;
    }
    if (ch === "'" || ch === '"') {
      let value = "";
      let j = i + 1;
      for (; j < source.length && source[j] !== ch; j++) {
        if (source[j] === "\\" && j + 1 < source.length) j++;
        value += source[j];
      }
      if (j >= source.length) throw new ExpressionError(source, "unterminated string");
      tokens.push({ kind: "str", value });
      i = j + 1;
      continue;
    }
    if (/[A-Za-z_]/.test(ch)) {
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i))!;
      tokens.push({ kind: "ident", value: match[0] });
      i += match[0].length;
      continue;
    }
    const op = OPERATORS.find((candidate) => source.startsWith(candidate, i));
    if (!op) throw new ExpressionError(source, `unexpected character ${JSON.stringify(ch)}`);
    tokens.push({ kind: "op", value: op });
    i += op.length;
  }
  return tokens;
}

const BINARY_PRECEDENCE: Record<string, number> = { "||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4, "+": 5, "-": 5 };

function parse(source: string, roots: readonly string[]): Node {
  const tokens = tokenize(source);
  let pos = 0;
  const peek = () => tokens[pos];
  const fail = (reason: string): never => {
    throw new ExpressionError(source, reason);
  };
  const expectOp = (value: string) => {
    const token = tokens[pos++];
    if (token?.kind !== "op" || token.value !== value) fail(`expected "${value}"`);
  };

  const primary = (): Node => {
    const token = tokens[pos++];
    if (!token) return fail("unexpected end");
    let node: Node;
    if (token.kind === "num" || token.kind === "str") node = { kind: "lit", value: token.value };
    else if (token.kind === "ident") {
      if (token.value === "true" || token.value === "false") node = { kind: "lit", value: token.value === "true" };
      else if (token.value === "null") node = { kind: "lit", value: null };
      else if (roots.includes(token.value)) node = { kind: "var", name: token.value };
      else return fail(`unknown name "${token.value}" (only ${roots.join(", ")})`);
    } else if (token.value === "(") {
      node = expression(0);
      expectOp(")");
    } else if (token.value === "!" || token.value === "-") {
      return { kind: "unary", op: token.value, arg: primary() };
    } else return fail(`unexpected "${token.value}"`);

    // Member access binds tighter than any operator.
    for (;;) {
      const next = peek();
      if (next?.kind === "op" && next.value === ".") {
        pos++;
        const name = tokens[pos++];
        if (name?.kind !== "ident") return fail("expected a field name after '.'");
        node = { kind: "member", object: node, key: { kind: "lit", value: name!.value } };
      } else if (next?.kind === "op" && next.value === "[") {
        pos++;
        const key = expression(0);
        expectOp("]");
        node = { kind: "member", object: node, key };
      } else if (next?.kind === "op" && next.value === "(") {
        return fail("function calls are not supported");
      } else break;
    }
    return node;
  };

  const expression = (minPrecedence: number): Node => {
    let left = primary();
    for (;;) {
      const token = peek();
      if (token?.kind !== "op") break;
      const precedence = BINARY_PRECEDENCE[token.value];
      if (precedence === undefined || precedence <= minPrecedence) break;
      pos++;
      left = { kind: "binary", op: token.value, left, right: expression(precedence) };
    }
    return left;
  };

  const ast = expression(0);
  if (pos !== tokens.length) fail("unexpected trailing input");
  return ast;
}

function equal(a: unknown, b: unknown): boolean {
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return a === b;
  return JSON.stringify(a) === JSON.stringify(b);
}

function evaluate(node: Node, vars: Record<string, unknown>): unknown {
  switch (node.kind) {
    case "lit":
      return node.value;
    case "var":
      return node.name in vars ? vars[node.name] : MISSING;
    case "member": {
      const object = evaluate(node.object, vars);
      const key = evaluate(node.key, vars);
      if (object === null || typeof object !== "object" || (typeof key !== "string" && typeof key !== "number")) return MISSING;
      return Object.hasOwn(object, key) ? (object as Record<string | number, unknown>)[key] : MISSING;
    }
    case "unary": {
      const arg = evaluate(node.arg, vars);
      if (node.op === "!") return typeof arg === "boolean" ? !arg : MISSING;
      return typeof arg === "number" ? -arg : MISSING;
    }
    case "binary": {
      if (node.op === "&&") return evaluate(node.left, vars) === true && evaluate(node.right, vars) === true;
      if (node.op === "||") return evaluate(node.left, vars) === true || evaluate(node.right, vars) === true;
      const left = evaluate(node.left, vars);
      const right = evaluate(node.right, vars);
      if (left === MISSING || right === MISSING) return MISSING;
      switch (node.op) {
        case "==":
          return equal(left, right);
        case "!=":
          return !equal(left, right);
        case "+":
          if (typeof left === "number" && typeof right === "number") return left + right;
          if (typeof left === "string" && typeof right === "string") return left + right;
          return MISSING;
        case "-":
          return typeof left === "number" && typeof right === "number" ? left - right : MISSING;
        default: {
          const comparable = (typeof left === "number" && typeof right === "number") || (typeof left === "string" && typeof right === "string");
          if (!comparable) return MISSING;
          const [l, r] = [left as number | string, right as number | string];
          if (node.op === "<") return l < r;
          if (node.op === "<=") return l <= r;
          if (node.op === ">") return l > r;
          return l >= r;
        }
      }
    }
  }
}

export interface CompiledExpression {
  source: string;
  /** The value, or undefined when it reads a missing field. */
  value(vars: Record<string, unknown>): unknown;
  /** True only when the expression evaluates to exactly `true`. */
  test(vars: Record<string, unknown>): boolean;
}

/** Parses once; throws ExpressionError for anything outside the supported subset. */
export function compileExpression(source: string, roots: readonly string[] = ["event", "async"]): CompiledExpression {
  const ast = parse(source, roots);
  return {
    source,
    value: (vars) => {
      const result = evaluate(ast, vars);
      return result === MISSING ? undefined : result;
    },
    test: (vars) => evaluate(ast, vars) === true,
  };
}
