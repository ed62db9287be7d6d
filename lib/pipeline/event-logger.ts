import "server-only";
import type { DbOrTx } from "@/db";
import { insertProcessingEvent } from "@/db/queries/events";
import type { ProcessingStage } from "@/db/schema";
import { classifyError, sanitizeErrorMessage, type StageError } from "./errors";

export interface StageContext {
  callId: string | null;
  userId: string | null;
  stage: ProcessingStage;
  provider?: string | null;
}

/**
 * Writes one call_processing_events row per stage attempt transition: STARTED, then COMPLETED (with
 * duration), FAILED (short code, sanitized message) or SKIPPED. `run` wraps a stage attempt.
 */
export class ProcessingEventLogger {
  constructor(
    private readonly db: DbOrTx,
    private readonly now: () => number = () => performance.now(),
  ) {}

  private write(context: StageContext, fields: { status: "STARTED" | "COMPLETED" | "FAILED" | "SKIPPED"; durationMs?: number; error?: StageError }) {
    return insertProcessingEvent(this.db, {
      callId: context.callId,
      userId: context.userId,
      stage: context.stage,
      provider: context.provider ?? null,
      status: fields.status,
      durationMs: fields.durationMs ?? null,
      errorCode: fields.error?.code ?? null,
      errorMessage: fields.error ? sanitizeErrorMessage(fields.error.message) : null,
    });
  }

  skipped(context: StageContext) {
    return this.write(context, { status: "SKIPPED" });
  }

  /** Runs one attempt of a stage; logs its outcome and rethrows a classified StageError on failure. */
  async run<T>(context: StageContext, attempt: () => Promise<T>): Promise<T> {
    await this.write(context, { status: "STARTED" });
    const started = this.now();
    try {
      const result = await attempt();
      await this.write(context, { status: "COMPLETED", durationMs: Math.round(this.now() - started) });
      return result;
    } catch (error) {
      const stageError = classifyError(error);
      await this.write(context, { status: "FAILED", durationMs: Math.round(this.now() - started), error: stageError });
      throw stageError;
    }
  }
}
