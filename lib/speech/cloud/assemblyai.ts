import { StageError } from "@/lib/pipeline/errors";
import type {
  DiarizationOptions,
  DiarizationProvider,
  DiarizationResult,
  PreparedAudio,
  TranscribedWord,
  TranscriptionOptions,
  TranscriptionProvider,
  TranscriptionResult,
} from "../types";
import {
  type AudioUpload,
  type CloudProviderOptions,
  type HttpClientConfig,
  type SpeakerTurn,
  audioBody,
  diarizationFromTurns,
  fileVersionKey,
  httpConfig,
  malformedResponse,
  requestJson,
  safeMessage,
  sharedRequest,
  sleep,
  turnsFromWords,
} from "./http";

/**
 * AssemblyAI's asynchronous API: `POST /v2/upload` (raw bytes) → `upload_url`; `POST /v2/transcript`
 * `{ audio_url, speaker_labels: true }` → a transcript `id`; `GET /v2/transcript/{id}` until `status` is
 * `completed` or `error`. The key goes in the `authorization` header as it is. Word and utterance times are
 * milliseconds; speakers are letters ("A", "B", …).
 */

export interface AssemblyAIOptions extends CloudProviderOptions {
  /** Give up polling after this long (transient PROVIDER_TIMEOUT). Default 30 minutes. */
  pollTimeoutMs?: number;
  /**
   * `speech_models` of the transcript request, in priority order (e.g. `["universal-2"]`). Omitted when not
   * set, so the vendor's default applies.
   */
  speechModels?: string[];
  /** Send the decoded WAV (default) or the original upload. */
  upload?: AudioUpload;
}

export const ASSEMBLYAI_BASE_URL = "https://api.assemblyai.com";

interface AaiWord {
  text?: string;
  start?: number;
  end?: number;
  confidence?: number;
  speaker?: string | null;
}

interface AaiUtterance {
  start?: number;
  end?: number;
  speaker?: string | null;
}

interface AaiTranscript {
  id: string;
  status: string;
  error?: string;
  language_code?: string | null;
  words?: AaiWord[] | null;
  utterances?: AaiUtterance[] | null;
}

export class AssemblyAIProvider implements DiarizationProvider, TranscriptionProvider {
  readonly name = "assemblyai";
  private readonly http: HttpClientConfig;
  private readonly pollIntervalMs: number;
  private readonly pollTimeoutMs: number;
  private readonly speechModels: string[] | undefined;
  private readonly upload: AudioUpload;

  constructor(options: AssemblyAIOptions) {
    this.http = httpConfig("assemblyai", ASSEMBLYAI_BASE_URL, options);
    this.pollIntervalMs = Math.max(0, options.pollIntervalMs ?? 3000);
    this.pollTimeoutMs = options.pollTimeoutMs ?? 30 * 60_000;
    this.speechModels = options.speechModels;
    this.upload = options.upload ?? "wav";
  }

  async transcribe(audio: PreparedAudio, options: TranscriptionOptions = {}): Promise<TranscriptionResult> {
    const transcript = await this.run(audio, { language: options.language, signal: options.signal });
    const words = (transcript.words ?? []).map(toWord).filter((w): w is TranscribedWord => w !== null);
    words.sort((a, b) => a.start - b.start);
    return { language: transcript.language_code || options.language || "en", words, quality: "standard" };
  }

  async diarize(audio: PreparedAudio, options: DiarizationOptions = {}): Promise<DiarizationResult> {
    const transcript = await this.run(audio, { numSpeakers: options.numSpeakers, signal: options.signal });
    let turns: SpeakerTurn[] = (transcript.utterances ?? [])
      .filter((u) => typeof u.speaker === "string" && isTime(u.start) && isTime(u.end))
      .map((u) => ({ speaker: speakerId(u.speaker as string), start: (u.start as number) / 1000, end: (u.end as number) / 1000 }));
    if (turns.length === 0) {
      turns = turnsFromWords((transcript.words ?? []).map(toWord).filter((w): w is TranscribedWord => w !== null));
    }
    return diarizationFromTurns(turns);
  }

  /** Upload, request and poll — once per file and settings, shared by both stages. */
  private async run(audio: PreparedAudio, opts: { language?: string; numSpeakers?: number; signal?: AbortSignal }): Promise<AaiTranscript> {
    const body = audioBody(audio, this.upload);
    const key = [
      "assemblyai",
      this.http.baseUrl,
      opts.language ?? "",
      opts.numSpeakers ?? "",
      (this.speechModels ?? []).join(","),
      await fileVersionKey(body.filePath),
    ].join("|");
    return sharedRequest(key, async () => {
      const uploaded = await requestJson(this.http, {
        method: "POST",
        path: "/v2/upload",
        headers: { authorization: this.http.apiKey, "Content-Type": "application/octet-stream" },
        body: body.body,
        signal: opts.signal,
      });
      const uploadUrl = (uploaded as { upload_url?: unknown })?.upload_url;
      if (typeof uploadUrl !== "string" || !uploadUrl) throw malformedResponse("assemblyai");

      const params: Record<string, unknown> = { audio_url: uploadUrl, speaker_labels: true };
      if (this.speechModels?.length) params.speech_models = this.speechModels;
      if (opts.language) params.language_code = opts.language;
      if (opts.numSpeakers && opts.numSpeakers > 0) params.speakers_expected = opts.numSpeakers;
      const created = parseTranscript(
        await requestJson(this.http, {
          method: "POST",
          path: "/v2/transcript",
          headers: { authorization: this.http.apiKey, "Content-Type": "application/json" },
          body: () => JSON.stringify(params),
          signal: opts.signal,
        }),
      );
      return this.poll(created, opts.signal);
    });
  }

  private async poll(first: AaiTranscript, signal?: AbortSignal): Promise<AaiTranscript> {
    const deadline = Date.now() + this.pollTimeoutMs;
    let transcript = first;
    for (;;) {
      if (transcript.status === "completed") return transcript;
      if (transcript.status === "error") {
        const reason = transcript.error ? `: ${transcript.error}` : ".";
        throw new StageError("PROVIDER_REJECTED", safeMessage(`assemblyai could not transcribe the recording${reason}`, this.http.apiKey), false);
      }
      if (Date.now() + this.pollIntervalMs > deadline) {
        throw new StageError(
          "PROVIDER_TIMEOUT",
          `assemblyai had not finished the transcript after ${Math.round(this.pollTimeoutMs / 1000)} s.`,
          true,
        );
      }
      await sleep(this.pollIntervalMs, signal);
      transcript = parseTranscript(
        await requestJson(this.http, {
          method: "GET",
          path: `/v2/transcript/${encodeURIComponent(first.id)}`,
          headers: { authorization: this.http.apiKey },
          signal,
        }),
      );
    }
  }
}

function parseTranscript(json: unknown): AaiTranscript {
  const t = json as Partial<AaiTranscript> | null;
  if (!t || typeof t !== "object" || typeof t.id !== "string" || !t.id || typeof t.status !== "string") {
    throw malformedResponse("assemblyai");
  }
  if (t.words != null && !Array.isArray(t.words)) throw malformedResponse("assemblyai");
  if (t.utterances != null && !Array.isArray(t.utterances)) throw malformedResponse("assemblyai");
  return t as AaiTranscript;
}

function toWord(w: AaiWord): TranscribedWord | null {
  const text = (w.text ?? "").trim();
  if (!text || !isTime(w.start) || !isTime(w.end)) return null;
  const start = w.start / 1000;
  const word: TranscribedWord = {
    text,
    start,
    end: Math.max(start, w.end / 1000),
    confidence: typeof w.confidence === "number" && Number.isFinite(w.confidence) ? Math.min(1, Math.max(0, w.confidence)) : 0,
  };
  if (typeof w.speaker === "string" && w.speaker) word.speaker = speakerId(w.speaker);
  return word;
}

/** "A" → "S1", "B" → "S2", …; numeric labels ("0") → "S1"; anything else is kept, prefixed. */
function speakerId(label: string): string {
  const upper = label.trim().toUpperCase();
  if (/^[A-Z]$/.test(upper)) return `S${upper.charCodeAt(0) - 64}`;
  if (/^\d+$/.test(upper)) return `S${Number(upper) + 1}`;
  return `S-${upper}`;
}

function isTime(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}
