import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { PreparedAudio, TranscribedWord, TranscriptionOptions, TranscriptionProvider, TranscriptionResult } from "../types";
import { WavReader } from "../wav";
import { runChild } from "./child";
import { resolveLocalConfig, verifyPocketsphinx, type LocalEngineOptions, type ResolvedLocalConfig } from "./config";
import { speechRegions, transcriptionSources, type SpeechRegion } from "./vad";

/**
 * Local transcription with Debian's pocketsphinx 0.8 (`pocketsphinx_continuous`), draft quality.
 *
 * The recording is cut at pauses (the VAD regions shared with diarization) into chunks of speech; long
 * silences are skipped entirely. Chunks are decoded by parallel `pocketsphinx_continuous` processes (one per
 * core), each reading the chunk as headerless 16 kHz PCM from a `.raw` file in the work directory (a name
 * without `.wav` is read as raw PCM; `/dev/stdin` does not work because Node's stdio pipes are sockets,
 * which cannot be opened by path), and the word times are shifted back by the chunk's start. For a per-side stereo recording each
 * channel is transcribed on its own, only where that side speaks, and every word carries the channel's
 * speaker id — so overlapping talk is transcribed for both parties.
 *
 * Output lines with `-time yes`: `word start end posterior`. `<s>`, `</s>`, `<sil>` and fillers
 * (`[NOISE]`, `[SPEECH]`, `++…++`) are dropped; alternate pronunciations (`the(2)`) lose their suffix.
 *
 * The acoustic model's cepstral mean normalisation starts from fixed values in `feat.params` and adapts
 * during the first utterance, which is mostly lost when the input is much louder or quieter than the
 * model's training data. So the input level is normalised first (`levelGain`): every chunk's speech is
 * scaled to the same RMS, which is close to what the model's initial cepstral mean expects.
 */

export const TRANSCRIPTION_SETTINGS = {
  /** Chunks aim at total speech / (parallelism × 2), within these bounds (seconds). */
  minChunkSeconds: 8,
  maxChunkSeconds: 40,
  /** Audio kept around each region, and the longest pause kept inside a chunk. */
  padSeconds: 0.25,
  maxPauseSeconds: 2,
  /**
   * Speech RMS the decoder sees (int16 units, ≈ -39 dBFS). The en-us model's initial cepstral mean (c0 = 41
   * in `feat.params`) matches speech at about this level; on the fixtures WER fell from 0.47 (as recorded,
   * speech near -22 dBFS) to 0.26 at 300–400.
   */
  targetRms: 380,
  /**
   * Beam limit (`-maxhmmpf`, pocketsphinx default 30000). 5000 took ~30 % less CPU on the fixtures for
   * +0.006 WER; 2000 cost +0.05 WER.
   */
  maxHmmPerFrame: 5000,
  /** Word and phone exit beams (`-wbeam`, `-pbeam`; defaults 7e-29, 1e-48): −17 % CPU, WER unchanged (0.30). */
  wordBeam: "1e-20",
  phoneBeam: "1e-40",
  /** Extra `pocketsphinx_continuous` arguments. */
  extraArgs: [] as string[],
};

export interface Chunk {
  start: number;
  end: number;
}

export class LocalTranscriptionProvider implements TranscriptionProvider {
  readonly name = "local";
  private readonly config: ResolvedLocalConfig;

  constructor(options: LocalEngineOptions = {}) {
    this.config = resolveLocalConfig(options);
  }

  async transcribe(audio: PreparedAudio, options: TranscriptionOptions = {}): Promise<TranscriptionResult> {
    await verifyPocketsphinx(this.config);
    const regions = await speechRegions(audio, this.config, { signal: options.signal });
    const sources = transcriptionSources(audio, regions);

    const jobs: { wav: string; chunk: Chunk; speaker?: string; gain: number }[] = [];
    for (const source of sources) {
      const gain = await levelGain(source.wav, source.regions);
      const chunks = this.config.chunking
        ? planChunks(source.regions, audio.durationSeconds, this.config.parallelism)
        : source.regions.length
          ? [{ start: 0, end: audio.durationSeconds }]
          : [];
      for (const chunk of chunks) jobs.push({ wav: source.wav, chunk, gain, ...(source.speaker ? { speaker: source.speaker } : {}) });
    }
    // Longest first: better packing on the worker pool.
    const order = jobs.map((_, i) => i).sort((a, b) => jobs[b]!.chunk.end - jobs[b]!.chunk.start - (jobs[a]!.chunk.end - jobs[a]!.chunk.start));
    const results: TranscribedWord[][] = new Array(jobs.length);
    const tag = `${process.pid}-${Date.now().toString(36)}`;
    await pool(order, this.config.parallelism, async (i) => {
      const job = jobs[i]!;
      const raw = path.join(audio.workDir, `asr-${tag}-${i}.raw`);
      try {
        results[i] = await this.decodeChunk(job.wav, job.chunk, job.gain, raw, options.signal);
      } finally {
        await rm(raw, { force: true });
      }
      if (job.speaker) for (const w of results[i]!) w.speaker = job.speaker;
    });
    const words = results.flat().sort((a, b) => a.start - b.start || a.end - b.end);
    return { language: "en", words, quality: "draft" };
  }

  private async decodeChunk(wav: string, chunk: Chunk, gain: number, raw: string, signal?: AbortSignal): Promise<TranscribedWord[]> {
    const reader = await WavReader.open(wav);
    let pcm: Buffer;
    try {
      pcm = await reader.readPcm(chunk.start * 16000, (chunk.end - chunk.start) * 16000);
    } finally {
      await reader.close();
    }
    if (gain !== 1) applyGain(pcm, gain);
    await writeFile(raw, pcm);
    const dir = this.config.pocketsphinxModelDir;
    const stdout = await runChild(
      this.config.pocketsphinxBinary,
      [
        "-infile", raw,
        "-time", "yes",
        "-logfn", "/dev/null",
        "-hmm", path.join(dir, "en-us"),
        "-lm", path.join(dir, "en-us.lm.bin"),
        "-dict", path.join(dir, "cmudict-en-us.dict"),
        "-maxhmmpf", String(TRANSCRIPTION_SETTINGS.maxHmmPerFrame),
        "-wbeam", TRANSCRIPTION_SETTINGS.wordBeam,
        "-pbeam", TRANSCRIPTION_SETTINGS.phoneBeam,
        ...TRANSCRIPTION_SETTINGS.extraArgs,
      ],
      { what: "speech recognition (pocketsphinx)", signal, timeoutMs: Math.max(60_000, (chunk.end - chunk.start) * 5000) },
    );
    return parsePocketsphinxTimes(stdout, chunk.start, chunk.end);
  }
}

/**
 * Group speech regions into chunks cut in pauses: a chunk grows while the next region starts within
 * `maxPauseSeconds` and the chunk stays under the target length. Chunk edges sit `padSeconds` outside the
 * speech, but never past the middle of the pause to the neighbouring region.
 */
export function planChunks(regions: SpeechRegion[], duration: number, parallelism: number): Chunk[] {
  const s = TRANSCRIPTION_SETTINGS;
  if (regions.length === 0) return [];
  const speech = regions.reduce((a, r) => a + (r.end - r.start), 0);
  const target = Math.min(s.maxChunkSeconds, Math.max(s.minChunkSeconds, speech / (parallelism * 2)));
  const groups: SpeechRegion[][] = [];
  for (const r of regions) {
    const current = groups.at(-1);
    const first = current?.[0];
    const last = current?.at(-1);
    if (current && first && last && r.start - last.end <= s.maxPauseSeconds && r.end - first.start <= target) current.push(r);
    else groups.push([r]);
  }
  return groups.map((g, i) => {
    const prevEnd = i > 0 ? groups[i - 1]!.at(-1)!.end : 0;
    const nextStart = i < groups.length - 1 ? groups[i + 1]![0]!.start : duration;
    const first = g[0]!.start;
    const last = g.at(-1)!.end;
    return {
      start: Math.max(0, first - s.padSeconds, (prevEnd + first) / 2),
      end: Math.min(duration, last + s.padSeconds, (last + nextStart) / 2),
    };
  });
}

const SKIP = /^(<s>|<\/s>|<sil>|<unk>|\[.*\]|\+\+.*\+\+)$/i;
const LINE = /^(\S+) (-?\d+(?:\.\d+)?) (-?\d+(?:\.\d+)?) (-?\d+(?:\.\d+)?(?:e-?\d+)?)$/;

/** Words from `pocketsphinx_continuous -time yes` output, shifted by `offset` and clamped to the chunk. */
export function parsePocketsphinxTimes(stdout: string, offset = 0, limit = Infinity): TranscribedWord[] {
  const words: TranscribedWord[] = [];
  for (const raw of stdout.split("\n")) {
    const m = LINE.exec(raw.trim());
    if (!m) continue;
    const token = m[1]!;
    if (SKIP.test(token)) continue;
    const text = token.replace(/\(\d+\)$/, "");
    if (!text) continue;
    const start = Math.min(limit, offset + Number(m[2]));
    const end = Math.min(limit, Math.max(start, offset + Number(m[3])));
    const confidence = Math.max(0, Math.min(1, Number(m[4])));
    words.push({ text, start: round(start), end: round(end), confidence: round(confidence) });
  }
  return words;
}

/** Gain that brings the speech regions of `wav` to `targetRms` (int16 units), within 0.02..10. */
async function levelGain(wav: string, regions: SpeechRegion[]): Promise<number> {
  if (regions.length === 0 || TRANSCRIPTION_SETTINGS.targetRms <= 0) return 1;
  const reader = await WavReader.open(wav);
  try {
    let sum = 0;
    let n = 0;
    // Sample up to ~60 s of speech spread over the recording.
    const step = Math.max(1, Math.floor(regions.length / 40));
    for (let i = 0; i < regions.length; i += step) {
      const r = regions[i]!;
      const x = await reader.readFloat(r.start * 16000, Math.min(1.5, r.end - r.start) * 16000);
      for (const v of x) sum += v * v;
      n += x.length;
    }
    if (n === 0 || sum === 0) return 1;
    const rms = Math.sqrt(sum / n) * 32768;
    return Math.max(0.02, Math.min(10, TRANSCRIPTION_SETTINGS.targetRms / rms));
  } finally {
    await reader.close();
  }
}

function applyGain(pcm: Buffer, gain: number): void {
  for (let i = 0; i + 1 < pcm.length; i += 2) {
    const v = Math.round(pcm.readInt16LE(i) * gain);
    pcm.writeInt16LE(Math.max(-32768, Math.min(32767, v)), i);
  }
}

async function pool<T>(items: T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (next < items.length && failed === undefined) {
      const item = items[next++]!;
      try {
        await run(item);
      } catch (error) {
        failed ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(size, items.length)) }, worker));
  if (failed !== undefined) throw failed;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
