import "server-only";
import { DownloadBusyError, UnknownModelError } from "@/lib/speech/models/downloads";
import { PULL_COMMAND } from "./speech";
import { PullError } from "@/lib/speech/models/pull";
import { AppError } from "@/lib/http/errors";

/** Model-download failures as API errors: the message says what to do; `details.reason` is the machine-readable cause. */
export function toAdminError(error: unknown): unknown {
  if (error instanceof UnknownModelError) return new AppError("NOT_FOUND", "Model not found.");
  if (error instanceof DownloadBusyError) return new AppError("CONFLICT", error.message);
  if (error instanceof PullError) {
    const details = { reason: error.code, pullCommand: PULL_COMMAND };
    switch (error.code) {
      case "DISK_FULL":
      case "UNPINNED":
      case "TOOLS":
      case "CANCELLED":
        return new AppError("CONFLICT", error.message, details);
      default:
        // The model host is unreachable or answered with an error: the server cannot do it right now.
        return new AppError("SERVICE_UNAVAILABLE", error.message, details);
    }
  }
  return error;
}
