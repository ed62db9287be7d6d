import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { FfmpegError, fileUrl, runFfmpeg } from "@/lib/audio/ffmpeg";
import { parseInputAudioStream } from "@/lib/audio/probe";
import { SpeechAudioError, SpeechEngineUnavailableError } from "./errors";
import type { ChannelAnalysis, ChannelLayout, PreparedAudio } from "./types";
import { WavReader } from "./wav";

/**
 * Decode a recording once for every speech stage:
 * - `audio.wav`: 16 kHz mono 16-bit PCM, bit-exact 44-byte header (pocketsphinx skips exactly 44 bytes);
 * - for two-channel input also `left.wav` / `right.wav`, and a look at whether the channels really differ.
 *
 * Channel decision (measured on 20 ms frames of the decoded channels):
 * - `stereo-one-sided` when one channel is more than 30 dB quieter than the other over the whole file;
 * - `stereo-split` (one party per channel) when the channels differ (RMS(L-R)/RMS(L+R) ≥ 0.1, i.e. the
 *   difference is no more than 20 dB below the signal) AND at least half of the frames with speech on either
 *   side are dominated by one side by more than 10 dB — which a per-side phone recording does (each party is
 *   loud on their own channel, at most an echo on the other) and a two-microphone room recording does not;
 * - `stereo-duplicated` otherwise (identical channels, or nearly so after lossy coding).
 *
 * The result is also written to `speech-prepare.json` in `workDir`; calling again with the same unchanged input
 * reuses the decoded files (a retried stage does not decode twice).
 */

const MANIFEST = "speech-prepare.json";
const MANIFEST_VERSION = 2;
const FRAME = 320; // 20 ms at 16 kHz

export const CHANNEL_THRESHOLDS = {
  /** Below this RMS ratio between the quiet and the loud channel, the quiet one is ignored (-30 dB). */
  oneSidedRatio: 0.0316,
  /** RMS(L-R)/RMS(L+R) below this: the same signal on both sides (-20 dB). */
  differenceRatio: 0.1,
  /** Fraction of active frames that must be dominated by one side for a per-side recording. */
  dominance: 0.5,
  /** dB by which a side must be louder to dominate a frame. */
  dominanceDb: 10,
} as const;

export interface PrepareOptions {
  signal?: AbortSignal;
  /** Per ffmpeg run. Default 30 minutes. */
  timeoutMs?: number;
}

export async function prepareAudio(inputPath: string, workDir: string, options: PrepareOptions = {}): Promise<PreparedAudio> {
  const source = path.resolve(inputPath);
  const dir = path.resolve(workDir);
  const sourceStat = await stat(source);
  await mkdir(dir, { recursive: true });

  const cached = await readManifest(dir, source, sourceStat.size, sourceStat.mtimeMs);
  if (cached) return cached;

  const ffOpts = { signal: options.signal, timeoutMs: options.timeoutMs ?? 30 * 60_000 };
  const { channels, sampleRate: sourceSampleRate } = await probeStream(source, ffOpts);
  const wavPath = path.join(dir, "audio.wav");
  const bitexact = ["-c:a", "pcm_s16le", "-fflags", "+bitexact", "-flags:a", "+bitexact", "-map_metadata", "-1", "-f", "wav"];

  let channelWavPaths: string[] = [];
  if (channels === 2) {
    channelWavPaths = [path.join(dir, "left.wav"), path.join(dir, "right.wav")];
    const graph =
      "[0:a:0]asplit=3[a][b][c];" +
      "[a]pan=mono|c0=0.5*c0+0.5*c1,aresample=16000[m];" +
      "[b]pan=mono|c0=c0,aresample=16000[l];" +
      "[c]pan=mono|c0=c1,aresample=16000[r]";
    await ffmpeg(
      ["-y", "-i", fileUrl(source), "-vn", "-filter_complex", graph,
        "-map", "[m]", ...bitexact, fileUrl(wavPath),
        "-map", "[l]", ...bitexact, fileUrl(channelWavPaths[0]!),
        "-map", "[r]", ...bitexact, fileUrl(channelWavPaths[1]!)],
      ffOpts,
    );
  } else {
    await ffmpeg(["-y", "-i", fileUrl(source), "-map", "0:a:0", "-vn", "-ac", "1", "-ar", "16000", ...bitexact, fileUrl(wavPath)], ffOpts);
  }

  const reader = await WavReader.open(wavPath);
  const frames = reader.info.frames;
  await reader.close();
  if (frames === 0) throw new SpeechAudioError("The recording contains no audio samples.");

  let layout: ChannelLayout = "mono";
  let channelAnalysis: ChannelAnalysis | undefined;
  if (channels === 2) {
    channelAnalysis = await analyseChannels(channelWavPaths[0]!, channelWavPaths[1]!);
    layout = classifyChannels(channelAnalysis);
  }

  const prepared: PreparedAudio = {
    sourcePath: source,
    workDir: dir,
    wavPath,
    sampleRate: 16000,
    durationSeconds: frames / 16000,
    channels,
    sourceSampleRate,
    layout,
    distinctChannels: layout === "stereo-split",
    channelWavPaths,
    ...(channelAnalysis ? { channelAnalysis } : {}),
  };
  await writeFile(
    path.join(dir, MANIFEST),
    JSON.stringify({ version: MANIFEST_VERSION, sourceSize: sourceStat.size, sourceMtimeMs: sourceStat.mtimeMs, prepared }),
  );
  return prepared;
}

export function classifyChannels(analysis: ChannelAnalysis): ChannelLayout {
  const [l, r] = analysis.rms;
  const loud = Math.max(l, r);
  if (loud === 0) return "stereo-duplicated";
  if (Math.min(l, r) / loud < CHANNEL_THRESHOLDS.oneSidedRatio) return "stereo-one-sided";
  if (analysis.differenceRatio < CHANNEL_THRESHOLDS.differenceRatio) return "stereo-duplicated";
  if (analysis.dominance < CHANNEL_THRESHOLDS.dominance) return "stereo-duplicated";
  return "stereo-split";
}

async function analyseChannels(leftPath: string, rightPath: string): Promise<ChannelAnalysis> {
  const left = await WavReader.open(leftPath);
  const right = await WavReader.open(rightPath);
  try {
    const total = Math.min(left.info.frames, right.info.frames);
    let sl = 0, sr = 0, sll = 0, srr = 0, slr = 0, sdiff = 0, ssum = 0;
    const frameDbL: number[] = [];
    const frameDbR: number[] = [];
    const block = 16000 * 10;
    for (let start = 0; start < total; start += block) {
      const a = await left.readFloat(start, Math.min(block, total - start));
      const b = await right.readFloat(start, Math.min(block, total - start));
      for (let f = 0; f + FRAME <= a.length; f += FRAME) {
        let el = 0, er = 0;
        for (let i = f; i < f + FRAME; i++) {
          const x = a[i]!, y = b[i]!;
          el += x * x; er += y * y;
        }
        frameDbL.push(10 * Math.log10(el / FRAME + 1e-10));
        frameDbR.push(10 * Math.log10(er / FRAME + 1e-10));
      }
      for (let i = 0; i < a.length; i++) {
        const x = a[i]!, y = b[i]!;
        sl += x; sr += y; sll += x * x; srr += y * y; slr += x * y;
        sdiff += (x - y) * (x - y); ssum += (x + y) * (x + y);
      }
    }
    const n = Math.max(1, total);
    const varL = sll / n - (sl / n) ** 2;
    const varR = srr / n - (sr / n) ** 2;
    const cov = slr / n - (sl / n) * (sr / n);
    return {
      rms: [Math.sqrt(sll / n), Math.sqrt(srr / n)],
      differenceRatio: ssum > 0 ? Math.sqrt(sdiff / ssum) : 0,
      correlation: varL > 0 && varR > 0 ? cov / Math.sqrt(varL * varR) : 1,
      dominance: dominance(frameDbL, frameDbR),
    };
  } finally {
    await left.close();
    await right.close();
  }
}

/** Fraction of frames with speech on either side where one side is louder by `dominanceDb`. */
function dominance(dbL: number[], dbR: number[]): number {
  const floorL = percentile(dbL, 0.1);
  const floorR = percentile(dbR, 0.1);
  let active = 0;
  let dominated = 0;
  for (let i = 0; i < dbL.length; i++) {
    const l = dbL[i]!, r = dbR[i]!;
    if (l < floorL + 15 && r < floorR + 15) continue;
    if (Math.max(l, r) < -60) continue;
    active++;
    if (Math.abs(l - r) > CHANNEL_THRESHOLDS.dominanceDb) dominated++;
  }
  return active === 0 ? 0 : dominated / active;
}

function percentile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function probeStream(
  source: string,
  opts: { signal?: AbortSignal; timeoutMs?: number },
): Promise<{ channels: number; sampleRate: number | null }> {
  const { stderr } = await ffmpeg(["-i", fileUrl(source), "-map", "0:a:0", "-frames:a", "1", "-f", "null", "-"], opts);
  const { channels, sampleRate } = parseInputAudioStream(stderr);
  return { channels: channels ?? 1, sampleRate };
}

async function ffmpeg(args: string[], opts: { signal?: AbortSignal; timeoutMs?: number }) {
  try {
    return await runFfmpeg(args, opts);
  } catch (error) {
    if (error instanceof FfmpegError && error.reason === "exit") {
      const detail = /matches no streams/.test(error.stderrTail) ? "no audio stream" : "ffmpeg could not decode it";
      throw new SpeechAudioError(`The recording could not be decoded (${detail}).`, { cause: error });
    }
    if (error instanceof FfmpegError && error.reason === "spawn") {
      throw new SpeechEngineUnavailableError(
        "ffmpeg is not available: reinstall the app's dependencies (npm install puts it in place via @ffmpeg-installer/ffmpeg).",
        error.message,
        { cause: error },
      );
    }
    throw error;
  }
}

async function readManifest(dir: string, source: string, size: number, mtimeMs: number): Promise<PreparedAudio | null> {
  try {
    const raw = JSON.parse(await readFile(path.join(dir, MANIFEST), "utf8")) as {
      version?: number;
      sourceSize?: number;
      sourceMtimeMs?: number;
      prepared?: PreparedAudio;
    };
    const prepared = raw.prepared;
    if (raw.version !== MANIFEST_VERSION || !prepared || prepared.sourcePath !== source) return null;
    if (raw.sourceSize !== size || raw.sourceMtimeMs !== mtimeMs) return null;
    for (const file of [prepared.wavPath, ...prepared.channelWavPaths]) await stat(file);
    return prepared;
  } catch {
    return null;
  }
}
