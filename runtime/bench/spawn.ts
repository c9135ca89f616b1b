import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ChildMessage } from "./child.ts";
import type { BenchTask, TaskResult } from "./tasks.ts";

const childFile = fileURLToPath(new URL("./child.ts", import.meta.url));

/** No phase at small or medium comes near this; a hung one must not hang the command. */
const DEFAULT_TIMEOUT_MS = 15 * 60_000;

export interface ChildOptions {
  /** Node flags of the child, e.g. `--max-old-space-size=192`; none of the parent's are passed on. */
  nodeFlags?: string[];
  timeoutMs?: number;
}

/**
 * Runs one task in a fresh Node process (the same Node binary) and resolves to its result. Rejects
 * with the child's error, or its last stderr lines if it died.
 */
export function runInChild<T extends BenchTask>(task: T, options: ChildOptions = {}): Promise<TaskResult<T>> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const child = fork(childFile, [JSON.stringify(task)], {
      execPath: process.execPath,
      execArgv: options.nodeFlags ?? [],
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      serialization: "json",
    });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    let answer: ChildMessage | undefined;
    child.on("message", (message: ChildMessage) => {
      answer = message;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`bench phase ${task.kind} did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (answer?.ok) resolve(answer.result as TaskResult<T>);
      else if (answer) reject(new Error(`bench phase ${task.kind} failed: ${answer.error}`));
      else
        reject(
          new Error(
            `bench phase ${task.kind} exited with ${signal ?? code} before reporting:\n${stderr.trim()}`,
          ),
        );
    });
  });
}
