import { open, type FileHandle } from "node:fs/promises";

/**
 * Minimal 16-bit PCM WAV access for the files `prepareAudio` writes (16 kHz mono, 44-byte header), read in
 * pieces so an hour of audio never sits in memory as floats.
 */

export interface WavInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Byte offset of the first sample. */
  dataOffset: number;
  /** Samples per channel. */
  frames: number;
}

/** Parse a RIFF/WAVE header (walks the chunks, so a LIST chunk before `data` is fine). */
export function parseWavHeader(header: Buffer, fileSize: number): WavInfo {
  if (header.length < 12 || header.toString("ascii", 0, 4) !== "RIFF" || header.toString("ascii", 8, 12) !== "WAVE") {
    throw new Error("not a RIFF/WAVE file");
  }
  let offset = 12;
  let fmt: { channels: number; sampleRate: number; bitsPerSample: number; format: number } | undefined;
  while (offset + 8 <= header.length) {
    const id = header.toString("ascii", offset, offset + 4);
    const size = header.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === "fmt ") {
      fmt = {
        format: header.readUInt16LE(body),
        channels: header.readUInt16LE(body + 2),
        sampleRate: header.readUInt32LE(body + 4),
        bitsPerSample: header.readUInt16LE(body + 14),
      };
    } else if (id === "data") {
      if (!fmt) throw new Error("WAV data chunk before fmt chunk");
      if ((fmt.format !== 1 && fmt.format !== 0xfffe) || fmt.bitsPerSample !== 16) {
        throw new Error(`unsupported WAV encoding (format ${fmt.format}, ${fmt.bitsPerSample} bits)`);
      }
      const available = Math.max(0, fileSize - body);
      // ffmpeg writing to a pipe leaves size 0xFFFFFFFF / 0; trust the file size then.
      const bytes = size === 0 || size === 0xffffffff ? available : Math.min(size, available);
      return {
        sampleRate: fmt.sampleRate,
        channels: fmt.channels,
        bitsPerSample: 16,
        dataOffset: body,
        frames: Math.floor(bytes / (2 * fmt.channels)),
      };
    }
    offset = body + size + (size % 2);
  }
  throw new Error("WAV header has no data chunk in its first bytes");
}

export class WavReader {
  private constructor(
    private readonly handle: FileHandle,
    readonly info: WavInfo,
  ) {}

  static async open(path: string): Promise<WavReader> {
    const handle = await open(path, "r");
    try {
      const { size } = await handle.stat();
      const header = Buffer.alloc(Math.min(size, 4096));
      await handle.read(header, 0, header.length, 0);
      return new WavReader(handle, parseWavHeader(header, size));
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  get durationSeconds(): number {
    return this.info.frames / this.info.sampleRate;
  }

  /** Raw little-endian int16 bytes of frames [start, start + count) (clamped to the file). */
  async readPcm(start: number, count: number): Promise<Buffer> {
    const from = Math.max(0, Math.min(this.info.frames, Math.floor(start)));
    const to = Math.max(from, Math.min(this.info.frames, Math.floor(start + count)));
    const frameBytes = 2 * this.info.channels;
    const buffer = Buffer.alloc((to - from) * frameBytes);
    if (buffer.length > 0) await this.handle.read(buffer, 0, buffer.length, this.info.dataOffset + from * frameBytes);
    return buffer;
  }

  /** Frames [start, start + count) of a mono file as floats in [-1, 1). */
  async readFloat(start: number, count: number): Promise<Float32Array> {
    if (this.info.channels !== 1) throw new Error("readFloat expects a mono WAV");
    return pcm16ToFloat(await this.readPcm(start, count));
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

export function pcm16ToFloat(pcm: Buffer): Float32Array {
  const out = new Float32Array(pcm.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = pcm.readInt16LE(i * 2) / 32768;
  return out;
}

/** A 44-byte header for 16-bit PCM. */
export function wavHeader(frames: number, sampleRate: number, channels = 1): Buffer {
  const dataBytes = frames * channels * 2;
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write("WAVEfmt ", 8, "ascii");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * channels * 2, 28);
  header.writeUInt16LE(channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36, "ascii");
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

/** Float samples (interleaved when `channels` > 1) to a complete 16-bit WAV file. */
export function encodeWav(samples: Float32Array, sampleRate: number, channels = 1): Buffer {
  const frames = Math.floor(samples.length / channels);
  const out = Buffer.alloc(44 + frames * channels * 2);
  wavHeader(frames, sampleRate, channels).copy(out, 0);
  for (let i = 0; i < frames * channels; i++) {
    const v = Math.max(-1, Math.min(1, samples[i] ?? 0));
    out.writeInt16LE(Math.round(v < 0 ? v * 32768 : v * 32767), 44 + i * 2);
  }
  return out;
}
