// biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${...}" in these strings is Workflows expression syntax, not a JS template.
import { describe, expect, it } from "vitest";
import { run, runFailing } from "./helpers.ts";

describe("main and subworkflows", () => {
  it("binds the execution argument to main's single parameter", async () => {
    const source =
      'main:\n  params: [args]\n  steps:\n    - r:\n        return: ${args.from + ".." + args.to}\n';
    expect(await run(source, { from: "2026-11-01", to: "2026-11-07" })).toBe("2026-11-01..2026-11-07");
  });

  it("gives main's parameter null when no argument is passed", async () => {
    expect(await run("main:\n  params: [args]\n  steps:\n    - r:\n        return: ${args}\n")).toBeNull();
  });

  it("accepts a plain list of steps as the main workflow", async () => {
    expect(await run("- one:\n    return: 1\n")).toBe(1);
  });

  it("calls subworkflows by name with named args, filling defaults", async () => {
    const source = `
main:
  steps:
    - a:
        call: greet
        args:
          name: Ada
        result: first
    - b:
        call: greet
        args:
          name: Alan
          greeting: Bye
        result: second
    - r:
        return: \${[first, second]}
greet:
  params: [name, greeting: "Hello"]
  steps:
    - r:
        return: \${greeting + " " + name}
`;
    expect(await run(source)).toEqual(["Hello Ada", "Bye Alan"]);
  });

  it("calls subworkflows inside expressions with positional args", async () => {
    const source =
      "main:\n  steps:\n    - r:\n        return: ${add(2, 3) * 2}\nadd:\n  params: [a, b]\n  steps:\n    - r:\n        return: ${a + b}\n";
    expect(await run(source)).toBe(10);
  });

  it("returns null from a subworkflow that ends without return", async () => {
    const source =
      "main:\n  steps:\n    - a:\n        call: quiet\n        result: r\n    - b:\n        return: ${r}\nquiet:\n  steps:\n    - x:\n        assign:\n          - y: 1\n";
    expect(await run(source)).toBeNull();
  });

  it("does not let a subworkflow see the caller's variables", async () => {
    const source =
      "main:\n  steps:\n    - a:\n        assign:\n          - secret: 1\n    - b:\n        call: peek\n        result: r\npeek:\n  steps:\n    - r:\n        return: ${secret}\n";
    expect((await runFailing(source)).error).toMatchObject({ tags: ["KeyError"] });
  });

  it("raises RecursionError past the call depth limit", async () => {
    const source =
      "main:\n  steps:\n    - a:\n        return: ${down(0)}\ndown:\n  params: [n]\n  steps:\n    - r:\n        return: ${down(n + 1)}\n";
    const failure = await runFailing(source);
    expect(failure.error).toMatchObject({ tags: ["RecursionError"] });
  });

  it("allows recursion within the depth limit", async () => {
    const source =
      "main:\n  steps:\n    - a:\n        return: ${fact(10)}\nfact:\n  params: [n]\n  steps:\n    - s:\n        switch:\n          - condition: ${n <= 1}\n            return: 1\n    - r:\n        return: ${n * fact(n - 1)}\n";
    expect(await run(source)).toBe(3628800);
  });
});

describe("assign", () => {
  it("assigns in order, so later entries see earlier ones", async () => {
    expect(
      await run(
        "- a:\n    assign:\n      - x: 1\n      - y: ${x + 1}\n      - x: ${x + 10}\n- r:\n    return: ${[x, y]}\n",
      ),
    ).toEqual([11, 2]);
  });

  it("creates maps along a.b.c targets and updates list items by index", async () => {
    const source = `
- a:
    assign:
      - m: {}
      - m.a.b: 1
      - m["c"]: 2
      - key: "d"
      - m[key]: 3
      - l: [1, 2, 3]
      - l[1]: 20
      - nested: {"rows": [{"n": 1}]}
      - nested.rows[0].n: 9
- r:
    return: \${[m, l, nested]}
`;
    expect(await run(source)).toEqual([{ a: { b: 1 }, c: 2, d: 3 }, [1, 20, 3], { rows: [{ n: 9 }] }]);
  });

  it("raises IndexError when assigning past the end of a list", async () => {
    expect((await runFailing("- a:\n    assign:\n      - l: []\n      - l[0]: 1\n")).error).toMatchObject({
      tags: ["IndexError"],
    });
  });

  it("gives copies: changing one variable never changes another that held the same value", async () => {
    expect(
      await run(
        '- a:\n    assign:\n      - x: {"k": [1]}\n      - y: ${x}\n      - y.k[0]: 2\n- r:\n    return: ${[x, y]}\n',
      ),
    ).toEqual([{ k: [1] }, { k: [2] }]);
  });

  it("builds maps with keys computed by expressions", async () => {
    expect(
      await run(
        "- a:\n    assign:\n      - k: dyn\n      - m:\n          ${k}: 1\n          fixed: 2\n- r:\n    return: ${m}\n",
      ),
    ).toEqual({ dyn: 1, fixed: 2 });
  });
});

describe("switch and next", () => {
  const classify = `
main:
  params: [args]
  steps:
    - pick:
        switch:
          - condition: \${args.n < 0}
            next: negative
          - condition: \${args.n == 0}
            return: "zero"
          - condition: \${args.n < 10}
            steps:
              - small:
                  assign:
                    - label: "small"
        next: labelled
    - fallthrough:
        return: "unreachable"
    - negative:
        return: "negative"
    - labelled:
        return: '\${default(map.get({"l": label}, "l"), "big")}'
`;

  it.each([
    [{ n: -1 }, "negative"],
    [{ n: 0 }, "zero"],
    [{ n: 3 }, "small"],
  ])("for %o takes the first true condition and gives %s", async (args, expected) => {
    expect(await run(classify, args)).toBe(expected);
  });

  it("follows the step-level next when no condition holds", async () => {
    const source =
      "- s:\n    switch:\n      - condition: false\n        next: nope\n    next: yes\n- nope:\n    return: no\n- yes:\n    return: yes\n";
    expect(await run(source)).toBe("yes");
  });

  it("continues with the following step when nothing matches and there is no next", async () => {
    expect(
      await run(
        "- s:\n    switch:\n      - condition: ${1 > 2}\n        return: 1\n- after:\n    return: 2\n",
      ),
    ).toBe(2);
  });

  it("raises TypeError when a condition is not a bool", async () => {
    expect(
      (await runFailing("- s:\n    switch:\n      - condition: ${1}\n        return: 1\n")).error,
    ).toMatchObject({ tags: ["TypeError"] });
  });

  it("jumps backwards to build a loop, and next: end stops the workflow with null", async () => {
    const source = `
- init:
    assign:
      - i: 0
- inc:
    assign:
      - i: \${i + 1}
- check:
    switch:
      - condition: \${i < 5}
        next: inc
- stop:
    next: end
- never:
    return: "not reached"
`;
    expect(await run(source)).toBeNull();
  });

  it("jumps out of nested steps, try and except bodies to an outer step", async () => {
    const source = `
- outer:
    steps:
      - inner:
          try:
            steps:
              - fail:
                  raise: "boom"
          except:
            as: e
            steps:
              - leave:
                  next: handled
- skipped:
    return: "skipped"
- handled:
    return: \${e}
`;
    expect(await run(source)).toBe("boom");
  });
});

describe("for loops", () => {
  it("iterates a list with value and index", async () => {
    const source =
      '- a:\n    assign:\n      - out: []\n- l:\n    for:\n      value: v\n      index: i\n      in: ["a", "b"]\n      steps:\n        - add:\n            assign:\n              - out: ${list.concat(out, string(i) + v)}\n- r:\n    return: ${out}\n';
    expect(await run(source)).toEqual(["0a", "1b"]);
  });

  it("iterates an inclusive int range, and a double range in steps of 1", async () => {
    const loop = (range: string) =>
      `- a:\n    assign:\n      - out: []\n- l:\n    for:\n      value: v\n      range: ${range}\n      steps:\n        - add:\n            assign:\n              - out: \${list.concat(out, v)}\n- r:\n    return: \${out}\n`;
    expect(await run(loop("[1, 4]"))).toEqual([1, 2, 3, 4]);
    expect(await run(loop("${[1.5, 3.5]}"))).toEqual([1.5, 2.5, 3.5]);
    expect(await run(loop("[3, 1]"))).toEqual([]);
  });

  it("iterates the keys of a map", async () => {
    const source =
      '- l:\n    for:\n      value: k\n      in: {"x": 1, "y": 2}\n      steps:\n        - a:\n            assign:\n              - last: ${k}\n- r:\n    return: ok\n';
    expect(await run(source)).toBe("ok");
  });

  it("supports continue and break", async () => {
    const source = `
- a:
    assign:
      - total: 0
- l:
    for:
      value: v
      range: [1, 10]
      steps:
        - skipOdd:
            switch:
              - condition: \${v % 2 == 1}
                next: continue
        - stopAt8:
            switch:
              - condition: \${v == 8}
                next: break
        - add:
            assign:
              - total: \${total + v}
- r:
    return: \${total}
`;
    expect(await run(source)).toBe(2 + 4 + 6);
  });

  it("keeps loop variables and variables created in the body inside the loop, updates outer ones", async () => {
    const base =
      "- a:\n    assign:\n      - total: 0\n- l:\n    for:\n      value: v\n      in: [1, 2]\n      steps:\n        - s:\n            assign:\n              - total: ${total + v}\n              - inner: ${v}\n";
    expect(await run(`${base}- r:\n    return: \${total}\n`)).toBe(3);
    expect((await runFailing(`${base}- r:\n    return: \${inner}\n`)).error).toMatchObject({
      tags: ["KeyError"],
    });
    expect((await runFailing(`${base}- r:\n    return: \${v}\n`)).error).toMatchObject({
      tags: ["KeyError"],
    });
  });

  it("returns from inside a loop", async () => {
    expect(
      await run(
        "- l:\n    for:\n      value: v\n      in: [1, 2, 3]\n      steps:\n        - s:\n            switch:\n              - condition: ${v == 2}\n                return: ${v * 100}\n",
      ),
    ).toBe(200);
  });

  it("raises TypeError when in is not a list", async () => {
    expect(
      (
        await runFailing(
          "- l:\n    for:\n      value: v\n      in: ${1}\n      steps:\n        - s:\n            assign:\n              - x: 1\n",
        )
      ).error,
    ).toMatchObject({
      tags: ["TypeError"],
    });
  });
});

describe("raise, try and except", () => {
  it("raises strings and maps, reporting the raising step", async () => {
    expect(await runFailing('- first:\n    assign:\n      - x: 1\n- second:\n    raise: "plain"\n')).toEqual({
      step: "second",
      error: "plain",
    });
    expect(
      await runFailing("- s:\n    raise:\n      code: 55\n      message: custom\n      tags: [MyError]\n"),
    ).toEqual({
      step: "s",
      error: { code: 55, message: "custom", tags: ["MyError"] },
    });
  });

  it("reports the innermost step, inside a subworkflow, for built-in errors", async () => {
    const source =
      "main:\n  steps:\n    - call_it:\n        call: sub\nsub:\n  steps:\n    - divide:\n        return: ${1 / 0}\n";
    const failure = await runFailing(source);
    expect(failure.step).toBe("divide");
    expect(failure.error).toMatchObject({
      tags: ["ZeroDivisionError"],
      message: expect.stringContaining("division by zero"),
    });
  });

  it("catches into the as variable, which stays visible after the except block", async () => {
    const source = `
- t:
    try:
      steps:
        - bad:
            assign:
              - x: '\${{"a": 1}.missing}'
    except:
      as: e
      steps:
        - note:
            assign:
              - caught: \${e.tags}
- r:
    return: \${[caught, e.message]}
`;
    expect(await run(source)).toEqual([["KeyError"], 'key "missing" not found']);
  });

  it("re-raises from except with raise: ${e}", async () => {
    const source =
      '- t:\n    try:\n      raise: {"code": 1}\n    except:\n      as: e\n      steps:\n        - again:\n            raise: ${e}\n';
    expect((await runFailing(source)).error).toEqual({ code: 1 });
  });

  it("runs a try given as a single inline call step", async () => {
    const source =
      "- t:\n    try:\n      call: sys.get_env\n      args:\n        name: X\n      result: r\n    except:\n      as: e\n      steps:\n        - x:\n            return: bad\n- r:\n    return: ${r}\n";
    expect(await run(source, null, { env: { X: "ok" } })).toBe("ok");
  });
});

describe("limits", () => {
  it("fails with ResourceLimitError past the step budget", async () => {
    const source = "- again:\n    next: again\n";
    const failure = await runFailing(source, null, { maxSteps: 50 });
    expect(failure.error).toMatchObject({ tags: ["ResourceLimitError"] });
  });
});
