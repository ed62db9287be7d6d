import type { CallStatus, ProcessingEventStatus, ProcessingStage } from "@/db/schema";

export interface TimelineEvent {
  id: string;
  stage: ProcessingStage;
  status: ProcessingEventStatus;
  provider: string | null;
  durationMs: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: string;
}

/** The stages the pipeline runs for a call, in order. */
export const CALL_STAGES: { stage: ProcessingStage; label: string }[] = [
  { stage: "UPLOAD", label: "Upload" },
  { stage: "AUDIO_PREP", label: "Audio check" },
  { stage: "DIARIZATION", label: "Who spoke when" },
  { stage: "TRANSCRIPTION", label: "Transcription" },
  { stage: "NORMALIZATION", label: "Speakers and transcript" },
  { stage: "ANALYSIS", label: "Summary and action items" },
  { stage: "CLEANUP", label: "Clean-up" },
];

export type StageState = "waiting" | "running" | "done" | "skipped" | "failed" | "retrying";

export interface StageRow {
  stage: ProcessingStage;
  label: string;
  state: StageState;
  provider: string | null;
  durationMs: number | null;
  attempts: number;
  error: string | null;
}

const ERROR_WORDS: Record<string, string> = {
  AUDIO_UNDECODABLE: "The recording could not be decoded. It may be damaged; try uploading it again.",
  AUDIO_MISSING: "The recording is no longer stored, so this stage could not run.",
  ENGINE_UNAVAILABLE: "The speech engine is not installed on this server (see the README's setup) and no cloud provider is configured.",
  PROVIDER_TIMEOUT: "The provider took too long to answer.",
  PROVIDER_RATE_LIMITED: "The provider is limiting requests; Scryon retries with a pause.",
  PROVIDER_UNAVAILABLE: "The provider could not be reached.",
  PROVIDER_REJECTED: "The provider refused the request.",
  INVALID_CONFIG: "This stage is not configured correctly on the server.",
  STALLED: "Processing stopped making progress and was stopped.",
  INTERRUPTED: "The server stopped during this attempt; it was tried again.",
  INTERNAL: "An unexpected error stopped this stage.",
};

/** An error code in plain words, with the sanitized detail when there is one. */
export function describeStageError(code: string | null, message: string | null): string {
  const words = (code && ERROR_WORDS[code]) ?? "This stage failed.";
  return message && message !== words ? `${words} (${message})` : words;
}

/** Folds the event log into one row per stage: its latest state, attempts, duration and error. */
export function buildTimeline(events: TimelineEvent[], callStatus: CallStatus): StageRow[] {
  return CALL_STAGES.map(({ stage, label }) => {
    const own = events.filter((event) => event.stage === stage);
    const attempts = own.filter((event) => event.status === "STARTED").length;
    const last = own.at(-1);
    const lastFailure = [...own].reverse().find((event) => event.status === "FAILED");
    let state: StageState = "waiting";
    if (last?.status === "COMPLETED") state = "done";
    else if (last?.status === "SKIPPED") state = "skipped";
    else if (last?.status === "FAILED") state = callStatus === "FAILED" ? "failed" : "retrying";
    else if (last?.status === "STARTED") state = callStatus === "FAILED" ? "failed" : attempts > 1 ? "retrying" : "running";
    const finished = [...own].reverse().find((event) => event.durationMs !== null);
    return {
      stage,
      label,
      state,
      provider: last?.provider ?? null,
      durationMs: finished?.durationMs ?? null,
      attempts,
      error: lastFailure && state !== "done" && state !== "skipped" ? describeStageError(lastFailure.errorCode, lastFailure.errorMessage) : null,
    };
  });
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return "";
  if (ms < 1000) return `${ms} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}
