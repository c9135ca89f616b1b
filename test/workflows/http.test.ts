// biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${...}" in these strings is Workflows expression syntax, not a JS template.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseWorkflow, runWorkflow } from "../../runtime/workflows/index.ts";
import { closedPort, json, LocalServer, run, runFailing } from "./helpers.ts";

const server = new LocalServer();
let base = "";
let attempts = 0;

beforeAll(async () => {
  server
    .on("/echo", (request, response) => {
      json(
        response,
        200,
        { method: request.method, url: request.url, body: request.body, headers: request.headers },
        { "x-trace": "t-1" },
      );
    })
    .on("/text", (_request, response) => {
      response.writeHead(200, { "content-type": "text/plain" }).end("plain body");
    })
    .on("/binary", (_request, response) => {
      response.writeHead(200, { "content-type": "application/octet-stream" }).end(Buffer.from([0, 1, 2]));
    })
    .on("/empty", (_request, response) => {
      response.writeHead(204).end();
    })
    .on("/missing", (_request, response) => {
      json(response, 404, { error: "not here" }, { "x-reason": "gone" });
    })
    .on("/flaky", (_request, response) => {
      attempts++;
      if (attempts <= 2) json(response, 503, { attempt: attempts });
      else json(response, 200, { attempt: attempts });
    })
    .on("/always-500", (_request, response) => {
      json(response, 500, { boom: true });
    })
    .on("/slow", async (_request, response) => {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      json(response, 200, { late: true });
    })
    .on("/hangup", (_request, response) => {
      response.socket?.destroy();
    });
  base = await server.start();
});

afterAll(async () => {
  await server.stop();
});

const env = () => ({ BASE: base });

describe("http calls against a local server", () => {
  it("http.get returns body (decoded JSON), code and lower-case headers", async () => {
    const result = (await run(
      '- g:\n    call: http.get\n    args:\n      url: ${sys.get_env("BASE") + "/echo"}\n      query:\n        q: "a b"\n        n: 3\n    result: r\n- out:\n    return: ${r}\n',
      null,
      {
        env: env(),
      },
    )) as { body: { method: string; url: string }; code: number; headers: Record<string, string> };
    expect(result.code).toBe(200);
    expect(result.body.method).toBe("GET");
    expect(result.body.url).toBe("/echo?q=a+b&n=3");
    expect(result.headers["x-trace"]).toBe("t-1");
    expect(result.headers["content-type"]).toBe("application/json");
  });

  it.each(["post", "put", "patch", "delete"])(
    "http.%s sends the method and a JSON body with its content type",
    async (method) => {
      const source = `- c:\n    call: http.${method}\n    args:\n      url: \${sys.get_env("BASE") + "/echo"}\n      headers:\n        X-Batch: "b-1"\n      body:\n        date: "2026-11-01"\n        count: 3\n    result: r\n- out:\n    return: \${r.body}\n`;
      const body = (await run(source, null, { env: env() })) as {
        method: string;
        body: string;
        headers: Record<string, string>;
      };
      expect(body.method).toBe(method.toUpperCase());
      expect(JSON.parse(body.body)).toEqual({ date: "2026-11-01", count: 3 });
      expect(body.headers["content-type"]).toBe("application/json; charset=utf-8");
      expect(body.headers["x-batch"]).toBe("b-1");
      expect(body.headers["user-agent"]).toContain("GoogleCloudWorkflows");
    },
  );

  it("http.request takes the method as an argument and sends string bodies as they are", async () => {
    const source =
      '- c:\n    call: http.request\n    args:\n      method: PUT\n      url: ${sys.get_env("BASE") + "/echo"}\n      headers:\n        Content-Type: text/plain\n      body: "raw text"\n    result: r\n- out:\n    return: ${r.body}\n';
    expect(await run(source, null, { env: env() })).toMatchObject({ method: "PUT", body: "raw text" });
  });

  it("gives text bodies as strings, other types as bytes, and empty bodies as null", async () => {
    const source = `
- t:
    call: http.get
    args:
      url: \${sys.get_env("BASE") + "/text"}
    result: t
- b:
    call: http.get
    args:
      url: \${sys.get_env("BASE") + "/binary"}
    result: b
- e:
    call: http.get
    args:
      url: \${sys.get_env("BASE") + "/empty"}
    result: e
- out:
    return: \${[t.body, type(b.body), base64.encode(b.body), e.body, e.code]}
`;
    expect(await run(source, null, { env: env() })).toEqual(["plain body", "bytes", "AAEC", null, 204]);
  });

  it("accepts auth: {type: OIDC}, records it, and sends no credentials offline", async () => {
    const workflow = parseWorkflow(
      '- c:\n    call: http.post\n    args:\n      url: ${sys.get_env("BASE") + "/echo"}\n      auth:\n        type: OIDC\n        audience: https://hop.example\n    result: r\n- out:\n    return: ${r.body.headers}\n',
      "auth.yaml",
    );
    const run = await runWorkflow(workflow, null, { env: env() });
    expect(run.httpCalls).toEqual([{ method: "POST", url: `${base}/echo`, auth: "OIDC" }]);
    expect(run.result).not.toHaveProperty("authorization");
  });

  it("rejects an unknown auth type", async () => {
    const source =
      '- c:\n    call: http.get\n    args:\n      url: ${sys.get_env("BASE") + "/echo"}\n      auth:\n        type: Basic\n';
    expect((await runFailing(source, null, { env: env() })).error).toMatchObject({ tags: ["ValueError"] });
  });
});

describe("http errors", () => {
  it("raises HttpError with code, body and headers on 404", async () => {
    const failure = await runFailing(
      '- get_it:\n    call: http.get\n    args:\n      url: ${sys.get_env("BASE") + "/missing"}\n',
      null,
      { env: env() },
    );
    expect(failure.step).toBe("get_it");
    expect(failure.error).toMatchObject({
      tags: ["HttpError"],
      code: 404,
      body: { error: "not here" },
      headers: { "x-reason": "gone" },
      message: "HTTP server responded with error code 404",
    });
  });

  it("raises ConnectionFailedError when nothing listens on the port", async () => {
    const port = await closedPort();
    const failure = await runFailing(
      `- c:\n    call: http.get\n    args:\n      url: http://127.0.0.1:${port}/x\n`,
    );
    expect(failure.error).toMatchObject({ tags: ["ConnectionFailedError"] });
  });

  it("raises ConnectionError when the server hangs up mid-request", async () => {
    const failure = await runFailing(
      '- c:\n    call: http.get\n    args:\n      url: ${sys.get_env("BASE") + "/hangup"}\n',
      null,
      { env: env() },
    );
    expect(failure.error).toMatchObject({ tags: ["ConnectionError"] });
  });

  it("raises TimeoutError when the server answers after the timeout", async () => {
    const failure = await runFailing(
      '- c:\n    call: http.get\n    args:\n      url: ${sys.get_env("BASE") + "/slow"}\n      timeout: 0.2\n',
      null,
      { env: env() },
    );
    expect(failure.error).toMatchObject({ tags: ["TimeoutError"] });
  });
});

describe("retries", () => {
  it("retries 503 with ${http.default_retry} and backs off 1 s, then 1.25 s", async () => {
    attempts = 0;
    const delays: number[] = [];
    const source = `
- get:
    try:
      call: http.get
      args:
        url: \${sys.get_env("BASE") + "/flaky"}
      result: r
    retry: \${http.default_retry}
- out:
    return: \${r.body.attempt}
`;
    const result = await run(source, null, {
      env: env(),
      sleepScale: 0.01,
      sleep: async (ms) => void delays.push(ms),
    });
    expect(result).toBe(3);
    expect(delays).toEqual([10, 12.5]);
  });

  it("uses the step's backoff (initial, multiplier, max) and predicate", async () => {
    attempts = -10;
    const delays: number[] = [];
    const source = `
- get:
    try:
      call: http.get
      args:
        url: \${sys.get_env("BASE") + "/flaky"}
    retry:
      predicate: \${http.default_retry_predicate}
      max_retries: 4
      backoff:
        initial_delay: 2
        max_delay: 5
        multiplier: 2
`;
    const failure = await runFailing(source, null, { env: env(), sleep: async (ms) => void delays.push(ms) });
    expect(failure.error).toMatchObject({ tags: ["HttpError"], code: 503 });
    expect(delays).toEqual([2000, 4000, 5000, 5000]);
  });

  it("does not retry 500 with the default predicate, and hands the error to except", async () => {
    const delays: number[] = [];
    const source = `
- get:
    try:
      call: http.get
      args:
        url: \${sys.get_env("BASE") + "/always-500"}
    retry: \${http.default_retry}
    except:
      as: e
      steps:
        - out:
            return: \${e.code}
`;
    expect(await run(source, null, { env: env(), sleep: async (ms) => void delays.push(ms) })).toBe(500);
    expect(delays).toEqual([]);
  });

  it("asks a predicate subworkflow, re-running the whole try block", async () => {
    const source = `
main:
  steps:
    - init:
        assign:
          - tries: 0
    - attempt:
        try:
          steps:
            - count:
                assign:
                  - tries: \${tries + 1}
            - fail:
                raise:
                  code: 7
                  tags: ["Flaky"]
        retry:
          predicate: \${only_flaky}
          max_retries: 3
          backoff:
            initial_delay: 1
            max_delay: 1
            multiplier: 1
        except:
          as: e
          steps:
            - out:
                return: \${[tries, e.code]}
only_flaky:
  params: [e]
  steps:
    - check:
        return: \${"Flaky" in e.tags}
`;
    expect(await run(source)).toEqual([4, 7]);
  });

  it("raises TypeError when a predicate does not answer a bool", async () => {
    const source = `
main:
  steps:
    - attempt:
        try:
          raise: "x"
        retry:
          predicate: \${bad}
          max_retries: 1
bad:
  params: [e]
  steps:
    - r:
        return: 1
`;
    expect((await runFailing(source)).error).toMatchObject({ tags: ["TypeError"] });
  });

  it.each([
    [{ tags: ["HttpError"], code: 429 }, true, true],
    [{ tags: ["HttpError"], code: 502 }, true, false],
    [{ tags: ["HttpError"], code: 503 }, true, true],
    [{ tags: ["HttpError"], code: 504 }, true, false],
    [{ tags: ["HttpError"], code: 500 }, false, false],
    [{ tags: ["HttpError"], code: 404 }, false, false],
    [{ tags: ["ConnectionError"] }, true, false],
    [{ tags: ["ConnectionFailedError"] }, true, true],
    [{ tags: ["TimeoutError"] }, true, false],
    [{ tags: ["ValueError"] }, false, false],
  ])(
    "default predicates on %o: idempotent %s, non-idempotent %s",
    async (error, idempotent, nonIdempotent) => {
      const source =
        "main:\n  params: [e]\n  steps:\n    - r:\n        return: ${[http.default_retry_predicate(e), http.default_retry_predicate_non_idempotent(e)]}\n";
      expect(await run(source, error)).toEqual([idempotent, nonIdempotent]);
    },
  );

  it("exposes the default policies and backoff as maps", async () => {
    expect(
      await run(
        "- r:\n    return: ${[http.default_retry.max_retries, http.default_retry_non_idempotent.backoff, retry.default_backoff]}\n",
      ),
    ).toEqual([
      5,
      { initial_delay: 1, max_delay: 60, multiplier: 1.25 },
      { initial_delay: 1, max_delay: 60, multiplier: 1.25 },
    ]);
  });
});
