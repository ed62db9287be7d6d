import type { ChunkStore, StoredChunk } from "./chunk-queue";

/**
 * What this browser keeps of a recording in progress: the session (localStorage, small) and the chunks the
 * server has not confirmed yet (IndexedDB, one object store keyed by [upload URL, offset]). A reload of
 * /record finds both and offers to send the rest and finish.
 */

export interface RecordingSession {
  url: string;
  callId: string;
  title: string;
  startedAt: string;
  stereo: boolean;
}

const SESSION_KEY = "scryon.recording.session";
const DB_NAME = "scryon-recording";
const STORE = "chunks";

export function loadSession(): RecordingSession | null {
  try {
    const raw = window.localStorage.getItem(SESSION_KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<RecordingSession>;
    if (typeof parsed.url !== "string" || typeof parsed.callId !== "string") return null;
    return { url: parsed.url, callId: parsed.callId, title: parsed.title ?? "", startedAt: parsed.startedAt ?? "", stereo: Boolean(parsed.stereo) };
  } catch {
    return null;
  }
}

export function saveSession(session: RecordingSession): void {
  try {
    window.localStorage.setItem(SESSION_KEY, JSON.stringify(session));
  } catch {
    // private mode or full: the recording still streams, only the reload offer is lost
  }
}

export function clearSession(): void {
  try {
    window.localStorage.removeItem(SESSION_KEY);
  } catch {
    // ignore
  }
}

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: ["url", "offset"] });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function done(request: IDBRequest): Promise<unknown> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** The chunks of one upload in IndexedDB. Falls back to memory only when IndexedDB is unavailable. */
export async function indexedDbChunkStore(url: string): Promise<ChunkStore | undefined> {
  let db: IDBDatabase;
  try {
    db = await openDb();
  } catch {
    return undefined;
  }
  const store = (mode: IDBTransactionMode) => db.transaction(STORE, mode).objectStore(STORE);
  const range = IDBKeyRange.bound([url, 0], [url, Number.MAX_SAFE_INTEGER]);
  return {
    async put(chunk) {
      await done(store("readwrite").put({ url, offset: chunk.offset, bytes: chunk.bytes }));
    },
    async get(offset) {
      const row = (await done(store("readonly").get([url, offset]))) as { offset: number; bytes: Uint8Array } | undefined;
      return row ? { offset: row.offset, bytes: new Uint8Array(row.bytes) } : null;
    },
    async deleteThrough(offset) {
      const rows = (await done(store("readonly").getAll(range))) as { offset: number; bytes: Uint8Array }[];
      const gone = rows.filter((row) => row.offset + row.bytes.byteLength <= offset);
      if (gone.length === 0) return;
      const writable = store("readwrite");
      await Promise.all(gone.map((row) => done(writable.delete([url, row.offset]))));
    },
    async list() {
      const rows = (await done(store("readonly").getAll(range))) as { offset: number; bytes: Uint8Array }[];
      return rows.map((row): StoredChunk => ({ offset: row.offset, bytes: new Uint8Array(row.bytes) }));
    },
  };
}

/** Removes every chunk of an upload (after it finished or was discarded). */
export async function clearChunks(url: string): Promise<void> {
  try {
    const db = await openDb();
    await done(db.transaction(STORE, "readwrite").objectStore(STORE).delete(IDBKeyRange.bound([url, 0], [url, Number.MAX_SAFE_INTEGER])));
  } catch {
    // nothing to clear
  }
}
