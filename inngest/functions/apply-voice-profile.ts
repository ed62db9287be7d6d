import type { Inngest } from "inngest";
import { classifyError } from "@/lib/pipeline/errors";
import type { PipelineDeps } from "@/lib/pipeline/stages";
import { finishApply, findUserInCall, listApplyCandidates, recordApplyProgress, type CallApplyOutcome } from "@/lib/voice-profile/apply";
import { VOICE_PROFILE_APPLY_REQUESTED, voiceProfileApplyRequestedData } from "../events";

/**
 * "Find me in my earlier calls": one step lists the candidate calls, then one step per call re-resolves its
 * speakers with the user's profile and records the progress the profile page reads while this runs.
 */
export function createApplyVoiceProfileFunction(client: Inngest.Any, getDeps: () => Promise<PipelineDeps>) {
  return client.createFunction(
    {
      id: "apply-voice-profile",
      retries: 2,
      concurrency: { limit: 1 },
      triggers: [{ event: VOICE_PROFILE_APPLY_REQUESTED }],
      onFailure: async ({ event }) => {
        const { userId, applyId } = voiceProfileApplyRequestedData.parse((event.data as { event: { data: unknown } }).event.data);
        await finishApply(await getDeps(), { userId, applyId, state: "FAILED" });
      },
    },
    async ({ event, step }) => {
      const { userId, applyId } = voiceProfileApplyRequestedData.parse(event.data);
      const deps = await getDeps();
      const callIds = await step.run("list-calls", () => listApplyCandidates(deps, { userId }));
      const progress = { total: callIds.length, processed: 0, matched: 0, skippedExpired: 0 };
      const started = await step.run("start", () => recordApplyProgress(deps, { userId, applyId, progress }));
      if (!started) return { cancelled: true, ...progress };

      for (const callId of callIds) {
        const outcome = await step.run(`call-${callId}`, () => resolveOne(deps, { userId, callId }));
        if (outcome === "profile-gone") {
          await step.run("stop", () => finishApply(deps, { userId, applyId, state: "FAILED" }));
          return { cancelled: true, ...progress };
        }
        progress.processed++;
        if (outcome === "matched") progress.matched++;
        if (outcome === "skipped-expired") progress.skippedExpired++;
        const stillWanted = await step.run(`progress-${callId}`, () => recordApplyProgress(deps, { userId, applyId, progress }));
        if (!stillWanted) return { cancelled: true, ...progress };
      }
      await step.run("finish", () => finishApply(deps, { userId, applyId, state: "DONE" }));
      return progress;
    },
  );
}

/** A call that fails for good (a broken transcript, a provider refusing its audio) is counted and the run goes on. */
async function resolveOne(deps: PipelineDeps, ref: { userId: string; callId: string }): Promise<CallApplyOutcome> {
  try {
    return await findUserInCall(deps, ref);
  } catch (error) {
    const classified = classifyError(error);
    if (classified.transient) throw classified;
    console.warn(`call ${ref.callId}: could not look for the user's voice`, classified.code);
    return "unmatched";
  }
}
