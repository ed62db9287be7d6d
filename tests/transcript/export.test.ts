import { describe, expect, it } from "vitest";
import {
  MAX_CUE_SECONDS,
  escapeVttText,
  exportTranscript,
  formatClock,
  formatCueTimestamp,
  safeFileStem,
  transcriptContentDisposition,
  transcriptCues,
  transcriptToJson,
  transcriptToSrt,
  transcriptToTxt,
  transcriptToVtt,
} from "@/lib/transcript/export";
import type { NormalizedTranscript } from "@/lib/transcript/normalize";

type Segment = NormalizedTranscript["segments"][number];

/** Words of a sentence, each `step` seconds long, starting at `start`. */
function words(text: string, start: number, step = 0.5): Segment["words"] {
  return text.split(" ").map((word, index) => ({ text: word, start: start + index * step, end: start + (index + 1) * step, confidence: 0.9 }));
}

function segment(id: string, speakerId: string, text: string, start: number, step = 0.5): Segment {
  const ws = words(text, start, step);
  return { id, speakerId, start, end: ws.at(-1)!.end, text, words: ws };
}

function transcript(segments: Segment[]): NormalizedTranscript {
  return {
    version: 1,
    language: "en",
    durationSeconds: 4000,
    quality: "standard",
    speakers: [
      { id: "A", label: "Speaker 1", role: "SELF", displayName: "Alice", confidence: 0.9 },
      { id: "B", label: "Speaker 2", role: "COUNTERPARTY", displayName: null, confidence: null },
    ],
    segments,
  };
}

const EMPTY = transcript([]);

const SAMPLE = transcript([
  { id: "s0001", speakerId: "A", start: 1.2344, end: 2.9996, text: "Hello there.", words: [] },
  segment("s0002", "B", "Price is <10k> & fair", 65.5),
  { id: "s0003", speakerId: "A", start: 3725.0005, end: 3726.25, text: "Bye.", words: [{ text: "Bye.", start: 3725.0005, end: 3726.25, confidence: 1 }] },
]);

describe("timestamps", () => {
  it("formats cue times with hours and rounds at the millisecond", () => {
    expect(formatCueTimestamp(0, ",")).toBe("00:00:00,000");
    expect(formatCueTimestamp(1.2344, ",")).toBe("00:00:01,234");
    expect(formatCueTimestamp(1.2345, ".")).toBe("00:00:01.235");
    expect(formatCueTimestamp(59.9996, ",")).toBe("00:01:00,000");
    expect(formatCueTimestamp(3599.9995, ".")).toBe("01:00:00.000");
    expect(formatCueTimestamp(3725.0005, ",")).toBe("01:02:05,001");
    expect(formatCueTimestamp(100 * 3600 + 1, ",")).toBe("100:00:01,000");
    expect(formatCueTimestamp(-1, ",")).toBe("00:00:00,000");
    expect(formatCueTimestamp(Number.NaN, ".")).toBe("00:00:00.000");
  });

  it("formats the plain-text clock as mm:ss, h:mm:ss from an hour", () => {
    expect(formatClock(0)).toBe("00:00");
    expect(formatClock(65.9)).toBe("01:05");
    expect(formatClock(3599.4)).toBe("59:59");
    expect(formatClock(3725)).toBe("1:02:05");
    expect(formatClock(36000)).toBe("10:00:00");
  });
});

describe("txt", () => {
  it("has the title, then one paragraph per segment with the speaker's display name or label", () => {
    expect(transcriptToTxt(SAMPLE, "Acme renewal")).toBe(
      ["Acme renewal", "[00:01] Alice: Hello there.", "[01:05] Speaker 2: Price is <10k> & fair", "[1:02:05] Alice: Bye."].join("\n\n") + "\n",
    );
  });

  it("keeps the title on one line and handles an empty transcript", () => {
    expect(transcriptToTxt(EMPTY, "Line\none")).toBe("Line one\n");
    expect(transcriptToTxt(EMPTY, "  ")).toBe("Transcript\n");
  });

  it("names a speaker missing from the speaker list", () => {
    expect(transcriptToTxt(transcript([segment("s1", "ghost", "Boo", 0)]), "T")).toContain("[00:00] Unknown speaker: Boo");
  });
});

describe("srt", () => {
  it("numbers cues with HH:MM:SS,mmm timings and the speaker before the text", () => {
    expect(transcriptToSrt(SAMPLE)).toBe(
      [
        "1\n00:00:01,234 --> 00:00:03,000\nAlice: Hello there.\n",
        "2\n00:01:05,500 --> 00:01:08,000\nSpeaker 2: Price is <10k> & fair\n",
        "3\n01:02:05,001 --> 01:02:06,250\nAlice: Bye.\n",
      ].join("\n"),
    );
  });

  it("is empty for an empty transcript", () => {
    expect(transcriptToSrt(EMPTY)).toBe("");
    expect(transcriptToSrt(transcript([{ id: "s1", speakerId: "A", start: 0, end: 1, text: "  ", words: [] }]))).toBe("");
  });

  it("splits a long segment into cues of at most two lines and seven seconds, on word times", () => {
    const text = Array.from({ length: 60 }, (_, i) => `word${i}`).join(" ");
    const long = transcript([segment("s1", "A", text, 10, 0.4)]);
    const cues = transcriptCues(long);
    expect(cues.length).toBeGreaterThan(3);
    // Every word is kept, in order, once.
    expect(cues.flatMap((cue) => cue.lines.join(" ").split(" "))).toEqual(text.split(" "));
    for (const cue of cues) {
      expect(cue.end - cue.start).toBeLessThanOrEqual(MAX_CUE_SECONDS);
      expect(cue.lines.length).toBeLessThanOrEqual(2);
      expect(`Alice: ${cue.lines.join(" ")}`.length).toBeLessThanOrEqual(84);
    }
    // Cues follow the words' own times: each starts where its first word starts.
    expect(cues[0]!.start).toBe(10);
    expect(cues[1]!.start).toBeCloseTo(10 + 0.4 * cues[0]!.lines.join(" ").split(" ").length, 6);
    expect(cues.at(-1)!.end).toBeCloseTo(10 + 60 * 0.4, 6);

    const srt = transcriptToSrt(long);
    const blocks = srt.trimEnd().split("\n\n");
    expect(blocks).toHaveLength(cues.length);
    blocks.forEach((block, index) => {
      const [number, timing, ...lines] = block.split("\n");
      expect(number).toBe(String(index + 1));
      expect(timing).toMatch(/^\d{2}:\d{2}:\d{2},\d{3} --> \d{2}:\d{2}:\d{2},\d{3}$/);
      expect(lines.length).toBeGreaterThanOrEqual(1);
      expect(lines.length).toBeLessThanOrEqual(2);
      expect(lines[0]).toMatch(/^Alice: /);
    });
  });

  it("splits on time even when the text is short", () => {
    const slow = transcript([segment("s1", "B", "one two three four five", 0, 3)]);
    const cues = transcriptCues(slow);
    expect(cues.map((cue) => [cue.start, cue.end, cue.lines.join(" ")])).toEqual([
      [0, 6, "one two"],
      [6, 12, "three four"],
      [12, 15, "five"],
    ]);
  });

  it("spreads a segment without word times over its span", () => {
    const text = Array.from({ length: 40 }, () => "abcd").join(" ");
    const cues = transcriptCues(transcript([{ id: "s1", speakerId: "A", start: 0, end: 20, text, words: [] }]));
    expect(cues.length).toBeGreaterThan(1);
    expect(cues[0]!.start).toBe(0);
    expect(cues.at(-1)!.end).toBeCloseTo(20, 6);
    for (const cue of cues) expect(cue.end - cue.start).toBeLessThanOrEqual(MAX_CUE_SECONDS);
  });

  it("never lets cue text look like a timing line or break the cue with a blank line", () => {
    const srt = transcriptToSrt(transcript([{ id: "s1", speakerId: "A", start: 0, end: 2, text: "a --> b\n\nc", words: [] }]));
    expect(srt).toBe("1\n00:00:00,000 --> 00:00:02,000\nAlice: a -> b c\n");
  });
});

describe("vtt", () => {
  it("has the WEBVTT header, HH:MM:SS.mmm timings and voice tags, with escaped text", () => {
    expect(transcriptToVtt(SAMPLE)).toBe(
      [
        "WEBVTT\n",
        "00:00:01.234 --> 00:00:03.000\n<v Alice>Hello there.\n",
        "00:01:05.500 --> 00:01:08.000\n<v Speaker 2>Price is &lt;10k&gt; &amp; fair\n",
        "01:02:05.001 --> 01:02:06.250\n<v Alice>Bye.\n",
      ].join("\n"),
    );
  });

  it("escapes the speaker name in the voice tag", () => {
    const t = transcript([segment("s1", "A", "hi", 0)]);
    t.speakers[0]!.displayName = "Tom & <Jerry>";
    expect(transcriptToVtt(t)).toContain("<v Tom &amp; &lt;Jerry&gt;>hi");
    expect(escapeVttText("a&b<c>d")).toBe("a&amp;b&lt;c&gt;d");
  });

  it("is a valid empty file for an empty transcript", () => {
    expect(transcriptToVtt(EMPTY)).toBe("WEBVTT\n");
  });
});

describe("json and dispatch", () => {
  it("returns the transcript itself", () => {
    expect(JSON.parse(transcriptToJson(SAMPLE))).toEqual(SAMPLE);
    expect(JSON.parse(exportTranscript(SAMPLE, "json", "T"))).toEqual(SAMPLE);
    expect(exportTranscript(SAMPLE, "txt", "T")).toBe(transcriptToTxt(SAMPLE, "T"));
    expect(exportTranscript(SAMPLE, "srt", "T")).toBe(transcriptToSrt(SAMPLE));
    expect(exportTranscript(SAMPLE, "vtt", "T")).toBe(transcriptToVtt(SAMPLE));
  });
});

describe("download file names", () => {
  it("strips unsafe characters from the title", () => {
    expect(safeFileStem('../etc/pass"wd\r\n<x>|?*')).toBe("etc pass wd x");
    expect(safeFileStem("...")).toBe("transcript");
    expect(safeFileStem("a".repeat(300))).toHaveLength(100);
    expect(transcriptContentDisposition("Acme renewal: Q3", "srt")).toBe('attachment; filename="Acme renewal Q3.srt"');
  });

  it("adds an RFC 5987 filename* for non-ASCII titles", () => {
    expect(transcriptContentDisposition("Café (Zoë)'s call", "vtt")).toBe(
      `attachment; filename="Cafe (Zoe)'s call.vtt"; filename*=UTF-8''Caf%C3%A9%20%28Zo%C3%AB%29%27s%20call.vtt`,
    );
    expect(transcriptContentDisposition("日本語", "txt")).toBe(`attachment; filename="___.txt"; filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E.txt`);
  });
});
