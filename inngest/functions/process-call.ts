import { NonRetriableError, type Inngest } from "inngest";
import { getCall } from "@/db/queries/calls";
import { listCallEvents } from "@/db/queries/events";
import { classifyError } from "@/lib/pipeline/errors";
import {
  beginProcessing,
  failProcessing,
  finishProcessing,
  runAnalysis,
  runAudioPrep,
  runCleanup,
  runDiarization,
  runNormalization,
  runTranscription,
  type CallRef,
  type PipelineDeps,
} from "@/lib/pipeline/stages";
import type { WebhookEmitter } from "@/lib/webhooks/emit";
import { inngestWebhookEmitter, notifyCallCompleted, notifyCallFailed } from "@/lib/webhooks/notify";
import { CALL_QUEUED, callQueuedData } from "../events";

/**
 * Permanent stage errors end the run at once; transient ones are retried by Inngest with backoff. A call
 * deleted while it was processed ends its run too: there is nothing left to work on.
 */
async function stage<T>(deps: PipelineDeps, ref: CallRef, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(await getCall(deps.db, ref))) throw new NonRetriableError("CALL_DELETED: the call was deleted while it was processed");
    const classified = classifyError(error);
    if (!classified.transient) throw new NonRetriableError(`${classified.code}: ${classified.message}`);
    throw classified;
  }
}

/** The reason a failed call shows: the code of the last stage attempt that failed. */
async function lastFailureCode(deps: PipelineDeps, ref: CallRef): Promise<string> {
  const events = await listCallEvents(deps.db, ref);
  return [...events].reverse().find((event) => event.status === "FAILED")?.errorCode ?? "INTERNAL";
}

/**
 * One call through the stages. Diarization and transcription run in parallel; every stage skips itself
 * when its artifact exists, so a retried call resumes at the stage that failed. Webhooks (call.completed,
 * call.failed) are queued after the final status is committed, by a step that never throws.
 */
export function createProcessCallFunction(client: Inngest.Any, getDeps: () => Promise<PipelineDeps>, webhooks: WebhookEmitter = inngestWebhookEmitter(client)) {
  return client.createFunction(
    {
      id: "process-call",
      retries: 3,
      concurrency: { limit: 2 },
      triggers: [{ event: CALL_QUEUED }],
      onFailure: async ({ event }) => {
        const original = (event.data as { event: { id?: string; data: unknown } }).event;
        const ref = callQueuedData.parse(original.data);
        const deps = await getDeps();
        await failProcessing(deps.db, ref, await lastFailureCode(deps, ref));
        await notifyCallFailed({ db: deps.db, webhooks }, ref, original.id ?? ref.callId);
      },
    },
    async ({ event, step }) => {
      const ref = callQueuedData.parse(event.data);
      const deps = await getDeps();
      await step.run("begin", () => stage(deps, ref, async () => void (await beginProcessing(deps.db, ref))));
      const audio = await step.run("audio-prep", () => stage(deps, ref, () => runAudioPrep(deps, ref)));
      await Promise.all([
        step.run("diarization", () => stage(deps, ref, () => runDiarization(deps, ref))),
        step.run("transcription", () => stage(deps, ref, () => runTranscription(deps, ref))),
      ]);
      await step.run("normalization", () => stage(deps, ref, () => runNormalization(deps, ref)));
      await step.run("analysis", () => stage(deps, ref, () => runAnalysis(deps, ref)));
      await step.run("cleanup", () => stage(deps, ref, () => runCleanup(deps, ref)));
      await step.run("complete", () => stage(deps, ref, async () => void (await finishProcessing(deps.db, ref))));
      await step.run("webhooks", () => notifyCallCompleted({ ...deps, webhooks }, ref, event.id ?? ref.callId));
      return { callId: ref.callId, durationSeconds: audio.durationSeconds };
    },
  );
}
