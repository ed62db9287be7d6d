/**
 * A search snippet: plain text and the ranges of it that matched. The server turns ts_headline's marked
 * output into this; the page renders the ranges as <mark> elements — the text itself is never HTML.
 * Pure: shared by server and client code.
 */
export interface Snippet {
  text: string;
  /** [start, end) offsets into `text` (UTF-16 code units), in order, not overlapping. */
  highlights: [number, number][];
}

/** Parses text where matches sit between `start` and `stop` markers (the markers are not in the result). */
export function parseMarkedSnippet(marked: string, start: string, stop: string): Snippet {
  let text = "";
  const highlights: [number, number][] = [];
  let open: number | null = null;
  for (const char of marked) {
    if (char === start) {
      if (open === null) open = text.length;
    } else if (char === stop) {
      if (open !== null && text.length > open) highlights.push([open, text.length]);
      open = null;
    } else {
      text += char;
    }
  }
  if (open !== null && text.length > open) highlights.push([open, text.length]);
  return { text, highlights };
}

/** The snippet as consecutive parts, for rendering. Ranges outside the text are clipped. */
export function snippetParts(snippet: Snippet): { text: string; match: boolean }[] {
  const parts: { text: string; match: boolean }[] = [];
  let at = 0;
  for (const [from, to] of snippet.highlights) {
    const start = Math.max(at, Math.min(from, snippet.text.length));
    const end = Math.max(start, Math.min(to, snippet.text.length));
    if (start > at) parts.push({ text: snippet.text.slice(at, start), match: false });
    if (end > start) parts.push({ text: snippet.text.slice(start, end), match: true });
    at = end;
  }
  if (at < snippet.text.length) parts.push({ text: snippet.text.slice(at), match: false });
  return parts;
}
