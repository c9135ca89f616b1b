/**
 * Variable scopes. A subworkflow call starts a fresh frame (it sees only its parameters); a `for`
 * iteration and a parallel branch start a child scope, so variables created there vanish when it
 * ends while variables of the enclosing scope stay readable and writable — except across a
 * parallel branch boundary, where only the variables listed in `shared` may be written.
 * `try`, `except`, `switch` and nested `steps` do not open scopes.
 */
import { workflowError } from "../errors.ts";
import type { Value } from "../values.ts";

export class Scope {
  readonly #vars = new Map<string, Value>();
  readonly #parent: Scope | undefined;
  /** Set on a parallel branch's scope: the parent variables it may write. */
  readonly #shared: ReadonlySet<string> | undefined;
  readonly #boundaryName: string | undefined;

  private constructor(parent: Scope | undefined, shared?: ReadonlySet<string>, boundaryName?: string) {
    this.#parent = parent;
    this.#shared = shared;
    this.#boundaryName = boundaryName;
  }

  static frame(): Scope {
    return new Scope(undefined);
  }
  child(): Scope {
    return new Scope(this);
  }
  /** A branch of the parallel step `stepName` that may write `shared` in enclosing scopes. */
  branch(shared: ReadonlySet<string>, stepName: string): Scope {
    return new Scope(this, shared, stepName);
  }

  lookup(name: string): Value | undefined {
    for (let scope: Scope | undefined = this; scope !== undefined; scope = scope.#parent) {
      const value = scope.#vars.get(name);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  /** Declares a variable in this very scope (loop variables, parameters). */
  define(name: string, value: Value): void {
    this.#vars.set(name, value);
  }

  /** Assigns to the nearest scope that has `name`, or creates it here. */
  assign(name: string, value: Value): void {
    let crossed: Scope | undefined;
    for (let scope: Scope | undefined = this; scope !== undefined; scope = scope.#parent) {
      if (scope.#vars.has(name)) {
        if (crossed !== undefined && !crossed.#shared?.has(name)) {
          throw workflowError(
            "TypeError",
            `variable "${name}" belongs to the scope around parallel step "${crossed.#boundaryName}"; list it in "shared" to assign it in a branch`,
          );
        }
        scope.#vars.set(name, value);
        return;
      }
      if (scope.#shared !== undefined && crossed === undefined) crossed = scope;
    }
    this.#vars.set(name, value);
  }
}
