/** The standard library as one catalogue: functions by name, constants, and name checks for the parser. */
import { randomUUID } from "node:crypto";
import type { NameCatalog } from "../syntax/templates.ts";
import type { Value } from "../values.ts";
import { collectionFunctions } from "./collections.ts";
import { coreFunctions } from "./core.ts";
import { encodingFunctions } from "./encoding.ts";
import { httpFunctions } from "./http.ts";
import { mathFunctions } from "./math.ts";
import { type Builtin, builtin } from "./registry.ts";
import { retryConstants, retryFunctions } from "./retry.ts";
import { sysFunctions } from "./sys.ts";
import { textFunctions } from "./text.ts";
import { timeFunctions } from "./time.ts";

export class Library implements NameCatalog {
  readonly #functions = new Map<string, Builtin>();
  readonly #constants: Map<string, Value>;
  /** Modules implemented here in full, so an unknown name under them is certainly a typo. */
  readonly #modules = new Set<string>();

  constructor() {
    const all = [
      ...coreFunctions,
      ...collectionFunctions,
      ...textFunctions,
      ...encodingFunctions,
      ...mathFunctions,
      ...timeFunctions,
      ...sysFunctions,
      ...retryFunctions,
      ...httpFunctions,
      builtin("uuid.generate", [], () => randomUUID()),
    ];
    for (const fn of all) {
      this.#functions.set(fn.name, fn);
      if (fn.name.includes(".")) this.#modules.add(fn.name.slice(0, fn.name.indexOf(".")));
    }
    this.#constants = retryConstants();
  }

  function(name: string): Builtin | undefined {
    return this.#functions.get(name);
  }
  constant(name: string): Value | undefined {
    return this.#constants.get(name);
  }
  paramsOf(name: string): string[] | undefined {
    return this.#functions.get(name)?.params.map((param) => param.name);
  }
  isLibraryFunction(name: string): boolean {
    return this.#functions.has(name);
  }
  isCallOnly(name: string): boolean {
    return this.#functions.get(name)?.callOnly === true;
  }
  isLibraryName(name: string): boolean {
    return this.#functions.has(name) || this.#constants.has(name);
  }
  isModule(name: string): boolean {
    return this.#modules.has(name);
  }
}
