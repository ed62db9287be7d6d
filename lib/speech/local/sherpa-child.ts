import { randomBytes } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { SpeechEngineCrashError } from "../errors";
import { WavReader } from "../wav";
import { runChild } from "./child";
import type { ResolvedLocalConfig } from "./config";

/**
 * The child process that runs the optional sherpa-onnx models (ASR, diarization, speaker embeddings): the same
 * isolation as the VAD (`vad.ts`) — plain CommonJS passed with `node -e`, an empty environment, and a native
 * crash (onnxruntime aborting on a bad model, an out-of-memory kill, a timeout) ends only this child; the
 * parent turns it into a transient `SpeechEngineCrashError`. The server process never loads sherpa-onnx-node.
 *
 * The task is passed as a JSON file in the work dir (it can be larger than a command-line argument may be).
 * Audio is read by the child from the prepared 16 kHz mono WAV, in blocks, by sample range. The result is
 * printed as one line behind a marker, so log lines the native library may print to stdout cannot corrupt it.
 */

export const RESULT_MARKER = "@@SCRYON-SHERPA-RESULT@@";

const SHERPA_CHILD = String.raw`
"use strict";
const fs = require("fs");
const [sherpaPath, inputPath] = process.argv.slice(1);
const input = JSON.parse(fs.readFileSync(inputPath, "utf8"));
const sherpa = require(sherpaPath);

function readSamples(wav, start, count) {
  const from = Math.max(0, Math.min(wav.frames, Math.floor(start)));
  const to = Math.max(from, Math.min(wav.frames, Math.floor(start + count)));
  const n = to - from;
  const out = new Float32Array(n);
  if (n === 0) return out;
  const fd = fs.openSync(wav.path, "r");
  try {
    const BLOCK = 1 << 18;
    const buf = Buffer.alloc(Math.min(n, BLOCK) * 2);
    for (let done = 0; done < n; ) {
      const m = Math.min(BLOCK, n - done);
      fs.readSync(fd, buf, 0, m * 2, wav.dataOffset + (from + done) * 2);
      for (let i = 0; i < m; i++) out[done + i] = buf.readInt16LE(i * 2) / 32768;
      done += m;
    }
  } finally {
    fs.closeSync(fd);
  }
  return out;
}

function asr(o) {
  const modelConfig = { tokens: o.files.tokens, numThreads: o.numThreads, provider: "cpu", debug: 0 };
  if (o.engine === "whisper") {
    modelConfig.whisper = { encoder: o.files.encoder, decoder: o.files.decoder, language: o.language, task: "transcribe", tailPaddings: -1 };
  } else if (o.engine === "moonshine") {
    modelConfig.moonshine = { preprocessor: o.files.preprocessor, encoder: o.files.encoder,
      uncachedDecoder: o.files.uncachedDecoder, cachedDecoder: o.files.cachedDecoder };
  } else {
    throw new Error("unknown ASR engine " + o.engine);
  }
  const rec = new sherpa.OfflineRecognizer({ featConfig: { sampleRate: 16000, featureDim: 80 }, modelConfig, decodingMethod: "greedy_search" });
  const results = [];
  for (const p of o.pieces) {
    const stream = rec.createStream();
    stream.acceptWaveform({ samples: readSamples(p.wav, p.start, p.count), sampleRate: 16000 });
    rec.decode(stream);
    const r = rec.getResult(stream);
    results.push({ text: r.text || "", tokens: r.tokens || [], timestamps: r.timestamps || [], logProbs: r.ys_log_probs || [] });
  }
  return { results };
}

function diarize(o) {
  const sd = new sherpa.OfflineSpeakerDiarization({
    segmentation: { pyannote: { model: o.segmentation }, numThreads: o.numThreads, debug: 0, provider: "cpu" },
    embedding: { model: o.embedding, numThreads: o.numThreads, debug: 0, provider: "cpu" },
    clustering: { numClusters: o.numClusters, threshold: o.threshold },
    minDurationOn: o.minDurationOn,
    minDurationOff: o.minDurationOff,
  });
  const samples = readSamples(o.wav, 0, o.wav.frames);
  let segments = sd.process(samples);
  const found = new Set(segments.map((s) => s.speaker)).size;
  let recapped = false;
  if (o.numClusters <= 0 && o.maxSpeakers > 0 && found > o.maxSpeakers) {
    sd.setConfig({ clustering: { numClusters: o.maxSpeakers, threshold: o.threshold } });
    segments = sd.process(samples);
    recapped = true;
  }
  return { recapped, segments: segments.map((s) => ({ start: s.start, end: s.end, speaker: s.speaker })) };
}

function embed(o) {
  const ex = new sherpa.SpeakerEmbeddingExtractor({ model: o.model, numThreads: o.numThreads, debug: 0, provider: "cpu" });
  const embeddings = [];
  for (const item of o.items) {
    const stream = ex.createStream();
    let any = false;
    for (const [start, count] of item.ranges) {
      const samples = readSamples(item.wav, start, count);
      if (samples.length > 0) {
        stream.acceptWaveform({ samples, sampleRate: 16000 });
        any = true;
      }
    }
    stream.inputFinished();
    embeddings.push(any && ex.isReady(stream) ? Array.from(ex.compute(stream, false)) : null);
  }
  return { dim: ex.dim, embeddings };
}

const tasks = { asr, diarize, embed };
if (!tasks[input.task]) throw new Error("unknown task " + input.task);
const result = tasks[input.task](input);
process.stdout.write("\n" + ${JSON.stringify(RESULT_MARKER)} + JSON.stringify(result) + "\n");
`;

/** A mono 16 kHz WAV as the child reads it. */
export interface ChildWav {
  path: string;
  dataOffset: number;
  frames: number;
}

/** The header facts the child needs to read a prepared WAV by sample range. */
export async function childWav(file: string): Promise<ChildWav> {
  const reader = await WavReader.open(file);
  try {
    const { dataOffset, frames, sampleRate, channels } = reader.info;
    if (sampleRate !== 16000 || channels !== 1) throw new Error("the sherpa-onnx providers expect 16 kHz mono WAV");
    return { path: file, dataOffset, frames };
  } finally {
    await reader.close();
  }
}

export type SherpaTask =
  | {
      task: "asr";
      engine: "whisper" | "moonshine";
      language: string;
      files: Record<string, string>;
      numThreads: number;
      pieces: { wav: ChildWav; start: number; count: number }[];
    }
  | {
      task: "diarize";
      segmentation: string;
      embedding: string;
      numThreads: number;
      numClusters: number;
      threshold: number;
      maxSpeakers: number;
      minDurationOn: number;
      minDurationOff: number;
      wav: ChildWav;
    }
  | { task: "embed"; model: string; numThreads: number; items: { wav: ChildWav; ranges: [number, number][] }[] };

export interface AsrPieceResult {
  text: string;
  tokens: string[];
  timestamps: number[];
  logProbs: number[];
}

export type SherpaResult<T extends SherpaTask["task"]> = T extends "asr"
  ? { results: AsrPieceResult[] }
  : T extends "diarize"
    ? { recapped: boolean; segments: { start: number; end: number; speaker: number }[] }
    : { dim: number; embeddings: (number[] | null)[] };

/** Runs one task in a fresh child process; the task file lives in `workDir` while it runs. */
export async function runSherpaTask<T extends SherpaTask>(
  config: ResolvedLocalConfig,
  task: T,
  options: { workDir: string; what: string; timeoutMs: number; signal?: AbortSignal },
): Promise<SherpaResult<T["task"]>> {
  const file = path.join(options.workDir, `sherpa-${task.task}-${process.pid}-${randomBytes(4).toString("hex")}.json`);
  await writeFile(file, JSON.stringify(task));
  let stdout: string;
  try {
    stdout = await runChild(config.nodeBinary, ["-e", SHERPA_CHILD, "--", config.sherpaOnnxPath, file], {
      what: options.what,
      timeoutMs: options.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } finally {
    await rm(file, { force: true });
  }
  return parseChildResult(stdout, options.what) as SherpaResult<T["task"]>;
}

/** The JSON behind the last marker line of the child's stdout. */
export function parseChildResult(stdout: string, what: string): unknown {
  const line = stdout.split("\n").reverse().find((l) => l.startsWith(RESULT_MARKER));
  if (!line) throw new SpeechEngineCrashError(`The ${what} process returned no result.`);
  try {
    return JSON.parse(line.slice(RESULT_MARKER.length));
  } catch (error) {
    throw new SpeechEngineCrashError(`The ${what} process returned garbage.`, { cause: error });
  }
}
