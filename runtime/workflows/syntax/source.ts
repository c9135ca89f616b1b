/**
 * Reads YAML (or JSON, which YAML 1.2 includes) into a small tree that remembers where each node
 * came from, so every later error can say file, line and column. Ints are read as bigint so that
 * `1` and `1.0` stay apart, as the language requires.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { type SourcePosition, WorkflowSyntaxError } from "../errors.ts";

export type SourceNode =
  | { kind: "map"; pos: SourcePosition; entries: SourceEntry[] }
  | { kind: "seq"; pos: SourcePosition; items: SourceNode[] }
  | { kind: "scalar"; pos: SourcePosition; value: bigint | number | string | boolean | null };

export interface SourceEntry {
  key: string;
  keyPos: SourcePosition;
  value: SourceNode;
}

export function readSource(text: string, file: string): SourceNode {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { intAsBigInt: true, lineCounter, prettyErrors: false, uniqueKeys: true });
  const position = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const firstError = doc.errors[0];
  if (firstError !== undefined) {
    throw new WorkflowSyntaxError(
      `invalid YAML: ${firstError.message.split("\n")[0]}`,
      file,
      position(firstError.pos[0]),
    );
  }
  if (doc.contents === null)
    throw new WorkflowSyntaxError("the workflow source is empty", file, { line: 1, column: 1 });
  return convert(doc.contents, position, file);
}

function convert(node: Node, position: (offset: number) => SourcePosition, file: string): SourceNode {
  const pos = position(node.range?.[0] ?? 0);
  if (isAlias(node)) throw new WorkflowSyntaxError("YAML aliases are not supported in workflows", file, pos);
  if (isMap(node)) {
    const entries: SourceEntry[] = [];
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const keyPos = keyNode?.range ? position(keyNode.range[0]) : pos;
      const rawKey = keyNode !== null && isScalar(keyNode) ? keyNode.value : undefined;
      if (rawKey === undefined || (typeof rawKey === "object" && rawKey !== null)) {
        throw new WorkflowSyntaxError("map keys must be plain scalars", file, keyPos);
      }
      const valueNode = pair.value as Node | null;
      const value: SourceNode =
        valueNode === null
          ? { kind: "scalar", pos: keyPos, value: null }
          : convert(valueNode, position, file);
      entries.push({ key: String(rawKey), keyPos, value });
    }
    return { kind: "map", pos, entries };
  }
  if (isSeq(node)) {
    return { kind: "seq", pos, items: node.items.map((item) => convert(item as Node, position, file)) };
  }
  if (isScalar(node)) {
    const value = node.value;
    if (
      value === null ||
      typeof value === "string" ||
      typeof value === "boolean" ||
      typeof value === "bigint" ||
      typeof value === "number"
    ) {
      return { kind: "scalar", pos, value };
    }
    throw new WorkflowSyntaxError(`unsupported YAML value ${String(value)}`, file, pos);
  }
  throw new WorkflowSyntaxError("unsupported YAML node", file, pos);
}
