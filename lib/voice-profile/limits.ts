/**
 * The voice-sample limits, in one place for the server (enrollment checks, upload route) and the browser
 * (recorder timer, file picker). Keep this file free of server-only imports: the browser bundles it.
 */

/** Seconds of speech (not of recording) a sample needs for a usable voiceprint. */
export const MIN_SPEECH_SECONDS = 10;
/** Longest recording the recorder allows and the server accepts (a little slack for container rounding). */
export const MAX_RECORDING_SECONDS = 90;
/** Largest sample upload: 90 s of uncompressed 48 kHz stereo WAV is ~17 MB, so 25 MB fits any honest sample. */
export const MAX_SAMPLE_BYTES = 25 * 1024 * 1024;
/** A sample is clipped when more than this share of its samples sit at full scale. */
export const MAX_CLIPPED_SHARE = 0.002;
/** Below this RMS (full scale = 1; about -50 dBFS) a sample is silence, whatever a VAD says. */
export const MIN_SAMPLE_RMS = 0.003;
/** A second voice with at least this share of the sample's speech makes the sample unusable. */
export const MAX_SECOND_VOICE_SHARE = 0.2;
/** A sample object older than this with no run working on it is an orphan; the sweeper deletes it. */
export const ORPHAN_SAMPLE_AFTER_MS = 60 * 60_000;
