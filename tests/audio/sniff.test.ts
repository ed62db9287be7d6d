import { open } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SNIFF_BYTES, sniffAudio, type SniffResult } from "@/lib/audio/sniff";
import {
  availableFormats,
  cleanupAudio,
  makeAudio,
  TEST_AUDIO_FORMATS,
  writeTempFile,
  type TestAudioFormat,
} from "../helpers/make-audio";

/** Read what an upload handler would: the first min(size, SNIFF_BYTES) bytes. */
async function readHead(filePath: string): Promise<Uint8Array> {
  const handle = await open(filePath, "r");
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    return new Uint8Array(buffer.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

const bytes = (...values: number[]) => new Uint8Array(values);
const text = (value: string) => new TextEncoder().encode(value);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
};

/** Deterministic PRNG (mulberry32) so "random" fixtures are reproducible. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function randomBytes(length: number, seed: number, prefix: number[] = []): Uint8Array {
  const next = prng(seed);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(next() * 256);
  out.set(prefix.slice(0, length));
  return out;
}

const MP3: SniffResult = { format: "mp3", mimeType: "audio/mpeg", extension: "mp3" };

const EXPECTED: Record<TestAudioFormat, SniffResult> = {
  wav: { format: "wav", mimeType: "audio/wav", extension: "wav" },
  mp3: MP3,
  "mp3-id3v23": MP3,
  "mp3-bare": MP3,
  "mp3-8k": MP3,
  "3gp": { format: "m4a", mimeType: "audio/mp4", extension: "m4a" },
  m4a: { format: "m4a", mimeType: "audio/mp4", extension: "m4a" },
  "mp4-video": { format: "m4a", mimeType: "audio/mp4", extension: "m4a" },
  "mp4-video-only": { format: "m4a", mimeType: "audio/mp4", extension: "m4a" },
  aac: { format: "aac", mimeType: "audio/aac", extension: "aac" },
  opus: { format: "opus", mimeType: "audio/ogg; codecs=opus", extension: "opus" },
  vorbis: { format: "ogg", mimeType: "audio/ogg", extension: "ogg" },
  webm: { format: "webm", mimeType: "audio/webm", extension: "webm" },
  mka: { format: "webm", mimeType: "audio/x-matroska", extension: "mka" },
  flac: { format: "flac", mimeType: "audio/flac", extension: "flac" },
  amr: { format: "amr", mimeType: "audio/amr", extension: "amr" },
  "amr-wb": { format: "amr", mimeType: "audio/amr-wb", extension: "awb" },
  caf: { format: "caf", mimeType: "audio/x-caf", extension: "caf" },
  aiff: { format: "aiff", mimeType: "audio/aiff", extension: "aiff" },
};

const available = await availableFormats();
const heads = new Map<string, Uint8Array>();

beforeAll(async () => {
  const formats = [...TEST_AUDIO_FORMATS, "mp4-video-only" as const].filter((f) => available.has(f));
  await Promise.all([
    ...formats.map(async (format) => heads.set(format, await readHead(await makeAudio(format)))),
    (async () => heads.set("wav-stereo", await readHead(await makeAudio("wav", { channels: 2 }))))(),
  ]);
});

afterAll(cleanupAudio);

describe("sniffAudio on real ffmpeg-generated files", () => {
  it("the expected encoders are present (vorbis/amr are skipped below if not)", () => {
    for (const core of ["wav", "mp3", "m4a", "aac", "opus", "webm", "flac"] as const) {
      expect(available.has(core), core).toBe(true);
    }
  });

  for (const format of [...TEST_AUDIO_FORMATS, "mp4-video-only" as const]) {
    it.skipIf(!available.has(format))(`recognises ${format}`, () => {
      const head = heads.get(format);
      expect(head).toBeDefined();
      expect(sniffAudio(head!)).toEqual(EXPECTED[format]);
    });
  }

  it("recognises stereo wav", () => {
    expect(sniffAudio(heads.get("wav-stereo")!)).toEqual(EXPECTED.wav);
  });

  it.skipIf(!available.has("mp3-bare"))("needs two consecutive MPEG frames for a bare MP3", () => {
    const head = heads.get("mp3-bare")!;
    // 64 kb/s @ 44.1 kHz: the first frame is 208 or 209 bytes. Corrupt the second header.
    const corrupted = head.slice();
    const secondFrame = 208 + (((head[2] ?? 0) >> 1) & 1);
    corrupted[secondFrame] = 0x00;
    expect(sniffAudio(corrupted)).toBeNull();
  });

  it.skipIf(!available.has("mp3"))("requires a real MPEG frame right after an ID3 tag that fits in the head", () => {
    const head = heads.get("mp3")!;
    // ID3v2 header: "ID3" v4.0, flags, syncsafe size.
    const tagEnd = 10 + ((head[6]! << 21) | (head[7]! << 14) | (head[8]! << 7) | head[9]!);
    const noFrame = head.slice();
    noFrame.fill(0x41, tagEnd, tagEnd + 4); // "AAAA" where the frame sync should be
    expect(sniffAudio(noFrame)).toBeNull();
  });

  it.skipIf(!available.has("mp3"))("an ID3 tag in front of ADTS AAC or FLAC keeps the inner format", () => {
    const mp3 = heads.get("mp3")!;
    const tag = mp3.subarray(0, 10 + ((mp3[6]! << 21) | (mp3[7]! << 14) | (mp3[8]! << 7) | mp3[9]!));
    expect(sniffAudio(concat(tag, heads.get("aac")!).subarray(0, SNIFF_BYTES))).toEqual(EXPECTED.aac);
    expect(sniffAudio(concat(tag, heads.get("flac")!).subarray(0, SNIFF_BYTES))).toEqual(EXPECTED.flac);
    // ...but not an arbitrary container behind an ID3 tag.
    expect(sniffAudio(concat(tag, heads.get("wav")!).subarray(0, SNIFF_BYTES))).toBeNull();
  });
});

describe("sniffAudio on hand-made headers", () => {
  it("AMR-NB and AMR-WB storage magic", () => {
    expect(sniffAudio(concat(text("#!AMR\n"), bytes(0x3c, 0x48, 0xf5)))).toEqual(EXPECTED.amr);
    expect(sniffAudio(concat(text("#!AMR-WB\n"), bytes(0x44, 0x00)))).toEqual(EXPECTED["amr-wb"]);
  });

  it("RF64 and AIFF-C", () => {
    expect(sniffAudio(concat(text("RF64"), bytes(0xff, 0xff, 0xff, 0xff), text("WAVEds64")))).toEqual(EXPECTED.wav);
    expect(sniffAudio(concat(text("FORM"), bytes(0, 0, 1, 0), text("AIFCFVER")))).toEqual(EXPECTED.aiff);
  });

  it("MP4 brands: audio/video accepted, HEIF/AVIF images rejected", () => {
    const ftyp = (major: string, ...compat: string[]) =>
      concat(bytes(0, 0, 0, 16 + 4 * compat.length), text("ftyp"), text(major), bytes(0, 0, 0, 0), ...compat.map(text));
    for (const brand of ["M4A ", "mp42", "isom", "3gp5", "3g2a", "qt  ", "dash"]) {
      expect(sniffAudio(ftyp(brand)), brand).toEqual(EXPECTED.m4a);
    }
    expect(sniffAudio(ftyp("XYZ1", "isom", "mp41"))).toEqual(EXPECTED.m4a);
    expect(sniffAudio(ftyp("heic", "mif1", "heic"))).toBeNull();
    expect(sniffAudio(ftyp("avif", "mif1", "miaf", "iso8"))).toBeNull();
    expect(sniffAudio(ftyp("XYZ1", "XYZ2"))).toBeNull();
  });

  it("an ID3 tag bigger than the head is accepted; a file that is only an ID3 tag is not", () => {
    // Tag of 0x10000 bytes (cover art) followed by frames we cannot see.
    const bigTag = concat(text("ID3"), bytes(3, 0, 0, 0, 0x04, 0x00, 0x00), new Uint8Array(SNIFF_BYTES - 10).fill(0x20));
    expect(sniffAudio(bigTag)).toEqual(MP3);
    // Complete 64-byte file: header + 54 bytes of tag, nothing after it.
    const tagOnly = concat(text("ID3"), bytes(3, 0, 0, 0, 0, 0, 54), new Uint8Array(54).fill(0x20));
    expect(sniffAudio(tagOnly)).toBeNull();
  });

  it("Ogg without an audio codec (Theora only) is rejected", () => {
    const page = concat(text("OggS"), bytes(0, 0x02), new Uint8Array(20), bytes(1, 42), bytes(0x80), text("theora"));
    expect(sniffAudio(concat(page, new Uint8Array(42 - 7)))).toBeNull();
  });

  it("EBML with an unknown DocType is rejected", () => {
    const ebml = concat(bytes(0x1a, 0x45, 0xdf, 0xa3, 0x87, 0x42, 0x82, 0x84), text("abcd"));
    expect(sniffAudio(ebml)).toBeNull();
  });
});

describe("sniffAudio rejects non-audio", () => {
  it("empty and too-short buffers", () => {
    expect(sniffAudio(new Uint8Array(0))).toBeNull();
    expect(sniffAudio(bytes(0xff, 0xfb, 0x90))).toBeNull();
    expect(sniffAudio(text("ID3"))).toBeNull();
    expect(sniffAudio(text("RIFF"))).toBeNull();
  });

  it("a text file, even one named .mp3", async () => {
    const file = await writeTempFile("meeting-notes.mp3", "hello world\n");
    expect(sniffAudio(await readHead(file))).toBeNull();
    expect(sniffAudio(text("hello world"))).toBeNull();
  });

  it("an HTML page", () => {
    const html = "<!DOCTYPE html>\n<html><head><title>x</title></head><body>" + "<p>hi</p>".repeat(600) + "</body></html>";
    expect(sniffAudio(text(html).subarray(0, SNIFF_BYTES))).toBeNull();
  });

  it("PNG, JPEG, PDF, ZIP, GIF headers", () => {
    const pad = (head: Uint8Array) => concat(head, randomBytes(SNIFF_BYTES - head.length, 7));
    expect(sniffAudio(pad(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)))).toBeNull();
    expect(sniffAudio(pad(bytes(0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46)))).toBeNull();
    expect(sniffAudio(pad(text("%PDF-1.7\n")))).toBeNull();
    expect(sniffAudio(pad(bytes(0x50, 0x4b, 0x03, 0x04, 0x14, 0x00)))).toBeNull();
    expect(sniffAudio(pad(text("GIF89a")))).toBeNull();
  });

  it("bytes starting with 0xFF 0xFB whose header fields are invalid", () => {
    const cases: Array<[string, number[]]> = [
      ["bitrate index 15 (bad)", [0xff, 0xfb, 0xf0, 0x64]],
      ["bitrate index 0 (free format)", [0xff, 0xfb, 0x00, 0x64]],
      ["sample-rate index 3 (reserved)", [0xff, 0xfb, 0x9c, 0x64]],
      ["reserved emphasis", [0xff, 0xfb, 0x90, 0x66]],
      ["reserved MPEG version", [0xff, 0xeb, 0x90, 0x64]],
      ["Layer I", [0xff, 0xff, 0x90, 0x64]],
    ];
    for (const [label, prefix] of cases) {
      expect(sniffAudio(randomBytes(SNIFF_BYTES, 1, prefix)), label).toBeNull();
      expect(sniffAudio(randomBytes(100, 2, prefix)), `${label} (short)`).toBeNull();
    }
  });

  it("a valid-looking MPEG frame header followed by random bytes", () => {
    // 0xFFFB9064: MPEG-1 Layer III, 128 kb/s, 44.1 kHz. Fine on its own, but no second frame follows.
    for (let seed = 1; seed <= 50; seed++) {
      expect(sniffAudio(randomBytes(SNIFF_BYTES, seed, [0xff, 0xfb, 0x90, 0x64])), `seed ${seed}`).toBeNull();
    }
  });

  it("0xFFF1 (ADTS-like) bytes with invalid fields", () => {
    expect(sniffAudio(randomBytes(SNIFF_BYTES, 3, [0xff, 0xf1, 0x3c, 0x40, 0x00, 0x1f, 0xfc]))).toBeNull(); // sf index 15
    expect(sniffAudio(randomBytes(SNIFF_BYTES, 4, [0xff, 0xf1, 0x50, 0x40, 0x00, 0x00, 0x00]))).toBeNull(); // length 0
  });

  it("never throws on random or mutated input", () => {
    const next = prng(42);
    const realHeads = [...heads.values()];
    for (let i = 0; i < 3000; i++) {
      let buf: Uint8Array;
      const base = realHeads[i % realHeads.length];
      if (base && i % 2 === 0) {
        buf = base.slice(0, Math.floor(next() * base.length));
        for (let j = 0; j < 8; j++) buf[Math.floor(next() * buf.length)] = Math.floor(next() * 256);
      } else {
        buf = randomBytes(Math.floor(next() * 256), i);
      }
      expect(() => sniffAudio(buf)).not.toThrow();
    }
  });
});
