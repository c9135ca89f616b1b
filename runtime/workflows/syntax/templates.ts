/**
 * Turns YAML values into templates: a string that is exactly `${...}` becomes an expression
 * (parsed now, so a typo fails before anything runs); every other string is literal text, since
 * Workflows does not interpolate `${}` inside longer strings.
 */
import { type SourcePosition, WorkflowSyntaxError } from "../errors.ts";
import { dottedName, type Expression, type ExprNode, walkExpression } from "../expr/ast.ts";
import { ExpressionSyntaxError } from "../expr/lexer.ts";
import { parseExpression } from "../expr/parser.ts";
import type { Value, WfMap } from "../values.ts";
import type { Template } from "./ast.ts";
import type { SourceNode } from "./source.ts";

/** What expression checks need to know about names. */
export interface NameCatalog {
  isLibraryFunction(name: string): boolean;
  isCallOnly(name: string): boolean;
  isLibraryName(name: string): boolean;
  /** Module prefixes ("text", "sys", ...) under which unknown names are certainly typos. */
  isModule(name: string): boolean;
}

export interface TemplateContext {
  file: string;
  step?: string;
  names: NameCatalog;
}

export function isExpressionText(text: string): boolean {
  return text.startsWith("${") && text.endsWith("}");
}

/** Parses `${...}` text found at `pos`, reporting errors at the offending character when possible. */
export function compileExpression(text: string, pos: SourcePosition, context: TemplateContext): Expression {
  const inner = text.slice(2, -1);
  let expr: Expression;
  try {
    expr = parseExpression(inner);
  } catch (error) {
    if (error instanceof ExpressionSyntaxError) {
      const column = inner.includes("\n") ? pos.column : pos.column + 2 + error.offset;
      throw new WorkflowSyntaxError(
        `invalid expression ${JSON.stringify(text)}: ${error.message}`,
        context.file,
        { line: pos.line, column },
        context.step,
      );
    }
    throw error;
  }
  checkNames(expr, text, pos, context);
  return expr;
}

function checkNames(expr: Expression, text: string, pos: SourcePosition, context: TemplateContext): void {
  walkExpression(expr.root, (node) => {
    if (node.kind !== "call") return;
    const name = dottedName(node.callee);
    if (name === undefined) return;
    let start: ExprNode = node.callee;
    while (start.kind === "member") start = start.object;
    const column = pos.column + 2 + start.offset;
    const where = { line: pos.line, column };
    if (context.names.isCallOnly(name)) {
      throw new WorkflowSyntaxError(
        `${name} is a blocking call and can only be used in a call step, not in an expression (${text})`,
        context.file,
        where,
        context.step,
      );
    }
    const module = name.includes(".") ? name.slice(0, name.indexOf(".")) : undefined;
    if (module !== undefined && context.names.isModule(module) && !context.names.isLibraryFunction(name)) {
      throw new WorkflowSyntaxError(
        `unknown function ${name}() in ${text}`,
        context.file,
        where,
        context.step,
      );
    }
  });
}

export function compileTemplate(node: SourceNode, context: TemplateContext): Template {
  switch (node.kind) {
    case "scalar":
      if (typeof node.value === "string" && isExpressionText(node.value)) {
        return { kind: "expr", expr: compileExpression(node.value, node.pos, context), pos: node.pos };
      }
      return { kind: "literal", value: node.value };
    case "seq": {
      const items = node.items.map((item) => compileTemplate(item, context));
      return allLiteral(items)
        ? { kind: "literal", value: items.map(literalValue) }
        : { kind: "list", items };
    }
    case "map": {
      const entries = node.entries.map((entry) => ({
        key: isExpressionText(entry.key)
          ? ({
              kind: "expr",
              expr: compileExpression(entry.key, entry.keyPos, context),
              pos: entry.keyPos,
            } as Template)
          : ({ kind: "literal", value: entry.key } as Template),
        value: compileTemplate(entry.value, context),
      }));
      if (
        entries.every((entry) => entry.key.kind === "literal") &&
        allLiteral(entries.map((entry) => entry.value))
      ) {
        const map: WfMap = new Map();
        for (const entry of entries) map.set(String(literalValue(entry.key)), literalValue(entry.value));
        return { kind: "literal", value: map };
      }
      return { kind: "map", entries };
    }
  }
}

function allLiteral(templates: Template[]): boolean {
  return templates.every((template) => template.kind === "literal");
}

function literalValue(template: Template): Value {
  return template.kind === "literal" ? template.value : null;
}
