/** Splits the text between `${` and `}` into tokens. */

export class ExpressionSyntaxError extends Error {
  override name = "ExpressionSyntaxError";
  /** Offset of the offending character inside the expression text. */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

export type Token =
  | { type: "int"; text: string; offset: number }
  | { type: "double"; text: string; offset: number }
  | { type: "string"; value: string; offset: number }
  | { type: "ident"; text: string; offset: number }
  | { type: "op"; text: string; offset: number }
  | { type: "eof"; offset: number };

const OPERATORS = [
  "//",
  "==",
  "!=",
  "<=",
  ">=",
  "+",
  "-",
  "*",
  "/",
  "%",
  "<",
  ">",
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  ",",
  ":",
  ".",
];

const ESCAPES: Record<string, string> = {
  n: "\n",
  t: "\t",
  r: "\r",
  b: "\b",
  f: "\f",
  "\\": "\\",
  '"': '"',
  "'": "'",
  "/": "/",
};

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text.charAt(i);
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (/[0-9]/.test(ch)) {
      const match = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i));
      const literal = match?.[0] ?? ch;
      const isDouble = match?.[1] !== undefined || match?.[2] !== undefined;
      tokens.push({ type: isDouble ? "double" : "int", text: literal, offset: i });
      i += literal.length;
      continue;
    }
    if (/[A-Za-z_]/.test(ch)) {
      const literal = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))?.[0] ?? ch;
      tokens.push({ type: "ident", text: literal, offset: i });
      i += literal.length;
      continue;
    }
    if (ch === '"' || ch === "'") {
      const start = i;
      let value = "";
      i++;
      for (;;) {
        if (i >= text.length) throw new ExpressionSyntaxError("unterminated string literal", start);
        const c = text.charAt(i);
        if (c === ch) {
          i++;
          break;
        }
        if (c === "\\") {
          const next = text.charAt(i + 1);
          if (next === "u") {
            const hex = text.slice(i + 2, i + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new ExpressionSyntaxError("invalid \\u escape", i);
            value += String.fromCharCode(Number.parseInt(hex, 16));
            i += 6;
            continue;
          }
          const escaped = ESCAPES[next];
          if (escaped === undefined) throw new ExpressionSyntaxError(`invalid escape \\${next}`, i);
          value += escaped;
          i += 2;
          continue;
        }
        value += c;
        i++;
      }
      tokens.push({ type: "string", value, offset: start });
      continue;
    }
    const op = OPERATORS.find((candidate) => text.startsWith(candidate, i));
    if (op === undefined) throw new ExpressionSyntaxError(`unexpected character "${ch}"`, i);
    tokens.push({ type: "op", text: op, offset: i });
    i += op.length;
  }
  tokens.push({ type: "eof", offset: text.length });
  return tokens;
}
