import { randomUUID } from "node:crypto";
import { mkdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { fileUrl, runFfmpeg } from "@/lib/audio/ffmpeg";
import { StageError } from "@/lib/pipeline/errors";
import type {
  DiarizationOptions,
  DiarizationProvider,
  DiarizationResult,
  DiarizationSegment,
  PreparedAudio,
  VoiceprintMatch,
  VoiceprintProfile,
  VoiceprintProvider,
} from "../types";
import {
  type HttpClientConfig,
  STAGE_RETRIED_POLICY,
  httpConfig,
  requestJson,
  requestText,
  safeMessage,
  sleep,
} from "./http";

/**
 * pyannoteAI (https://docs.pyannote.ai, API reference + openapi.json) as a `DiarizationProvider` and a
 * `VoiceprintProvider`. Every call is a job:
 *
 * 1. upload: `POST /v1/media/input { url: "media://scryon/<uuid>.wav" }` → `{ url }`, a pre-signed URL the
 *    WAV is `PUT` to (no Authorization header: the URL carries its own signature). Media is kept ≤ 48 h by
 *    pyannoteAI ("Upload audio files" tutorial).
 * 2. submit: `POST /v1/diarize { url, numSpeakers? | maxSpeakers? }`, `POST /v1/voiceprint { url, model }`
 *    or `POST /v1/identify { url, model, voiceprints: [{ label, voiceprint }], matching, numSpeakers? }`
 *    → `{ jobId, status }`.
 * 3. poll `GET /v1/jobs/{jobId}` every `pollIntervalMs` until `status` is `succeeded`, `failed` or `canceled`
 *    (the others: `pending`, `created`, `running`). `output` is only there when succeeded; `output.error`
 *    carries the reason of a failure.
 *
 * Auth: `Authorization: Bearer <key>`. HTTP goes through `requestJson`: 408/429/5xx/network errors are retried
 * with backoff (`Retry-After` honoured up to 60 s), other 4xx are permanent; a request that times out or an
 * unreadable answer is transient but not retried here; a failed/canceled job is permanent with the vendor's
 * sanitised message; a job still unfinished after `pollTimeoutMs` is a transient `PROVIDER_TIMEOUT`.
 *
 * Mapping:
 * - diarization: `output.diarization[]` `{ speaker: "SPEAKER_00", start, end }` → segments sorted by start,
 *   speakers renamed `S1`, `S2`, … in order of first appearance (as the local engine does; pyannote numbers its
 *   labels that way too, so SPEAKER_00 is normally S1).
 * - voiceprint: `output.voiceprint` (an opaque string, ≤ 20 000 chars) is stored as it is inside a tagged
 *   embedding `{ kind, provider, model, version, voiceprint }`. Samples are cut to their first 30 s (the
 *   documented maximum for a voiceprint sample).
 * - identify: profile labels are the user ids (a label may not start with "SPEAKER_" and is ≤ 100 chars;
 *   other ids get a `profile-<n>` label). The identify job diarizes the call again, so each of *our* diarized
 *   speakers is mapped to the vendor speaker it overlaps most in `output.diarization`; that speaker's entry in
 *   `output.voiceprints[]` `{ speaker, match, confidence: { <label>: 0..100 } }` gives the result. The job is
 *   sent `numSpeakers` = our speaker count so the two diarizations agree as far as possible.
 *   ASSUMPTION: `score` is the best identification confidence / 100 (0..1, not a cosine); a match needs
 *   `score >= threshold` (also sent as `matching.threshold`, ×100, with `matching.exclusive: true`). The
 *   default threshold 0.5 is not calibrated on real calls.
 */

export interface PyannoteOptions {
  apiKey: string;
  /** Default https://api.pyannote.ai */
  baseUrl?: string;
  /** Per HTTP request. Default 60 s. */
  timeoutMs?: number;
  /** Retries after the first attempt for 429/5xx/network errors. Default 3. */
  maxRetries?: number;
  /** Default 3 s. */
  pollIntervalMs?: number;
  /** How long a job may take before giving up (transient). Default 30 minutes. */
  pollTimeoutMs?: number;
  fetch?: typeof fetch;
  /** Model for voiceprint/identify jobs. Default "precision-2" (the only one documented for them). */
  model?: string;
  /** Identification confidence (0..1) at or above which a speaker is matched. Default 0.5. */
  threshold?: number;
}

const PROVIDER = "pyannoteAI";
const EMBEDDING_KIND = "pyannoteai-voiceprint";
const MAX_VOICEPRINT_SECONDS = 30;

interface Job {
  jobId?: string;
  status?: string;
  output?: Record<string, unknown> | null;
}

interface PyannoteEmbedding {
  kind: typeof EMBEDDING_KIND;
  provider: "pyannote";
  model: string;
  version: string;
  voiceprint: string;
}

export class PyannoteProvider implements DiarizationProvider, VoiceprintProvider {
  readonly name = "pyannote";
  readonly model: string;
  /** The API has no model version; "1" tags embeddings of this adapter's format. */
  readonly modelVersion = "1";
  readonly threshold: number;
  private readonly http: HttpClientConfig;
  /** The pre-signed storage URLs: absolute (no base URL), answered without JSON, vendor text not quoted. */
  private readonly storage: HttpClientConfig;
  private readonly pollIntervalMs: number;
  private readonly pollTimeoutMs: number;

  constructor(options: PyannoteOptions) {
    const http = { ...options, timeoutMs: options.timeoutMs ?? 60_000, maxRetries: options.maxRetries ?? 3, retryBaseDelayMs: 500 };
    this.http = httpConfig(PROVIDER, "https://api.pyannote.ai", http, { ...STAGE_RETRIED_POLICY, errorDetail: vendorMessage });
    this.storage = { ...this.http, provider: `${PROVIDER} storage`, baseUrl: "", errorDetail: () => "" };
    this.pollIntervalMs = options.pollIntervalMs ?? 3_000;
    this.pollTimeoutMs = options.pollTimeoutMs ?? 30 * 60_000;
    this.model = options.model ?? "precision-2";
    this.threshold = options.threshold ?? 0.5;
  }

  async diarize(audio: PreparedAudio, options: DiarizationOptions = {}): Promise<DiarizationResult> {
    const url = await this.upload(audio.wavPath, options.signal);
    const body: Record<string, unknown> = { url };
    if (options.numSpeakers !== undefined) body.numSpeakers = options.numSpeakers;
    else if (options.maxSpeakers !== undefined) body.maxSpeakers = options.maxSpeakers;
    const output = await this.runJob("/v1/diarize", body, options.signal);
    return mapDiarization(output.diarization);
  }

  async enroll(sample: PreparedAudio): Promise<{ embedding: unknown }> {
    let wav = sample.wavPath;
    let tmpDir: string | undefined;
    try {
      if (sample.durationSeconds > MAX_VOICEPRINT_SECONDS) {
        tmpDir = path.join(sample.workDir, `pyannote-${randomUUID()}`);
        await mkdir(tmpDir, { recursive: true });
        wav = path.join(tmpDir, "sample.wav");
        await runFfmpeg(
          ["-y", "-i", fileUrl(sample.wavPath), "-t", String(MAX_VOICEPRINT_SECONDS), "-c:a", "pcm_s16le", fileUrl(wav)],
          { timeoutMs: 60_000 },
        );
      }
      const url = await this.upload(wav);
      const output = await this.runJob("/v1/voiceprint", { url, model: this.model });
      if (typeof output.voiceprint !== "string" || output.voiceprint === "") {
        throw new StageError("PROVIDER_UNAVAILABLE", `${PROVIDER} returned no voiceprint.`, true);
      }
      const embedding: PyannoteEmbedding = {
        kind: EMBEDDING_KIND,
        provider: "pyannote",
        model: this.model,
        version: this.modelVersion,
        voiceprint: output.voiceprint,
      };
      return { embedding };
    } finally {
      if (tmpDir) await rm(tmpDir, { recursive: true, force: true });
    }
  }

  async identify(
    audio: PreparedAudio,
    diarization: DiarizationResult,
    profiles: VoiceprintProfile[],
  ): Promise<VoiceprintMatch[]> {
    if (diarization.speakers.length === 0) return [];
    const usable = profiles.filter((p) => this.isOwnEmbedding(p.embedding));
    const none = () => diarization.speakers.map((s) => ({ speaker: s.id, userId: null, score: 0 }));
    if (usable.length === 0) return none();

    const labelToUser = new Map<string, string>();
    const voiceprints = usable.slice(0, 50).map((p, i) => {
      const label = /^speaker_/i.test(p.userId) || p.userId.length > 100 || p.userId === "" ? `profile-${i + 1}` : p.userId;
      labelToUser.set(label, p.userId);
      return { label, voiceprint: (p.embedding as PyannoteEmbedding).voiceprint };
    });

    const url = await this.upload(audio.wavPath);
    const output = await this.runJob("/v1/identify", {
      url,
      model: this.model,
      numSpeakers: diarization.speakers.length,
      voiceprints,
      matching: { exclusive: true, threshold: Math.round(this.threshold * 100) },
    });

    const vendorSegments = parseSegments(output.diarization);
    const vendorVoiceprints = new Map<string, { match: string | null; confidence: Record<string, number> }>();
    for (const raw of Array.isArray(output.voiceprints) ? output.voiceprints : []) {
      const v = raw as { speaker?: unknown; match?: unknown; confidence?: unknown };
      if (typeof v.speaker !== "string") continue;
      const confidence: Record<string, number> = {};
      if (v.confidence && typeof v.confidence === "object") {
        for (const [k, c] of Object.entries(v.confidence as Record<string, unknown>)) if (typeof c === "number") confidence[k] = c;
      }
      vendorVoiceprints.set(v.speaker, { match: typeof v.match === "string" ? v.match : null, confidence });
    }

    // Each of our speakers → the vendor speaker it overlaps most.
    const candidates = diarization.speakers.map((s) => {
      const ours = diarization.segments.filter((g) => g.speaker === s.id);
      const overlap = new Map<string, number>();
      for (const a of ours) {
        for (const b of vendorSegments) {
          const o = Math.min(a.end, b.end) - Math.max(a.start, b.start);
          if (o > 0) overlap.set(b.speaker, (overlap.get(b.speaker) ?? 0) + o);
        }
      }
      const best = [...overlap.entries()].sort((x, y) => y[1] - x[1])[0];
      const entry = best ? vendorVoiceprints.get(best[0]) : undefined;
      const scores = entry ? Object.values(entry.confidence) : [];
      const score = scores.length ? Math.max(...scores) / 100 : 0;
      const matchScore = entry?.match ? (entry.confidence[entry.match] ?? score * 100) / 100 : 0;
      const userId = entry?.match && matchScore >= this.threshold ? (labelToUser.get(entry.match) ?? null) : null;
      return { speaker: s.id, userId, score: round3(score), matchScore, overlap: best?.[1] ?? 0 };
    });

    // A profile goes to at most one speaker: the highest-scoring (then most-overlapping) one.
    const taken = new Set<string>();
    const order = [...candidates].sort((a, b) => b.matchScore - a.matchScore || b.overlap - a.overlap);
    const result = new Map<string, VoiceprintMatch>();
    for (const c of order) {
      let userId = c.userId;
      if (userId !== null && taken.has(userId)) userId = null;
      if (userId !== null) taken.add(userId);
      result.set(c.speaker, { speaker: c.speaker, userId, score: c.score });
    }
    return diarization.speakers.map((s) => result.get(s.id)!);
  }

  private isOwnEmbedding(embedding: unknown): embedding is PyannoteEmbedding {
    const e = embedding as Partial<PyannoteEmbedding> | null;
    return (
      !!e &&
      typeof e === "object" &&
      e.kind === EMBEDDING_KIND &&
      e.model === this.model &&
      e.version === this.modelVersion &&
      typeof e.voiceprint === "string"
    );
  }

  // --- jobs ----------------------------------------------------------------------------------------------------

  /** Uploads a file to pyannoteAI's temporary storage; returns its `media://` URL. */
  private async upload(filePath: string, signal?: AbortSignal): Promise<string> {
    const mediaUrl = `media://scryon/${randomUUID()}.wav`;
    const created = (await this.api("POST", "/v1/media/input", { url: mediaUrl }, signal)) as { url?: unknown };
    if (typeof created.url !== "string" || !/^https?:\/\//.test(created.url)) {
      throw new StageError("PROVIDER_UNAVAILABLE", `${PROVIDER} returned no upload URL.`, true);
    }
    const data = new Uint8Array(await readFile(filePath));
    await requestText(this.storage, { method: "PUT", path: created.url, body: () => data, signal });
    return mediaUrl;
  }

  /** Submits a job and waits for its output. */
  private async runJob(endpoint: string, body: unknown, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const created = (await this.api("POST", endpoint, body, signal)) as Job;
    if (typeof created.jobId !== "string" || created.jobId === "") {
      throw new StageError("PROVIDER_UNAVAILABLE", `${PROVIDER} returned no job id.`, true);
    }
    const jobId = created.jobId;
    const deadline = Date.now() + this.pollTimeoutMs;
    for (;;) {
      const job = (await this.api("GET", `/v1/jobs/${encodeURIComponent(jobId)}`, undefined, signal)) as Job;
      if (job.status === "succeeded") return job.output ?? {};
      if (job.status === "failed" || job.status === "canceled") {
        const reason = typeof job.output?.error === "string" ? job.output.error : "";
        const text = reason ? `: ${safeMessage(reason, this.http.apiKey)}` : ".";
        throw new StageError("PROVIDER_REJECTED", `${PROVIDER} job ${job.status}${text}`, false);
      }
      if (Date.now() + this.pollIntervalMs > deadline) {
        throw new StageError(
          "PROVIDER_TIMEOUT",
          `${PROVIDER} job did not finish within ${Math.round(this.pollTimeoutMs / 1000)} s.`,
          true,
        );
      }
      await sleep(this.pollIntervalMs, signal);
    }
  }

  private async api(method: "GET" | "POST", endpoint: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.http.apiKey}`, Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const json = body === undefined ? undefined : JSON.stringify(body);
    return requestJson(this.http, { method, path: endpoint, headers, body: json === undefined ? undefined : () => json, signal });
  }
}

// --- mapping -------------------------------------------------------------------------------------------------

function parseSegments(value: unknown): DiarizationSegment[] {
  const out: DiarizationSegment[] = [];
  for (const raw of Array.isArray(value) ? value : []) {
    const s = raw as { speaker?: unknown; start?: unknown; end?: unknown };
    if (typeof s.speaker !== "string" || typeof s.start !== "number" || typeof s.end !== "number") continue;
    if (!(s.end > s.start)) continue;
    out.push({ speaker: s.speaker, start: s.start, end: s.end });
  }
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}

export function mapDiarization(value: unknown): DiarizationResult {
  const segments = parseSegments(value);
  const ids = new Map<string, string>();
  for (const s of segments) if (!ids.has(s.speaker)) ids.set(s.speaker, `S${ids.size + 1}`);
  return {
    speakers: [...ids.values()].map((id) => ({ id, label: `Speaker ${id.slice(1)}` })),
    segments: segments.map((s) => ({ speaker: ids.get(s.speaker)!, start: round3(s.start), end: round3(s.end) })),
  };
}

// --- small helpers -------------------------------------------------------------------------------------------

/** pyannoteAI errors: `{ message, errors?: [{ field, message }] }` / `{ requestId, message }` (`statusError` redacts). */
function vendorMessage(text: string): string {
  let message = "";
  try {
    const body = JSON.parse(text) as { message?: unknown; errors?: unknown };
    if (typeof body.message === "string") message = body.message;
    if (Array.isArray(body.errors)) {
      const details = body.errors
        .map((e) => e as { field?: unknown; message?: unknown })
        .filter((e) => typeof e.message === "string")
        .map((e) => (typeof e.field === "string" ? `${e.field}: ${String(e.message)}` : String(e.message)));
      if (details.length) message = `${message} (${details.join("; ")})`.trim();
    }
  } catch {
    message = "";
  }
  return message;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
