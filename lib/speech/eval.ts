import type { DiarizationSegment } from "./types";

/**
 * Accuracy measures used by the speech tests and `bench/speech.ts`.
 */

export function normalizeTranscriptWords(words: string[]): string[] {
  return words
    .flatMap((w) => w.toLowerCase().replace(/[^a-z0-9' ]+/g, " ").split(/\s+/))
    .filter(Boolean);
}

/** Word error rate: (substitutions + deletions + insertions) / reference words. */
export function wordErrorRate(reference: string[], hypothesis: string[]): number {
  const r = normalizeTranscriptWords(reference);
  const h = normalizeTranscriptWords(hypothesis);
  if (r.length === 0) return h.length === 0 ? 0 : 1;
  let prev = Array.from({ length: h.length + 1 }, (_, j) => j);
  for (let i = 1; i <= r.length; i++) {
    const cur = [i];
    for (let j = 1; j <= h.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (r[i - 1] === h[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[h.length]! / r.length;
}

export interface ReferenceTurn {
  speaker: string;
  start: number;
  end: number;
}

export interface DiarizationScore {
  /** Share of reference turns whose dominant hypothesis speaker is the right one (after the best mapping). */
  segmentAccuracy: number;
  /** Share of reference speech time labelled with the right speaker. */
  timeAccuracy: number;
  /** hypothesis speaker → reference speaker. */
  mapping: Record<string, string>;
  hypothesisSpeakers: number;
  referenceSpeakers: number;
}

function overlap(a: { start: number; end: number }, b: { start: number; end: number }): number {
  return Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));
}

/**
 * Segment-level speaker accuracy. Hypothesis speakers are mapped one-to-one onto reference speakers so
 * that the overlapping time is largest (exhaustive: at most a handful of speakers); unmapped hypothesis
 * speakers count as wrong.
 */
export function scoreDiarization(reference: ReferenceTurn[], hypothesis: DiarizationSegment[]): DiarizationScore {
  const refSpeakers = [...new Set(reference.map((t) => t.speaker))];
  const hypSpeakers = [...new Set(hypothesis.map((s) => s.speaker))];
  const time = new Map<string, number>();
  for (const t of reference) {
    for (const s of hypothesis) {
      const o = overlap(t, s);
      if (o > 0) time.set(`${s.speaker}\u0000${t.speaker}`, (time.get(`${s.speaker}\u0000${t.speaker}`) ?? 0) + o);
    }
  }
  let bestMapping: Record<string, string> = {};
  let bestTotal = -1;
  const assign = (i: number, used: Set<string>, mapping: Record<string, string>, total: number) => {
    if (i === hypSpeakers.length) {
      if (total > bestTotal) {
        bestTotal = total;
        bestMapping = { ...mapping };
      }
      return;
    }
    const h = hypSpeakers[i]!;
    assign(i + 1, used, mapping, total); // unmapped
    for (const r of refSpeakers) {
      if (used.has(r)) continue;
      used.add(r);
      mapping[h] = r;
      assign(i + 1, used, mapping, total + (time.get(`${h}\u0000${r}`) ?? 0));
      delete mapping[h];
      used.delete(r);
    }
  };
  assign(0, new Set(), {}, 0);

  let correctTurns = 0;
  let correctTime = 0;
  let totalTime = 0;
  for (const t of reference) {
    totalTime += t.end - t.start;
    const bySpeaker = new Map<string, number>();
    for (const s of hypothesis) {
      const o = overlap(t, s);
      if (o > 0) bySpeaker.set(s.speaker, (bySpeaker.get(s.speaker) ?? 0) + o);
    }
    let dominant: string | undefined;
    let most = 0;
    for (const [speaker, o] of bySpeaker) {
      if (o > most) {
        most = o;
        dominant = speaker;
      }
      if (bestMapping[speaker] === t.speaker) correctTime += o;
    }
    if (dominant !== undefined && bestMapping[dominant] === t.speaker) correctTurns++;
  }
  return {
    segmentAccuracy: reference.length ? correctTurns / reference.length : 1,
    timeAccuracy: totalTime > 0 ? Math.min(1, correctTime / totalTime) : 1,
    mapping: bestMapping,
    hypothesisSpeakers: hypSpeakers.length,
    referenceSpeakers: refSpeakers.length,
  };
}

/**
 * Diarization error rate, NIST-style, on a 10 ms grid: (missed + false-alarm + confused speaker time) /
 * reference speaker time, with hypothesis speakers mapped one-to-one onto reference speakers for the largest
 * overlap. Time within `collar` seconds of a reference turn boundary is not scored. Overlapped reference
 * speech counts each speaker.
 */
export function diarizationErrorRate(reference: ReferenceTurn[], hypothesis: DiarizationSegment[], collar = 0.25): {
  der: number;
  missed: number;
  falseAlarm: number;
  confusion: number;
} {
  const step = 0.01;
  const end = Math.max(0, ...reference.map((t) => t.end), ...hypothesis.map((s) => s.end));
  const frames = Math.ceil(end / step) + 1;
  const scored = new Uint8Array(frames).fill(1);
  for (const t of reference) {
    for (const edge of [t.start, t.end]) {
      for (let f = Math.max(0, Math.floor((edge - collar) / step)); f < Math.min(frames, Math.ceil((edge + collar) / step)); f++) scored[f] = 0;
    }
  }
  const { mapping } = scoreDiarization(reference, hypothesis);
  // Index turns by frame for speed.
  const refAt: Set<string>[] = Array.from({ length: frames }, () => new Set());
  const hypAt: Set<string>[] = Array.from({ length: frames }, () => new Set());
  for (const [turns, at] of [[reference, refAt], [hypothesis, hypAt]] as const) {
    for (const turn of turns) {
      for (let f = Math.max(0, Math.floor(turn.start / step)); f < Math.min(frames, Math.ceil(turn.end / step)); f++) {
        at[f]!.add(turn.speaker);
      }
    }
  }
  let total = 0, missed = 0, falseAlarm = 0, confusion = 0;
  for (let f = 0; f < frames; f++) {
    if (!scored[f]) continue;
    const r = refAt[f]!;
    const h = [...hypAt[f]!];
    total += r.size;
    missed += Math.max(0, r.size - h.length);
    falseAlarm += Math.max(0, h.length - r.size);
    const correct = h.filter((s) => mapping[s] !== undefined && r.has(mapping[s]!)).length;
    confusion += Math.min(r.size, h.length) - Math.min(correct, r.size, h.length);
  }
  const norm = Math.max(1, total);
  return { der: (missed + falseAlarm + confusion) / norm, missed: missed / norm, falseAlarm: falseAlarm / norm, confusion: confusion / norm };
}

/** Equal error rate of target and non-target scores, and the score at which it is reached. */
export function equalErrorRate(targets: number[], nonTargets: number[]): { eer: number; threshold: number } {
  const all = [...targets.map((s) => ({ s, target: true })), ...nonTargets.map((s) => ({ s, target: false }))].sort((a, b) => a.s - b.s);
  let falseRejects = 0;
  let falseAccepts = nonTargets.length;
  let best = { eer: 1, threshold: 0 };
  for (const { s, target } of all) {
    // Threshold just above s: everything ≤ s is rejected.
    if (target) falseRejects++;
    else falseAccepts--;
    const frr = falseRejects / Math.max(1, targets.length);
    const far = falseAccepts / Math.max(1, nonTargets.length);
    const eer = Math.max(frr, far);
    if (eer < best.eer) best = { eer, threshold: s };
  }
  return best;
}
