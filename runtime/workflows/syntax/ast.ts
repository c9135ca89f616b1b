/** The parsed form of a workflow: what the executor runs. Every node keeps its source position. */
import type { SourcePosition } from "../errors.ts";
import type { Expression } from "../expr/ast.ts";
import type { Value } from "../values.ts";

/** A YAML value in which any string of the form `${...}` is an expression, at any depth. */
export type Template =
  | { kind: "literal"; value: Value }
  | { kind: "expr"; expr: Expression; pos: SourcePosition }
  | { kind: "list"; items: Template[] }
  | { kind: "map"; entries: Array<{ key: Template; value: Template }> };

export interface Workflow {
  readonly file: string;
  readonly main: Subworkflow;
  /** Every workflow of the file by name, `main` included. */
  readonly subworkflows: ReadonlyMap<string, Subworkflow>;
}

export interface Param {
  name: string;
  /** Absent when the parameter is required. */
  defaultValue?: Template;
}

export interface Subworkflow {
  name: string;
  pos: SourcePosition;
  params: Param[];
  body: Block;
}

/**
 * A list of steps run in order. Jumps resolve to a step of this block or of an enclosing block
 * in the same region; a `for` body and a parallel branch start a new region, which is how the
 * rule that nothing jumps out of (or into) a loop or a branch is enforced.
 */
export interface Block {
  steps: Step[];
  /** Step name to its position in `steps`. */
  index: ReadonlyMap<string, number>;
}

/** One segment of an assignment target such as `a.b[0]`. */
export type PathSegment = { kind: "property"; name: string } | { kind: "index"; expr: Expression };

export interface AssignTarget {
  variable: string;
  path: PathSegment[];
  text: string;
}

export interface Assignment {
  target: AssignTarget;
  value: Template;
  pos: SourcePosition;
}

export interface ForLoop {
  value: string;
  index?: string;
  /** Exactly one of `in` and `range` is set. */
  in?: Template;
  range?: Template;
  body: Block;
  pos: SourcePosition;
}

export interface Branch {
  name: string;
  pos: SourcePosition;
  body: Block;
}

export interface SwitchCase {
  condition: Template;
  pos: SourcePosition;
  /** What runs when the condition holds; a case with only `next` is a bare jump step. */
  body: Step;
}

export interface ExceptClause {
  as?: string;
  body: Block;
}

interface StepBase {
  name: string;
  pos: SourcePosition;
  next?: { target: string; pos: SourcePosition };
}

export type Step =
  | (StepBase & { kind: "assign"; assignments: Assignment[] })
  | (StepBase & { kind: "call"; fn: string; fnPos: SourcePosition; args?: Template; result?: string })
  | (StepBase & { kind: "switch"; cases: SwitchCase[] })
  | (StepBase & { kind: "for"; loop: ForLoop })
  | (StepBase & {
      kind: "parallel";
      shared: string[];
      concurrencyLimit?: Template;
      exceptionPolicy?: string;
      branches?: Branch[];
      loop?: ForLoop;
    })
  | (StepBase & { kind: "try"; body: Block; retry?: Template; except?: ExceptClause })
  | (StepBase & { kind: "raise"; value: Template })
  | (StepBase & { kind: "return"; value: Template })
  | (StepBase & { kind: "steps"; body: Block })
  | (StepBase & { kind: "jump" });
