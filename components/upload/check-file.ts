import { SNIFF_BYTES, sniffAudio, type SniffResult } from "@/lib/audio/sniff";
import { formatBytes } from "./format";

export const ACCEPTED_FORMATS = "WAV, MP3, M4A, AAC, OGG/Opus, WebM, FLAC or AMR";

export const NOT_A_RECORDING_MESSAGE = `This file is not a recording Scryon can read. Upload ${ACCEPTED_FORMATS} audio.`;

export type FileCheck = { ok: true; sniff: SniffResult } | { ok: false; message: string };

/**
 * The checks the browser can make before sending a byte: size, emptiness and the magic bytes of the
 * first `SNIFF_BYTES` (the same sniffer the server runs again on what it receives). The name and the
 * browser's idea of the type are not trusted.
 */
export async function checkFile(file: File, maxBytes: number): Promise<FileCheck> {
  if (file.size === 0) return { ok: false, message: "This file is empty." };
  if (file.size > maxBytes) {
    return { ok: false, message: `This file is ${formatBytes(file.size)}, larger than the ${formatBytes(maxBytes)} limit.` };
  }
  let head: Uint8Array;
  try {
    head = new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer());
  } catch {
    return { ok: false, message: "This file could not be read. It may have been moved or deleted; choose it again." };
  }
  const sniff = sniffAudio(head);
  if (!sniff) return { ok: false, message: NOT_A_RECORDING_MESSAGE };
  return { ok: true, sniff };
}

/** "mp3", "m4a"… as shown to people. */
export function formatLabel(sniff: SniffResult): string {
  switch (sniff.format) {
    case "m4a":
      return "MP4/M4A";
    case "opus":
      return "Opus";
    case "ogg":
      return "Ogg";
    case "webm":
      return sniff.extension === "mka" ? "Matroska" : "WebM";
    default:
      return sniff.format.toUpperCase();
  }
}
