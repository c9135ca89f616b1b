import { processAlive } from "./process-alive.ts";

/**
 * Who holds leases in a broker file. Each open LocalBroker registers itself as an owner (an id and
 * its process id); when a file is opened, the leases of owners that cannot be alive any more are
 * released. This module only decides liveness; the broker does the releasing.
 */

/** Owner ids of the brokers open in this process: an owner of this pid not listed here is gone. */
const ownersOpenInThisProcess = new Set<string>();

export function registerOpenOwner(id: string): void {
  ownersOpenInThisProcess.add(id);
}

export function unregisterOpenOwner(id: string): void {
  ownersOpenInThisProcess.delete(id);
}

/**
 * True when the owner's leases can no longer be honoured: its process has exited (crashed or was
 * killed), or it was an earlier broker of this very process that is no longer open.
 */
export function ownerIsGone(owner: { id: string; pid: number }): boolean {
  if (owner.pid === process.pid) return !ownersOpenInThisProcess.has(owner.id);
  return !processAlive(owner.pid);
}
