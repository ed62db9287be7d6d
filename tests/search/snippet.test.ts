import { describe, expect, it } from "vitest";
import { decodeSearchCursor, encodeSearchCursor } from "@/lib/search/query";
import { parseMarkedSnippet, snippetParts } from "@/lib/search/snippet";

describe("search snippets", () => {
  it("turns marked text into plain text and ranges", () => {
    expect(parseMarkedSnippet("send the \u0001budget\u0002 to \u0001finance\u0002", "\u0001", "\u0002")).toEqual({
      text: "send the budget to finance",
      highlights: [
        [9, 15],
        [19, 26],
      ],
    });
    // An unclosed mark runs to the end; empty marks and stray stops give no range.
    expect(parseMarkedSnippet("a \u0001\u0002b \u0002c \u0001d", "\u0001", "\u0002")).toEqual({ text: "a b c d", highlights: [[6, 7]] });
  });

  it("splits into parts for rendering, clipping ranges that do not fit", () => {
    expect(snippetParts({ text: "one two three", highlights: [[4, 7]] })).toEqual([
      { text: "one ", match: false },
      { text: "two", match: true },
      { text: " three", match: false },
    ]);
    expect(snippetParts({ text: "abc", highlights: [[2, 99], [1, 2]] })).toEqual([
      { text: "ab", match: false },
      { text: "c", match: true },
    ]);
    expect(snippetParts({ text: "", highlights: [] })).toEqual([]);
  });
});

describe("search cursors", () => {
  const value = { recordedAt: new Date("2026-03-01T10:00:00.123Z"), callId: "3f3be0ab-52a5-4245-b0c4-afa7925685e4", rank: "0.0607927", id: "28855f5d-28b6-4f37-8b4d-d6daf58606c8" };

  it("round-trip exactly", () => {
    expect(decodeSearchCursor(encodeSearchCursor(value))).toEqual(value);
    expect(decodeSearchCursor(encodeSearchCursor({ ...value, rank: "1e-20" }))?.rank).toBe("1e-20");
  });

  it("refuse anything this server did not write", () => {
    const encode = (parts: unknown) => Buffer.from(JSON.stringify(parts)).toString("base64url");
    for (const bad of [
      "",
      "not-base64!",
      encode({ a: 1 }),
      encode([value.recordedAt.toISOString(), value.callId, value.rank]),
      encode([value.recordedAt.toISOString(), "nope", value.rank, value.id]),
      encode([value.recordedAt.toISOString(), value.callId, "0.5)::real; --", value.id]),
      encode([value.recordedAt.toISOString(), value.callId, 0.5, value.id]),
      encode(["0000-12-31T00:00:00Z", value.callId, value.rank, value.id]),
      encode(["yesterday", value.callId, value.rank, value.id]),
    ]) {
      expect(decodeSearchCursor(bad), bad).toBeNull();
    }
  });
});
