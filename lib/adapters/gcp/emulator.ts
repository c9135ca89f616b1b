import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { ConfigError } from "../../errors.ts";

/**
 * Launches Google's official emulators (installed with gcloud) for contract tests and the bench
 * command. Nothing here sets environment variables: callers point their clients at `host`
 * explicitly (for Pub/Sub, `emulatorClientOptions(host)` in ./pubsub.ts).
 */
export type EmulatorKind = "pubsub" | "firestore";

export interface RunningEmulator {
  /** `127.0.0.1:<port>` */
  host: string;
  port: number;
  projectId: string;
  /** Process group of gcloud and the Java server it starts, for measuring or stopping them. */
  processGroup: number;
  stop(): Promise<void>;
}

/** gcloud is not on the PATH: the emulators cannot run on this machine. */
export class GcloudMissingError extends ConfigError {
  override name = "GcloudMissingError";
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
        else reject(new Error("no free loopback port"));
      });
    });
  });
}

function signalGroup(group: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-group, signal);
    return true;
  } catch {
    return false; // already gone
  }
}

function stopGroup(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    const group = child.pid;
    if (child.exitCode !== null || child.signalCode !== null || group === undefined) return resolve();
    const timer = setTimeout(() => signalGroup(group, "SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    // gcloud starts a Java child; signalling the process group stops both.
    if (!signalGroup(group, "SIGTERM")) {
      clearTimeout(timer);
      resolve();
    }
  });
}

/**
 * Starts one of Google's emulators on a free loopback port and resolves once it says it is serving.
 * Each call gets its own process, so callers never share state. Throws GcloudMissingError when gcloud
 * is not installed, and an Error with the emulator's last output when it does not start in time.
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
    child.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        error.code === "ENOENT"
          ? new GcloudMissingError(
              `gcloud is not on the PATH, so Google's ${kind} emulator cannot start (install the Google Cloud CLI and its ${kind} emulator component)`,
            )
          : error,
      );
    });
  });
  child.removeAllListeners("exit");
  // Keep draining its output so the emulator never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    host: hostPort,
    port,
    projectId,
    processGroup: child.pid ?? 0,
    stop: () => stopGroup(child),
  };
}
