/** Syntax tree of a `${...}` expression. `offset` is the node's position inside the expression text. */
import type { Value } from "../values.ts";

export type BinaryOperator =
  | "+"
  | "-"
  | "*"
  | "/"
  | "//"
  | "%"
  | "=="
  | "!="
  | "<"
  | "<="
  | ">"
  | ">="
  | "in"
  | "and"
  | "or";

export type ExprNode =
  | { kind: "literal"; offset: number; value: Value }
  | { kind: "ident"; offset: number; name: string }
  | { kind: "member"; offset: number; object: ExprNode; property: string }
  | { kind: "index"; offset: number; object: ExprNode; index: ExprNode }
  | { kind: "call"; offset: number; callee: ExprNode; args: ExprNode[] }
  | { kind: "unary"; offset: number; op: "not" | "-"; operand: ExprNode }
  | { kind: "binary"; offset: number; op: BinaryOperator; left: ExprNode; right: ExprNode }
  | { kind: "list"; offset: number; items: ExprNode[] }
  | { kind: "map"; offset: number; entries: Array<{ key: ExprNode; value: ExprNode }> };

/** A parsed expression together with its source text, for messages. */
export interface Expression {
  source: string;
  root: ExprNode;
}

/**
 * The dotted name a node spells when it is a chain of identifiers (`text.split`,
 * `http.default_retry`), or undefined for anything else.
 */
export function dottedName(node: ExprNode): string | undefined {
  if (node.kind === "ident") return node.name;
  if (node.kind === "member") {
    const base = dottedName(node.object);
    return base === undefined ? undefined : `${base}.${node.property}`;
  }
  return undefined;
}

/** The identifier at the root of a member chain (`a` in `a.b.c`). */
export function rootIdentifier(node: ExprNode): string | undefined {
  if (node.kind === "ident") return node.name;
  if (node.kind === "member" || node.kind === "index") return rootIdentifier(node.object);
  return undefined;
}

/** Visits every node of a tree, parents first. */
export function walkExpression(node: ExprNode, visit: (node: ExprNode) => void): void {
  visit(node);
  switch (node.kind) {
    case "member":
      walkExpression(node.object, visit);
      break;
    case "index":
      walkExpression(node.object, visit);
      walkExpression(node.index, visit);
      break;
    case "call":
      walkExpression(node.callee, visit);
      for (const arg of node.args) walkExpression(arg, visit);
      break;
    case "unary":
      walkExpression(node.operand, visit);
      break;
    case "binary":
      walkExpression(node.left, visit);
      walkExpression(node.right, visit);
      break;
    case "list":
      for (const item of node.items) walkExpression(item, visit);
      break;
    case "map":
      for (const entry of node.entries) {
        walkExpression(entry.key, visit);
        walkExpression(entry.value, visit);
      }
      break;
    default:
      break;
  }
}
