import type { InstalledModel } from "../models/discover";
import { verifyInstalledModel } from "../models/discover";
import type { PreparedAudio, TranscribedWord, TranscriptionOptions, TranscriptionProvider, TranscriptionResult } from "../types";
import { resolveLocalConfig, verifySherpaRuntime, type LocalEngineOptions, type ResolvedLocalConfig } from "./config";
import { childWav, runSherpaTask, type AsrPieceResult, type ChildWav } from "./sherpa-child";
import { speechRegions, transcriptionSources, type SpeechRegion } from "./vad";

/**
 * Transcription with an installed sherpa-onnx Whisper or Moonshine model (docs/models.md), in a child process.
 *
 * The speech regions shared with diarization (silero VAD, `vad.ts`) are grouped into pieces of at most
 * `maxPieceSeconds` (Whisper's encoder sees 30 s windows; longer input is not decoded) cut in pauses; a
 * region longer than that is cut into equal parts. One child loads the model once and decodes every piece.
 * Per-side stereo recordings are transcribed channel by channel, and every word carries the channel's speaker,
 * as with pocketsphinx.
 *
 * Word times: these exports report no token times (Whisper needs a re-export with attention outputs, Moonshine
 * has none), so each piece's words are spread over the piece's speech — the VAD regions inside it, pauses
 * excluded — in proportion to their length in characters. Words land in the right speech region most of the
 * time but are placed only to a fraction of a second. When a model does report token times (`timestamps`
 * as long as `tokens`) they are used instead. Confidence: exp(mean token log-probability) when reported, else 1.
 */

export const SHERPA_ASR_SETTINGS = {
  /** Longest piece sent to the recogniser (Whisper's window is 30 s; the rest is headroom for padding). */
  maxPieceSeconds: 25,
  /** Pauses longer than this end a piece. */
  maxPauseSeconds: 1.5,
  /** Audio kept around each piece's speech (never past the middle of the pause to the next piece). */
  padSeconds: 0.2,
  /** Child process time limit: this many seconds per second of audio, at least `minTimeoutSeconds`. */
  timeoutPerAudioSecond: 4,
  minTimeoutSeconds: 180,
};

export interface AsrPiece {
  start: number;
  end: number;
  /** The speech inside the piece (clipped to it). */
  regions: SpeechRegion[];
}

export class SherpaTranscriptionProvider implements TranscriptionProvider {
  readonly name: string;
  readonly model: InstalledModel;
  private readonly config: ResolvedLocalConfig;

  constructor(options: LocalEngineOptions, model: InstalledModel) {
    if (model.spec.role !== "asr") throw new Error(`${model.spec.id} is not an ASR model`);
    this.config = resolveLocalConfig(options);
    this.model = model;
    this.name = `local:${model.spec.id}`;
  }

  async transcribe(audio: PreparedAudio, options: TranscriptionOptions = {}): Promise<TranscriptionResult> {
    await verifySherpaRuntime(this.config);
    await verifyInstalledModel(this.model);
    const regions = await speechRegions(audio, this.config, { signal: options.signal });
    const sources = transcriptionSources(audio, regions);

    const jobs: { piece: AsrPiece; wav: ChildWav; speaker?: string }[] = [];
    for (const source of sources) {
      const wav = await childWav(source.wav);
      for (const piece of planPieces(source.regions, wav.frames / 16000)) jobs.push({ piece, wav, ...(source.speaker ? { speaker: source.speaker } : {}) });
    }
    if (jobs.length === 0) return { language: "en", words: [], quality: this.model.spec.quality ?? "draft" };

    const s = SHERPA_ASR_SETTINGS;
    const { results } = await runSherpaTask(
      this.config,
      {
        task: "asr",
        engine: this.model.spec.engine === "moonshine" ? "moonshine" : "whisper",
        // English-only Whisper exports take no language; the multilingual ones would take "en".
        language: this.model.spec.id.endsWith(".en") ? "" : "en",
        files: this.model.paths,
        numThreads: this.config.parallelism,
        pieces: jobs.map((j) => ({ wav: j.wav, start: Math.round(j.piece.start * 16000), count: Math.round((j.piece.end - j.piece.start) * 16000) })),
      },
      {
        workDir: audio.workDir,
        what: `speech recognition (${this.model.spec.id})`,
        timeoutMs: Math.max(s.minTimeoutSeconds, audio.durationSeconds * s.timeoutPerAudioSecond * sources.length) * 1000,
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
    const words: TranscribedWord[] = [];
    jobs.forEach((job, i) => {
      const result = results[i];
      if (!result) return;
      for (const w of wordsFromResult(result, job.piece)) words.push(job.speaker ? { ...w, speaker: job.speaker } : w);
    });
    words.sort((a, b) => a.start - b.start || a.end - b.end);
    return { language: "en", words, quality: this.model.spec.quality ?? "draft" };
  }
}


/**
 * Speech regions → pieces for the recogniser: consecutive regions are grouped while the gap is at most
 * `maxPauseSeconds` and the piece stays within `maxPieceSeconds`; a longer region is cut into equal parts.
 * Pieces are padded by `padSeconds`, never past the middle of the pause to a neighbour, nor outside the audio.
 */
export function planPieces(regions: SpeechRegion[], duration: number, settings: Partial<typeof SHERPA_ASR_SETTINGS> = {}): AsrPiece[] {
  const s = { ...SHERPA_ASR_SETTINGS, ...settings };
  const parts: SpeechRegion[] = [];
  for (const r of [...regions].sort((a, b) => a.start - b.start)) {
    const length = r.end - r.start;
    if (length <= 0) continue;
    const n = Math.ceil(length / s.maxPieceSeconds);
    for (let k = 0; k < n; k++) parts.push({ start: r.start + (k * length) / n, end: r.start + ((k + 1) * length) / n });
  }
  const groups: SpeechRegion[][] = [];
  for (const r of parts) {
    const current = groups.at(-1);
    if (current && r.start - current.at(-1)!.end <= s.maxPauseSeconds && r.end - current[0]!.start <= s.maxPieceSeconds) current.push(r);
    else groups.push([r]);
  }
  return groups.map((g, i) => {
    const first = g[0]!.start;
    const last = g.at(-1)!.end;
    const prevEnd = i > 0 ? groups[i - 1]!.at(-1)!.end : 0;
    const nextStart = i < groups.length - 1 ? groups[i + 1]![0]!.start : duration;
    const start = Math.max(0, first - s.padSeconds, i > 0 ? (prevEnd + first) / 2 : 0);
    const end = Math.min(duration, last + s.padSeconds, i < groups.length - 1 ? (last + nextStart) / 2 : duration);
    return { start, end, regions: g.map((r) => ({ start: Math.max(start, r.start), end: Math.min(end, r.end) })) };
  });
}

/** Bracketed or parenthesised non-speech tags Whisper emits (`[BLANK_AUDIO]`, `(music)`). */
const NON_SPEECH = /^[[(].*[\])]$/;

/** Words of one decoded piece with times in the recording. */
export function wordsFromResult(result: AsrPieceResult, piece: AsrPiece): TranscribedWord[] {
  const timed = wordsFromTokens(result, piece);
  const words = timed ?? alignWords(splitWords(result.text), piece.regions.length ? piece.regions : [{ start: piece.start, end: piece.end }]);
  return words.filter((w) => !NON_SPEECH.test(w.text));
}

function splitWords(text: string): string[] {
  // Whisper writes tags such as "[BLANK_AUDIO]" with inner spaces at times: drop them before splitting.
  return text
    .replace(/\[[^\]]*\]|\([^)]*\)/g, " ")
    .split(/\s+/)
    .filter(Boolean);
}

/**
 * Spreads words over the speech regions in proportion to their length (characters + 1 for the gap after
 * each word), as if the speaking rate were even across the piece's speech.
 */
export function alignWords(words: string[], regions: SpeechRegion[]): TranscribedWord[] {
  const spans = regions.filter((r) => r.end > r.start);
  if (words.length === 0 || spans.length === 0) return [];
  const total = spans.reduce((a, r) => a + (r.end - r.start), 0);
  const weights = words.map((w) => w.replace(/[^\p{L}\p{N}]/gu, "").length + 1);
  const sum = weights.reduce((a, b) => a + b, 0);
  // speech time → recording time
  const at = (t: number, preferNext: boolean): { time: number; region: number } => {
    let acc = 0;
    for (let i = 0; i < spans.length; i++) {
      const length = spans[i]!.end - spans[i]!.start;
      if (t < acc + length || (t === acc + length && !preferNext) || i === spans.length - 1) {
        return { time: spans[i]!.start + Math.min(length, Math.max(0, t - acc)), region: i };
      }
      acc += length;
    }
    return { time: spans.at(-1)!.end, region: spans.length - 1 };
  };
  const out: TranscribedWord[] = [];
  let cum = 0;
  words.forEach((text, i) => {
    const from = (cum / sum) * total;
    cum += weights[i]!;
    // The word itself: its characters, not the gap after it.
    const to = ((cum - 1 + (weights[i] === 1 ? 0.5 : 0)) / sum) * total;
    const a = at(from, true);
    const b = at(Math.max(from, to), false);
    // A word does not straddle a pause: it ends in the region it starts in.
    const end = b.region === a.region ? b.time : spans[a.region]!.end;
    out.push({ text, start: round(a.time), end: round(Math.max(a.time, end)), confidence: 1 });
  });
  return out;
}

/** Words from token times when the model reports them (one time per token, tokens starting a word with a space or "▁"). */
function wordsFromTokens(result: AsrPieceResult, piece: AsrPiece): TranscribedWord[] | null {
  const { tokens, timestamps, logProbs } = result;
  if (tokens.length === 0 || timestamps.length !== tokens.length) return null;
  const groups: { text: string; start: number; logProbs: number[] }[] = [];
  tokens.forEach((token, i) => {
    const startsWord = /^[\s▁]/.test(token) || groups.length === 0;
    const clean = token.replace(/^[\s▁]+/, "");
    const lp = logProbs.length === tokens.length ? [logProbs[i]!] : [];
    if (startsWord || !groups.length) groups.push({ text: clean, start: timestamps[i]!, logProbs: lp });
    else {
      const g = groups.at(-1)!;
      g.text += clean;
      g.logProbs.push(...lp);
    }
  });
  const words = groups.filter((g) => g.text.trim() !== "");
  return words.map((g, i) => {
    const start = Math.min(piece.end, piece.start + g.start);
    const next = words[i + 1];
    const end = Math.min(piece.end, next ? piece.start + next.start : piece.end);
    const confidence = g.logProbs.length ? Math.exp(g.logProbs.reduce((a, b) => a + b, 0) / g.logProbs.length) : 1;
    return { text: g.text, start: round(start), end: round(Math.max(start, end)), confidence: round(Math.max(0, Math.min(1, confidence))) };
  });
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
