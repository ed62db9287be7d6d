import type { AnalysisCallContext } from "@/lib/analysis/types";
import type { NormalizedTranscript } from "@/lib/transcript/normalize";

type Segment = NormalizedTranscript["segments"][number];
type Speaker = NormalizedTranscript["speakers"][number];

/** Wednesday 2026-03-04, 15:00 UTC. */
export const RECORDED_AT = new Date("2026-03-04T15:00:00Z");

export function speaker(id: string, displayName: string | null = null, role: Speaker["role"] = "UNKNOWN"): Speaker {
  return { id, label: `Speaker ${id}`, role, displayName, confidence: displayName ? 0.9 : null };
}

/** A transcript from `[speakerId, text]` lines: one segment per line, words half a second apart. */
export function transcript(lines: [string, string][], speakers?: Speaker[]): NormalizedTranscript {
  let clock = 0;
  const segments: Segment[] = lines.map(([speakerId, text], index) => {
    const words = text
      .split(/\s+/)
      .filter((word) => word !== "")
      .map((word) => {
        const start = clock;
        clock += 0.5;
        return { text: word, start, end: clock, confidence: 0.9 };
      });
    clock += 1.5;
    return {
      id: `s${String(index + 1).padStart(4, "0")}`,
      speakerId,
      start: words[0]?.start ?? clock,
      end: words.at(-1)?.end ?? clock,
      text,
      words,
    };
  });
  const ids = speakers ?? [...new Set(lines.map(([id]) => id))].map((id) => speaker(id));
  return { version: 1, language: "en", durationSeconds: clock, quality: "standard", speakers: ids, segments };
}

export function call(overrides: Partial<AnalysisCallContext> = {}): AnalysisCallContext {
  return {
    title: "Test call",
    recordedAt: RECORDED_AT,
    timeZone: "UTC",
    contactName: null,
    organization: null,
    direction: "OUTGOING",
    ...overrides,
  };
}
