import type { Inngest } from "inngest";
import { abandonEnrollment, runEnrollmentAttempt, type EnrollmentDeps } from "@/lib/voice-profile/enroll";
import { VOICE_ENROLLMENT_REQUESTED, voiceEnrollmentRequestedData } from "../events";

/**
 * VOICE_ENROLLMENT: one stored voice sample through the checks and the voiceprint provider into the user's
 * profile. One step (the sample is decoded in a scratch dir that a step on another worker would not see);
 * transient failures are retried, and when the retries are spent `onFailure` deletes the sample.
 */
export function createEnrollVoiceFunction(client: Inngest.Any, getDeps: () => Promise<EnrollmentDeps>) {
  return client.createFunction(
    {
      id: "enroll-voice",
      retries: 2,
      concurrency: { limit: 1 },
      triggers: [{ event: VOICE_ENROLLMENT_REQUESTED }],
      onFailure: async ({ event }) => {
        const request = voiceEnrollmentRequestedData.parse((event.data as { event: { data: unknown } }).event.data);
        await abandonEnrollment(await getDeps(), request);
      },
    },
    async ({ event, step }) => {
      const request = voiceEnrollmentRequestedData.parse(event.data);
      const deps = await getDeps();
      return step.run("enroll", () => runEnrollmentAttempt(deps, request));
    },
  );
}
