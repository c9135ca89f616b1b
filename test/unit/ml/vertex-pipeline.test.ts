import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DERIVED_FEATURES } from "../../../lib/ml/features.ts";
import { METRICS_COLUMN_NAMES } from "../../../lib/ml/tables.ts";
import {
  buildChurnPipelineSpec,
  GCPC_IMAGE,
  PIPELINE_TASKS,
  QUERY_JOB_LAUNCHER,
} from "../../../vertex/pipeline-spec.ts";

interface Spec {
  schemaVersion: string;
  sdkVersion: string;
  pipelineInfo: { name: string };
  root: {
    inputDefinitions: { parameters: Record<string, { parameterType: string }> };
    dag: {
      tasks: Record<
        string,
        {
          componentRef: { name: string };
          dependentTasks?: string[];
          inputs: {
            parameters: Record<
              string,
              { componentInputParameter?: string; runtimeValue?: { constant: unknown } }
            >;
          };
        }
      >;
    };
  };
  components: Record<
    string,
    { executorLabel: string; inputDefinitions: { parameters: Record<string, unknown> } }
  >;
  deploymentSpec: {
    executors: Record<string, { container: { image: string; command: string[]; args: string[] } }>;
  };
}

const checkedIn = JSON.parse(
  readFileSync(new URL("../../../vertex/churn_pipeline.json", import.meta.url), "utf8"),
) as Spec;

describe("the compiled churn pipeline (vertex/churn_pipeline.json)", () => {
  it("is what vertex/pipeline-spec.ts builds (run `node vertex/build.ts` after changing it)", () => {
    expect(checkedIn).toEqual(buildChurnPipelineSpec());
  });

  it("is a PipelineSpec 2.1.0 declaring the parameters the submit hop passes", () => {
    expect(checkedIn.schemaVersion).toBe("2.1.0");
    expect(checkedIn.pipelineInfo.name).toBe("winter-days-churn");
    expect(checkedIn.root.inputDefinitions.parameters).toMatchObject({
      project: { parameterType: "STRING" },
      location: { parameterType: "STRING" },
      batch_date: { parameterType: "STRING" },
      feature_table: { parameterType: "STRING" },
      output_uri: { parameterType: "STRING" },
      label_window_days: { parameterType: "NUMBER_INTEGER" },
    });
  });

  it("runs every task as GCPC's BigqueryQueryJobOp container, in one chain", () => {
    const tasks = Object.entries(checkedIn.root.dag.tasks);
    expect(tasks.map(([name]) => name)).toEqual([
      "build-examples",
      "train-model",
      "evaluate-model",
      "predict-and-export",
      "export-metrics",
    ]);
    tasks.forEach(([name, task], i) => {
      const component = checkedIn.components[task.componentRef.name];
      expect(component, name).toBeDefined();
      const executor = checkedIn.deploymentSpec.executors[component?.executorLabel ?? ""];
      expect(executor?.container.image).toBe(GCPC_IMAGE);
      expect(executor?.container.command).toEqual(["python3", "-u", "-m", QUERY_JOB_LAUNCHER]);
      expect(executor?.container.args.slice(0, 2)).toEqual(["--type", "BigqueryQueryJob"]);
      expect(executor?.container.args.slice(-2)).toEqual(["--executor_input", "{{$}}"]);
      expect(task.dependentTasks ?? []).toEqual(i === 0 ? [] : [tasks[i - 1]?.[0]]);
      // Every input the task sets is one the component declares, or a pipeline channel.
      for (const input of Object.keys(task.inputs.parameters)) {
        if (!input.startsWith("pipelinechannel--"))
          expect(Object.keys(component?.inputDefinitions.parameters ?? {})).toContain(input);
      }
    });
  });

  it("feeds every parameter placeholder in a query from a declared pipeline parameter", () => {
    const declared = Object.keys(checkedIn.root.inputDefinitions.parameters);
    for (const [name, task] of Object.entries(checkedIn.root.dag.tasks)) {
      const query = String(task.inputs.parameters.query?.runtimeValue?.constant ?? "");
      expect(query.length, name).toBeGreaterThan(100);
      // The launcher pastes the query into a JSON string.
      expect(query).not.toMatch(/["\\]/);
      const used = [...query.matchAll(/\{\{\$\.inputs\.parameters\['([^']+)'\]\}\}/g)].map((m) => m[1] ?? "");
      for (const channel of new Set(used)) {
        const parameter = task.inputs.parameters[channel]?.componentInputParameter;
        expect(parameter, `${name}: ${channel}`).toBeDefined();
        expect(declared).toContain(parameter);
      }
      expect(task.inputs.parameters.project).toEqual({ componentInputParameter: "project" });
      expect(task.inputs.parameters.location).toEqual({ componentInputParameter: "location" });
    }
  });

  it("trains on the offline trainer's features and writes model_metrics' columns", () => {
    const sql = (name: string) => PIPELINE_TASKS.find((t) => t.name === name)?.sql ?? "";
    for (const feature of DERIVED_FEATURES) {
      expect(sql("build-examples")).toContain(`${feature.sql} AS ${feature.name}`);
      expect(sql("train-model")).toContain(feature.name);
    }
    const created =
      /CREATE TABLE IF NOT EXISTS `[^`]+churn_metrics` \(([^)]+)\)/.exec(sql("evaluate-model"))?.[1] ?? "";
    expect(created.split(",").map((c) => c.trim().split(/\s+/)[0])).toEqual([...METRICS_COLUMN_NAMES]);
    expect(sql("predict-and-export")).toContain("predictions-*.jsonl");
    expect(sql("export-metrics")).toContain("metrics-*.json");
  });
});
