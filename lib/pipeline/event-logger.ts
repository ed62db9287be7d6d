import "server-only";
import type { DbOrTx } from "@/db";
import { insertProcessingEvent, latestStageEvent } from "@/db/queries/events";
import type { ProcessingStage } from "@/db/schema";
import { classifyError, sanitizeErrorMessage, StageError } from "./errors";
import { faultHold } from "./fault-hooks";

const interrupted = () => new StageError("INTERRUPTED", "The server stopped during this attempt.", true);

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

  /**
   * A stage attempt only begins once the previous one has ended, so a STARTED with nothing after it is an
   * attempt the server never finished (a crash, kill -9): it is closed as FAILED (INTERRUPTED) before the
   * retry's own event, and the timeline reads STARTED → FAILED "interrupted" → STARTED → …
   */
  private async closeInterrupted(context: StageContext): Promise<void> {
    if (!context.callId) return;
    const last = await latestStageEvent(this.db, { callId: context.callId, stage: context.stage });
    if (last?.status !== "STARTED") return;
    await this.write({ ...context, provider: last.provider ?? context.provider ?? null }, { status: "FAILED", error: interrupted() });
  }

  async skipped(context: StageContext) {
    await this.closeInterrupted(context);
    return this.write(context, { status: "SKIPPED" });
  }

  /** Runs one attempt of a stage; logs its outcome and rethrows a classified StageError on failure. */
  async run<T>(context: StageContext, attempt: () => Promise<T>): Promise<T> {
    await faultHold(context.stage, "before", context.callId);
    await this.closeInterrupted(context);
    await this.write(context, { status: "STARTED" });
    await faultHold(context.stage, "during", context.callId);
    const started = this.now();
    try {
      const result = await attempt();
      await this.write(context, { status: "COMPLETED", durationMs: Math.round(this.now() - started) });
      await faultHold(context.stage, "after", context.callId);
      return result;
    } catch (error) {
      const stageError = classifyError(error);
      await this.write(context, { status: "FAILED", durationMs: Math.round(this.now() - started), error: stageError });
      throw stageError;
    }
  }
}
