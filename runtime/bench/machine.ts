import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import type { MachineInfo } from "./figures.ts";
import { round1 } from "./memory.ts";

const loadAverage = () => os.loadavg().map((load) => Math.round(load * 100) / 100);

/** What the figures were measured on; `loadAtEnd` is filled in when the bench finishes. */
export function describeMachine(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    cpus: os.availableParallelism(),
    memoryMiB: Math.round(os.totalmem() / (1024 * 1024)),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAtStart: loadAverage(),
    loadAtEnd: [],
  };
}

export function finishMachine(machine: MachineInfo): MachineInfo {
  return { ...machine, loadAtEnd: loadAverage() };
}

/** The SDK and Pub/Sub emulator lines of `gcloud --version`, or undefined when gcloud does not answer. */
export function gcloudVersion(): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile("gcloud", ["--version"], { timeout: 30_000 }, (error, stdout) => {
      if (error) return resolve(undefined);
      const lines = stdout.split("\n").filter((line) => /^(Google Cloud SDK|pubsub-emulator)/.test(line));
      resolve(lines.join("; ") || undefined);
    });
  });
}

/**
 * Sum of the peak RSS (VmHWM) of the live processes in a process group, in MiB: for the Pub/Sub
 * emulator, gcloud's launcher and the JVM that serves. Undefined where /proc is not available.
 */
export function processGroupPeakRssMiB(group: number): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  let kib = 0;
  let found = false;
  for (const pid of entries) {
    try {
      // Fields after the command name (which may hold spaces) start at state; pgrp is the third.
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== group) continue;
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      const hwm = /^VmHWM:\s+(\d+) kB/m.exec(status);
      if (hwm?.[1]) {
        kib += Number(hwm[1]);
        found = true;
      }
    } catch {
      // the process ended while we looked
    }
  }
  return found ? round1(kib / 1024) : undefined;
}
