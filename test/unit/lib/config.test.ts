import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../lib/config.ts";
import { ConfigError } from "../../../lib/errors.ts";

describe("configuration", () => {
  it("runs offline with no environment at all", () => {
    const config = loadConfig({});
    expect(config.mode).toBe("local");
    expect(config.lakeBucket).toBe("winter-days-local-winter-days-lake");
  });

  it("derives cloud names from project and prefix", () => {
    const config = loadConfig({
      WINTER_DAYS_MODE: "gcp",
      GOOGLE_CLOUD_PROJECT: "acme-data-prod",
      WINTER_DAYS_PREFIX: "wd",
      WINTER_DAYS_PII_HASH_KEY: "0123456789abcdef0123",
    });
    expect(config.lakeBucket).toBe("acme-data-prod-wd-lake");
  });

  it("needs no PII hash key in the cloud, where only Dataform reads it from its key table", () => {
    const config = loadConfig({ WINTER_DAYS_MODE: "gcp", GOOGLE_CLOUD_PROJECT: "acme-data-prod" });
    expect(config.piiHashKey).toBeUndefined();
    expect(loadConfig({}).piiHashKey).toMatch(/.{16,}/);
  });

  it.each([
    [{ WINTER_DAYS_MODE: "cloud" }, "WINTER_DAYS_MODE"],
    [{ WINTER_DAYS_MODE: "gcp" }, "GOOGLE_CLOUD_PROJECT is required"],
    [{ WINTER_DAYS_PII_HASH_KEY: "too-short" }, "WINTER_DAYS_PII_HASH_KEY"],
    [{ WINTER_DAYS_PREFIX: "Bad_Prefix" }, "WINTER_DAYS_PREFIX"],
    [{ WINTER_DAYS_REGION: "mars" }, "WINTER_DAYS_REGION"],
  ])("names the variable that is wrong: %o", (env, expected) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(expected);
  });
});
