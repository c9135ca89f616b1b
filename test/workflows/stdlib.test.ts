// biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${...}" in these strings is Workflows expression syntax, not a JS template.
import { describe, expect, it } from "vitest";
import { memoryLogger } from "../../lib/log.ts";
import { evaluate, evaluateError, evaluateRaw, run } from "./helpers.ts";

describe("expression helpers", () => {
  it.each([
    ['${len("héllo")}', 5n],
    ["${len([1, 2, 3])}", 3n],
    ['${len({"a": 1})}', 1n],
    ['${keys({"b": 1, "a": 2})}', ["b", "a"]],
    ['${int("42")}', 42n],
    ["${int(2.7)}", 2n],
    ["${int(-2.7)}", -2n],
    ['${double("2.5")}', 2.5],
    ["${double(3)}", 3],
    ["${string(42)}", "42"],
    ["${string(true)}", "true"],
    ['${bool("TRUE")}', true],
    ['${default(null, "fallback")}', "fallback"],
    ['${default("set", "fallback")}', "set"],
    ['${default(map.get({"a": 1}, "missing"), 0)}', 0n],
    ["${type(1)}", "int"],
    ["${type(1.5)}", "double"],
    ['${type("s")}', "string"],
    ["${type(true)}", "bool"],
    ["${type(null)}", "null"],
    ["${type([])}", "list"],
    ["${type({})}", "map"],
    ['${type(text.encode("x"))}', "bytes"],
    ['${if(1 < 2, "yes", "no")}', "yes"],
  ])("%s is %o", async (expression, expected) => {
    const value = await evaluateRaw(expression);
    if (value instanceof Map || Array.isArray(value)) expect(await evaluate(expression)).toEqual(expected);
    else expect(value).toStrictEqual(expected);
  });

  it.each([
    ["${len(1)}", "TypeError"],
    ["${keys([1])}", "TypeError"],
    ['${int("4.2")}', "ValueError"],
    ['${int("abc")}', "ValueError"],
    ["${int([1])}", "TypeError"],
    ['${double("x1")}', "ValueError"],
    ["${string([1])}", "TypeError"],
    ["${string(null)}", "TypeError"],
    ["${len()}", "TypeError"],
    ["${no_such_function(1)}", "KeyError"],
  ])("%s raises %s", async (expression, tag) => {
    expect(await evaluateError(expression)).toMatchObject({ tags: [tag] });
  });
});

describe("map and list modules", () => {
  it("map.get is a safe lookup, also along a list of keys", async () => {
    const args = { m: { a: { b: 1 } } };
    expect(
      await evaluate(
        '${[map.get(args.m, "a"), map.get(args.m, ["a", "b"]), map.get(args.m, ["a", "x"]), map.get(args.m, "x"), map.get(5, "a")]}',
        args,
      ),
    ).toEqual([{ b: 1 }, 1, null, null, null]);
    expect(await evaluateError('${map.get({"a": 1}, 1)}')).toMatchObject({ tags: ["TypeError"] });
  });

  it("map.delete returns a copy without the key and leaves the original alone", async () => {
    const result = await run(`
- init:
    assign:
      - m: {"a": 1, "b": 2}
      - n: \${map.delete(m, "a")}
- done:
    return: \${[m, n, map.delete(m, "zz")]}
`);
    expect(result).toEqual([{ a: 1, b: 2 }, { b: 2 }, { a: 1, b: 2 }]);
  });

  it("map.merge and map.merge_nested combine maps, the second winning", async () => {
    expect(await evaluate('${map.merge({"a": {"x": 1}, "b": 1}, {"a": {"y": 2}})}')).toEqual({
      a: { y: 2 },
      b: 1,
    });
    expect(await evaluate('${map.merge_nested({"a": {"x": 1}, "b": 1}, {"a": {"y": 2}})}')).toEqual({
      a: { x: 1, y: 2 },
      b: 1,
    });
  });

  it("list.concat appends and list.prepend prepends, returning new lists", async () => {
    expect(
      await evaluate("${[list.concat([1, 2], 3), list.prepend([1, 2], 0), list.concat([], [9])]}"),
    ).toEqual([[1, 2, 3], [0, 1, 2], [[9]]]);
    expect(await evaluateError("${list.concat(1, 2)}")).toMatchObject({ tags: ["TypeError"] });
  });
});

describe("text module", () => {
  it.each([
    [
      '${text.find_all("banana", "an")}',
      [
        { index: 1, match: "an" },
        { index: 3, match: "an" },
      ],
    ],
    [
      '${text.find_all_regex("a1b22", "[0-9]+")}',
      [
        { index: 1, match: "1" },
        { index: 3, match: "22" },
      ],
    ],
    ['${text.match_regex("order-123", "^order-[0-9]+$")}', true],
    ['${text.match_regex("x", "y")}', false],
    ['${text.replace_all("a-b-c", "-", "+")}', "a+b+c"],
    [
      '${text.replace_all_regex("2026-11-07", "([0-9]+)-([0-9]+)-([0-9]+)", "\\\\3/\\\\2/\\\\1")}',
      "07/11/2026",
    ],
    ['${text.split("a,b,,c", ",")}', ["a", "b", "", "c"]],
    ['${text.substring("hello", 1, 3)}', "el"],
    ['${text.substring("hello", 3, 99)}', "lo"],
    ['${text.substring("hello", 4, 2)}', ""],
    ['${text.to_lower("MiXeD")}', "mixed"],
    ['${text.to_upper("MiXeD")}', "MIXED"],
    ['${text.url_encode("a b&c=d/é")}', "a%20b%26c%3Dd%2F%C3%A9"],
    ['${text.url_encode_plus("a b")}', "a+b"],
    ['${text.url_decode("a%20b%2F")}', "a b/"],
    ['${text.decode(text.encode("héllo"))}', "héllo"],
    ['${len(text.encode("é"))}', 2],
  ])("%s is %o", async (expression, expected) => {
    expect(await evaluate(expression)).toEqual(expected);
  });

  it.each([
    ['${text.find_all_regex("x", "(")}', "ValueError"],
    ['${text.split(1, ",")}', "TypeError"],
    ['${text.decode("not bytes")}', "TypeError"],
    ['${text.decode(base64.decode("/w=="))}', "ValueError"],
    ['${text.substring("abc", 0.5, 2)}', "TypeError"],
  ])("%s raises %s", async (expression, tag) => {
    expect(await evaluateError(expression)).toMatchObject({ tags: [tag] });
  });
});

describe("json and base64 modules", () => {
  it("json.decode keeps ints and doubles apart and accepts bytes or strings", async () => {
    expect(
      await evaluate(
        '${[type(json.decode("1")), type(json.decode("1.0")), json.decode(text.encode("{\\"a\\": [1, null]}"))]}',
      ),
    ).toEqual(["int", "double", { a: [1, null] }]);
  });

  it("json.encode gives bytes and json.encode_to_string a string, optionally indented", async () => {
    expect(
      await evaluate(
        '${[type(json.encode({"a": 1})), text.decode(json.encode({"a": 1})), json.encode_to_string([1, 2.0, "x"])]}',
      ),
    ).toEqual(["bytes", '{"a":1}', '[1,2.0,"x"]']);
    expect(await evaluate('${json.encode_to_string({"a": [1]}, true)}')).toBe('{\n  "a": [\n    1\n  ]\n}');
  });

  it.each([
    ['${json.decode("{not json")}', "ValueError"],
    ["${json.decode(1)}", "TypeError"],
    ['${json.encode_to_string(text.encode("x"))}', "TypeError"],
  ])("%s raises %s", async (expression, tag) => {
    expect(await evaluateError(expression)).toMatchObject({ tags: [tag] });
  });

  it("base64 round-trips bytes, with and without padding", async () => {
    expect(
      await evaluate(
        '${[base64.encode(text.encode("hi")), base64.encode(text.encode("hi"), false), text.decode(base64.decode("aGk=")), text.decode(base64.decode("aGk", false))]}',
      ),
    ).toEqual(["aGk=", "aGk", "hi", "hi"]);
    expect(await evaluateError('${base64.decode("***")}')).toMatchObject({ tags: ["ValueError"] });
    expect(await evaluateError('${base64.encode("a string, not bytes")}')).toMatchObject({
      tags: ["TypeError"],
    });
  });
});

describe("math module", () => {
  it.each([
    ["${math.abs(-3)}", 3n],
    ["${math.abs(-2.5)}", 2.5],
    ["${math.floor(2.7)}", 2n],
    ["${math.floor(-2.1)}", -3n],
    ["${math.max(2, 3.5)}", 3.5],
    ["${math.max(5, 3.5)}", 5n],
    ["${math.min(2, 3.5)}", 2n],
  ])("%s is %o", async (expression, expected) => {
    expect(await evaluateRaw(expression)).toStrictEqual(expected);
  });

  it("raises TypeError for non-numbers", async () => {
    expect(await evaluateError('${math.abs("1")}')).toMatchObject({ tags: ["TypeError"] });
  });
});

describe("time module", () => {
  it("formats epoch seconds as ISO 8601 with microseconds, in UTC or a named zone", async () => {
    expect(
      await evaluate(
        '${[time.format(1720788633), time.format(1720788633, "GMT"), time.format(1720788633, "Europe/Paris"), time.format(1720788633.5)]}',
      ),
    ).toEqual([
      "2024-07-12T12:50:33.000000Z",
      "2024-07-12T12:50:33.000000Z",
      "2024-07-12T14:50:33.000000+02:00",
      "2024-07-12T12:50:33.500000Z",
    ]);
  });

  it("parses RFC 3339 text back to epoch seconds, honouring offsets", async () => {
    expect(
      await evaluate('${[time.parse("2024-07-12T12:50:33Z"), time.parse("2024-07-12T14:50:33.250+02:00")]}'),
    ).toEqual([1720788633, 1720788633.25]);
    expect(await evaluateError('${time.parse("yesterday")}')).toMatchObject({ tags: ["ValueError"] });
    expect(await evaluateError('${time.format(1, "Mars/Olympus")}')).toMatchObject({ tags: ["ValueError"] });
  });
});

describe("sys module", () => {
  it("sys.now reads the injected clock, as a double of seconds", async () => {
    expect(
      await run("- r:\n    return: ${[sys.now(), type(sys.now())]}\n", null, {
        clock: () => 1_700_000_000_500,
      }),
    ).toEqual([1_700_000_000.5, "double"]);
  });

  it("sys.get_env reads the injected environment, with a default when unset", async () => {
    const source =
      '- r:\n    return: ${[sys.get_env("HOP_URL"), sys.get_env("MISSING"), sys.get_env("MISSING", "dflt")]}\n';
    expect(await run(source, null, { env: { HOP_URL: "http://127.0.0.1:1" } })).toEqual([
      "http://127.0.0.1:1",
      null,
      "dflt",
    ]);
    expect(await evaluateError("${sys.get_env(1)}")).toMatchObject({ tags: ["TypeError"] });
  });

  it("sys.log writes text and JSON payloads at the given severity, by name or by position", async () => {
    const logger = memoryLogger();
    await run(
      `
- a:
    call: sys.log
    args:
      data: "plain text"
      severity: WARNING
- b:
    call: sys.log
    args:
      json: {"batch": 3}
- c:
    call: sys.log
    args: ["positional", "ERROR"]
`,
      null,
      { logger },
    );
    expect(logger.entries.map((entry) => [entry.severity, entry.message, entry.jsonPayload])).toEqual([
      ["WARNING", "plain text", undefined],
      ["INFO", '{"batch":3}', { batch: 3 }],
      ["ERROR", "positional", undefined],
    ]);
  });

  it("sys.log refuses two payloads and unknown severities", async () => {
    const twoPayloads = "- a:\n    call: sys.log\n    args:\n      data: x\n      text: y\n";
    const badSeverity = "- a:\n    call: sys.log\n    args:\n      data: x\n      severity: LOUD\n";
    await expect(run(twoPayloads)).rejects.toMatchObject({ error: expect.any(Map) });
    await expect(run(badSeverity)).rejects.toThrow(/unknown severity/);
  });

  it("sys.sleep waits scaled time but advances workflow time by the full amount", async () => {
    const waits: number[] = [];
    let real = 1_000_000;
    const result = await run(
      "- t0:\n    assign:\n      - before: ${sys.now()}\n- nap:\n    call: sys.sleep\n    args:\n      seconds: 60\n- t1:\n    return: ${sys.now() - before}\n",
      null,
      {
        clock: () => real,
        sleep: async (ms) => {
          waits.push(ms);
          real += ms;
        },
        sleepScale: 0.001,
      },
    );
    expect(waits).toEqual([60]);
    expect(result).toBe(60);
  });

  it("sys.sleep rejects negative durations and is refused inside expressions", async () => {
    await expect(run("- a:\n    call: sys.sleep\n    args:\n      seconds: -1\n")).rejects.toThrow(
      /must not be negative/,
    );
    await expect(run("- a:\n    return: ${sys.sleep(1)}\n")).rejects.toThrow(
      /can only be used in a call step/,
    );
  });
});
