/** The emulator launcher lives in lib so that the bench command shares it; tests import it from here. */
export {
  type EmulatorKind,
  GcloudMissingError,
  type RunningEmulator,
  startEmulator,
} from "../../lib/adapters/gcp/emulator.ts";
