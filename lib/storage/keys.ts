import { StorageError } from "./types";

/**
 * Object-storage key layout. Keys are built only from validated ids and a fixed vocabulary; no
 * user-supplied name ever becomes part of a key.
 *
 *   users/{userId}/calls/{callId}/audio/original.{ext}
 *   users/{userId}/calls/{callId}/diarization.json
 *   users/{userId}/calls/{callId}/transcript.raw.json
 *   users/{userId}/calls/{callId}/transcript.normalized.json
 *   users/{userId}/calls/{callId}/analysis.json
 *   users/{userId}/voice-profile/samples/{enrollmentId}.{ext}   (raw voice sample, only while it is enrolled)
 *
 * Ids are UUIDs (any version), normalised to lowercase so one id always maps to one key.
 */

/** Same limit as Vercel Blob pathnames, applied to every driver. */
export const MAX_KEY_LENGTH = 950;

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EXT_PATTERN = /^[a-z0-9]{1,8}$/;
const KEY_CHARS = /^[A-Za-z0-9._/-]+$/;

function invalid(message: string): StorageError {
  return new StorageError("INVALID_KEY", message);
}

function describe(value: unknown): string {
  // Keep messages short and printable; never echo arbitrary input verbatim.
  return typeof value === "string" ? JSON.stringify(value.slice(0, 80)) : typeof value;
}

function uuid(value: string, label: string): string {
  if (typeof value !== "string" || !UUID_PATTERN.test(value)) {
    throw invalid(`${label} must be a UUID, got ${describe(value)}`);
  }
  return value.toLowerCase();
}

/** Throws INVALID_KEY unless `key` is a safe relative object key. */
export function assertValidKey(key: string): void {
  if (typeof key !== "string" || key.length === 0) throw invalid("Storage key must be a non-empty string");
  if (key.length > MAX_KEY_LENGTH) throw invalid(`Storage key is longer than ${MAX_KEY_LENGTH} characters`);
  if (!KEY_CHARS.test(key)) {
    // Also rejects backslashes, NUL/control characters, spaces, ':' (drive letters) and non-ASCII.
    throw invalid(`Storage key ${describe(key)} may only contain A-Z a-z 0-9 . _ / -`);
  }
  if (key.startsWith("/")) throw invalid(`Storage key ${describe(key)} must be relative`);
  if (key.includes("..")) throw invalid(`Storage key ${describe(key)} must not contain ".."`);
  for (const segment of key.split("/")) {
    if (segment === "") throw invalid(`Storage key ${describe(key)} has an empty segment`);
    if (segment === ".") throw invalid(`Storage key ${describe(key)} has a "." segment`);
  }
}

/** Like `assertValidKey`, but a prefix may (and for folders should) end with "/". */
export function assertValidPrefix(prefix: string): void {
  if (typeof prefix !== "string" || prefix.length === 0) throw invalid("Storage prefix must be a non-empty string");
  assertValidKey(prefix.endsWith("/") ? prefix.slice(0, -1) : prefix);
}

export function isValidKey(key: string): boolean {
  try {
    assertValidKey(key);
    return true;
  } catch {
    return false;
  }
}

/** `users/{userId}/` */
export function userPrefix(userId: string): string {
  return `users/${uuid(userId, "userId")}/`;
}

/** `users/{userId}/calls/{callId}/` */
export function callPrefix(userId: string, callId: string): string {
  return `${userPrefix(userId)}calls/${uuid(callId, "callId")}/`;
}

function audioExtension(ext: string): string {
  if (typeof ext !== "string" || !EXT_PATTERN.test(ext)) {
    throw invalid(`Audio extension must be 1-8 lowercase letters or digits, got ${describe(ext)}`);
  }
  return ext;
}

/** `users/{userId}/calls/{callId}/audio/original.{ext}`; `ext` is a short lowercase token such as "mp3". */
export function originalAudioKey(userId: string, callId: string, ext: string): string {
  return `${callPrefix(userId, callId)}audio/original.${audioExtension(ext)}`;
}

/** `users/{userId}/voice-profile/`: everything stored for the user's voice profile (only raw samples, briefly). */
export function voiceProfilePrefix(userId: string): string {
  return `${userPrefix(userId)}voice-profile/`;
}

/** `users/{userId}/voice-profile/samples/`: raw samples waiting to be enrolled. */
export function voiceSamplesPrefix(userId: string): string {
  return `${voiceProfilePrefix(userId)}samples/`;
}

/** `users/{userId}/voice-profile/samples/{enrollmentId}.{ext}`: one enrollment attempt's raw sample. */
export function voiceSampleKey(userId: string, enrollmentId: string, ext: string): string {
  return `${voiceSamplesPrefix(userId)}${uuid(enrollmentId, "enrollmentId")}.${audioExtension(ext)}`;
}

export function diarizationKey(userId: string, callId: string): string {
  return `${callPrefix(userId, callId)}diarization.json`;
}

export function transcriptRawKey(userId: string, callId: string): string {
  return `${callPrefix(userId, callId)}transcript.raw.json`;
}

export function transcriptNormalizedKey(userId: string, callId: string): string {
  return `${callPrefix(userId, callId)}transcript.normalized.json`;
}

export function analysisKey(userId: string, callId: string): string {
  return `${callPrefix(userId, callId)}analysis.json`;
}
