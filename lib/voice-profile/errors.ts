import { MAX_RECORDING_SECONDS, MIN_SPEECH_SECONDS } from "./limits";

/**
 * Why an enrollment attempt refused a sample or stopped. The code is short and stable (the browser picks its
 * advice by it); the message is what the user reads.
 */
export type EnrollmentErrorCode =
  | "UNREADABLE"
  | "TOO_LONG"
  | "SILENT"
  | "TOO_SHORT"
  | "CLIPPED"
  | "MULTIPLE_VOICES"
  | "CONSENT_WITHDRAWN"
  | "SAMPLE_MISSING"
  | "ENROLL_FAILED"
  | "STALLED";

/** A permanent enrollment failure: the run ends at once, nothing is stored, the sample is deleted. */
export class EnrollmentError extends Error {
  constructor(
    public readonly code: EnrollmentErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "EnrollmentError";
  }
}

export const enrollmentErrors = {
  unreadable: () => new EnrollmentError("UNREADABLE", "We could not read this recording as audio. Record again in the browser, or choose another audio file."),
  tooLong: (seconds: number) =>
    new EnrollmentError("TOO_LONG", `The recording is ${Math.round(seconds)} seconds long; a voice sample may be at most ${MAX_RECORDING_SECONDS} seconds.`),
  silent: () => new EnrollmentError("SILENT", "We heard no speech in this recording. Check that the right microphone is selected and not muted, then record again."),
  tooShort: (speechSeconds: number) =>
    new EnrollmentError(
      "TOO_SHORT",
      `We heard about ${Math.floor(speechSeconds)} seconds of speech; a good voiceprint needs at least ${MIN_SPEECH_SECONDS}. Record again and read the whole script.`,
    ),
  clipped: () =>
    new EnrollmentError("CLIPPED", "The recording is so loud that it distorts. Move a little away from the microphone, or lower its input volume, and record again."),
  multipleVoices: () =>
    new EnrollmentError("MULTIPLE_VOICES", "We heard more than one voice in this recording. Record again somewhere only you are speaking."),
  consentWithdrawn: () =>
    new EnrollmentError("CONSENT_WITHDRAWN", "Your consent was withdrawn or the consent text changed while the sample was enrolled, so nothing was stored."),
  sampleMissing: () => new EnrollmentError("SAMPLE_MISSING", "The voice sample is no longer stored (the profile may have been deleted meanwhile). Record again."),
  stalled: () => new EnrollmentError("STALLED", "Enrolling the voice sample stopped without finishing; the sample was deleted. Record again."),
};
