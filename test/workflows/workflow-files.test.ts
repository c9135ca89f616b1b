import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateWorkflowFile } from "../../runtime/workflows/index.ts";

const root = join(import.meta.dirname, "..", "..");

async function workflowFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  return entries.filter((name) => /\.workflows\.(ya?ml|json)$/.test(name)).map((name) => join(dir, name));
}

const files = [
  ...(await workflowFiles(join(root, "workflows"))),
  ...(await workflowFiles(join(import.meta.dirname, "fixtures"))),
];

describe("every workflow file of the project parses and passes the syntax checks", () => {
  it("finds workflow files to check", () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)("%s", async (file) => {
    await expect(validateWorkflowFile(file)).resolves.toMatchObject({ file });
  });
});
