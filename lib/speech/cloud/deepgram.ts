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
  audioBody,
  diarizationFromTurns,
  fileVersionKey,
  httpConfig,
  malformedResponse,
  requestJson,
  sharedRequest,
  turnsFromWords,
  type SpeakerTurn,
} from "./http";

/**
 * Deepgram's pre-recorded API: one synchronous `POST /v1/listen` with the audio as the raw body
 * (`Authorization: Token <key>`), diarization and utterances switched on by query parameters. The JSON answer
 * carries the words (with times, confidence and — with `diarize=true` — a numeric speaker) under
 * `results.channels[0].alternatives[0]`, and speaker turns under `results.utterances`.
 */

export interface DeepgramOptions extends CloudProviderOptions {
  /** Default `nova-2`. */
  model?: string;
  /** Send the decoded WAV (default) or the original upload. */
  upload?: AudioUpload;
}

export const DEEPGRAM_BASE_URL = "https://api.deepgram.com";

interface DeepgramWord {
  word?: string;
  punctuated_word?: string;
  start?: number;
  end?: number;
  confidence?: number;
  speaker?: number;
}

interface DeepgramUtterance {
  start?: number;
  end?: number;
  speaker?: number;
  channel?: number;
}

interface DeepgramResponse {
  results: {
    channels: { alternatives?: { words?: DeepgramWord[] }[]; detected_language?: string }[];
    utterances?: DeepgramUtterance[];
  };
}

export class DeepgramProvider implements DiarizationProvider, TranscriptionProvider {
  readonly name = "deepgram";
  private readonly http: HttpClientConfig;
  private readonly model: string;
  private readonly upload: AudioUpload;

  constructor(options: DeepgramOptions) {
    this.http = httpConfig("deepgram", DEEPGRAM_BASE_URL, options);
    this.model = options.model ?? "nova-2";
    this.upload = options.upload ?? "wav";
  }

  async transcribe(audio: PreparedAudio, options: TranscriptionOptions = {}): Promise<TranscriptionResult> {
    const language = options.language ?? "en";
    const response = await this.listen(audio, language, options.signal);
    const channel = response.results.channels[0];
    const words = (channel?.alternatives?.[0]?.words ?? []).map(toWord).filter((w): w is TranscribedWord => w !== null);
    words.sort((a, b) => a.start - b.start);
    return { language: channel?.detected_language || language, words, quality: "standard" };
  }

  async diarize(audio: PreparedAudio, options: DiarizationOptions = {}): Promise<DiarizationResult> {
    const response = await this.listen(audio, "en", options.signal);
    const utterances = response.results.utterances ?? [];
    let turns: SpeakerTurn[] = utterances
      .filter((u) => typeof u.speaker === "number" && isTime(u.start) && isTime(u.end))
      .map((u) => ({ speaker: speakerId(u.speaker as number), start: u.start as number, end: u.end as number }));
    if (turns.length === 0) {
      // No utterances (older answers, or the flag ignored): group consecutive words of one speaker.
      const words = response.results.channels[0]?.alternatives?.[0]?.words ?? [];
      turns = turnsFromWords(words.map(toWord).filter((w): w is TranscribedWord => w !== null));
    }
    return diarizationFromTurns(turns);
  }

  /** One `/v1/listen` request per file and language, shared by both stages. */
  private async listen(audio: PreparedAudio, language: string, signal?: AbortSignal): Promise<DeepgramResponse> {
    const body = audioBody(audio, this.upload);
    const key = `deepgram|${this.http.baseUrl}|${this.model}|${language}|${await fileVersionKey(body.filePath)}`;
    return sharedRequest(key, async () => {
      const query = new URLSearchParams({
        model: this.model,
        smart_format: "true",
        punctuate: "true",
        diarize: "true",
        utterances: "true",
        language,
      });
      const json = await requestJson(this.http, {
        method: "POST",
        path: `/v1/listen?${query.toString()}`,
        headers: { Authorization: `Token ${this.http.apiKey}`, "Content-Type": body.contentType, Accept: "application/json" },
        body: body.body,
        signal,
      });
      return parseResponse(json);
    });
  }
}

function parseResponse(json: unknown): DeepgramResponse {
  const results = (json as { results?: unknown })?.results as DeepgramResponse["results"] | undefined;
  if (!results || typeof results !== "object" || !Array.isArray(results.channels)) throw malformedResponse("deepgram");
  if (results.utterances !== undefined && !Array.isArray(results.utterances)) throw malformedResponse("deepgram");
  const words = results.channels[0]?.alternatives?.[0]?.words;
  if (words !== undefined && !Array.isArray(words)) throw malformedResponse("deepgram");
  return { results };
}

function toWord(w: DeepgramWord): TranscribedWord | null {
  const text = (w.punctuated_word ?? w.word ?? "").trim();
  if (!text || !isTime(w.start) || !isTime(w.end)) return null;
  const word: TranscribedWord = {
    text,
    start: w.start,
    end: Math.max(w.start, w.end),
    confidence: clamp01(w.confidence),
  };
  if (typeof w.speaker === "number") word.speaker = speakerId(w.speaker);
  return word;
}

/** Deepgram numbers speakers from 0. */
function speakerId(n: number): string {
  return `S${n + 1}`;
}

function isTime(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

function clamp01(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}
