import { stat } from "node:fs/promises";
import { parseFile } from "music-metadata";
import { FfmpegError, fileUrl, runFfmpeg, type RunFfmpegOptions } from "./ffmpeg";

/**
 * Probe an audio file's duration and stream parameters.
 *
 * Two independent readers are combined:
 * 1. music-metadata (`parseFile`, `duration: true`): frame-accurate duration from headers, or by scanning
 *    the stream when the header has none (MP3 without Xing, ADTS). It never decodes audio.
 * 2. ffmpeg, which is what decodes the file later, so it is the authority on "is there decodable audio":
 *    - a quick header pass (`-map 0:a:0 -frames:a 1 -f null -`) always runs. It gives channels, sample rate
 *      and codec as the decoder sees them (music-metadata reports the MP4 sample entry's channel count,
 *      which ffmpeg and the ISO spec fix at 2 even for mono AAC), and it rejects files with no audio stream
 *      (e.g. a video-only MP4, which music-metadata happily gives a duration).
 *    - when music-metadata has no usable duration (MediaRecorder WebM/Opus has none in its header; AMR and
 *      CAF are not supported by music-metadata), the whole audio stream is decoded (`-f null -`) and the
 *      last `time=` of ffmpeg's progress output is the duration (1/100 s resolution). Correctness over speed.
 *
 * Precision: music-metadata counts whole codec frames and does not subtract encoder delay/padding (the LAME
 * tag's gapless info, AAC priming), so durations can exceed the decoded length by ~0.05 s at 44.1 kHz and
 * up to ~0.2 s at 8 kHz.
 *
 * Known limit: a header-declared duration is trusted (MP3 Xing/Info frame, MP4 `mvhd`), so an MP3 cut off
 * mid-upload still reports its original duration. Decoding (`decodeToWav16kMono`) yields the real length.
 */

export interface AudioProbeResult {
  /** Seconds; null only if nothing could measure it (in practice a decodable file always has one). */
  durationSeconds: number | null;
  channels: number | null;
  sampleRate: number | null;
  /** ffmpeg's decoder name when available ("mp3", "aac", "opus", "pcm_s16le"...), else music-metadata's codec label. */
  codec: string | null;
}

export type AudioProbeErrorCode = "UNDECODABLE";

export class AudioProbeError extends Error {
  override readonly name = "AudioProbeError";
  readonly code: AudioProbeErrorCode;

  constructor(code: AudioProbeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export interface ProbeOptions {
  signal?: AbortSignal;
  /** Limit for the full-decode fallback. Default 10 minutes (hours of Opus decode in well under that). */
  decodeTimeoutMs?: number;
}

const HEADER_TIMEOUT_MS = 60_000;
const DEFAULT_DECODE_TIMEOUT_MS = 10 * 60_000;

/** Containers music-metadata has no parser for: go straight to ffmpeg. */
const MUSIC_METADATA_UNSUPPORTED = /^audio\/(amr|amr-wb|x-caf)\b/i;

/**
 * @param filePath local file to probe.
 * @param mimeType the SNIFFED type (`sniffAudio(...).mimeType`), used only as a hint to skip music-metadata
 *   for formats it cannot parse. Note music-metadata picks its parser by file extension (falling back to
 *   the content), so store uploads under `sniffAudio(...).extension`, never the client's file name.
 * @throws AudioProbeError `UNDECODABLE` when neither music-metadata nor ffmpeg finds decodable audio
 *   (not audio, truncated before the first complete frame, no audio stream, empty file).
 * @throws FfmpegError (reason `timeout` | `aborted` | `spawn`) for failures that are not the file's fault,
 *   and the `fs` error when the file does not exist.
 */
export async function probeAudioFile(
  filePath: string,
  mimeType?: string,
  options: ProbeOptions = {},
): Promise<AudioProbeResult> {
  const info = await stat(filePath);
  if (!info.isFile()) throw new Error("probeAudioFile: not a regular file");
  if (info.size === 0) throw new AudioProbeError("UNDECODABLE", "Audio file is empty");

  const mm =
    mimeType !== undefined && MUSIC_METADATA_UNSUPPORTED.test(mimeType) ? null : await readWithMusicMetadata(filePath);
  const mmDuration = mm !== null && isPositiveFinite(mm.durationSeconds) ? mm.durationSeconds : null;

  let ff: FfmpegProbe;
  try {
    ff =
      mmDuration === null
        ? await ffmpegProbe(filePath, "decode-all", {
            signal: options.signal,
            timeoutMs: options.decodeTimeoutMs ?? DEFAULT_DECODE_TIMEOUT_MS,
          })
        : await ffmpegProbe(filePath, "header", { signal: options.signal, timeoutMs: HEADER_TIMEOUT_MS });
  } catch (error) {
    if (error instanceof FfmpegError && error.reason === "exit") {
      const detail = /matches no streams/.test(error.stderrTail)
        ? "no audio stream"
        : (error.stderrTail.split("\n").filter(Boolean).at(-1) ?? "ffmpeg failed");
      throw new AudioProbeError("UNDECODABLE", `Audio could not be decoded: ${detail}`, { cause: error });
    }
    throw error;
  }

  const durationSeconds = mmDuration ?? ff.durationSeconds;
  if (mmDuration === null && !isPositiveFinite(durationSeconds)) {
    // ffmpeg opened it but decoded no audio at all (e.g. only a header survived).
    throw new AudioProbeError("UNDECODABLE", "Audio could not be decoded: no audio frames");
  }

  return {
    durationSeconds,
    channels: ff.channels ?? mm?.channels ?? null,
    sampleRate: ff.sampleRate ?? mm?.sampleRate ?? null,
    codec: ff.codec ?? mm?.codec ?? null,
  };
}

// --- music-metadata ------------------------------------------------------------------------------------------

async function readWithMusicMetadata(filePath: string): Promise<AudioProbeResult | null> {
  try {
    const { format } = await parseFile(filePath, { duration: true, skipCovers: true });
    return {
      durationSeconds: format.duration ?? null,
      channels: positiveIntOrNull(format.numberOfChannels),
      sampleRate: positiveIntOrNull(format.sampleRate),
      codec: format.codec ?? null,
    };
  } catch {
    // Unsupported or malformed for music-metadata; ffmpeg gets the final say.
    return null;
  }
}

// --- ffmpeg ----------------------------------------------------------------------------------------------------

interface FfmpegProbe {
  durationSeconds: number | null;
  channels: number | null;
  sampleRate: number | null;
  codec: string | null;
}

async function ffmpegProbe(
  filePath: string,
  mode: "header" | "decode-all",
  opts: RunFfmpegOptions,
): Promise<FfmpegProbe> {
  // `-map 0:a:0` makes a file without any audio stream fail ("matches no streams").
  const { stderr } = await runFfmpeg(
    [
      "-stats",
      "-i",
      fileUrl(filePath),
      "-map",
      "0:a:0",
      ...(mode === "header" ? ["-frames:a", "1"] : []),
      "-f",
      "null",
      "-",
    ],
    opts,
  );
  const stream = parseInputAudioStream(stderr);
  return {
    ...stream,
    durationSeconds: mode === "decode-all" ? parseLastTime(stderr) : null,
  };
}

/** From `Stream #0:1(und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, mono, fltp, 65 kb/s` in the input section. */
export function parseInputAudioStream(stderr: string): Omit<FfmpegProbe, "durationSeconds"> {
  const inputSection = stderr.split(/\n(?:Stream mapping:|Output #0)/)[0] ?? "";
  const match = /Stream #\d+:\d+[^:]*: Audio: ([^\n]*)/.exec(inputSection);
  if (!match?.[1]) return { channels: null, sampleRate: null, codec: null };
  const parts = match[1].split(", ");
  const codec = parts[0]?.split(" ")[0] || null;
  const hzIndex = parts.findIndex((part) => /^\d+ Hz$/.test(part));
  const sampleRate = hzIndex >= 0 ? positiveIntOrNull(Number.parseInt(parts[hzIndex] ?? "", 10)) : null;
  const channels = hzIndex >= 0 ? channelsFromLayout(parts[hzIndex + 1] ?? "") : null;
  return { channels, sampleRate, codec };
}

const NAMED_LAYOUTS: Record<string, number> = {
  mono: 1,
  stereo: 2,
  downmix: 2,
  quad: 4,
  hexagonal: 6,
  octagonal: 8,
  hexadecagonal: 16,
};

function channelsFromLayout(layout: string): number | null {
  const name = layout.trim().replace(/\(.*\)$/, "");
  const named = NAMED_LAYOUTS[name];
  if (named !== undefined) return named;
  const counted = /^(\d+) channels/.exec(name);
  if (counted?.[1]) return positiveIntOrNull(Number(counted[1]));
  const dotted = /^(\d+)\.(\d+)$/.exec(name); // "5.1" = 6, "7.1" = 8, "2.1" = 3
  if (dotted?.[1] && dotted[2]) return Number(dotted[1]) + Number(dotted[2]);
  return null;
}

/** Last `time=HH:MM:SS.cc` of ffmpeg's progress output, in seconds. */
export function parseLastTime(stderr: string): number | null {
  let last: number | null = null;
  for (const match of stderr.matchAll(/time=\s*(-?)(\d+):(\d{2}):(\d{2}(?:\.\d+)?)/g)) {
    if (match[1] === "-") continue;
    last = Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4]);
  }
  return last;
}

function isPositiveFinite(value: number | null | undefined): value is number {
  return typeof value === "number" && Number.isFinite(value) && value > 0;
}

function positiveIntOrNull(value: number | undefined): number | null {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.round(value) : null;
}
