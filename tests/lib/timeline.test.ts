import { describe, expect, it } from "vitest";
import { buildTimeline, describeStageError, formatDuration, type TimelineEvent } from "@/components/calls/timeline-model";

let n = 0;
const event = (stage: TimelineEvent["stage"], status: TimelineEvent["status"], extra: Partial<TimelineEvent> = {}): TimelineEvent => ({
  id: String(++n),
  stage,
  status,
  provider: "local",
  durationMs: null,
  errorCode: null,
  errorMessage: null,
  createdAt: new Date(2026, 0, 1, 0, 0, n).toISOString(),
  ...extra,
});

describe("buildTimeline", () => {
  it("folds attempts into one row per stage, in pipeline order", () => {
    const rows = buildTimeline(
      [
        event("UPLOAD", "STARTED"),
        event("UPLOAD", "COMPLETED", { durationMs: 1200 }),
        event("TRANSCRIPTION", "STARTED"),
        event("TRANSCRIPTION", "FAILED", { errorCode: "PROVIDER_UNAVAILABLE", errorMessage: "Deepgram is unavailable (HTTP 503).", durationMs: 40 }),
        event("TRANSCRIPTION", "STARTED"),
        event("DIARIZATION", "SKIPPED"),
      ],
      "PROCESSING",
    );
    expect(rows.map((row) => [row.stage, row.state, row.attempts])).toEqual([
      ["UPLOAD", "done", 1],
      ["AUDIO_PREP", "waiting", 0],
      ["DIARIZATION", "skipped", 0],
      ["TRANSCRIPTION", "retrying", 2],
      ["NORMALIZATION", "waiting", 0],
      ["ANALYSIS", "waiting", 0],
      ["CLEANUP", "waiting", 0],
    ]);
    expect(rows[0]?.durationMs).toBe(1200);
    expect(rows[3]?.error).toContain("could not be reached");
  });

  it("shows a failed call's last failure as failed, in plain words", () => {
    const rows = buildTimeline([event("AUDIO_PREP", "STARTED"), event("AUDIO_PREP", "FAILED", { errorCode: "AUDIO_UNDECODABLE", errorMessage: null })], "FAILED");
    expect(rows[1]).toMatchObject({ state: "failed", error: describeStageError("AUDIO_UNDECODABLE", null) });
    expect(rows[1]?.error).toContain("could not be decoded");
  });

  it("drops the error once a retry succeeded", () => {
    const rows = buildTimeline(
      [event("NORMALIZATION", "STARTED"), event("NORMALIZATION", "FAILED", { errorCode: "INTERNAL" }), event("NORMALIZATION", "STARTED"), event("NORMALIZATION", "COMPLETED")],
      "COMPLETED",
    );
    expect(rows[4]).toMatchObject({ state: "done", attempts: 2, error: null });
  });

  it("formats durations for people", () => {
    expect(formatDuration(null)).toBe("");
    expect(formatDuration(87)).toBe("87 ms");
    expect(formatDuration(4200)).toBe("4.2 s");
    expect(formatDuration(125_000)).toBe("2 min 5 s");
  });
});
