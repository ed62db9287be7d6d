import { randomUUID } from "node:crypto";
import { mkdir, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { fileUrl, runFfmpeg } from "@/lib/audio/ffmpeg";
import type {
  PreparedAudio,
  TranscribedWord,
  TranscriptionOptions,
  TranscriptionProvider,
  TranscriptionResult,
} from "../types";
import { type HttpClientConfig, STAGE_RETRIED_POLICY, httpConfig, requestJson } from "./http";

/**
 * OpenAI speech-to-text (`POST {baseUrl}/audio/transcriptions`, multipart; API reference "Create transcription"
 * and the speech-to-text guide on platform.openai.com). Works with OpenAI-compatible servers (faster-whisper
 * server, LocalAI, Groq, …) through `baseUrl`.
 *
 * Request: `file`, `model`, `response_format=verbose_json`, `timestamp_granularities[]=word` (word timestamps
 * need `verbose_json`), `language` (ISO-639-1, when the caller gives a hint). Response: `{ language, duration,
 * text, words: [{ word, start, end }], segments: [{ start, end, avg_logprob, … }] }`.
 *
 * - `language` comes back as a lower-case English name for whisper-1 ("english"); it is mapped to a BCP 47
 *   code (`en`). Unknown names fall back to the hint, else "und".
 * - Confidence: the API gives no per-word probability. A word gets `exp(avg_logprob)` of the segment that
 *   contains its midpoint (clamped to 0..1); 1 when there are no segments (`whisper-1` with only word
 *   granularity returns none, OpenAI-compatible servers often do).
 * - Size limit (25 MB for OpenAI): a larger 16 kHz WAV is first re-encoded to 16 kHz mono MP3 (32 kbit/s CBR,
 *   ~14 MB/hour). If that is still too large, the WAV is cut into fixed time windows that overlap a little
 *   (`planChunks`), each encoded to MP3 and transcribed in turn; word times are shifted by the window start,
 *   and in each overlap the words are taken from the earlier window before the overlap's midpoint and from the
 *   later window after it (by word midpoint), so a word spoken in the overlap is kept once.
 * - Errors (`requestJson`): 408/429/5xx/network errors are retried (`maxRetries`, exponential backoff with
 *   jitter, `Retry-After` honoured up to 60 s); a timeout is a transient `PROVIDER_TIMEOUT` and an unreadable
 *   answer a transient `PROVIDER_UNAVAILABLE` (neither retried here: the pipeline retries the stage); other 4xx
 *   are permanent (401/403 without the vendor's text, which echoes part of the key).
 */

export interface OpenAITranscriptionOptions {
  apiKey: string;
  /** Default https://api.openai.com/v1 */
  baseUrl?: string;
  /** Default "whisper-1" (the model that returns word timestamps). */
  model?: string;
  /** Per request. Default 10 minutes. */
  timeoutMs?: number;
  /** Retries after the first attempt for 429/5xx/network errors. Default 3. */
  maxRetries?: number;
  fetch?: typeof fetch;
  /** Largest file sent in one request. Default 25 MB (25 × 10^6 bytes; OpenAI's limit is 25 MB). */
  maxUploadBytes?: number;
}

const PROVIDER = "OpenAI";
const DEFAULT_BASE_URL = "https://api.openai.com/v1";
const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_MAX_RETRIES = 3;
const DEFAULT_MAX_UPLOAD_BYTES = 25_000_000;
const RETRY_BASE_DELAY_MS = 500;
const MP3_BITRATE = "32k";
/** Overlap between two windows (long files); short windows (tests, tiny limits) use 10 % of the window. */
const OVERLAP_SECONDS = 2;

export class OpenAITranscriptionProvider implements TranscriptionProvider {
  readonly name = "openai";
  private readonly http: HttpClientConfig;
  private readonly model: string;
  private readonly maxUploadBytes: number;

  constructor(options: OpenAITranscriptionOptions) {
    this.http = httpConfig(
      PROVIDER,
      DEFAULT_BASE_URL,
      {
        ...options,
        timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
        retryBaseDelayMs: RETRY_BASE_DELAY_MS,
      },
      { ...STAGE_RETRIED_POLICY, errorDetail: vendorMessage },
    );
    this.model = options.model ?? "whisper-1";
    this.maxUploadBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  }

  async transcribe(audio: PreparedAudio, options: TranscriptionOptions = {}): Promise<TranscriptionResult> {
    const hint = options.language?.split("-")[0]?.toLowerCase();
    const wavSize = (await stat(audio.wavPath)).size;
    if (wavSize <= this.maxUploadBytes) {
      const body = await readFile(audio.wavPath);
      const r = await this.request(body, "audio.wav", "audio/wav", hint, options.signal);
      return { language: r.language ?? hint ?? "und", words: r.words, quality: "standard" };
    }

    const dir = path.join(audio.workDir, `openai-${randomUUID()}`);
    await mkdir(dir, { recursive: true });
    try {
      const whole = path.join(dir, "audio.mp3");
      await encodeMp3(audio.wavPath, whole, undefined, options.signal);
      const mp3Size = (await stat(whole)).size;
      if (mp3Size <= this.maxUploadBytes) {
        const r = await this.request(await readFile(whole), "audio.mp3", "audio/mpeg", hint, options.signal);
        return { language: r.language ?? hint ?? "und", words: r.words, quality: "standard" };
      }

      const bytesPerSecond = mp3Size / Math.max(audio.durationSeconds, 0.001);
      const chunks = planChunks(audio.durationSeconds, bytesPerSecond, this.maxUploadBytes);
      const parts: { chunk: Chunk; words: TranscribedWord[] }[] = [];
      let language: string | undefined;
      for (const chunk of chunks) {
        // The upload's file name says where the part lies (`part<index>-<startMs>-<durationMs>.mp3`): handy in
        // the vendor's logs and for test stubs; the API only uses the extension.
        const name = `part${chunk.index}-${Math.round(chunk.start * 1000)}-${Math.round(chunk.duration * 1000)}.mp3`;
        const file = path.join(dir, name);
        await encodeMp3(audio.wavPath, file, chunk, options.signal);
        const body = await readFile(file);
        await rm(file, { force: true });
        const r = await this.request(body, name, "audio/mpeg", hint, options.signal);
        language ??= r.language;
        parts.push({
          chunk,
          words: r.words.map((w) => ({ ...w, start: round3(w.start + chunk.start), end: round3(w.end + chunk.start) })),
        });
      }
      return { language: language ?? hint ?? "und", words: joinChunks(parts), quality: "standard" };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async request(
    body: Buffer,
    filename: string,
    contentType: string,
    language: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ language: string | undefined; words: TranscribedWord[] }> {
    const json = await requestJson(this.http, {
      method: "POST",
      path: "/audio/transcriptions",
      headers: { Authorization: `Bearer ${this.http.apiKey}`, Accept: "application/json" },
      body: () => {
        const form = new FormData();
        form.append("file", new Blob([new Uint8Array(body)], { type: contentType }), filename);
        form.append("model", this.model);
        form.append("response_format", "verbose_json");
        form.append("timestamp_granularities[]", "word");
        if (language) form.append("language", language);
        return form;
      },
      signal,
    });
    return parseVerboseJson(json);
  }
}

// --- chunking ------------------------------------------------------------------------------------------------

export interface Chunk {
  index: number;
  /** Seconds from the start of the recording. */
  start: number;
  duration: number;
  /** Overlap with the previous chunk (0 for the first). */
  overlapBefore: number;
}

/**
 * Fixed windows whose encoded size stays under `maxBytes` (10 % headroom for MP3 framing and the multipart
 * envelope), consecutive windows overlapping by `OVERLAP_SECONDS` (or 10 % of the window when windows are short).
 */
export function planChunks(durationSeconds: number, bytesPerSecond: number, maxBytes: number): Chunk[] {
  const window = Math.max(0.5, Math.floor(((maxBytes * 0.9) / bytesPerSecond) * 1000) / 1000);
  const overlap = window >= 10 * OVERLAP_SECONDS ? OVERLAP_SECONDS : round3(window * 0.1);
  const step = window - overlap;
  const chunks: Chunk[] = [];
  for (let start = 0, index = 0; ; start = round3(start + step), index++) {
    const duration = round3(Math.min(window, durationSeconds - start));
    chunks.push({ index, start, duration, overlapBefore: index === 0 ? 0 : overlap });
    if (start + window >= durationSeconds) break;
  }
  return chunks;
}

/** Join the (already offset) words of consecutive chunks, cutting each overlap at its midpoint. */
export function joinChunks(parts: { chunk: Chunk; words: TranscribedWord[] }[]): TranscribedWord[] {
  const out: TranscribedWord[] = [];
  parts.forEach(({ words }, i) => {
    const here = parts[i]!.chunk;
    const next = parts[i + 1]?.chunk;
    const from = i === 0 ? -Infinity : here.start + here.overlapBefore / 2;
    const to = next ? next.start + next.overlapBefore / 2 : Infinity;
    for (const w of words) {
      const mid = (w.start + w.end) / 2;
      if (mid >= from && mid < to) out.push(w);
    }
  });
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}

async function encodeMp3(wavPath: string, out: string, chunk: Chunk | undefined, signal?: AbortSignal): Promise<void> {
  const window = chunk ? ["-ss", chunk.start.toFixed(3), "-t", chunk.duration.toFixed(3)] : [];
  await runFfmpeg(
    [
      "-y",
      ...window,
      "-i",
      fileUrl(wavPath),
      "-vn",
      "-ac",
      "1",
      "-ar",
      "16000",
      "-c:a",
      "libmp3lame",
      "-b:a",
      MP3_BITRATE,
      "-map_metadata",
      "-1",
      "-f",
      "mp3",
      fileUrl(out),
    ],
    { signal, timeoutMs: 10 * 60_000 },
  );
}

// --- response ------------------------------------------------------------------------------------------------

interface VerboseJson {
  language?: unknown;
  words?: unknown;
  segments?: unknown;
}

function parseVerboseJson(json: unknown): { language: string | undefined; words: TranscribedWord[] } {
  const body = (json ?? {}) as VerboseJson;
  const segments = (Array.isArray(body.segments) ? body.segments : [])
    .map((s) => s as { start?: unknown; end?: unknown; avg_logprob?: unknown })
    .filter((s) => typeof s.start === "number" && typeof s.end === "number" && typeof s.avg_logprob === "number")
    .map((s) => ({ start: s.start as number, end: s.end as number, p: clamp01(Math.exp(s.avg_logprob as number)) }));
  const words: TranscribedWord[] = [];
  for (const raw of Array.isArray(body.words) ? body.words : []) {
    const w = raw as { word?: unknown; start?: unknown; end?: unknown };
    if (typeof w.word !== "string" || typeof w.start !== "number" || typeof w.end !== "number") continue;
    const text = w.word.trim();
    if (!text) continue;
    const mid = (w.start + w.end) / 2;
    const segment = segments.find((s) => mid >= s.start && mid <= s.end);
    words.push({ text, start: w.start, end: Math.max(w.start, w.end), confidence: segment ? round3(segment.p) : 1 });
  }
  words.sort((a, b) => a.start - b.start || a.end - b.end);
  return { language: toLanguageCode(body.language), words };
}

/** Whisper's language names (verbose_json `language`) → ISO 639-1. */
const LANGUAGE_CODES: Record<string, string> = {
  afrikaans: "af", albanian: "sq", amharic: "am", arabic: "ar", armenian: "hy", assamese: "as", azerbaijani: "az",
  bashkir: "ba", basque: "eu", belarusian: "be", bengali: "bn", bosnian: "bs", breton: "br", bulgarian: "bg",
  burmese: "my", cantonese: "yue", castilian: "es", catalan: "ca", chinese: "zh", croatian: "hr", czech: "cs",
  danish: "da", dutch: "nl", english: "en", estonian: "et", faroese: "fo", finnish: "fi", flemish: "nl",
  french: "fr", galician: "gl", georgian: "ka", german: "de", greek: "el", gujarati: "gu", haitian: "ht",
  "haitian creole": "ht", hausa: "ha", hawaiian: "haw", hebrew: "he", hindi: "hi", hungarian: "hu",
  icelandic: "is", indonesian: "id", italian: "it", japanese: "ja", javanese: "jv", kannada: "kn", kazakh: "kk",
  khmer: "km", korean: "ko", lao: "lo", latin: "la", latvian: "lv", letzeburgesch: "lb", lingala: "ln",
  lithuanian: "lt", luxembourgish: "lb", macedonian: "mk", malagasy: "mg", malay: "ms", malayalam: "ml",
  maltese: "mt", maori: "mi", marathi: "mr", moldavian: "ro", moldovan: "ro", mongolian: "mn", myanmar: "my",
  nepali: "ne", norwegian: "no", nynorsk: "nn", occitan: "oc", panjabi: "pa", pashto: "ps", persian: "fa",
  polish: "pl", portuguese: "pt", punjabi: "pa", pushto: "ps", romanian: "ro", russian: "ru", sanskrit: "sa",
  serbian: "sr", shona: "sn", sindhi: "sd", sinhala: "si", sinhalese: "si", slovak: "sk", slovenian: "sl",
  somali: "so", spanish: "es", sundanese: "su", swahili: "sw", swedish: "sv", tagalog: "tl", tajik: "tg",
  tamil: "ta", tatar: "tt", telugu: "te", thai: "th", tibetan: "bo", turkish: "tr", turkmen: "tk",
  ukrainian: "uk", urdu: "ur", uzbek: "uz", valencian: "ca", vietnamese: "vi", welsh: "cy", yiddish: "yi",
  yoruba: "yo",
};

function toLanguageCode(value: unknown): string | undefined {
  if (typeof value !== "string" || !value.trim()) return undefined;
  const v = value.trim().toLowerCase();
  if (/^[a-z]{2,3}(-[a-z0-9]{2,8})*$/.test(v) && !LANGUAGE_CODES[v]) return v; // already a code (compatible servers)
  return LANGUAGE_CODES[v];
}

// --- small helpers -------------------------------------------------------------------------------------------

/** The vendor's error text (`{ error: { message } }`; `statusError` redacts and sanitises it). */
function vendorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown; detail?: unknown };
    const m =
      typeof body.error === "object" && body.error !== null ? body.error.message : (body.error ?? body.message ?? body.detail);
    return typeof m === "string" ? m : "";
  } catch {
    return "";
  }
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
