/**
 * The sample limits the browser checks before sending (the server checks them again).
 * PLACEHOLDERS until `lib/voice-profile/limits.ts` (backend) exists; then this file re-exports it.
 */
export const MIN_SPEECH_SECONDS = 8;
export const MAX_RECORDING_SECONDS = 60;
export const MAX_SAMPLE_BYTES = 10 * 1024 * 1024;
