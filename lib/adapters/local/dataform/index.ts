/** The local Dataform stand-in: compile, run on DuckDB, the transformations port, the bench. */
export { type LocalEnvironment, prepareLocalEnvironment } from "./bronze.ts";
export { type CompileOptions, compileDataform } from "./compile.ts";
export { type CompiledGraph, compilationErrors, planActions } from "./graph.ts";
export { type DataformStageMeasurement, measureDataformStage } from "./measure.ts";
export {
  type ActionResult,
  type ActionState,
  compileForDuckDb,
  describeGraph,
  type RunDataformOptions,
  type RunResult,
  runDataform,
} from "./run.ts";
export { LocalTransformations, type LocalTransformationsOptions } from "./transformations.ts";
