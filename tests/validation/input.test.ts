import { describe, expect, it } from "vitest";
import { z } from "zod";
import { isDataException, isDatabaseUnavailable, sqlStateOf } from "@/lib/http/db-errors";
import { isSafeDateString, isStorableDate, optionalSafeText, safeDate, safeDateTime, safeIsoDateTimeString, safeText, stripUnsafeText } from "@/lib/validation/input";

describe("safeText", () => {
  const schema = safeText({ max: 10 });
  it.each([
    ["a\u0000b", false],
    ["a\u0001b", false],
    ["a\u001Fb", false],
    ["a\u007Fb", false],
    ["a\u000Bb", false],
    ["a\tb", true],
    ["a\nb", true],
    ["a\r\nb", true],
    ["\uD83D\uDE00 ok", true], // a surrogate pair (emoji)
    ["bad \uD83D", false], // a lone high surrogate
    ["\uDE00 bad", false], // a lone low surrogate
    ["e\u0301", true], // combining mark
    ["\u200B\u202E", true], // zero-width space, RTL override: printable format characters are allowed
    ["x".repeat(11), false],
  ])("%j → %s", (value, ok) => {
    expect(schema.safeParse(value).success).toBe(ok);
  });

  it("trims, and blank optional text is null", () => {
    expect(schema.parse("  hi  ")).toBe("hi");
    expect(optionalSafeText(5).parse("   ")).toBeNull();
    expect(optionalSafeText(5).safeParse("a\u0000").success).toBe(false);
  });

  it("says why in the issue message", () => {
    const result = z.object({ title: schema }).safeParse({ title: "a\u0000" });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe("must not contain control characters");
  });

  it("pages strip the same characters", () => {
    expect(stripUnsafeText("a\u0000b\u0007c\td\uD800")).toBe("abc\td");
  });
});

describe("dates", () => {
  it.each([
    ["2026-12-04", true],
    ["0001-01-01", true],
    ["9999-12-31", true],
    ["0000-01-01", false],
    ["10000-01-01", false],
    ["2026-02-30", false],
    ["2026-13-01", false],
    ["26-12-04", false],
  ])("date %s → %s", (value, ok) => {
    expect(isSafeDateString(value)).toBe(ok);
    expect(safeDate().safeParse(value).success).toBe(ok);
  });

  it("keeps a margin for server arithmetic", () => {
    expect(safeDate({ marginDays: 8 }).safeParse("9999-12-31").success).toBe(false);
    expect(safeDate({ marginDays: 8 }).safeParse("0001-01-02").success).toBe(false);
    expect(safeDate({ marginDays: 8 }).safeParse("2026-12-04").success).toBe(true);
  });

  it.each([
    ["2026-12-04T10:00:00Z", true],
    ["0000-01-01T00:00:00Z", false],
    ["+010000-01-01T00:00:00Z", false],
    ["-000001-01-01T00:00:00Z", false],
    [8.64e15, false],
    [-8.64e15, false],
    ["not a date", false],
    [0, true],
  ])("date-time %j → %s", (value, ok) => {
    expect(safeDateTime().safeParse(value).success).toBe(ok);
  });

  it("ISO strings with an offset, in range", () => {
    expect(safeIsoDateTimeString().safeParse("2026-12-04T10:00:00+02:00").success).toBe(true);
    expect(safeIsoDateTimeString().safeParse("0000-12-04T10:00:00Z").success).toBe(false);
    expect(isStorableDate(new Date(Number.NaN))).toBe(false);
  });
});

describe("database error classes", () => {
  it("finds the SQLSTATE through drizzle's wrapper", () => {
    const driver = Object.assign(new Error("invalid byte sequence"), { code: "22021" });
    const wrapped = new Error("Failed query: insert …", { cause: driver });
    expect(sqlStateOf(wrapped)).toBe("22021");
    expect(isDataException(wrapped)).toBe(true);
    expect(isDataException(Object.assign(new Error(), { code: "23505" }))).toBe(false);
    expect(isDataException(new Error("plain"))).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error(), { code: "ECONNREFUSED" }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error(), { code: "57P01" }))).toBe(true);
  });
});
