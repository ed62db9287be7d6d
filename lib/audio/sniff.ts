/**
 * Recognise an uploaded audio file from its leading bytes ("magic numbers") only.
 *
 * The file name and the client's declared Content-Type are never consulted: both are attacker- and
 * browser-controlled. Pure function, no I/O. Pass the first `min(fileSize, SNIFF_BYTES)` bytes: a head
 * SHORTER than `SNIFF_BYTES` is taken to be the whole file, which lets the sniffer reject, e.g., a file
 * that is nothing but an ID3 tag.
 *
 * Recognising a container is not a promise that it decodes: an MP4 may be video-only and any file may be
 * truncated. `probeAudioFile` / ffmpeg decide that later.
 */

export type AudioFormat = "wav" | "mp3" | "m4a" | "aac" | "ogg" | "opus" | "webm" | "flac" | "amr" | "caf" | "aiff";

export interface SniffResult {
  format: AudioFormat;
  mimeType: string;
  /** Canonical extension, without the dot. Store uploads under it: music-metadata picks its parser by extension. */
  extension: string;
}

/**
 * How many leading bytes `sniffAudio` wants: enough to step over a typical ID3v2 tag and check the MPEG
 * frame after it, to see two consecutive MPEG/ADTS frame headers (an MPEG frame is at most 1441 bytes),
 * and to walk the Ogg BOS pages and the EBML header.
 */
export const SNIFF_BYTES = 4096;

/** Nested ID3v2 tags we are willing to step over (some taggers stack them). */
const MAX_ID3_DEPTH = 3;

export function sniffAudio(head: Uint8Array): SniffResult | null {
  // A head shorter than SNIFF_BYTES is the complete file.
  return sniff(head, head.length < SNIFF_BYTES, 0);
}

function sniff(buf: Uint8Array, complete: boolean, depth: number): SniffResult | null {
  if (buf.length < 4) return null;

  // RIFF/WAVE, RF64 and BW64 (64-bit WAV variants), RIFX (big-endian WAV).
  if (
    buf.length >= 12 &&
    (ascii(buf, 0, "RIFF") || ascii(buf, 0, "RF64") || ascii(buf, 0, "BW64") || ascii(buf, 0, "RIFX")) &&
    ascii(buf, 8, "WAVE")
  ) {
    return { format: "wav", mimeType: "audio/wav", extension: "wav" };
  }

  // AIFF / AIFF-C: "FORM" <size> "AIFF"|"AIFC".
  if (buf.length >= 12 && ascii(buf, 0, "FORM") && (ascii(buf, 8, "AIFF") || ascii(buf, 8, "AIFC"))) {
    return { format: "aiff", mimeType: "audio/aiff", extension: "aiff" };
  }

  // Core Audio Format: "caff", file version 1, flags 0.
  if (buf.length >= 8 && ascii(buf, 0, "caff") && u16be(buf, 4) === 1 && u16be(buf, 6) === 0) {
    return { format: "caf", mimeType: "audio/x-caf", extension: "caf" };
  }

  // Native FLAC: "fLaC" followed by the STREAMINFO metadata block (type 0, "last" bit may be set).
  if (ascii(buf, 0, "fLaC") && (buf.length < 5 || (at(buf, 4) & 0x7f) === 0)) {
    return { format: "flac", mimeType: "audio/flac", extension: "flac" };
  }

  if (ascii(buf, 0, "OggS")) return sniffOgg(buf);

  // EBML magic: Matroska / WebM.
  if (at(buf, 0) === 0x1a && at(buf, 1) === 0x45 && at(buf, 2) === 0xdf && at(buf, 3) === 0xa3) return sniffEbml(buf);

  // AMR storage format (RFC 4867 §5).
  if (ascii(buf, 0, "#!AMR-WB\n")) return { format: "amr", mimeType: "audio/amr-wb", extension: "awb" };
  if (ascii(buf, 0, "#!AMR\n")) return { format: "amr", mimeType: "audio/amr", extension: "amr" };

  // ISO base media (MP4/M4A/3GP/QuickTime): an `ftyp` box first.
  if (buf.length >= 12 && ascii(buf, 4, "ftyp")) return sniffFtyp(buf);

  if (ascii(buf, 0, "ID3")) return sniffId3(buf, complete, depth);

  // Frame-synced streams without a container. ADTS first: its layer bits are 00, Layer III's are 01.
  if (isAdtsStream(buf, complete)) return { format: "aac", mimeType: "audio/aac", extension: "aac" };
  if (isMpegLayer3Stream(buf, 0, complete, true)) return { format: "mp3", mimeType: "audio/mpeg", extension: "mp3" };

  return null;
}

// --- ID3v2 ---------------------------------------------------------------------------------------------

function sniffId3(buf: Uint8Array, complete: boolean, depth: number): SniffResult | null {
  // "ID3" vMajor vRevision flags size(4 x 7-bit "syncsafe" bytes)
  if (buf.length < 10) return null;
  const major = at(buf, 3);
  const revision = at(buf, 4);
  if (major < 2 || major > 4 || revision === 0xff) return null;
  const sizeBytes = [at(buf, 6), at(buf, 7), at(buf, 8), at(buf, 9)];
  if (sizeBytes.some((b) => b >= 0x80)) return null;
  const [s0 = 0, s1 = 0, s2 = 0, s3 = 0] = sizeBytes;
  const tagSize = s0 * 0x200000 + s1 * 0x4000 + s2 * 0x80 + s3;
  const hasFooter = major === 4 && (at(buf, 5) & 0x10) !== 0;
  let offset = 10 + tagSize + (hasFooter ? 10 : 0);

  // Some writers pad past the declared tag size with zero bytes.
  while (offset < buf.length && buf[offset] === 0) offset++;

  if (offset + 4 > buf.length) {
    // The tag runs past what we were given. If that is because the head was cut at SNIFF_BYTES (a big
    // tag, e.g. cover art) accept it as MP3; if the head is the whole file there is no audio at all.
    return complete ? null : { format: "mp3", mimeType: "audio/mpeg", extension: "mp3" };
  }
  if (depth >= MAX_ID3_DEPTH) return null;

  const rest = buf.subarray(offset);
  // The tag fits: demand real audio after it. An ID3 tag may also precede ADTS AAC or FLAC.
  const inner = sniff(rest, complete, depth + 1);
  if (inner && (inner.format === "mp3" || inner.format === "aac" || inner.format === "flac")) return inner;
  // After a tag a single valid frame header is enough when the next one lies beyond the head.
  if (isMpegLayer3Stream(rest, 0, complete, false)) return { format: "mp3", mimeType: "audio/mpeg", extension: "mp3" };
  return null;
}

// --- MPEG audio Layer III ----------------------------------------------------------------------------------

const MPEG1_L3_KBPS = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const MPEG2_L3_KBPS = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const SAMPLE_RATES: Record<number, readonly number[]> = {
  3: [44100, 48000, 32000], // MPEG-1
  2: [22050, 24000, 16000], // MPEG-2
  0: [11025, 12000, 8000], // MPEG-2.5
};

interface MpegFrame {
  versionBits: number;
  sampleRateIndex: number;
  length: number;
}

/** Parse and validate a Layer III frame header at `offset`; null if any field is invalid. */
function parseMpegLayer3Header(buf: Uint8Array, offset: number): MpegFrame | null {
  if (offset + 4 > buf.length) return null;
  const b1 = at(buf, offset + 1);
  const b2 = at(buf, offset + 2);
  const b3 = at(buf, offset + 3);
  if (at(buf, offset) !== 0xff || (b1 & 0xe0) !== 0xe0) return null; // 11-bit frame sync
  const versionBits = (b1 >> 3) & 0x03; // 00 = 2.5, 01 = reserved, 10 = 2, 11 = 1
  const layerBits = (b1 >> 1) & 0x03; // 01 = Layer III
  if (versionBits === 1 || layerBits !== 1) return null;
  const bitrateIndex = b2 >> 4;
  const sampleRateIndex = (b2 >> 2) & 0x03;
  if (bitrateIndex === 0 || bitrateIndex === 15) return null; // free format / "bad"
  if (sampleRateIndex === 3) return null; // reserved
  if ((b3 & 0x03) === 2) return null; // reserved emphasis
  const kbps = (versionBits === 3 ? MPEG1_L3_KBPS : MPEG2_L3_KBPS)[bitrateIndex];
  const sampleRate = SAMPLE_RATES[versionBits]?.[sampleRateIndex];
  if (kbps === undefined || sampleRate === undefined) return null;
  const padding = (b2 >> 1) & 0x01;
  const coefficient = versionBits === 3 ? 144 : 72;
  const length = Math.floor((coefficient * kbps * 1000) / sampleRate) + padding;
  return { versionBits, sampleRateIndex, length };
}

/**
 * A valid Layer III frame header at `offset`, confirmed by a consistent second frame header right after
 * it. Without a container, two consecutive frames are what separates an MP3 from random bytes that
 * happen to start with 0xFFFB. `requireSecond`: when the second header lies beyond a truncated head,
 * a lone header is accepted only if this is false (i.e. something else, an ID3 tag, vouched for it).
 */
function isMpegLayer3Stream(buf: Uint8Array, offset: number, complete: boolean, requireSecond: boolean): boolean {
  const first = parseMpegLayer3Header(buf, offset);
  if (!first) return false;
  const nextOffset = offset + first.length;
  if (nextOffset + 4 <= buf.length) {
    const second = parseMpegLayer3Header(buf, nextOffset);
    return (
      second !== null && second.versionBits === first.versionBits && second.sampleRateIndex === first.sampleRateIndex
    );
  }
  // The second header is not in the buffer.
  if (complete) return !requireSecond && nextOffset <= buf.length; // whole file: the frame must at least be complete
  return !requireSecond;
}

// --- ADTS AAC --------------------------------------------------------------------------------------------

interface AdtsFrame {
  id: number;
  sampleRateIndex: number;
  length: number;
}

function parseAdtsHeader(buf: Uint8Array, offset: number): AdtsFrame | null {
  if (offset + 7 > buf.length) return null;
  const b1 = at(buf, offset + 1);
  // 12-bit sync 0xFFF, then ID (MPEG-4/2), layer (must be 00), protection_absent.
  if (at(buf, offset) !== 0xff || (b1 & 0xf6) !== 0xf0) return null;
  const b2 = at(buf, offset + 2);
  const sampleRateIndex = (b2 >> 2) & 0x0f;
  if (sampleRateIndex > 12) return null; // 13, 14 reserved; 15 (explicit rate) is not allowed in ADTS
  const protectionAbsent = b1 & 0x01;
  const length = ((at(buf, offset + 3) & 0x03) << 11) | (at(buf, offset + 4) << 3) | (at(buf, offset + 5) >> 5);
  if (length < (protectionAbsent ? 7 : 9)) return null;
  return { id: (b1 >> 3) & 0x01, sampleRateIndex, length };
}

function isAdtsStream(buf: Uint8Array, complete: boolean): boolean {
  const first = parseAdtsHeader(buf, 0);
  if (!first) return false;
  if (first.length + 7 <= buf.length) {
    const second = parseAdtsHeader(buf, first.length);
    return second !== null && second.id === first.id && second.sampleRateIndex === first.sampleRateIndex;
  }
  // An ADTS frame can be up to 8 KiB, longer than the head: then one strict header has to do.
  // In a complete (short) file, require at least the whole first frame.
  return complete ? first.length <= buf.length && buf.length >= 64 : true;
}

// --- ISO base media (MP4 / M4A / 3GP / MOV) --------------------------------------------------------------

/** Still-image (HEIF/AVIF/JPEG 2000) and camera-raw brands that share the `ftyp` box. */
const IMAGE_BRANDS = new Set(["heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1", "avif", "avis", "crx ", "jp2 ", "jpx ", "jpm "]);

/** Audio/video brands: iTunes M4A/M4B, generic MP4, QuickTime, Flash, DASH, Sony, Nero. */
const AV_BRANDS = new Set([
  "M4A ", "M4B ", "M4P ", "M4V ", "M4VH", "M4VP", "mp41", "mp42", "mp71", "isom", "iso2", "iso3", "iso4", "iso5",
  "iso6", "iso7", "iso8", "iso9", "avc1", "dash", "MSNV", "NDAS", "F4A ", "F4B ", "F4P ", "F4V ", "qt  ", "mmp4",
  "kddi", "MPA ", "XAVC",
]);

function isAvBrand(brand: string): boolean {
  return AV_BRANDS.has(brand) || /^3g[p2egsr][0-9a-z]$/.test(brand); // 3GPP / 3GPP2 family
}

function sniffFtyp(buf: Uint8Array): SniffResult | null {
  const boxSize = u32be(buf, 0);
  if (boxSize < 16 || boxSize > 4096 || boxSize % 4 !== 0) return null;
  const major = latin1(buf, 8, 4);
  if (IMAGE_BRANDS.has(major)) return null;
  const brands = [major];
  for (let offset = 16; offset + 4 <= Math.min(boxSize, buf.length); offset += 4) brands.push(latin1(buf, offset, 4));
  if (!brands.some(isAvBrand)) return null;
  // Could be a video file (video-call exports are MP4): accepted, decoding decides whether it has audio.
  return { format: "m4a", mimeType: "audio/mp4", extension: "m4a" };
}

// --- Ogg ---------------------------------------------------------------------------------------------------

function sniffOgg(buf: Uint8Array): SniffResult | null {
  // Walk the beginning-of-stream pages (they all come first) and look at each stream's first packet.
  let offset = 0;
  const codecs = new Set<string>();
  while (offset + 27 <= buf.length && ascii(buf, offset, "OggS")) {
    if (at(buf, offset + 4) !== 0) return null; // stream structure version
    const headerType = at(buf, offset + 5);
    if ((headerType & 0x02) === 0) break; // not BOS: the header pages are over
    const segments = at(buf, offset + 26);
    const dataStart = offset + 27 + segments;
    if (dataStart > buf.length) break;
    let bodyLength = 0;
    for (let i = 0; i < segments; i++) bodyLength += at(buf, offset + 27 + i);
    if (ascii(buf, dataStart, "OpusHead")) codecs.add("opus");
    else if (at(buf, dataStart) === 0x01 && ascii(buf, dataStart + 1, "vorbis")) codecs.add("vorbis");
    else if (at(buf, dataStart) === 0x7f && ascii(buf, dataStart + 1, "FLAC")) codecs.add("flac");
    else if (ascii(buf, dataStart, "Speex   ")) codecs.add("speex");
    offset = dataStart + bodyLength;
  }
  if (codecs.has("opus")) return { format: "opus", mimeType: "audio/ogg; codecs=opus", extension: "opus" };
  if (codecs.has("vorbis")) return { format: "ogg", mimeType: "audio/ogg", extension: "ogg" };
  if (codecs.has("flac")) return { format: "ogg", mimeType: "audio/ogg; codecs=flac", extension: "ogg" };
  if (codecs.has("speex")) return { format: "ogg", mimeType: "audio/ogg; codecs=speex", extension: "ogg" };
  return null; // e.g. Theora-only, or not actually Ogg
}

// --- EBML (WebM / Matroska) -------------------------------------------------------------------------------

const EBML_DOCTYPE_ID = 0x4282;

function sniffEbml(buf: Uint8Array): SniffResult | null {
  const headerId = readVint(buf, 0, true);
  if (!headerId) return null;
  const headerSize = readVint(buf, headerId.next, false);
  if (!headerSize) return null;
  const end = Math.min(buf.length, headerSize.next + headerSize.value);
  let offset = headerSize.next;
  while (offset < end) {
    const id = readVint(buf, offset, true);
    if (!id) return null;
    const size = readVint(buf, id.next, false);
    if (!size) return null;
    if (id.value === EBML_DOCTYPE_ID) {
      if (size.next + size.value > buf.length || size.value > 64) return null;
      const docType = latin1(buf, size.next, size.value).replace(/\0+$/, "");
      if (docType === "webm") return { format: "webm", mimeType: "audio/webm", extension: "webm" };
      if (docType === "matroska") return { format: "webm", mimeType: "audio/x-matroska", extension: "mka" };
      return null;
    }
    offset = size.next + size.value;
  }
  return null;
}

/** EBML variable-length integer. IDs keep their length-marker bit; sizes drop it. */
function readVint(buf: Uint8Array, offset: number, keepMarker: boolean): { value: number; next: number } | null {
  if (offset >= buf.length) return null;
  const first = at(buf, offset);
  if (first === 0) return null; // more than 8 bytes: invalid
  let length = 1;
  while ((first & (0x80 >> (length - 1))) === 0) length++;
  if (offset + length > buf.length || (keepMarker && length > 4)) return null;
  let value = keepMarker ? first : first & (0xff >> length);
  for (let i = 1; i < length; i++) value = value * 256 + at(buf, offset + i);
  return { value, next: offset + length };
}

// --- byte helpers -----------------------------------------------------------------------------------------

function at(buf: Uint8Array, index: number): number {
  return buf[index] ?? 0;
}

function ascii(buf: Uint8Array, offset: number, text: string): boolean {
  if (offset + text.length > buf.length) return false;
  for (let i = 0; i < text.length; i++) if (buf[offset + i] !== text.charCodeAt(i)) return false;
  return true;
}

function latin1(buf: Uint8Array, offset: number, length: number): string {
  let out = "";
  for (let i = offset; i < offset + length && i < buf.length; i++) out += String.fromCharCode(at(buf, i));
  return out;
}

function u16be(buf: Uint8Array, offset: number): number {
  return (at(buf, offset) << 8) | at(buf, offset + 1);
}

function u32be(buf: Uint8Array, offset: number): number {
  return at(buf, offset) * 0x1000000 + (at(buf, offset + 1) << 16) + (at(buf, offset + 2) << 8) + at(buf, offset + 3);
}
