import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createSpeechProviders } from "@/lib/speech";
import { SpeechEngineCrashError, SpeechEngineUnavailableError } from "@/lib/speech/errors";
import { scoreDiarization, wordErrorRate } from "@/lib/speech/eval";
import { resolveLocalConfig } from "@/lib/speech/local/config";
import { SherpaTranscriptionProvider, alignWords, planPieces, wordsFromResult } from "@/lib/speech/local/sherpa-asr";
import { parseChildResult, RESULT_MARKER } from "@/lib/speech/local/sherpa-child";
import { SherpaDiarizationProvider, toDiarizationResult } from "@/lib/speech/local/sherpa-diarize";
import { SherpaVoiceprintProvider } from "@/lib/speech/local/sherpa-voiceprint";
import { discoverModels, inspectModels } from "@/lib/speech/models/discover";
import { updateLock } from "@/lib/speech/models/lock";
import { MODEL_MANIFEST, type ModelSpec } from "@/lib/speech/models/manifest";
import type { TranscriptionResult } from "@/lib/speech/types";
import { speechFixtures } from "./helpers";

/**
 * The model-based local providers (sherpa-onnx Whisper/Moonshine, pyannote + embedding diarization, embedding
 * voiceprints).
 *
 * Runs here: their pure parts, the factory's choice (fake model files that verify through a lock file), and
 * crash isolation — garbage "models" whose hashes match get as far as the child process, which dies in native
 * code; this process gets a transient StageError and carries on.
 *
 * Runs only where real models are installed (`npm run models:pull`; the dir is `$SCRYON_MODELS_DIR`, else
 * `.data/models`): accuracy floors on the generated espeak-ng fixtures. The floors are not measured values (no
 * model could be downloaded where this was written): they require the models to beat the built-in engine's
 * floors (tests/speech/transcription.test.ts, diarization.test.ts), which is why one installs them. Tighten them
 * to a little below the measured numbers (printed) on the first run with models.
 */

const sha = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const spec = (id: string) => MODEL_MANIFEST.find((m) => m.id === id)!;

// --- pure parts ----------------------------------------------------------------------------------------------

describe("planPieces", () => {
  it("groups regions cut in pauses, within the piece limit, padded but never past the middle of a pause", () => {
    const regions = [
      { start: 1, end: 5 },
      { start: 5.5, end: 12 },
      { start: 13, end: 20 },
      { start: 20.5, end: 28 }, // would make the piece 27 s long
      { start: 40, end: 42 }, // after a long pause
    ];
    const pieces = planPieces(regions, 43);
    expect(pieces.map((p) => p.regions.length)).toEqual([3, 1, 1]);
    expect(pieces[0]).toMatchObject({ start: 0.8, end: 20.2 });
    expect(pieces[1]!.start).toBeCloseTo(20.3, 5); // padded by 0.2 s, which stays short of the pause's middle (20.25)
    expect(planPieces([{ start: 1, end: 2 }, { start: 3.6, end: 4 }], 5, { maxPauseSeconds: 1, padSeconds: 1 }).map((p) => [p.start, p.end])).toEqual([
      [0, 2.8],
      [2.8, 5],
    ]); // a long pad stops at the middle of the pause
    expect(pieces[2]).toMatchObject({ start: 39.8, end: 42.2 });
    for (let i = 1; i < pieces.length; i++) expect(pieces[i]!.start).toBeGreaterThanOrEqual(pieces[i - 1]!.end);
    for (const p of pieces) expect(p.end - p.start).toBeLessThanOrEqual(25 + 0.4);
  });

  it("cuts a region longer than the limit into equal parts (per-side stereo regions can be long)", () => {
    const pieces = planPieces([{ start: 0, end: 60 }], 60);
    expect(pieces).toHaveLength(3);
    expect(pieces.map((p) => p.regions[0])).toEqual([
      { start: 0, end: 20 },
      { start: 20, end: 40 },
      { start: 40, end: 60 },
    ]);
    expect(pieces.at(-1)!.end).toBe(60);
  });

  it("handles nothing", () => {
    expect(planPieces([], 10)).toEqual([]);
    expect(planPieces([{ start: 3, end: 3 }], 10)).toEqual([]);
  });
});

describe("word times without token times", () => {
  it("spreads words over the speech in proportion to their length, never into the pause between regions", () => {
    const regions = [
      { start: 10, end: 12 },
      { start: 15, end: 17 },
    ];
    const words = alignWords(["good", "morning", "this", "is", "alex"], regions);
    expect(words.map((w) => w.text)).toEqual(["good", "morning", "this", "is", "alex"]);
    expect(words[0]!.start).toBe(10);
    for (const w of words) {
      expect(w.end).toBeGreaterThanOrEqual(w.start);
      expect(regions.some((r) => w.start >= r.start && w.end <= r.end)).toBe(true);
      expect(w.confidence).toBe(1);
    }
    for (let i = 1; i < words.length; i++) expect(words[i]!.start).toBeGreaterThanOrEqual(words[i - 1]!.end);
    // "morning" (7 letters) gets more time than "is" (2).
    expect(words[1]!.end - words[1]!.start).toBeGreaterThan(words[3]!.end - words[3]!.start);
    expect(words.at(-1)!.end).toBeLessThanOrEqual(17);
    expect(words.at(-1)!.end).toBeGreaterThan(16.5);
  });

  it("drops Whisper's non-speech tags and keeps punctuation on words", () => {
    const piece = { start: 0, end: 4, regions: [{ start: 0.5, end: 3.5 }] };
    const words = wordsFromResult({ text: " [BLANK_AUDIO] Hello, world. (upbeat music)", tokens: [], timestamps: [], logProbs: [] }, piece);
    expect(words.map((w) => w.text)).toEqual(["Hello,", "world."]);
    expect(words[0]!.start).toBe(0.5);
  });
});

describe("word times from token times (models that report them)", () => {
  it("joins sub-word tokens, attaches punctuation, offsets by the piece, and turns log-probabilities into confidence", () => {
    const piece = { start: 100, end: 104, regions: [{ start: 100, end: 104 }] };
    const words = wordsFromResult(
      {
        text: " After early nightfall,",
        tokens: [" After", " early", " night", "fall", ","],
        timestamps: [0, 0.62, 0.92, 1.2, 1.5],
        logProbs: [-0.1, -0.2, -0.05, -0.15, -0.01],
      },
      piece,
    );
    expect(words.map((w) => w.text)).toEqual(["After", "early", "nightfall,"]);
    expect(words.map((w) => [w.start, w.end])).toEqual([
      [100, 100.62],
      [100.62, 100.92],
      [100.92, 104],
    ]);
    expect(words[0]!.confidence).toBeCloseTo(Math.exp(-0.1), 3);
    expect(words[2]!.confidence).toBeCloseTo(Math.exp((-0.05 - 0.15 - 0.01) / 3), 3);
  });
});

describe("toDiarizationResult", () => {
  it("names speakers in order of first appearance, clips, drops empty pieces and merges touching ones", () => {
    const result = toDiarizationResult(
      [
        { start: 5, end: 8, speaker: 0 },
        { start: -0.2, end: 2.5, speaker: 3 },
        { start: 2.51, end: 4, speaker: 3 },
        { start: 9, end: 9, speaker: 1 },
        { start: 7.5, end: 11, speaker: 1 },
      ],
      10,
    );
    expect(result.speakers).toEqual([
      { id: "S1", label: "Speaker 1" },
      { id: "S2", label: "Speaker 2" },
      { id: "S3", label: "Speaker 3" },
    ]);
    expect(result.segments).toEqual([
      { speaker: "S1", start: 0, end: 4 },
      { speaker: "S2", start: 5, end: 8 },
      { speaker: "S3", start: 7.5, end: 10 },
    ]);
    expect(toDiarizationResult([], 10)).toEqual({ speakers: [], segments: [] });
  });
});

describe("the child's result line", () => {
  it("is found behind its marker, whatever else the native library printed", () => {
    expect(parseChildResult(`loading model…\n${RESULT_MARKER}{"ok":1}\n`, "x")).toEqual({ ok: 1 });
    expect(() => parseChildResult("Segmentation fault\n", "test")).toThrow(SpeechEngineCrashError);
    expect(() => parseChildResult(`${RESULT_MARKER}{not json`, "test")).toThrow(/returned garbage/);
  });
});

// --- factory, verification and crash isolation with fake model files ------------------------------------------

describe("the local engine with fake models in the models dir", () => {
  const NAMES = ["enroll-A-webm", "t2-stereo-16k-m4a"];
  let fx: Awaited<ReturnType<typeof speechFixtures>>;
  let modelsDir: string;

  /** Installs garbage files for a manifest model and a lock entry that vouches for them (as models:pull would). */
  async function fakeInstall(s: ModelSpec) {
    const dir = path.join(modelsDir, s.id);
    await mkdir(dir, { recursive: true });
    const files: Record<string, { sha256: string; size: number }> = {};
    for (const [role, f] of Object.entries(s.files)) {
      const garbage = Buffer.from(`not an onnx model: ${s.id} ${role} `.repeat(64));
      await writeFile(path.join(dir, f.path), garbage);
      files[f.path] = { sha256: sha(garbage), size: garbage.length };
    }
    await updateLock(modelsDir, s.id, {
      asset: { url: s.asset.url, sha256: s.asset.sha256 ?? sha("first download"), size: 1, trust: s.asset.sha256 ? "pinned" : "trust-on-first-use" },
      files,
      installedAt: new Date().toISOString(),
    });
  }

  beforeAll(async () => {
    fx = await speechFixtures(NAMES);
    modelsDir = path.join(fx.root, "models");
    await fakeInstall(spec("whisper-base.en"));
    await fakeInstall(spec("wespeaker-resnet34-lm"));
  }, 120_000);
  afterAll(async () => {
    await fx?.cleanup();
  });

  it("without a models dir the built-in engine is used, named `local`", () => {
    const p = createSpeechProviders({ local: {} });
    expect([p.transcription.name, p.diarization.name, p.voiceprint.name]).toEqual(["local", "local", "local"]);
    expect(p.voiceprint.model).toBe("scryon-mfcc-lda");
  });

  it("picks the installed models per role and names them; a role without a complete set keeps the built-in engine", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const p = createSpeechProviders({ local: { modelsDir } });
      expect(p.transcription.name).toBe("local:whisper-base.en");
      expect(p.voiceprint.name).toBe("local:wespeaker-resnet34");
      expect(p.voiceprint.model).toBe("wespeaker-resnet34-lm");
      expect(p.voiceprint.modelVersion).toMatch(/^sha256:[0-9a-f]{16}$/);
      expect(p.diarization.name).toBe("local"); // an embedding model alone is not enough: no segmentation model
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it("does not pick a model whose pinned files do not match, and says why in the log (once)", async () => {
    const dir = path.join(modelsDir, "..", "models-tiny");
    await mkdir(path.join(dir, "whisper-tiny.en"), { recursive: true });
    for (const f of Object.values(spec("whisper-tiny.en").files)) await writeFile(path.join(dir, "whisper-tiny.en", f.path), "garbage");
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      expect(createSpeechProviders({ local: { modelsDir: dir } }).transcription.name).toBe("local");
      createSpeechProviders({ local: { modelsDir: dir } });
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(/whisper-tiny\.en \(asr\): .* — not used/);
    } finally {
      warn.mockRestore();
    }
  });

  it("a model that crashes native code kills only the child: transient error, and this process carries on", async () => {
    const audio = await fx.prepared("enroll-A-webm");
    const asr = createSpeechProviders({ local: { modelsDir } }).transcription;
    expect(asr).toBeInstanceOf(SherpaTranscriptionProvider);
    const error = await asr.transcribe(audio).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpeechEngineCrashError);
    expect(error).toMatchObject({ code: "INTERNAL", transient: true });
    expect((error as Error).message).toMatch(/speech recognition \(whisper-base\.en\) process stopped/);

    const voiceprint = createSpeechProviders({ local: { modelsDir } }).voiceprint;
    expect(voiceprint).toBeInstanceOf(SherpaVoiceprintProvider);
    await expect(voiceprint.enroll(audio)).rejects.toBeInstanceOf(SpeechEngineCrashError);

    // No task file is left in the work dir.
    expect((await readdir(audio.workDir)).filter((f) => f.startsWith("sherpa-"))).toEqual([]);
  }, 60_000);

  it("the diarization child crashes the same way; per-side stereo keeps the exact per-channel diarization", async () => {
    // A segmentation model whose pinned hash is the garbage's own (a test manifest), with the fake embedding.
    const segDir = path.join(modelsDir, "..", "models-seg");
    const garbage = Buffer.from("not a segmentation model ".repeat(64));
    const seg: ModelSpec = { ...spec("pyannote-segmentation-3.0"), files: { model: { path: "model.onnx", sha256: sha(garbage) } } };
    await mkdir(path.join(segDir, seg.id), { recursive: true });
    await writeFile(path.join(segDir, seg.id, "model.onnx"), garbage);
    const segmentation = inspectModels(segDir, { manifest: [seg] }).selected.segmentation!;
    const embedding = inspectModels(modelsDir).selected.embedding!;
    const diarizer = new SherpaDiarizationProvider({ modelsDir }, segmentation, embedding);
    expect(diarizer.name).toBe("local:pyannote-3.0+wespeaker-resnet34");

    const mono = await diarizer.diarize(await fx.prepared("enroll-A-webm")).catch((e: unknown) => e);
    expect(mono).toBeInstanceOf(SpeechEngineCrashError);

    const stereo = await diarizer.diarize(await fx.prepared("t2-stereo-16k-m4a"));
    expect(stereo.speakers).toEqual([
      { id: "S1", label: "Left channel" },
      { id: "S2", label: "Right channel" },
    ]);
  }, 60_000);

  it("a model file changed after the choice is refused before loading (ENGINE_UNAVAILABLE, permanent)", async () => {
    const dir = path.join(modelsDir, "..", "models-changed");
    await mkdir(dir, { recursive: true });
    const s = spec("whisper-base.en");
    await mkdir(path.join(dir, s.id), { recursive: true });
    const files: Record<string, { sha256: string; size: number }> = {};
    for (const f of Object.values(s.files)) {
      await writeFile(path.join(dir, s.id, f.path), `fake ${f.path}`);
      files[f.path] = { sha256: sha(`fake ${f.path}`), size: Buffer.byteLength(`fake ${f.path}`) };
    }
    await updateLock(dir, s.id, { asset: { url: s.asset.url, sha256: s.asset.sha256!, size: 1, trust: "pinned" }, files, installedAt: "t" });
    const asr = createSpeechProviders({ local: { modelsDir: dir } }).transcription;
    expect(asr.name).toBe("local:whisper-base.en");
    const encoder = path.join(dir, s.id, s.files.encoder!.path);
    await writeFile(encoder, `FAKE ${s.files.encoder!.path}`);
    await utimes(encoder, new Date(), new Date(Date.now() + 10_000));
    const error = await asr.transcribe(await fx.prepared("enroll-A-webm")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpeechEngineUnavailableError);
    expect(error).toMatchObject({ code: "ENGINE_UNAVAILABLE", transient: false });
    await rm(dir, { recursive: true, force: true });
  }, 60_000);
});

// --- the whole path through the child, against a stub of sherpa-onnx-node's JS API ------------------------------

/**
 * A stand-in for sherpa-onnx-node with the classes and shapes of its JS API (non-streaming-asr.js,
 * non-streaming-speaker-diarization.js, speaker-identification.js, types.js): it records every config it is
 * given and answers deterministically, so the child's source, the task files and the parsing of results run
 * for real here. It does not say the real models behave like this; the real-model tests below do.
 */
const FAKE_SHERPA = String.raw`
"use strict";
const fs = require("fs");
const path = require("path");
const log = (entry) => fs.appendFileSync(path.join(__dirname, "calls.jsonl"), JSON.stringify(entry) + "\n");
const need = (file) => { if (!fs.existsSync(file)) throw new Error("missing model file " + file); };
class OfflineRecognizer {
  constructor(config) {
    const m = config.modelConfig;
    if (m.whisper) { need(m.whisper.encoder); need(m.whisper.decoder); }
    if (m.moonshine) { need(m.moonshine.preprocessor); need(m.moonshine.encoder); need(m.moonshine.uncachedDecoder); need(m.moonshine.cachedDecoder); }
    need(m.tokens);
    log({ cls: "OfflineRecognizer", config });
  }
  createStream() { return { samples: new Float32Array(0), acceptWaveform(o) { if (o.sampleRate !== 16000) throw new Error("rate"); this.samples = o.samples; } }; }
  decode(stream) { if (stream.samples.length > 30 * 16000) throw new Error("whisper gets at most 30 s"); }
  getResult(stream) {
    let e = 0; for (const x of stream.samples) e += x * x;
    log({ cls: "piece", seconds: stream.samples.length / 16000, rms: Math.sqrt(e / Math.max(1, stream.samples.length)) });
    return { lang: "", text: " Hello, world. [BLANK_AUDIO]", tokens: [], timestamps: [], words: [] };
  }
}
class OfflineSpeakerDiarization {
  constructor(config) { need(config.segmentation.pyannote.model); need(config.embedding.model); this.config = config; this.sampleRate = 16000; log({ cls: "OfflineSpeakerDiarization", config }); }
  setConfig(c) { this.config.clustering = c.clustering; log({ cls: "setConfig", config: c }); }
  process(samples) {
    const d = samples.length / 16000;
    const k = this.config.clustering.numClusters > 0 ? this.config.clustering.numClusters : 5;
    return Array.from({ length: k }, (_, i) => ({ start: (i * d) / k, end: ((i + 1) * d) / k - 0.1, speaker: 40 - i }));
  }
}
class SpeakerEmbeddingExtractor {
  constructor(config) { need(config.model); this.dim = 3; log({ cls: "SpeakerEmbeddingExtractor", config }); }
  createStream() { return { n: 0, sum: 0, zc: 0, prev: 0, acceptWaveform(o) { for (const x of o.samples) { this.sum += Math.abs(x); if ((x >= 0) !== (this.prev >= 0)) this.zc++; this.prev = x; } this.n += o.samples.length; }, inputFinished() { this.done = true; } }; }
  isReady(s) { return s.done && s.n >= 8000; }
  compute(s) { return Float32Array.from([s.sum / s.n, s.zc / s.n, 0.01]); }
}
// The VAD is the real one (silero through the installed sherpa-onnx-node), as in production.
const { Vad } = require(REAL_SHERPA_PATH);
module.exports = { Vad, OfflineRecognizer, OfflineSpeakerDiarization, SpeakerEmbeddingExtractor };
`;

describe("the model providers through their child process (stub of the sherpa-onnx-node API)", () => {
  let fx: Awaited<ReturnType<typeof speechFixtures>>;
  let modelsDir: string;
  let sherpaOnnxPath: string;
  const calls = async () =>
    (await readFile(path.join(sherpaOnnxPath, "calls.jsonl"), "utf8").catch(() => ""))
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { cls: string; config?: Record<string, unknown>; seconds?: number; rms?: number });

  beforeAll(async () => {
    fx = await speechFixtures(["t2-mono-16k-wav", "enroll-A-webm", "enroll-B-webm"]);
    sherpaOnnxPath = path.join(fx.root, "fake-sherpa-onnx-node");
    await mkdir(sherpaOnnxPath, { recursive: true });
    await writeFile(path.join(sherpaOnnxPath, "package.json"), JSON.stringify({ name: "sherpa-onnx-node", main: "index.js" }));
    await writeFile(path.join(sherpaOnnxPath, "index.js"), FAKE_SHERPA.replace("REAL_SHERPA_PATH", JSON.stringify(resolveLocalConfig().sherpaOnnxPath)));
    // Fake model files that verify (a test manifest pins their own hashes).
    modelsDir = path.join(fx.root, "stub-models");
    for (const s of [spec("whisper-base.en"), spec("pyannote-segmentation-3.0"), spec("nemo-titanet-small")]) {
      await mkdir(path.join(modelsDir, s.id), { recursive: true });
      for (const f of Object.values(s.files)) await writeFile(path.join(modelsDir, s.id, f.path), `stub ${f.path}`);
    }
  }, 120_000);
  afterAll(async () => {
    await fx?.cleanup();
  });

  const pinnedToStubs = (s: ModelSpec): ModelSpec => ({
    ...s,
    files: Object.fromEntries(Object.entries(s.files).map(([k, f]) => [k, { path: f.path, sha256: sha(`stub ${f.path}`) }])),
  });
  const installed = (id: string) => {
    const s = pinnedToStubs(spec(id));
    return inspectModels(modelsDir, { manifest: [s] }).selected[s.role]!;
  };

  it("transcription: whole pieces of ≤ 30 s go to the recogniser with the documented config; words come back timed", async () => {
    const asr = new SherpaTranscriptionProvider({ sherpaOnnxPath, parallelism: 2 }, installed("whisper-base.en"));
    const audio = await fx.prepared("t2-mono-16k-wav");
    const result = await asr.transcribe(audio);
    const log = await calls();
    const config = log.find((c) => c.cls === "OfflineRecognizer")!.config as {
      featConfig: unknown;
      decodingMethod: string;
      modelConfig: { whisper: Record<string, unknown>; tokens: string; numThreads: number; provider: string };
    };
    expect(config.featConfig).toEqual({ sampleRate: 16000, featureDim: 80 });
    expect(config.decodingMethod).toBe("greedy_search");
    expect(config.modelConfig).toMatchObject({
      whisper: { encoder: path.join(modelsDir, "whisper-base.en", "base.en-encoder.int8.onnx"), decoder: path.join(modelsDir, "whisper-base.en", "base.en-decoder.int8.onnx"), language: "", task: "transcribe" },
      tokens: path.join(modelsDir, "whisper-base.en", "base.en-tokens.txt"),
      numThreads: 2,
      provider: "cpu",
    });
    const pieces = log.filter((c) => c.cls === "piece");
    expect(pieces.length).toBeGreaterThan(0);
    for (const p of pieces) {
      expect(p.seconds!).toBeLessThanOrEqual(25.5);
      expect(p.rms!).toBeGreaterThan(0.001); // real audio was read from the WAV
    }
    expect(result).toMatchObject({ language: "en", quality: "standard" });
    expect(result.words.map((w) => w.text)).toEqual(pieces.flatMap(() => ["Hello,", "world."]));
    const turns = fx.fixture("t2-mono-16k-wav").truth.turns;
    let previous = 0;
    for (const w of result.words) {
      expect(w.start).toBeGreaterThanOrEqual(previous);
      expect(w.end).toBeLessThanOrEqual(audio.durationSeconds);
      expect(turns.some((t) => w.start >= t.start - 0.5 && w.start <= t.end + 0.5)).toBe(true); // placed in speech
      previous = w.start;
    }
  }, 60_000);

  it("diarization: the documented config, the speaker estimate capped at maxSpeakers, a known count passed through", async () => {
    const diarizer = new SherpaDiarizationProvider({ sherpaOnnxPath, parallelism: 2, diarizationThreshold: 0.7 }, installed("pyannote-segmentation-3.0"), installed("nemo-titanet-small"));
    const audio = await fx.prepared("t2-mono-16k-wav");
    const capped = await diarizer.diarize(audio, { maxSpeakers: 3 });
    expect(capped.speakers.map((s) => s.id)).toEqual(["S1", "S2", "S3"]);
    expect(capped.segments[0]).toMatchObject({ speaker: "S1", start: 0 });
    const log = await calls();
    expect(log.filter((c) => c.cls === "OfflineSpeakerDiarization").at(-1)!.config).toMatchObject({
      segmentation: { pyannote: { model: path.join(modelsDir, "pyannote-segmentation-3.0", "model.onnx") }, numThreads: 2 },
      embedding: { model: path.join(modelsDir, "nemo-titanet-small", "nemo_en_titanet_small.onnx"), numThreads: 2 },
      clustering: { numClusters: -1, threshold: 0.7 },
      minDurationOn: 0.3,
      minDurationOff: 0.5,
    });
    expect(log.filter((c) => c.cls === "setConfig").at(-1)!.config).toEqual({ clustering: { numClusters: 3, threshold: 0.7 } });
    const known = await diarizer.diarize(audio, { numSpeakers: 2 });
    expect(known.speakers).toHaveLength(2);
    expect((await calls()).filter((c) => c.cls === "OfflineSpeakerDiarization").at(-1)!.config).toMatchObject({ clustering: { numClusters: 2 } });
  }, 60_000);

  it("voiceprint: enroll → a tagged embedding; identify gives a profile to one speaker at most and ignores other models' embeddings", async () => {
    const vp = new SherpaVoiceprintProvider({ sherpaOnnxPath, parallelism: 2 }, installed("nemo-titanet-small"));
    const { embedding } = await vp.enroll(await fx.prepared("enroll-A-webm"));
    expect(embedding).toMatchObject({ kind: "scryon-sherpa-voiceprint", model: "nemo-titanet-small", version: vp.modelVersion });
    expect(embedding.vector).toHaveLength(3);
    expect(embedding.speechSeconds).toBeGreaterThan(3);
    const audio = await fx.prepared("t2-mono-16k-wav");
    const truth = fx.fixture("t2-mono-16k-wav").truth;
    const ids = [...new Set(truth.turns.map((t) => t.speaker))];
    const diarization = {
      speakers: ids.map((_, i) => ({ id: `S${i + 1}`, label: `Speaker ${i + 1}` })),
      segments: truth.turns.map((t) => ({ speaker: `S${ids.indexOf(t.speaker) + 1}`, start: t.start, end: t.end })),
    };
    const matches = await vp.identify(audio, diarization, [
      { userId: "u", embedding },
      { userId: "old", embedding: { kind: "scryon-local-voiceprint", model: "scryon-mfcc-pitch", version: "1", vector: [1, 2, 3], speechSeconds: 9 } },
    ]);
    expect(matches).toHaveLength(2);
    expect(matches.filter((m) => m.userId === "u").length).toBeLessThanOrEqual(1);
    expect(matches.every((m) => m.userId !== "old" && m.score >= -1 && m.score <= 1)).toBe(true);
    await expect(vp.enroll(await prepareSilence(fx.root))).rejects.toThrow(/too little speech/);
  }, 60_000);
});

async function prepareSilence(root: string) {
  const { encodeWav } = await import("@/lib/speech/wav");
  const { prepareAudio } = await import("@/lib/speech/prepare");
  const file = path.join(root, "silence.wav");
  await writeFile(file, encodeWav(new Float32Array(16000 * 2), 16000));
  return prepareAudio(file, path.join(root, "silence"));
}

// --- real models (skipped unless installed) ---------------------------------------------------------------------

const REAL_MODELS_DIR = process.env.SCRYON_MODELS_DIR?.trim() || path.resolve(".data", "models");
const real = await discoverModels(REAL_MODELS_DIR);
const realAsr = real.selected.asr;
const realDiarization = Boolean(real.selected.segmentation && real.selected.embedding);
const realEmbedding = real.selected.embedding;
const SKIP = `needs models in ${REAL_MODELS_DIR}: run \`npm run models:pull\``;

describe.skipIf(!realAsr)(`model ASR on the fixtures (${realAsr?.spec.id ?? SKIP})`, () => {
  const engine = { modelsDir: REAL_MODELS_DIR, parallelism: 2 };
  let fx: Awaited<ReturnType<typeof speechFixtures>>;
  let mono: TranscriptionResult;

  beforeAll(async () => {
    fx = await speechFixtures(["t2-mono-16k-wav", "t2-stereo-16k-m4a"]);
    mono = await createSpeechProviders({ local: engine }).transcription.transcribe(await fx.prepared("t2-mono-16k-wav"));
  }, 600_000);
  afterAll(async () => {
    await fx?.cleanup();
  });

  it("clean 16 kHz two-speaker call: WER ≤ 0.30 (must beat pocketsphinx's floor 0.45 and its measured 0.33–0.38)", () => {
    const truth = fx.fixture("t2-mono-16k-wav").truth;
    const wer = wordErrorRate(truth.words, mono.words.map((w) => w.text));
    console.log(`${realAsr!.spec.id} t2-mono-16k-wav: WER ${wer.toFixed(3)} (${mono.words.length} words, reference ${truth.words.length})`);
    expect(mono.quality).toBe(realAsr!.spec.quality);
    expect(wer).toBeLessThanOrEqual(0.3);
  });

  it("word times are monotonic, inside the audio, and mostly inside the spoken turns (≥ 0.85; times are interpolated)", async () => {
    const audio = await fx.prepared("t2-mono-16k-wav");
    let previous = 0;
    for (const w of mono.words) {
      expect(w.start).toBeGreaterThanOrEqual(previous);
      expect(w.end).toBeGreaterThanOrEqual(w.start);
      expect(w.end).toBeLessThanOrEqual(audio.durationSeconds + 1e-6);
      previous = w.start;
    }
    const turns = fx.fixture("t2-mono-16k-wav").truth.turns;
    const inside = mono.words.filter((w) => turns.some((t) => w.start >= t.start - 0.3 && w.end <= t.end + 0.3)).length;
    console.log(`${realAsr!.spec.id}: ${((inside / mono.words.length) * 100).toFixed(1)} % of words inside their turn`);
    expect(inside / mono.words.length).toBeGreaterThanOrEqual(0.85);
  });

  it("per-side stereo: WER ≤ 0.35, every word tagged with its channel's speaker", async () => {
    const result = await createSpeechProviders({ local: engine }).transcription.transcribe(await fx.prepared("t2-stereo-16k-m4a"));
    const truth = fx.fixture("t2-stereo-16k-m4a").truth;
    const wer = wordErrorRate(truth.words, result.words.map((w) => w.text));
    console.log(`${realAsr!.spec.id} t2-stereo-16k-m4a: WER ${wer.toFixed(3)}`);
    expect(wer).toBeLessThanOrEqual(0.35);
    expect(result.words.every((w) => w.speaker === "S1" || w.speaker === "S2")).toBe(true);
  }, 600_000);
});

describe.skipIf(!realDiarization)(`model diarization on the fixtures (${realDiarization ? `${real.selected.segmentation!.spec.id} + ${real.selected.embedding!.spec.id}` : SKIP})`, () => {
  let fx: Awaited<ReturnType<typeof speechFixtures>>;
  const diarizer = () => createSpeechProviders({ local: { modelsDir: REAL_MODELS_DIR } }).diarization;

  beforeAll(async () => {
    fx = await speechFixtures(["t2-mono-16k-wav", "t3-mono-16k-ogg", "enroll-A-webm"]);
  }, 120_000);
  afterAll(async () => {
    await fx?.cleanup();
  });

  it("two speakers, mono: 2 found, segment accuracy ≥ 0.9 (the built-in engine's floor)", async () => {
    const result = await diarizer().diarize(await fx.prepared("t2-mono-16k-wav"));
    const score = scoreDiarization(fx.fixture("t2-mono-16k-wav").truth.turns, result.segments);
    console.log(`model diarization t2-mono-16k-wav: ${result.speakers.length} speakers, segment accuracy ${score.segmentAccuracy.toFixed(3)}, time accuracy ${score.timeAccuracy.toFixed(3)}`);
    expect(result.speakers).toHaveLength(2);
    expect(score.segmentAccuracy).toBeGreaterThanOrEqual(0.9);
  }, 600_000);

  it("three speakers: 3 found, segment accuracy ≥ 0.8; a voice sample is one speaker; a known count is honoured", async () => {
    const three = await diarizer().diarize(await fx.prepared("t3-mono-16k-ogg"));
    const score = scoreDiarization(fx.fixture("t3-mono-16k-ogg").truth.turns, three.segments);
    console.log(`model diarization t3-mono-16k-ogg: ${three.speakers.length} speakers, segment accuracy ${score.segmentAccuracy.toFixed(3)}`);
    expect(three.speakers).toHaveLength(3);
    expect(score.segmentAccuracy).toBeGreaterThanOrEqual(0.8);
    expect((await diarizer().diarize(await fx.prepared("enroll-A-webm"))).speakers).toHaveLength(1);
    expect((await diarizer().diarize(await fx.prepared("t3-mono-16k-ogg"), { numSpeakers: 2 })).speakers).toHaveLength(2);
  }, 600_000);
});

describe.skipIf(!realEmbedding)(`model voiceprint on the fixtures (${realEmbedding?.spec.id ?? SKIP})`, () => {
  let fx: Awaited<ReturnType<typeof speechFixtures>>;

  beforeAll(async () => {
    fx = await speechFixtures(["t2-mono-16k-wav", "t2-stereo-16k-m4a", "enroll-A-webm", "enroll-B-webm"]);
  }, 120_000);
  afterAll(async () => {
    await fx?.cleanup();
  });

  for (const name of ["t2-mono-16k-wav", "t2-stereo-16k-m4a"]) {
    it(`finds the enrolled user among the speakers of ${name}, and not the other voice`, async () => {
      const providers = createSpeechProviders({ local: { modelsDir: REAL_MODELS_DIR } });
      const profileA = (await providers.voiceprint.enroll(await fx.prepared("enroll-A-webm"))).embedding;
      const profileB = (await providers.voiceprint.enroll(await fx.prepared("enroll-B-webm"))).embedding;
      const audio = await fx.prepared(name);
      // The diarization is the fixture's truth, so this measures the voiceprint alone.
      const truth = fx.fixture(name).truth;
      const ids = [...new Set(truth.turns.map((t) => t.speaker))];
      const diarization = {
        speakers: ids.map((id, i) => ({ id: `S${i + 1}`, label: id })),
        segments: truth.turns.map((t) => ({ speaker: `S${ids.indexOf(t.speaker) + 1}`, start: t.start, end: t.end })),
      };
      const speakerOf = (voice: string) => `S${ids.indexOf(voice) + 1}`;
      const matches = await providers.voiceprint.identify(audio, diarization, [{ userId: "user-a", embedding: profileA }]);
      console.log(`${providers.voiceprint.model} ${name}: ${JSON.stringify(matches)} (threshold ${providers.voiceprint.threshold})`);
      expect(matches.find((m) => m.speaker === speakerOf("A"))).toMatchObject({ userId: "user-a" });
      expect(matches.find((m) => m.speaker === speakerOf("B"))).toMatchObject({ userId: null });
      const both = await providers.voiceprint.identify(audio, diarization, [
        { userId: "user-a", embedding: profileA },
        { userId: "user-b", embedding: profileB },
      ]);
      expect(both.find((m) => m.speaker === speakerOf("B"))).toMatchObject({ userId: "user-b" });
    }, 600_000);
  }
});
