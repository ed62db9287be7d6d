/**
 * Trains the local speaker models (`lib/speech/local/speaker-model.json`, and `speaker-model-narrowband.json`
 * for calls that came in at 8 kHz or less): linear discriminant analyses of
 * frame-level statistics over the TUNING half of the LibriSpeech development readers (even ids) — never the
 * held-out half, which only the benchmark measures.
 *
 *   npm run train:speakers            # needs ../shared/speech/librispeech-dev
 *   npm run train:speakers -- --check # trains and compares with the committed models (exit 1 when they differ)
 *
 * Each tuning reader's clip is cut at its pauses (`speechPieces`), every piece into chunks of 1.5 s
 * (hop 0.75 s; a shorter piece of ≥ 0.5 s is one chunk), and each chunk gives a statistics vector
 * (`speakerStats`). With `--augment phone` (default) every clip is also passed through the phone band
 * (300–3400 Hz, 8 kHz μ-law) so the projection keeps what survives a telephone line. LDA: standardise,
 * within-reader scatter (regularised) → whitening, between-reader scatter in the whitened space →
 * eigenvectors; the top `dim` directions are kept. With `--synthetic` (default; `--no-synthetic` to leave
 * them out) the espeak-ng/festival voices of the generated fixtures join as extra classes (needs espeak-ng
 * and festival, as the fixtures do). Deterministic: same data, same model.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { ffmpegPath } from "@/lib/audio/ffmpeg";
import { encodeWav } from "@/lib/speech/wav";
import { framesOfSamples, HOP_SECONDS, speakerStats, STATS_DIM, type FrameRef } from "@/lib/speech/local/features";
import type { SpeakerModel } from "@/lib/speech/local/speaker-model";
import { makeSpeechFixtures } from "./make-speech-fixtures";
import { decodeToFloat, loadClips, SAMPLE_RATE, SHARED_DIR, speechPieces, type Clip } from "./speech-corpus/real-voices";

const run = promisify(execFile);
const MODEL_PATHS = {
  wideband: path.resolve("lib/speech/local/speaker-model.json"),
  narrowband: path.resolve("lib/speech/local/speaker-model-narrowband.json"),
  voiceprint: path.resolve("lib/speech/local/voiceprint-model.json"),
};

export const TRAINING = {
  chunkSeconds: 1.5,
  hopSeconds: 0.75,
  minChunkSeconds: 0.5,
  dim: 25,
  /** Added to the diagonal of the within-reader scatter, as a share of its mean eigenvalue. */
  regularisation: 0.01,
};

/**
 * The voiceprint's own projection (`voiceprint-model.json`): the same training chunks as the wideband model,
 * kept at more dimensions, with every tuning reader's whole clip embedded as the S-norm cohort. Its settings
 * and the resolver's threshold were chosen by cross-validation over four folds of the tuning readers, `(id / 2)
 * mod 4` (`scripts/speech-corpus/cv-voiceprint.ts`, `cv-diarization.ts`: each fold scored by a projection
 * trained on the other three, so on voices it never saw, as a new user's).
 */
export const VOICEPRINT_FOLDS = 4;
export const voiceprintFold = (reader: string) => (Number(reader) / 2) % VOICEPRINT_FOLDS;
export const VOICEPRINT_TRAINING = {
  dim: 30,
  regularisation: 0.01,
};

/** Statistics vectors of 1.5 s chunks of a clip's speech. */
export function chunkStats(samples: Float32Array, clip: Clip, chunkSeconds = TRAINING.chunkSeconds, hopSeconds = TRAINING.hopSeconds): number[][] {
  const pieces = speechPieces({ ...clip, samples });
  const frames = framesOfSamples(samples, pieces.map((p) => ({ start: p.from / SAMPLE_RATE, end: p.to / SAMPLE_RATE })));
  const per = Math.round(chunkSeconds / HOP_SECONDS);
  const hop = Math.round(hopSeconds / HOP_SECONDS);
  const min = Math.round(TRAINING.minChunkSeconds / HOP_SECONDS);
  const out: number[][] = [];
  for (const fr of frames) {
    const refs: FrameRef[] = [];
    if (fr.count < per) {
      if (fr.count >= min) refs.push({ frames: fr, from: 0, to: fr.count });
    } else {
      for (let s = 0; s + per <= fr.count; s += hop) refs.push({ frames: fr, from: s, to: s + per });
    }
    for (const ref of refs) {
      const v = speakerStats([ref]);
      if (v) out.push(v);
    }
  }
  return out;
}

/**
 * Synthetic voices as extra classes: the espeak-ng and festival voices of the generated fixtures (16 kHz
 * mono ones), each voice's turns cut into chunks like a reader's clip. Real readers alone leave two espeak-ng
 * voices that differ mostly in pitch inseparable; with them the projection keeps that difference too.
 */
export async function syntheticChunks(): Promise<{ label: string; v: number[] }[]> {
  const fixtures = (await makeSpeechFixtures({ set: "all" })).filter((f) => f.truth.sampleRate === 16000 && f.truth.layout === "mono");
  const out: { label: string; v: number[] }[] = [];
  for (const f of fixtures) {
    const samples = await decodeToFloat(f.audioPath);
    for (const speaker of f.truth.speakers) {
      const label = `synthetic:${JSON.stringify(speaker.voice)}`;
      for (const turn of f.truth.turns.filter((t) => t.speaker === speaker.id)) {
        const clip: Clip = { id: `${f.name}-${turn.start}`, reader: label, sex: "?", split: "tuning", samples: samples.slice(Math.floor(turn.start * SAMPLE_RATE), Math.ceil(turn.end * SAMPLE_RATE)) };
        for (const v of chunkStats(clip.samples, clip)) out.push({ label, v });
      }
    }
  }
  return out;
}

export async function phoneBand(samples: Float32Array, dir: string): Promise<Float32Array> {
  const wav = path.join(dir, "in.wav");
  const phone = path.join(dir, "phone.wav");
  await writeFile(wav, encodeWav(samples, SAMPLE_RATE));
  await run(ffmpegPath(), ["-nostdin", "-v", "error", "-y", "-i", wav, "-af", "highpass=f=300,lowpass=f=3400", "-ar", "8000", "-c:a", "pcm_mulaw", phone]);
  return decodeToFloat(phone);
}

export function trainLda(samples: { label: string; v: number[] }[], dim: number, regularisation: number) {
  const inputDim = samples[0]!.v.length;
  const center = new Array<number>(inputDim).fill(0);
  for (const s of samples) s.v.forEach((x, d) => (center[d]! += x / samples.length));
  const variance = new Array<number>(inputDim).fill(0);
  for (const s of samples) s.v.forEach((x, d) => (variance[d]! += (x - center[d]!) ** 2 / samples.length));
  const scale = variance.map((v) => Math.sqrt(v) || 1);
  const standard = samples.map((s) => s.v.map((x, d) => (x - center[d]!) / scale[d]!));

  const byLabel = new Map<string, number[][]>();
  samples.forEach((s, i) => byLabel.set(s.label, [...(byLabel.get(s.label) ?? []), standard[i]!]));
  const within = Matrix.zeros(inputDim, inputDim);
  const between = Matrix.zeros(inputDim, inputDim);
  for (const rows of byLabel.values()) {
    const m = new Array<number>(inputDim).fill(0);
    for (const r of rows) r.forEach((x, d) => (m[d]! += x / rows.length));
    for (const r of rows) {
      const diff = Matrix.columnVector(r.map((x, d) => x - m[d]!));
      within.add(diff.mmul(diff.transpose()));
    }
    const mm = Matrix.columnVector(m);
    between.add(mm.mmul(mm.transpose()).mul(rows.length));
  }
  within.div(samples.length);
  between.div(samples.length);
  const ridge = (regularisation * within.trace()) / inputDim;
  for (let d = 0; d < inputDim; d++) within.set(d, d, within.get(d, d) + ridge);

  const w = new EigenvalueDecomposition(within, { assumeSymmetric: true });
  const whiten = w.eigenvectorMatrix.mmul(Matrix.diag(w.realEigenvalues.map((x) => 1 / Math.sqrt(x)))).transpose();
  const b = new EigenvalueDecomposition(whiten.mmul(between).mmul(whiten.transpose()), { assumeSymmetric: true });
  const order = b.realEigenvalues
    .map((value, i) => ({ value, i }))
    .sort((x, y) => y.value - x.value)
    .slice(0, dim);
  const directions = new Matrix(
    order.map(({ i }) => {
      const col = b.eigenvectorMatrix.getColumn(i);
      // A fixed sign per direction keeps the model file stable across runs.
      const sign = col[col.reduce((best, x, j) => (Math.abs(x) > Math.abs(col[best]!) ? j : best), 0)]! < 0 ? -1 : 1;
      return col.map((x) => x * sign);
    }),
  );
  const projection = directions.mmul(whiten).to2DArray();
  const outputMean = new Array<number>(dim).fill(0);
  for (const x of standard) {
    projection.forEach((row, k) => (outputMean[k]! += row.reduce((s, p, d) => s + p * x[d]!, 0) / standard.length));
  }
  return { center, scale, projection, outputMean, eigenvalues: order.map((o) => o.value) };
}

const round = (x: number) => Number(x.toPrecision(6));

/** A length-normalised embedding with a freshly trained (unrounded) projection. */
export function embedWith(lda: ReturnType<typeof trainLda>, stats: number[]): number[] {
  const x = stats.map((v, d) => (v - lda.center[d]!) / lda.scale[d]!);
  const y = lda.projection.map((row, k) => row.reduce((s, p, d) => s + p * x[d]!, 0) - lda.outputMean[k]!);
  const norm = Math.hypot(...y);
  return y.map((v) => v / norm);
}

async function main() {
  const args = process.argv.slice(2);
  const check = args.includes("--check");
  const augment = [...(args.includes("--no-phone") ? [] : ["phone-8k-ulaw"]), ...(args.includes("--no-synthetic") ? [] : ["synthetic-voices"])];
  if (!existsSync(path.join(SHARED_DIR, "audio"))) {
    console.error(`The training data is not here: ${SHARED_DIR} (the LibriSpeech development readers, see docs/speech.md).`);
    process.exit(2);
  }
  const clips = (await loadClips(SHARED_DIR)).filter((c) => c.split === "tuning");
  const tmp = await mkdtemp(path.join(os.tmpdir(), "scryon-train-"));
  const wide: { label: string; v: number[] }[] = [];
  const narrow: { label: string; v: number[] }[] = [];
  /** Each tuning reader's whole-clip statistics: the cohort that voiceprint scores are normalised against. */
  const cohortStats: number[][] = [];
  try {
    for (const clip of clips) {
      for (const v of chunkStats(clip.samples, clip)) wide.push({ label: clip.reader, v });
      const pieces = speechPieces(clip);
      const frames = framesOfSamples(clip.samples, pieces.map((p) => ({ start: p.from / SAMPLE_RATE, end: p.to / SAMPLE_RATE })));
      const whole = speakerStats(frames.map((f) => ({ frames: f, from: 0, to: f.count })));
      if (whole) cohortStats.push(whole);
      for (const v of chunkStats(await phoneBand(clip.samples, tmp), clip)) {
        narrow.push({ label: clip.reader, v });
        if (augment.includes("phone-8k-ulaw")) wide.push({ label: clip.reader, v });
      }
    }
    if (augment.includes("synthetic-voices")) wide.push(...(await syntheticChunks()));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  let differs = false;
  const bands = [
    ["wideband", wide, augment, TRAINING.dim, TRAINING.regularisation],
    ["narrowband", narrow, [], TRAINING.dim, TRAINING.regularisation],
    ["voiceprint", wide, augment, VOICEPRINT_TRAINING.dim, VOICEPRINT_TRAINING.regularisation],
  ] as const;
  for (const [band, samples, augmentedWith, dim, regularisation] of bands) {
    const lda = trainLda(samples, dim, regularisation);
    const model: SpeakerModel = {
      kind: "scryon-speaker-lda",
      version: "1",
      inputDim: STATS_DIM,
      dim,
      center: lda.center.map(round),
      scale: lda.scale.map(round),
      projection: lda.projection.map((row) => row.map(round)),
      outputMean: lda.outputMean.map(round),
      ...(band === "voiceprint" ? { cohort: cohortStats.map((stats) => embedWith(lda, stats).map((x) => Number(x.toFixed(4)))) } : {}),
      trainedOn: {
        readers: new Set(samples.map((x) => x.label)).size,
        chunks: samples.length,
        chunkSeconds: TRAINING.chunkSeconds,
        split: `LibriSpeech dev readers with even ids${band === "narrowband" ? ", phone band only (300-3400 Hz, 8 kHz mu-law)" : ""}`,
        augment: [...augmentedWith],
      },
    };
    const text = `${JSON.stringify(model)}\n`;
    const file = MODEL_PATHS[band];
    console.log(`${band}: ${model.trainedOn.readers} classes, ${samples.length} chunks; top eigenvalues ${lda.eigenvalues.slice(0, 5).map((v) => v.toFixed(2)).join(", ")}`);
    if (check) {
      const committed = existsSync(file) ? await readFile(file, "utf8") : "";
      if (committed !== text) {
        console.error(`The committed ${path.basename(file)} differs from a fresh training run.`);
        differs = true;
      }
      continue;
    }
    await writeFile(file, text);
    console.log(`wrote ${path.relative(process.cwd(), file)} (${text.length} bytes)`);
  }
  if (check) {
    if (differs) process.exit(1);
    console.log("The committed speaker models are reproducible.");
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
