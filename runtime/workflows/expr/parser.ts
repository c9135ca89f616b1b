/**
 * Recursive-descent parser for expressions. Precedence follows the order-of-operations table of
 * the Workflows data types reference, highest first: `()`, `.`, `[]`, `not`, unary `-`,
 * `* / // %`, `+ -`, then comparison, equality and `in` on one level, then `and`, then `or`.
 * Note what that table implies: `not` binds tighter than `==`, so `not a == b` is `(not a) == b`.
 */
import { INT64_MAX } from "../values.ts";
import type { BinaryOperator, Expression, ExprNode } from "./ast.ts";
import { ExpressionSyntaxError, type Token, tokenize } from "./lexer.ts";

/** Logical operators may be written lower-case or upper-case, not mixed-case. */
const KEYWORDS: Record<string, string> = {
  and: "and",
  AND: "and",
  or: "or",
  OR: "or",
  not: "not",
  NOT: "not",
  in: "in",
};
const LITERALS: Record<string, boolean | null> = {
  true: true,
  True: true,
  TRUE: true,
  false: false,
  False: false,
  FALSE: false,
  null: null,
};
const COMPARISON = new Set(["==", "!=", "<", "<=", ">", ">="]);

export function parseExpression(source: string): Expression {
  const parser = new Parser(tokenize(source));
  const root = parser.expression();
  parser.expectEnd();
  return { source, root };
}

class Parser {
  readonly #tokens: Token[];
  #position = 0;
  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  expression(): ExprNode {
    return this.#or();
  }

  expectEnd(): void {
    const token = this.#peek();
    if (token.type !== "eof") throw new ExpressionSyntaxError(`unexpected ${describe(token)}`, token.offset);
  }

  #peek(): Token {
    return this.#tokens[this.#position] ?? { type: "eof", offset: 0 };
  }
  #next(): Token {
    const token = this.#peek();
    this.#position++;
    return token;
  }
  #isOp(text: string): boolean {
    const token = this.#peek();
    return token.type === "op" && token.text === text;
  }
  #keyword(): string | undefined {
    const token = this.#peek();
    return token.type === "ident" ? KEYWORDS[token.text] : undefined;
  }
  #expectOp(text: string): Token {
    const token = this.#next();
    if (token.type !== "op" || token.text !== text) {
      throw new ExpressionSyntaxError(`expected "${text}" but found ${describe(token)}`, token.offset);
    }
    return token;
  }

  #or(): ExprNode {
    let left = this.#and();
    while (this.#keyword() === "or") {
      const offset = this.#next().offset;
      left = { kind: "binary", op: "or", left, right: this.#and(), offset };
    }
    return left;
  }

  #and(): ExprNode {
    let left = this.#comparison();
    while (this.#keyword() === "and") {
      const offset = this.#next().offset;
      left = { kind: "binary", op: "and", left, right: this.#comparison(), offset };
    }
    return left;
  }

  #comparison(): ExprNode {
    let left = this.#additive();
    for (;;) {
      const token = this.#peek();
      let op: BinaryOperator | undefined;
      if (token.type === "op" && COMPARISON.has(token.text)) op = token.text as BinaryOperator;
      else if (this.#keyword() === "in") op = "in";
      if (op === undefined) return left;
      this.#next();
      left = { kind: "binary", op, left, right: this.#additive(), offset: token.offset };
    }
  }

  #additive(): ExprNode {
    let left = this.#multiplicative();
    while (this.#isOp("+") || this.#isOp("-")) {
      const token = this.#next() as { text: "+" | "-"; offset: number };
      left = { kind: "binary", op: token.text, left, right: this.#multiplicative(), offset: token.offset };
    }
    return left;
  }

  #multiplicative(): ExprNode {
    let left = this.#unary();
    while (this.#isOp("*") || this.#isOp("/") || this.#isOp("//") || this.#isOp("%")) {
      const token = this.#next() as { text: "*" | "/" | "//" | "%"; offset: number };
      left = { kind: "binary", op: token.text, left, right: this.#unary(), offset: token.offset };
    }
    return left;
  }

  #unary(): ExprNode {
    if (this.#keyword() === "not") {
      const offset = this.#next().offset;
      return { kind: "unary", op: "not", operand: this.#unary(), offset };
    }
    if (this.#isOp("-")) {
      const offset = this.#next().offset;
      return { kind: "unary", op: "-", operand: this.#unary(), offset };
    }
    return this.#postfix();
  }

  #postfix(): ExprNode {
    let node = this.#primary();
    for (;;) {
      if (this.#isOp(".")) {
        this.#next();
        const name = this.#next();
        if (name.type !== "ident") {
          throw new ExpressionSyntaxError(
            `expected a property name after "." but found ${describe(name)}`,
            name.offset,
          );
        }
        node = { kind: "member", object: node, property: name.text, offset: name.offset };
      } else if (this.#isOp("[")) {
        const offset = this.#next().offset;
        const index = this.expression();
        this.#expectOp("]");
        node = { kind: "index", object: node, index, offset };
      } else if (this.#isOp("(")) {
        const offset = this.#next().offset;
        const args = this.#sequence(")");
        node = { kind: "call", callee: node, args, offset };
      } else {
        return node;
      }
    }
  }

  #sequence(close: string): ExprNode[] {
    const items: ExprNode[] = [];
    if (this.#isOp(close)) {
      this.#next();
      return items;
    }
    for (;;) {
      items.push(this.expression());
      if (this.#isOp(",")) {
        this.#next();
        continue;
      }
      this.#expectOp(close);
      return items;
    }
  }

  #primary(): ExprNode {
    const token = this.#next();
    switch (token.type) {
      case "int": {
        const value = BigInt(token.text);
        if (value > INT64_MAX)
          throw new ExpressionSyntaxError(`integer literal ${token.text} is out of range`, token.offset);
        return { kind: "literal", value, offset: token.offset };
      }
      case "double":
        return { kind: "literal", value: Number(token.text), offset: token.offset };
      case "string":
        return { kind: "literal", value: token.value, offset: token.offset };
      case "ident": {
        if (token.text in LITERALS)
          return { kind: "literal", value: LITERALS[token.text] ?? null, offset: token.offset };
        if (KEYWORDS[token.text] !== undefined) {
          throw new ExpressionSyntaxError(`unexpected keyword "${token.text}"`, token.offset);
        }
        return { kind: "ident", name: token.text, offset: token.offset };
      }
      case "op":
        if (token.text === "(") {
          const inner = this.expression();
          this.#expectOp(")");
          return inner;
        }
        if (token.text === "[") return { kind: "list", items: this.#sequence("]"), offset: token.offset };
        if (token.text === "{") return this.#map(token.offset);
        throw new ExpressionSyntaxError(`unexpected ${describe(token)}`, token.offset);
      default:
        throw new ExpressionSyntaxError("unexpected end of expression", token.offset);
    }
  }

  #map(offset: number): ExprNode {
    const entries: Array<{ key: ExprNode; value: ExprNode }> = [];
    if (this.#isOp("}")) {
      this.#next();
      return { kind: "map", entries, offset };
    }
    for (;;) {
      const key = this.expression();
      this.#expectOp(":");
      entries.push({ key, value: this.expression() });
      if (this.#isOp(",")) {
        this.#next();
        continue;
      }
      this.#expectOp("}");
      return { kind: "map", entries, offset };
    }
  }
}

function describe(token: Token): string {
  switch (token.type) {
    case "eof":
      return "end of expression";
    case "string":
      return `string ${JSON.stringify(token.value)}`;
    default:
      return `"${token.text}"`;
  }
}
