import { describe, expect, it } from "vitest";
import {
  contentRange,
  ifNoneMatchMatches,
  ifRangeMatches,
  MAX_RANGE_HEADER_LENGTH,
  MAX_RANGES,
  parseRangeHeader,
  resolveRangeHeader,
  unsatisfiedContentRange,
} from "@/lib/http/range";

const SIZE = 1000;

describe("resolveRangeHeader: single ranges", () => {
  it.each([
    ["bytes=0-99", 0, 99],
    ["bytes=0-0", 0, 0],
    ["bytes=999-999", 999, 999],
    ["bytes=500-", 500, 999],
    ["bytes=0-", 0, 999],
    ["bytes=-100", 900, 999],
    ["bytes=-1", 999, 999],
    // last position past the end is clamped to the last byte
    ["bytes=900-5000", 900, 999],
    ["bytes=0-99999999999999999999999", 0, 999],
    // a suffix longer than the body is the whole body
    ["bytes=-1000", 0, 999],
    ["bytes=-5000", 0, 999],
    ["bytes=-99999999999999999999999", 0, 999],
    // unit is case-insensitive, optional whitespace is allowed around ranges
    ["Bytes=10-19", 10, 19],
    ["BYTES=10-19", 10, 19],
    ["bytes= 10-19 ", 10, 19],
    ["  bytes=10-19", 10, 19],
    // leading zeros are still digits
    ["bytes=007-009", 7, 9],
  ])("%s → %i-%i", (header, start, end) => {
    expect(resolveRangeHeader(header, SIZE)).toEqual({ kind: "partial", start, end, requested: 1 });
  });

  it.each([
    "bytes=1000-", // starts exactly at the end
    "bytes=1000-1000",
    "bytes=5000-6000",
    "bytes=99999999999999999999999-",
    "bytes=-0", // zero-length suffix selects nothing
  ])("%s is unsatisfiable", (header) => {
    expect(resolveRangeHeader(header, SIZE)).toEqual({ kind: "unsatisfiable" });
  });

  it("every range of an empty body is unsatisfiable", () => {
    expect(resolveRangeHeader("bytes=0-", 0)).toEqual({ kind: "unsatisfiable" });
    expect(resolveRangeHeader("bytes=-10", 0)).toEqual({ kind: "unsatisfiable" });
    expect(resolveRangeHeader(null, 0)).toEqual({ kind: "full" });
  });

  it("serves a one-byte body", () => {
    expect(resolveRangeHeader("bytes=0-", 1)).toEqual({ kind: "partial", start: 0, end: 0, requested: 1 });
    expect(resolveRangeHeader("bytes=-5", 1)).toEqual({ kind: "partial", start: 0, end: 0, requested: 1 });
    expect(resolveRangeHeader("bytes=1-", 1)).toEqual({ kind: "unsatisfiable" });
  });
});

describe("resolveRangeHeader: headers that are ignored (served in full)", () => {
  it.each([
    [null],
    [undefined],
    [""],
    ["bytes"],
    ["bytes="],
    ["bytes=,"],
    ["bytes=-"],
    ["bytes=abc"],
    ["bytes=a-b"],
    ["bytes=1-b"],
    ["bytes=0x10-20"],
    ["bytes=+1-5"],
    ["bytes=1.5-2"],
    ["bytes=-5-"],
    ["bytes=1-2-3"],
    ["bytes=10"], // no dash
    ["bytes=5-2"], // last before first: an invalid spec, so the whole header is ignored
    ["bytes=0-1,5-2"],
    ["items=0-10"], // another unit
    ["bytes 0-10"], // no "="
    ["0-10"],
    ["bytes=0 - 10"], // no whitespace inside a range
  ])("%j → full", (header) => {
    expect(resolveRangeHeader(header, SIZE)).toEqual({ kind: "full" });
  });

  it("ignores headers that are too long or list too many ranges", () => {
    const many = `bytes=${Array.from({ length: MAX_RANGES + 1 }, (_, i) => `${i}-${i}`).join(",")}`;
    expect(resolveRangeHeader(many, SIZE)).toEqual({ kind: "full" });
    const long = `bytes=0-1${" ".repeat(MAX_RANGE_HEADER_LENGTH)}`;
    expect(resolveRangeHeader(long, SIZE)).toEqual({ kind: "full" });
    const atLimit = `bytes=${Array.from({ length: MAX_RANGES }, (_, i) => `${i}-${i}`).join(",")}`;
    expect(resolveRangeHeader(atLimit, SIZE)).toEqual({ kind: "partial", start: 0, end: 0, requested: MAX_RANGES });
  });
});

describe("resolveRangeHeader: several ranges", () => {
  it("serves the first range as a single part", () => {
    expect(resolveRangeHeader("bytes=0-9, 20-29", SIZE)).toEqual({ kind: "partial", start: 0, end: 9, requested: 2 });
    expect(resolveRangeHeader("bytes=-10,0-1", SIZE)).toEqual({ kind: "partial", start: 990, end: 999, requested: 2 });
  });

  it("skips unsatisfiable ranges to the first satisfiable one", () => {
    expect(resolveRangeHeader("bytes=5000-,10-19", SIZE)).toEqual({ kind: "partial", start: 10, end: 19, requested: 2 });
  });

  it("is unsatisfiable only when no range is", () => {
    expect(resolveRangeHeader("bytes=5000-,-0,1000-2000", SIZE)).toEqual({ kind: "unsatisfiable" });
  });

  it("tolerates empty list elements", () => {
    expect(resolveRangeHeader("bytes=,0-1,", SIZE)).toEqual({ kind: "partial", start: 0, end: 1, requested: 1 });
  });
});

describe("parseRangeHeader", () => {
  it("returns the specs in order", () => {
    expect(parseRangeHeader("bytes=1-2,3-,-4")).toEqual([
      { type: "bounded", first: 1, last: 2 },
      { type: "open", first: 3 },
      { type: "suffix", length: 4 },
    ]);
  });
});

describe("header values", () => {
  it("formats Content-Range", () => {
    expect(contentRange(0, 99, 1234)).toBe("bytes 0-99/1234");
    expect(unsatisfiedContentRange(1234)).toBe("bytes */1234");
  });

  it("If-Range: absent or the same strong tag applies the range; anything else does not", () => {
    const etag = '"abc"';
    expect(ifRangeMatches(null, etag)).toBe(true);
    expect(ifRangeMatches('"abc"', etag)).toBe(true);
    expect(ifRangeMatches(' "abc" ', etag)).toBe(true);
    expect(ifRangeMatches('"other"', etag)).toBe(false);
    expect(ifRangeMatches('W/"abc"', etag)).toBe(false);
    expect(ifRangeMatches("Wed, 21 Oct 2015 07:28:00 GMT", etag)).toBe(false);
  });

  it("If-None-Match: weak comparison over a list, and *", () => {
    const etag = '"abc"';
    expect(ifNoneMatchMatches(null, etag)).toBe(false);
    expect(ifNoneMatchMatches("*", etag)).toBe(true);
    expect(ifNoneMatchMatches('"x", W/"abc"', etag)).toBe(true);
    expect(ifNoneMatchMatches('"x", "y"', etag)).toBe(false);
  });
});
