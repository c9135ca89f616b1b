/**
 * Checks every `next` before anything runs:
 * - `break` and `continue` only inside a `for` body (a parallel `for` allows `continue`, which
 *   ends that iteration, but not `break`: iterations run concurrently, so there is no "rest of
 *   the loop" to skip — our choice where the reference is silent);
 * - a step name must be a step of the same block or of an enclosing block, without crossing the
 *   boundary of a `for` body or a parallel branch (the reference forbids jumping out of, or into,
 *   those). Jumps *into* nested `steps`, `try` or `switch` bodies are refused too: this
 *   interpreter resolves jumps outwards only, and says so instead of misbehaving.
 */
import { WorkflowSyntaxError } from "../errors.ts";
import type { Block, Step, Subworkflow, Workflow } from "./ast.ts";

type Region = "subworkflow" | "for" | "parallel-for" | "branch";

export function checkJumps(workflow: Workflow): void {
  for (const subworkflow of workflow.subworkflows.values()) new JumpChecker(workflow.file, subworkflow).run();
}

class JumpChecker {
  readonly #file: string;
  readonly #subworkflow: Subworkflow;
  readonly #allNames = new Set<string>();
  constructor(file: string, subworkflow: Subworkflow) {
    this.#file = file;
    this.#subworkflow = subworkflow;
  }

  run(): void {
    this.#collect(this.#subworkflow.body);
    this.#block(this.#subworkflow.body, [], "subworkflow");
  }

  #collect(block: Block): void {
    for (const step of block.steps) {
      this.#allNames.add(step.name);
      for (const child of childBlocks(step)) this.#collect(child.block);
    }
  }

  #block(block: Block, chain: Block[], region: Region): void {
    const inner = [...chain, block];
    for (const step of block.steps) this.#step(step, inner, region);
  }

  #step(step: Step, chain: Block[], region: Region): void {
    if (step.next !== undefined) this.#target(step, step.next.target, step.next.pos, chain, region);
    if (step.kind === "switch") {
      for (const switchCase of step.cases) this.#step(switchCase.body, chain, region);
      return;
    }
    for (const child of childBlocks(step)) {
      if (child.region === undefined) this.#block(child.block, chain, region);
      else this.#block(child.block, [], child.region);
    }
  }

  #target(
    step: Step,
    target: string,
    pos: { line: number; column: number },
    chain: Block[],
    region: Region,
  ): void {
    const fail = (message: string): never => {
      throw new WorkflowSyntaxError(message, this.#file, pos, step.name);
    };
    if (target === "end") return;
    if (target === "break" || target === "continue") {
      if (region === "for") return;
      if (region === "parallel-for" && target === "continue") return;
      if (region === "parallel-for")
        fail('"next: break" is not allowed in a parallel for loop; iterations run concurrently');
      fail(`"next: ${target}" is only allowed inside a for loop`);
    }
    if (chain.some((block) => block.index.has(target))) return;
    if (this.#allNames.has(target)) {
      fail(
        `cannot jump to "${target}": jumps into or out of a for loop or parallel branch are not allowed, and this interpreter does not jump into nested steps`,
      );
    }
    fail(`"next" names an unknown step "${target}" in workflow "${this.#subworkflow.name}"`);
  }
}

/** Blocks nested in a step; `region` is set where the block starts a new jump region. */
function childBlocks(step: Step): Array<{ block: Block; region?: Region }> {
  switch (step.kind) {
    case "steps":
      return [{ block: step.body }];
    case "try":
      return step.except === undefined
        ? [{ block: step.body }]
        : [{ block: step.body }, { block: step.except.body }];
    case "for":
      return [{ block: step.loop.body, region: "for" }];
    case "parallel":
      if (step.loop !== undefined) return [{ block: step.loop.body, region: "parallel-for" }];
      return (step.branches ?? []).map((branch) => ({ block: branch.body, region: "branch" as const }));
    case "switch":
      return step.cases.flatMap((switchCase) => childBlocks(switchCase.body));
    default:
      return [];
  }
}
