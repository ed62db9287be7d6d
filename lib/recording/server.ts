import "server-only";
import fs from "node:fs/promises";
import path from "node:path";
import type { Database } from "@/db";
import { findUploadingCall, getCall, updateCall } from "@/db/queries/calls";
import { insertProcessingEvent, listCallEvents } from "@/db/queries/events";
import type { CallRecord } from "@/db/schema";
import { abandonUpload, finishUpload, type IngestDeps } from "@/lib/calls/ingest";
import type { DiarizationResult } from "@/lib/speech/types";

/**
 * The server side of browser recordings (the page is app/(app)/record, the client lib/recording/*):
 *
 * - the recorder creates a tus upload with a deferred length and the tus metadata `recorder` = "mono" or
 *   "stereo-mic-left" (the metadata schema ignores unknown keys; tus keeps them in `<id>.json` until the
 *   upload finishes);
 * - when such an upload is queued (`onRecordingQueued`, the tus route's `onQueued`), the UPLOAD stage gets a
 *   last COMPLETED event whose provider says it came from the browser recorder — and, for a stereo one,
 *   that the microphone is the left channel, which the NORMALIZATION stage reads (`microphoneSpeaker`) to
 *   mark that side as the user (role SELF, reason "your microphone");
 * - `finalizeAbandonedRecordings`: a deferred-length upload that has heard nothing (no chunk, no heartbeat)
 *   for `idleMs` is finished at its current offset and processed like any call, its title and timeline
 *   saying "ended unexpectedly at HH:MM" (the time of the last byte). Run by `startRecordingFinalizer`.
 */

export const RECORDER_METADATA_KEY = "recorder";
export type RecorderLayout = "mono" | "stereo-mic-left";

export const RECORDER_PROVIDER = "browser recorder";
export const RECORDER_STEREO_PROVIDER = "browser recorder, microphone on the left";

interface TusInfo {
  size?: number;
  metadata?: Record<string, string | null>;
}

async function readTusInfo(spoolDir: string, callId: string): Promise<TusInfo | null> {
  try {
    return JSON.parse(await fs.readFile(path.join(spoolDir, "tus", `${callId}.json`), "utf8")) as TusInfo;
  } catch {
    return null;
  }
}

function layoutOf(info: TusInfo | null): RecorderLayout | null {
  const value = info?.metadata?.[RECORDER_METADATA_KEY];
  return value === "mono" || value === "stereo-mic-left" ? value : null;
}

function providerFor(layout: RecorderLayout, note?: string): string {
  const base = layout === "stereo-mic-left" ? RECORDER_STEREO_PROVIDER : RECORDER_PROVIDER;
  return note ? `${base} · ${note}` : base;
}

/** The tus route's `onQueued`: a recording's UPLOAD event says so, then the call goes to the pipeline. */
export async function onRecordingQueued(
  deps: { db: Database; spoolDir: string; enqueue: (call: CallRecord) => Promise<void> },
  call: CallRecord,
): Promise<void> {
  const layout = layoutOf(await readTusInfo(deps.spoolDir, call.id));
  if (layout) {
    await insertProcessingEvent(deps.db, { callId: call.id, userId: call.userId, stage: "UPLOAD", status: "COMPLETED", provider: providerFor(layout) });
  }
  await deps.enqueue(call);
}

/**
 * For NORMALIZATION: the diarized speaker that is the user's microphone — the left channel of a stereo
 * browser recording diarized per side — or null.
 */
export async function microphoneSpeaker(db: Database, ref: { userId: string; callId: string }, diarization: Pick<DiarizationResult, "speakers">): Promise<string | null> {
  const left = diarization.speakers.find((speaker) => speaker.label === "Left channel");
  if (!left) return null;
  const events = await listCallEvents(db, ref);
  const stereo = events.some((event) => event.stage === "UPLOAD" && event.status === "COMPLETED" && event.provider?.startsWith(RECORDER_STEREO_PROVIDER));
  return stereo ? left.id : null;
}

/** "15:52" in the server's time zone. */
export function clockTime(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hour12: false, timeZone }).format(at);
}

export interface FinalizeDeps extends IngestDeps {
  spoolDir: string;
  timeZone: string;
}

export interface FinalizeResult {
  finished: string[];
  /** Abandoned before a single byte arrived: removed. */
  removed: string[];
  /** Could not be finished (e.g. the bytes do not decode): left for the stale-upload sweep. */
  failed: string[];
}

/**
 * Finishes deferred-length (recording) uploads idle since before `now - idleMs`, at their current offset.
 * Only deferred-length uploads: a file upload knows its length and is never finished short.
 */
export async function finalizeAbandonedRecordings(deps: FinalizeDeps, { now, idleMs }: { now: Date; idleMs: number }): Promise<FinalizeResult> {
  const result: FinalizeResult = { finished: [], removed: [], failed: [] };
  const directory = path.join(deps.spoolDir, "tus");
  let names: string[];
  try {
    names = await fs.readdir(directory);
  } catch {
    return result;
  }
  for (const name of names.filter((entry) => entry.endsWith(".json"))) {
    const callId = name.slice(0, -".json".length);
    const info = await readTusInfo(deps.spoolDir, callId);
    if (!info || typeof info.size === "number") continue;
    const owner = await findUploadingCall(deps.db, callId);
    if (!owner) continue;
    const call = await getCall(deps.db, { userId: owner.userId, callId });
    if (!call || call.updatedAt.getTime() > now.getTime() - idleMs) continue;
    const filePath = path.join(directory, callId);
    const stat = await fs.stat(filePath).catch(() => null);
    if (!stat || stat.size === 0) {
      await abandonUpload(deps, { userId: owner.userId, callId, filePath });
      await fs.rm(path.join(directory, name), { force: true });
      result.removed.push(callId);
      continue;
    }
    const endedAt = clockTime(stat.mtime, deps.timeZone);
    const note = `ended unexpectedly at ${endedAt}`;
    const layout = layoutOf(info) ?? "mono";
    try {
      await finishUpload(
        {
          ...deps,
          onQueued: async (queued) => {
            const title = `${queued.title} (${note})`;
            if (title.length <= 200) await updateCall(deps.db, { userId: owner.userId, callId, patch: { title } });
            await insertProcessingEvent(deps.db, { callId, userId: owner.userId, stage: "UPLOAD", status: "COMPLETED", provider: providerFor(layout, `recording ${note}`) });
            await deps.onQueued?.(queued);
          },
        },
        { userId: owner.userId, callId, filePath, declaredBytes: null },
      );
      await fs.rm(path.join(directory, name), { force: true });
      result.finished.push(callId);
    } catch (error) {
      console.warn(`[recording] an abandoned recording could not be finished yet: ${error instanceof Error ? error.message : String(error)}`);
      result.failed.push(callId);
    }
  }
  return result;
}

const timers = globalThis as unknown as { __scryonRecordingFinalizer?: NodeJS.Timeout };

/** Checks for abandoned recordings every `idleMs / 4` (at least 2 s, at most a minute), in this process. */
export function startRecordingFinalizer(getDeps: () => Promise<FinalizeDeps>, idleMs: number): void {
  if (timers.__scryonRecordingFinalizer || idleMs <= 0) return;
  const every = Math.max(2_000, Math.min(60_000, Math.floor(idleMs / 4)));
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const done = await finalizeAbandonedRecordings(await getDeps(), { now: new Date(), idleMs });
      if (done.finished.length > 0) console.info(`[recording] finished ${done.finished.length} recording(s) whose browser stopped sending`);
    } catch (error) {
      console.error("[recording] finalising abandoned recordings failed", error);
    } finally {
      running = false;
    }
  };
  timers.__scryonRecordingFinalizer = setInterval(() => void tick(), every);
  timers.__scryonRecordingFinalizer.unref?.();
}
