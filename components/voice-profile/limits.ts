/** The sample limits the browser checks before sending: the server's own (lib/voice-profile/limits.ts, browser-safe). */
export { MAX_CLIPPED_SHARE, MAX_RECORDING_SECONDS, MAX_SAMPLE_BYTES, MIN_SAMPLE_RMS, MIN_SPEECH_SECONDS } from "@/lib/voice-profile/limits";
