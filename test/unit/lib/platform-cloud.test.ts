import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../lib/config.ts";
import { cloudDeps } from "../../../lib/platform/cloud.ts";

describe("the Google Cloud platform of a deployed function", () => {
  const config = loadConfig({
    WINTER_DAYS_MODE: "gcp",
    GOOGLE_CLOUD_PROJECT: "acme-data-prod",
    WINTER_DAYS_PREFIX: "wd",
    WINTER_DAYS_PII_HASH_KEY: "0123456789abcdef0123",
    WINTER_DAYS_DATAFORM_REPOSITORY:
      "projects/acme-data-prod/locations/europe-west1/repositories/wd-warehouse",
  });

  it("builds every adapter from configuration alone, without touching the network", () => {
    const deps = cloudDeps(config);
    expect(deps.events.constructor.name).toBe("PubSubEventBus");
    expect(deps.documents.constructor.name).toBe("FirestoreDocumentStore");
    expect(deps.objects.constructor.name).toBe("GcsObjectStore");
    expect(deps.transformations.constructor.name).toBe("CloudTransformations");
    expect(deps.pipelines.constructor.name).toBe("VertexChurnPipelines");
    expect(deps.topology.functions.map((f) => f.name)).toContain("export");
  });

  it("refuses to start without a Dataform repository, naming the variable", () => {
    const { dataformRepository: _, ...rest } = config;
    expect(() => cloudDeps({ ...rest, dataformRepository: undefined })).toThrow(
      /WINTER_DAYS_DATAFORM_REPOSITORY/,
    );
  });
});
