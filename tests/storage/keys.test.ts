import { describe, expect, it } from "vitest";
import {
  analysisKey,
  assertValidKey,
  assertValidPrefix,
  callPrefix,
  diarizationKey,
  isValidKey,
  originalAudioKey,
  transcriptNormalizedKey,
  transcriptRawKey,
  userPrefix,
} from "@/lib/storage/keys";
import { StorageError } from "@/lib/storage/types";

const USER = "0b5a3c1e-7f2d-4e8a-9c61-3d2f1a0b9e7c";
const CALL = "01890a5d-ac96-774b-bcce-b302099a8057"; // UUIDv7

function expectInvalid(fn: () => unknown) {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(StorageError);
  expect((caught as StorageError).code).toBe("INVALID_KEY");
  expect((caught as StorageError).transient).toBe(false);
}

describe("storage key builders", () => {
  it("follow the documented layout", () => {
    const base = `users/${USER}/calls/${CALL}/`;
    expect(userPrefix(USER)).toBe(`users/${USER}/`);
    expect(callPrefix(USER, CALL)).toBe(base);
    expect(originalAudioKey(USER, CALL, "mp3")).toBe(`${base}audio/original.mp3`);
    expect(originalAudioKey(USER, CALL, "m4a")).toBe(`${base}audio/original.m4a`);
    expect(diarizationKey(USER, CALL)).toBe(`${base}diarization.json`);
    expect(transcriptRawKey(USER, CALL)).toBe(`${base}transcript.raw.json`);
    expect(transcriptNormalizedKey(USER, CALL)).toBe(`${base}transcript.normalized.json`);
    expect(analysisKey(USER, CALL)).toBe(`${base}analysis.json`);
  });

  it("produce keys and prefixes that pass validation and nest under their prefixes", () => {
    const keys = [
      originalAudioKey(USER, CALL, "wav"),
      diarizationKey(USER, CALL),
      transcriptRawKey(USER, CALL),
      transcriptNormalizedKey(USER, CALL),
      analysisKey(USER, CALL),
    ];
    for (const key of keys) {
      expect(() => assertValidKey(key)).not.toThrow();
      expect(key.startsWith(callPrefix(USER, CALL))).toBe(true);
      expect(key.startsWith(userPrefix(USER))).toBe(true);
    }
    expect(() => assertValidPrefix(callPrefix(USER, CALL))).not.toThrow();
    expect(() => assertValidPrefix(userPrefix(USER))).not.toThrow();
  });

  it("normalise UUID case so one id maps to one key", () => {
    expect(analysisKey(USER.toUpperCase(), CALL.toUpperCase())).toBe(analysisKey(USER, CALL));
  });

  it("reject ids that are not UUIDs", () => {
    for (const bad of ["", "abc", "../x", `${USER}/..`, `${USER} `, ` ${USER}`, `${USER}\n`, USER.replace(/-/g, ""), "users", "0b5a3c1e-7f2d-4e8a-9c61-3d2f1a0b9e7g"]) {
      expectInvalid(() => userPrefix(bad));
      expectInvalid(() => callPrefix(USER, bad));
      expectInvalid(() => analysisKey(bad, CALL));
      expectInvalid(() => originalAudioKey(USER, bad, "mp3"));
    }
    expectInvalid(() => userPrefix(undefined as unknown as string));
  });

  it("accept only short lowercase alphanumeric extensions", () => {
    for (const ext of ["mp3", "wav", "m4a", "ogg", "webm", "flac", "opus", "a", "12345678"]) {
      expect(originalAudioKey(USER, CALL, ext)).toMatch(new RegExp(`original\\.${ext}$`));
    }
    for (const ext of ["", "MP3", "Mp3", ".mp3", "mp3.", "m/p3", "../mp3", "mp 3", "mp-3", "mp_3", "toolongext", "mp3\u0000", "\u00e9"]) {
      expectInvalid(() => originalAudioKey(USER, CALL, ext));
    }
  });
});

describe("assertValidKey", () => {
  it("accepts ordinary relative keys", () => {
    for (const key of ["a", "a/b", "a.b/c-d_e.json", "users/x/calls/y/audio/original.mp3", "A-Z.0_9", ".hidden", "a/.b"]) {
      expect(() => assertValidKey(key)).not.toThrow();
      expect(isValidKey(key)).toBe(true);
    }
  });

  it("rejects traversal, absolute, empty-segment, backslash, control and foreign characters", () => {
    const bad = [
      "",
      "..",
      "../x",
      "a/..",
      "a/../b",
      "a/../../x",
      "x..y", // any ".." is refused
      ".",
      "./a",
      "a/./b",
      "/a",
      "//a",
      "a//b",
      "a/",
      "a\\b",
      "..\\x",
      "C:/x",
      "C:\\x",
      "a\u0000b",
      "a\u0001b",
      "a\tb",
      "a\nb",
      "a\rb",
      "a\u007fb",
      "a b",
      "caf\u00e9",
      "a\u202eb",
      "a?b",
      "a#b",
      "a%2f..",
      "a*b",
      "~/x",
      "a~meta.json",
      "x".repeat(951),
    ];
    for (const key of bad) {
      expectInvalid(() => assertValidKey(key));
      expect(isValidKey(key)).toBe(false);
    }
    expectInvalid(() => assertValidKey(42 as unknown as string));
  });

  it("limits keys to 950 characters", () => {
    expect(() => assertValidKey("x".repeat(950))).not.toThrow();
  });
});

describe("assertValidPrefix", () => {
  it("accepts folder and partial-name prefixes", () => {
    for (const prefix of ["users/", "users/a/calls/b/", "users/a/calls/b/transcript.", "u"]) {
      expect(() => assertValidPrefix(prefix)).not.toThrow();
    }
  });

  it("rejects empty, root and traversing prefixes", () => {
    for (const prefix of ["", "/", "//", "../", "a/../", "/users/", "users//", "users\\", "a/./"]) {
      expectInvalid(() => assertValidPrefix(prefix));
    }
  });
});
