import { execFile } from "node:child_process";
import { accessSync, constants, readdirSync, readFileSync } from "node:fs";
import { delimiter, join, relative } from "node:path";
import { promisify } from "node:util";
import { parse } from "@cdktf/hcl2json";
import { describe, expect, it } from "vitest";
import { loadModule, repoRoot, terraformDir } from "./config.ts";

const run = promisify(execFile);

function findTerraform(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, "terraform");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this PATH entry
    }
  }
  return undefined;
}

function allTfFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter(
      (entry) => entry.isFile() && entry.name.endsWith(".tf") && !entry.parentPath.includes(".terraform"),
    )
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

describe("terraform/ syntax", () => {
  it("parses every .tf file", async () => {
    const files = allTfFiles(terraformDir);
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const file of files) {
      const parsed = await parse(relative(repoRoot, file), readFileSync(file, "utf8"));
      expect(Object.keys(parsed).length, `${relative(repoRoot, file)} declares nothing`).toBeGreaterThan(0);
    }
  });

  it("rejects a file with an HCL syntax error (the parse above would catch one)", async () => {
    await expect(parse("broken.tf", 'resource "google_pubsub_topic" "x" {\n  name = \n')).rejects.toThrow();
  });

  it("terraform.tfvars.example sets only declared variables, and sets the required project", async () => {
    const root = await loadModule(terraformDir);
    const example = await parse(
      "terraform.tfvars.example",
      readFileSync(join(terraformDir, "terraform.tfvars.example"), "utf8"),
    );
    const undeclared = Object.keys(example).filter((name) => !(name in root.variables));
    expect(undeclared).toEqual([]);
    const required = Object.entries(root.variables)
      .filter(([, body]) => !("default" in body))
      .map(([name]) => name);
    expect(required).toEqual(["project"]);
    expect(example.project).toBeTypeOf("string");
  });

  const terraform = findTerraform();
  // The binary is on developer machines and CI images of this project; the Google provider is not
  // downloadable there, so fmt is the one terraform command that runs offline.
  if (terraform) {
    it("is formatted (terraform fmt -check -recursive)", async () => {
      const result = await run(
        terraform,
        ["fmt", "-check", "-recursive", "-diff", "-no-color", terraformDir],
        {
          env: { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null", CHECKPOINT_DISABLE: "1" },
        },
      ).catch((error: { stdout?: string; code?: number }) => ({
        stdout: error.stdout ?? "",
        failed: error.code,
      }));
      expect("failed" in result ? `unformatted files:\n${result.stdout}` : "").toBe("");
    });
  }
});
