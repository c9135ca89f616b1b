/**
 * Entry of a bench child process: runs the one task given as JSON in argv[2] and sends its result to
 * the parent over the IPC channel. One phase per process, so that each phase's peak RSS is its own.
 */
import { type BenchTask, runTask } from "./tasks.ts";

export type ChildMessage = { ok: true; result: unknown } | { ok: false; error: string };

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send) {
      reject(new Error("runtime/bench/child.ts runs only as a child of the bench command (no IPC channel)"));
      return;
    }
    process.send(message, undefined, {}, (error) => (error ? reject(error) : resolve()));
  });
}

async function main(): Promise<void> {
  let message: ChildMessage;
  try {
    const task = JSON.parse(process.argv[2] ?? "") as BenchTask;
    message = { ok: true, result: await runTask(task) };
  } catch (error) {
    message = { ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  await send(message);
  // A client library may keep a socket or timer alive; the phase is over, so leave now.
  process.exit(message.ok ? 0 : 1);
}

if (import.meta.main) await main();
