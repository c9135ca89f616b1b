// biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${...}" in these strings is Workflows expression syntax, not a JS template.
import { describe, expect, it } from "vitest";
import { parseWorkflow } from "../../runtime/workflows/index.ts";
import { evaluate, evaluateError, evaluateRaw } from "./helpers.ts";

describe("expression literals and collections", () => {
  it.each([
    ["${42}", 42n],
    ["${-7}", -7n],
    ["${2.5}", 2.5],
    ["${1e3}", 1000],
    ['${"double \\"quoted\\""}', 'double "quoted"'],
    ["${'single'}", "single"],
    ['${"tab\\tnew\\nline"}', "tab\tnew\nline"],
    ["${true}", true],
    ["${True}", true],
    ["${FALSE}", false],
    ["${null}", null],
  ])("%s evaluates to %o", async (expression, expected) => {
    expect(await evaluateRaw(expression)).toStrictEqual(expected);
  });

  it("builds lists and maps, nested, with computed values", async () => {
    expect(await evaluate('${[1, "two", [3], {"four": 2 + 2}]}')).toEqual([1, "two", [3], { four: 4 }]);
  });

  it("reads attributes and indexes, nested", async () => {
    expect(
      await evaluate('${args.items[1].name + args["key with space"]}', {
        items: [{}, { name: "b" }],
        "key with space": "!",
      }),
    ).toBe("b!");
  });
});

describe("arithmetic: ints stay ints, doubles spread", () => {
  it.each([
    ["${1 + 2}", 3n],
    ["${1 + 2.0}", 3],
    ["${7 - 10}", -3n],
    ["${6 * 7}", 42n],
    ["${7 / 2}", 3.5],
    ["${4 / 2}", 2],
    ["${7 // 2}", 3n],
    ["${-7 // 2}", -4n],
    ["${7.5 // 2}", 3],
    ["${7 % 3}", 1n],
    ["${-7 % 3}", 2n],
    ["${7 % -3}", -2n],
    ["${5.5 % 2}", 1.5],
    ["${2 + 3 * 4}", 14n],
    ["${(2 + 3) * 4}", 20n],
    ["${-2 * 3}", -6n],
  ])("%s is %o", async (expression, expected) => {
    expect(await evaluateRaw(expression)).toStrictEqual(expected);
  });

  it("keeps the int/double distinction visible through type()", async () => {
    expect(await evaluate("${[type(4 / 2), type(4 // 2), type(1 + 1.0), type(3)]}")).toEqual([
      "double",
      "int",
      "double",
      "int",
    ]);
  });

  it("formats doubles with a trailing .0 when integral, as Workflows prints them", async () => {
    expect(await evaluate("${[string(10 / 2), string(0.1 + 0.2), string(80.6)]}")).toEqual([
      "5.0",
      "0.30000000000000004",
      "80.6",
    ]);
  });

  it.each(["${1 / 0}", "${1 // 0}", "${1 % 0}", "${1.5 / 0.0}"])(
    "%s raises ZeroDivisionError",
    async (expression) => {
      expect(await evaluateError(expression)).toMatchObject({ tags: ["ZeroDivisionError"] });
    },
  );

  it("raises ValueError on 64-bit integer overflow instead of wrapping", async () => {
    expect(await evaluateError("${9223372036854775807 + 1}")).toMatchObject({ tags: ["ValueError"] });
  });

  it("joins strings with + but never converts implicitly", async () => {
    expect(await evaluate('${"a" + "b"}')).toBe("ab");
    expect(await evaluateError('${"count: " + 1}')).toMatchObject({ tags: ["TypeError"] });
    expect(await evaluateError("${true + 1}")).toMatchObject({ tags: ["TypeError"] });
  });
});

describe("comparison, logic and membership", () => {
  it.each([
    ["${1 == 1.0}", true],
    ["${1 != 2}", true],
    ['${"a" < "b"}', true],
    ["${2 >= 2.5}", false],
    ["${null == null}", true],
    ['${null == ""}', false],
    ['${1 == "1"}', false],
    ['${[1, {"a": 2}] == [1, {"a": 2}]}', true],
    ['${{"a": 1, "b": 2} == {"b": 2, "a": 1}}', true],
    ["${true and false}", false],
    ["${true or false}", true],
    ["${not false}", true],
    ["${1 == 2 OR TRUE}", true],
    ["${NOT (1 == 1) AND true}", false],
    ["${2 in [1, 2, 3]}", true],
    ['${"k" in {"k": null}}', true],
    ['${"x" in {"k": 1}}', false],
  ])("%s is %o", async (expression, expected) => {
    expect(await evaluate(expression)).toBe(expected);
  });

  it("short-circuits: the right side of and/or is not evaluated when the left decides", async () => {
    expect(await evaluate("${false and undefined_variable}")).toBe(false);
    expect(await evaluate("${true or 1 / 0 == 1}")).toBe(true);
  });

  it("binds not tighter than ==, as the reference's precedence table says", async () => {
    // (not true) == false is true; not (true == false) would also be true, so use a case that differs:
    expect(await evaluate("${not false == false}")).toBe(false);
    expect(await evaluate("${not (false == false)}")).toBe(false);
    expect(await evaluateError("${not 1 == 1}")).toMatchObject({ tags: ["TypeError"] });
  });

  it("has no truthiness: logic operators need bools", async () => {
    expect(await evaluateError("${1 and true}")).toMatchObject({ tags: ["TypeError"] });
    expect(await evaluateError('${not ""}')).toMatchObject({ tags: ["TypeError"] });
  });

  it("refuses to order values of different types", async () => {
    expect(await evaluateError('${1 < "2"}')).toMatchObject({ tags: ["TypeError"] });
  });
});

describe("lookup errors", () => {
  it("raises KeyError for a missing map key, by attribute and by index", async () => {
    expect(await evaluateError('${{"a": 1}.b}')).toMatchObject({ tags: ["KeyError"] });
    expect(await evaluateError('${{"a": 1}["b"]}')).toMatchObject({ tags: ["KeyError"] });
  });

  it("raises IndexError out of range, including negative indices", async () => {
    expect(await evaluateError("${[1, 2][2]}")).toMatchObject({ tags: ["IndexError"] });
    expect(await evaluateError("${[1, 2][-1]}")).toMatchObject({ tags: ["IndexError"] });
  });

  it("raises TypeError when indexing the wrong kind of value", async () => {
    expect(await evaluateError('${[1, 2]["a"]}')).toMatchObject({ tags: ["TypeError"] });
    expect(await evaluateError("${(1).a}")).toMatchObject({ tags: ["TypeError"] });
  });

  it("raises KeyError for an undefined variable", async () => {
    expect(await evaluateError("${nowhere + 1}")).toMatchObject({ tags: ["KeyError"] });
  });
});

describe("expression syntax errors", () => {
  it("reports file, line and column of the bad character and the step", () => {
    const source = "- first:\n    assign:\n      - x: ${1 +* 2}\n";
    expect(() => parseWorkflow(source, "bad.yaml")).toThrowError(
      /^bad\.yaml:3:17: invalid expression .* \(step "first"\)$/,
    );
  });

  it.each(["${(1 + 2}", '${"unterminated}', "${1 2}", "${a.}", "${[1,}"])(
    "rejects %s before running",
    (expression) => {
      expect(() => parseWorkflow(`- s:\n    return: ${JSON.stringify(expression)}\n`, "x.yaml")).toThrowError(
        /invalid expression/,
      );
    },
  );
});
