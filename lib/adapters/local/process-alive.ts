/**
 * Whether a process with this pid exists: how the offline stand-ins tell a crashed owner of a lease,
 * an invocation or a job from one that is still working on it.
 */
export function processAlive(pid: number): boolean {
  try {
    // Signal 0 checks existence without delivering anything.
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
