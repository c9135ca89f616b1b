import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

export type EmulatorKind = "pubsub" | "firestore";

export interface RunningEmulator {
  /** `127.0.0.1:<port>` */
  host: string;
  port: number;
  projectId: string;
  stop(): Promise<void>;
}

const commands: Record<EmulatorKind, { args: (hostPort: string) => string[]; ready: RegExp }> = {
  pubsub: {
    args: (hostPort) => ["beta", "emulators", "pubsub", "start", `--host-port=${hostPort}`, "--quiet"],
    ready: /Server started, listening on/,
  },
  firestore: {
    args: (hostPort) => ["emulators", "firestore", "start", `--host-port=${hostPort}`, "--quiet"],
    ready: /Dev App Server is now running/,
  },
};

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("no port"));
      });
    });
  });
}

function stopGroup(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.pid === undefined) return resolve();
    const timer = setTimeout(() => {
      try {
        process.kill(-(child.pid as number), "SIGKILL");
      } catch {
        // already gone
      }
    }, 5000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      // gcloud starts a Java child; killing the process group stops both.
      process.kill(-(child.pid as number), "SIGTERM");
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

/**
 * Starts one of Google's emulators (installed with gcloud) on a free loopback port and resolves once
 * it says it is serving. Each call gets its own process, so test files never share state.
 */
export async function startEmulator(
  kind: EmulatorKind,
  projectId = `wd-test-${process.pid}`,
  timeoutMs = 90_000,
): Promise<RunningEmulator> {
  const port = await freePort();
  const hostPort = `127.0.0.1:${port}`;
  const spec = commands[kind];
  const child = spawn("gcloud", [...spec.args(hostPort), `--project=${projectId}`], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, CLOUDSDK_CORE_DISABLE_PROMPTS: "1" },
  });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stopGroup(child);
      reject(new Error(`${kind} emulator did not start within ${timeoutMs} ms:\n${output.slice(-2000)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (spec.ready.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${kind} emulator exited with ${code}:\n${output.slice(-2000)}`));
    });
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  child.removeAllListeners("exit");
  // Keep draining its output so the emulator never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();
  return { host: hostPort, port, projectId, stop: () => stopGroup(child) };
}
