import type { NormalizedTranscript } from "./normalize";

/**
 * Transcript exports: pure functions from a `NormalizedTranscript` (and the call's title) to the text of
 * a download. No I/O here; `GET /api/calls/:id/transcript` picks one and adds the HTTP headers.
 */

export const TRANSCRIPT_FORMATS = ["json", "txt", "srt", "vtt"] as const;
export type TranscriptFormat = (typeof TRANSCRIPT_FORMATS)[number];

export function isTranscriptFormat(value: string): value is TranscriptFormat {
  return (TRANSCRIPT_FORMATS as readonly string[]).includes(value);
}

export const TRANSCRIPT_CONTENT_TYPES: Record<TranscriptFormat, string> = {
  json: "application/json",
  txt: "text/plain; charset=utf-8",
  srt: "application/x-subrip; charset=utf-8",
  vtt: "text/vtt; charset=utf-8",
};

/** A subtitle cue stays readable: at most this long on screen (seconds)… */
export const MAX_CUE_SECONDS = 7;
/** …and at most two lines of this many characters (the usual broadcast limit). */
export const MAX_LINE_CHARS = 42;
const MAX_CUE_CHARS = MAX_LINE_CHARS * 2;
const UNKNOWN_SPEAKER = "Unknown speaker";

type Segment = NormalizedTranscript["segments"][number];
type Word = Segment["words"][number];

interface Cue {
  start: number;
  end: number;
  speaker: string;
  /** One or two lines, without the speaker. */
  lines: string[];
}

/** Whole milliseconds, never negative; NaN and infinities count as 0. */
function toMillis(seconds: number): number {
  return Number.isFinite(seconds) ? Math.max(0, Math.round(seconds * 1000)) : 0;
}

const pad = (value: number, width = 2) => String(value).padStart(width, "0");

/** `HH:MM:SS,mmm` (SRT) or `HH:MM:SS.mmm` (WebVTT), rounded to the millisecond; hours may exceed 99. */
export function formatCueTimestamp(seconds: number, separator: "," | "."): string {
  const total = toMillis(seconds);
  const ms = total % 1000;
  const s = Math.floor(total / 1000) % 60;
  const m = Math.floor(total / 60_000) % 60;
  const h = Math.floor(total / 3_600_000);
  return `${pad(h)}:${pad(m)}:${pad(s)}${separator}${pad(ms, 3)}`;
}

/** `mm:ss` for the plain-text transcript, `h:mm:ss` from one hour on; seconds are truncated, as clocks do. */
export function formatClock(seconds: number): string {
  const total = Math.floor(toMillis(seconds) / 1000);
  const s = total % 60;
  const m = Math.floor(total / 60) % 60;
  const h = Math.floor(total / 3600);
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
}

/** Collapses all whitespace (newlines included: a blank line would end a subtitle cue) to single spaces. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function speakerNames(transcript: NormalizedTranscript): (speakerId: string) => string {
  const names = new Map(transcript.speakers.map((speaker) => [speaker.id, oneLine(speaker.displayName ?? "") || oneLine(speaker.label)]));
  return (speakerId) => names.get(speakerId) || UNKNOWN_SPEAKER;
}

function orderedSegments(transcript: NormalizedTranscript): Segment[] {
  return [...transcript.segments].filter((segment) => oneLine(segment.text) !== "").sort((a, b) => a.start - b.start);
}

/** The segment's words; a segment without word times gets words spread over its span by length. */
function timedWords(segment: Segment): Word[] {
  const words = segment.words.filter((word) => oneLine(word.text) !== "");
  if (words.length > 0) return words.map((word) => ({ ...word, text: oneLine(word.text) }));
  const tokens = oneLine(segment.text).split(" ");
  const totalChars = tokens.reduce((sum, token) => sum + token.length + 1, 0);
  const span = Math.max(0, segment.end - segment.start);
  let cursor = 0;
  return tokens.map((token) => {
    const start = segment.start + (span * cursor) / totalChars;
    cursor += token.length + 1;
    return { text: token, start, end: segment.start + (span * cursor) / totalChars, confidence: 1 };
  });
}

/** Splits text into at most two lines at the word boundary that balances them best. */
function wrapLines(text: string): string[] {
  if (text.length <= MAX_LINE_CHARS) return [text];
  const words = text.split(" ");
  let best: { lines: string[]; longest: number } | null = null;
  for (let i = 1; i < words.length; i++) {
    const lines = [words.slice(0, i).join(" "), words.slice(i).join(" ")];
    const longest = Math.max(lines[0]!.length, lines[1]!.length);
    if (!best || longest < best.longest) best = { lines, longest };
  }
  return best?.lines ?? [text];
}

/** Subtitle cues: each segment cut at word boundaries into pieces of ≤ 7 s and ≤ two lines. */
export function transcriptCues(transcript: NormalizedTranscript): Cue[] {
  const nameOf = speakerNames(transcript);
  const cues: Cue[] = [];
  for (const segment of orderedSegments(transcript)) {
    const speaker = nameOf(segment.speakerId);
    const words = timedWords(segment);
    // The first line also carries the speaker ("Name: "), so count it against the two lines.
    const budget = Math.max(MAX_LINE_CHARS, MAX_CUE_CHARS - speaker.length - 2);
    let chunk: Word[] = [];
    const flush = () => {
      if (chunk.length === 0) return;
      const start = chunk[0]!.start;
      const end = Math.max(start, ...chunk.map((word) => word.end));
      cues.push({ start, end, speaker, lines: wrapLines(chunk.map((word) => word.text).join(" ")) });
      chunk = [];
    };
    for (const word of words) {
      if (chunk.length > 0) {
        const length = chunk.reduce((sum, w) => sum + w.text.length + 1, 0) + word.text.length;
        if (length > budget || word.end - chunk[0]!.start > MAX_CUE_SECONDS) flush();
      }
      chunk.push(word);
    }
    flush();
  }
  return cues;
}

/** Plain text: the title, then one paragraph per segment, `[mm:ss] Speaker: text`. */
export function transcriptToTxt(transcript: NormalizedTranscript, title: string): string {
  const nameOf = speakerNames(transcript);
  const header = oneLine(title) || "Transcript";
  const paragraphs = orderedSegments(transcript).map(
    (segment) => `[${formatClock(segment.start)}] ${nameOf(segment.speakerId)}: ${oneLine(segment.text)}`,
  );
  return [header, ...paragraphs].join("\n\n") + "\n";
}

/** SubRip: numbered cues, `HH:MM:SS,mmm --> HH:MM:SS,mmm`, the speaker before the text. Empty → "". */
export function transcriptToSrt(transcript: NormalizedTranscript): string {
  return transcriptCues(transcript)
    .map((cue, index) => {
      // "-->" inside the text would read as a timing line to some parsers.
      const lines = cue.lines.map((line) => line.replace(/-->/g, "->"));
      lines[0] = `${cue.speaker}: ${lines[0]}`;
      return `${index + 1}\n${formatCueTimestamp(cue.start, ",")} --> ${formatCueTimestamp(cue.end, ",")}\n${lines.join("\n")}\n`;
    })
    .join("\n");
}

/** Escapes cue text for WebVTT: `&`, `<` and `>` become character references. */
export function escapeVttText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** WebVTT: `WEBVTT` header, `HH:MM:SS.mmm` timings, the speaker as a `<v Speaker>` voice tag. */
export function transcriptToVtt(transcript: NormalizedTranscript): string {
  const cues = transcriptCues(transcript).map((cue) => {
    const lines = cue.lines.map(escapeVttText);
    lines[0] = `<v ${escapeVttText(cue.speaker)}>${lines[0]}`;
    return `${formatCueTimestamp(cue.start, ".")} --> ${formatCueTimestamp(cue.end, ".")}\n${lines.join("\n")}\n`;
  });
  return ["WEBVTT\n", ...cues].join("\n");
}

export function transcriptToJson(transcript: NormalizedTranscript): string {
  return JSON.stringify(transcript, null, 2);
}

export function exportTranscript(transcript: NormalizedTranscript, format: TranscriptFormat, title: string): string {
  switch (format) {
    case "json":
      return transcriptToJson(transcript);
    case "txt":
      return transcriptToTxt(transcript, title);
    case "srt":
      return transcriptToSrt(transcript);
    case "vtt":
      return transcriptToVtt(transcript);
  }
}

const MAX_FILENAME_CHARS = 100;

/**
 * A file name from the call title: no path separators, quotes, control or reserved characters, no
 * leading/trailing dots or spaces, bounded length; "transcript" when nothing is left.
 */
export function safeFileStem(title: string): string {
  const cleaned = title
    .normalize("NFC")
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, " ")
    .replace(/[\\/:*?"<>|%;]/g, " ")
    // No word may start with dots: nothing that reads as "..", or as a hidden file.
    .replace(/(^|\s)\.+/g, "$1")
    .replace(/\s+/g, " ")
    .replace(/^[\s.]+|[\s.]+$/g, "");
  const bounded = Array.from(cleaned).slice(0, MAX_FILENAME_CHARS).join("").trim();
  return bounded || "transcript";
}

/** The ASCII fallback for `filename=`: accents dropped, anything else outside printable ASCII as "_". */
function asciiFileStem(stem: string): string {
  const ascii = stem
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/[^\x20-\x7e]/g, "_")
    .replace(/[\\"]/g, "_")
    .replace(/^[\s.]+|[\s.]+$/g, "");
  return ascii || "transcript";
}

/** RFC 5987 `value-chars`: encodeURIComponent leaves `'`, `(`, `)` and `*` bare, which attr-char does not allow. */
function rfc5987(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `attachment; filename="<safe title>.<ext>"`, plus `filename*=UTF-8''…` when the title is not plain ASCII. */
export function transcriptContentDisposition(title: string, extension: string): string {
  const stem = safeFileStem(title);
  const fallback = `${asciiFileStem(stem)}.${extension}`;
  const header = `attachment; filename="${fallback}"`;
  return /^[\x20-\x7e]*$/.test(stem) ? header : `${header}; filename*=UTF-8''${rfc5987(`${stem}.${extension}`)}`;
}
