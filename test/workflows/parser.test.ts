// biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${...}" in these strings is Workflows expression syntax, not a JS template.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseWorkflow, validateWorkflowFile, WorkflowSyntaxError } from "../../runtime/workflows/index.ts";

function syntaxError(source: string): WorkflowSyntaxError {
  try {
    parseWorkflow(source, "wf.yaml");
  } catch (error) {
    if (error instanceof WorkflowSyntaxError) return error;
    throw error;
  }
  throw new Error("expected a syntax error");
}

describe("workflow structure", () => {
  it("accepts main with subworkflows, params with defaults, and JSON sources", () => {
    const workflow = parseWorkflow(
      '{"main": {"params": ["args"], "steps": [{"r": {"return": "${add(1)}"}}]}, "add": {"params": ["a", {"b": 2}], "steps": [{"r": {"return": "${a + b}"}}]}}',
      "wf.json",
    );
    expect([...workflow.subworkflows.keys()]).toEqual(["main", "add"]);
    expect(workflow.subworkflows.get("add")?.params.map((param) => param.name)).toEqual(["a", "b"]);
  });

  it.each([
    ["sub:\n  steps:\n    - a:\n        return: 1\n", 1, 1, 'a workflow needs a "main" workflow'],
    ["main:\n  params: [args]\n", 1, 1, 'workflow "main" has no "steps"'],
    [
      "main:\n  params: [a, b]\n  steps:\n    - r:\n        return: 1\n",
      2,
      11,
      '"main" takes at most one parameter',
    ],
    ["main:\n  stepz: []\n", 2, 3, 'unexpected key "stepz"'],
    ["- a:\n    asign:\n      - x: 1\n", 2, 5, 'unknown step field "asign"'],
    ["- a:\n    assign:\n      - x: 1\n    return: 1\n", 1, 3, "a step can have only one of"],
    [
      "- a:\n    assign:\n      - x: 1\n    args:\n      y: 2\n",
      4,
      5,
      '"args" is only allowed together with "call"',
    ],
    ["- a:\n    raise: x\n    next: b\n- b:\n    return: 1\n", 3, 5, '"next" cannot follow "raise"'],
    ["- a:\n    assign:\n      - x: 1\n- a:\n    return: 1\n", 4, 3, 'duplicate step name "a"'],
    ["- a:\n    assign:\n      - 1x: 2\n", 3, 9, 'invalid assignment target "1x"'],
    ["- a:\n    call: no_such_thing\n", 2, 11, 'unknown function or subworkflow "no_such_thing"'],
    ["- a:\n    call: http.get\n    args:\n      uri: http://x\n", 4, 7, 'http.get has no parameter "uri"'],
    [
      "- a:\n    for:\n      in: [1]\n      steps:\n        - b:\n            return: 1\n",
      3,
      7,
      'a for loop needs "value"',
    ],
    ["- a:\n    switch:\n      - next: b\n- b:\n    return: 1\n", 3, 9, 'a switch entry needs a "condition"'],
    [
      "- a:\n    switch:\n      - condition: 1\n        next: b\n- b:\n    return: 1\n",
      3,
      20,
      "a condition must be true, false or an expression",
    ],
    [
      "- a:\n    try:\n      call: sys.log\n    retry:\n      max_retries: 2\n",
      5,
      7,
      'a retry map needs a "predicate"',
    ],
    ["- a:\n    return: [1, 2\n", 3, 1, "invalid YAML"],
    ['- a:\n    return: ${text.splitt("a", ",")}\n', 2, 15, "unknown function text.splitt()"],
    ['- a:\n    return: ${http.get("u")}\n', 2, 15, "http.get is a blocking call"],
  ])("rejects %j at %i:%i: %s", (source, line, column, message) => {
    const error = syntaxError(source);
    expect(error.detail).toContain(message);
    expect([error.file, error.line, error.column]).toEqual(["wf.yaml", line, column]);
  });

  it("names the step in the message", () => {
    expect(syntaxError("- load_batch:\n    call: nowhere\n").message).toBe(
      'wf.yaml:2:11: unknown function or subworkflow "nowhere" (step "load_batch")',
    );
  });

  it("checks required parameters of subworkflow calls", () => {
    const source =
      "main:\n  steps:\n    - a:\n        call: sub\n        args:\n          other: 1\nsub:\n  params: [needed]\n  steps:\n    - r:\n        return: 1\n";
    expect(syntaxError(source).detail).toContain('sub has no parameter "other"');
  });
});

describe("jump rules", () => {
  it("rejects a jump to an unknown step", () => {
    expect(syntaxError("- a:\n    next: b\n").detail).toContain('unknown step "b"');
  });

  it("rejects break and continue outside a for loop", () => {
    expect(syntaxError("- a:\n    next: break\n").detail).toContain("only allowed inside a for loop");
    expect(syntaxError("- a:\n    next: continue\n").detail).toContain("only allowed inside a for loop");
  });

  it("rejects jumping out of a for body", () => {
    const source =
      "- l:\n    for:\n      value: v\n      in: [1]\n      steps:\n        - out:\n            next: after\n- after:\n    return: 1\n";
    const error = syntaxError(source);
    expect(error.detail).toContain("jumps into or out of a for loop or parallel branch are not allowed");
    expect([error.line, error.step]).toEqual([7, "out"]);
  });

  it("rejects jumping into a for body or out of a parallel branch", () => {
    const into =
      "- a:\n    next: inner\n- l:\n    for:\n      value: v\n      in: [1]\n      steps:\n        - inner:\n            return: 1\n";
    expect(syntaxError(into).detail).toContain("not allowed");
    const out =
      "- p:\n    parallel:\n      branches:\n        - x:\n            steps:\n              - s:\n                  next: done\n        - y:\n            steps:\n              - s:\n                  assign:\n                    - z: 1\n- done:\n    return: 1\n";
    expect(syntaxError(out).detail).toContain("not allowed");
  });

  it("rejects break in a parallel for but accepts continue", () => {
    const loop = (next: string) =>
      `- p:\n    parallel:\n      for:\n        value: v\n        in: [1]\n        steps:\n          - s:\n              next: ${next}\n`;
    expect(syntaxError(loop("break")).detail).toContain("not allowed in a parallel for loop");
    expect(() => parseWorkflow(loop("continue"), "wf.yaml")).not.toThrow();
  });

  it("accepts jumps from nested blocks to enclosing steps, and end anywhere", () => {
    const source =
      "- a:\n    steps:\n      - b:\n          switch:\n            - condition: true\n              next: c\n- c:\n    for:\n      value: v\n      in: [1]\n      steps:\n        - d:\n            next: end\n";
    expect(() => parseWorkflow(source, "wf.yaml")).not.toThrow();
  });
});

describe("validateWorkflowFile", () => {
  it("reads a file from disk and reports errors with its path", async () => {
    const dir = await mkdtemp(join(tmpdir(), "wd-validate-"));
    try {
      const good = join(dir, "good.workflows.yaml");
      const bad = join(dir, "bad.workflows.yaml");
      await writeFile(good, "- a:\n    return: 1\n");
      await writeFile(bad, "- a:\n    retrun: 1\n");
      await expect(validateWorkflowFile(good)).resolves.toMatchObject({ file: good });
      await expect(validateWorkflowFile(bad)).rejects.toThrow(
        `${bad}:2:5: unknown step field "retrun" (step "a")`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
