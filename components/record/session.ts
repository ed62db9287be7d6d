"use client";

import { ChunkQueue, type QueueState } from "@/lib/recording/chunk-queue";
import { clearChunks, clearSession, indexedDbChunkStore, saveSession, type RecordingSession } from "@/lib/recording/browser-store";
import { connectStereo } from "@/lib/recording/stereo-mix";
import { createRecordingUpload, tusTransport } from "@/lib/recording/tus-transport";

/**
 * One recording in the browser: the sources, the Web Audio graph (levels, and the stereo mix when the
 * meeting is recorded too), the MediaRecorder, and the chunk queue that streams it to the server.
 * React-free; `Recorder.tsx` renders its snapshots.
 */

const PREFERRED_TYPES = ["audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus", "audio/mp4"];

export interface Levels {
  mic: number;
  meeting: number | null;
}

declare global {
  interface Window {
    /** e2e only: when a test defines it before the page loads, every chunk the recorder produced is pushed here, in order. */
    __scryonRecorderProbe?: Uint8Array[];
  }
}

/** RMS of a block → 0..1 on a -60..0 dBFS scale (the meter's width). */
export function meterFraction(rms: number): number {
  if (!(rms > 0)) return 0;
  return Math.min(1, Math.max(0, (20 * Math.log10(rms) + 60) / 60));
}

function analyserFor(context: AudioContext, stream: MediaStream) {
  const analyser = context.createAnalyser();
  analyser.fftSize = 2048;
  context.createMediaStreamSource(stream).connect(analyser);
  const buffer = new Float32Array(analyser.fftSize);
  return () => {
    analyser.getFloatTimeDomainData(buffer);
    let sum = 0;
    for (const value of buffer) sum += value * value;
    return meterFraction(Math.sqrt(sum / buffer.length));
  };
}

export interface StartOptions {
  mic: MediaStream;
  meeting: MediaStream | null;
  metadata: Record<string, string>;
  title: string;
  chunkMs: number;
  heartbeatMs: number;
  onQueue: (state: QueueState) => void;
}

export class RecordingRun {
  private recorder!: MediaRecorder;
  private context!: AudioContext;
  private readLevels!: () => Levels;
  private chain: Promise<void> = Promise.resolve();
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private stopped: Promise<void> | null = null;
  queue!: ChunkQueue;
  session!: RecordingSession;
  private elapsedBefore = 0;
  private resumedAt = 0;

  private constructor(private readonly options: StartOptions) {}

  /** Creates the upload (the call), then starts recording. */
  static async start(options: StartOptions): Promise<RecordingRun> {
    const run = new RecordingRun(options);
    await run.begin();
    return run;
  }

  private async begin() {
    const { mic, meeting } = this.options;
    const stereo = meeting !== null;
    const upload = await createRecordingUpload({ ...this.options.metadata, recorder: stereo ? "stereo-mic-left" : "mono", filename: "recording.webm" });
    this.session = { url: upload.url, callId: upload.callId, title: this.options.title, startedAt: new Date().toISOString(), stereo };
    saveSession(this.session);
    const transport = tusTransport(upload.url);
    this.queue = new ChunkQueue({
      transport,
      store: await indexedDbChunkStore(upload.url),
      onChange: this.options.onQueue,
    });

    this.context = new AudioContext();
    await this.context.resume().catch(() => undefined);
    const micLevel = analyserFor(this.context, mic);
    const meetingLevel = meeting ? analyserFor(this.context, meeting) : null;
    this.readLevels = () => ({ mic: micLevel(), meeting: meetingLevel ? meetingLevel() : null });
    const stream = meeting ? connectStereo(this.context, mic, meeting) : mic;

    const mimeType = PREFERRED_TYPES.find((type) => MediaRecorder.isTypeSupported(type));
    this.recorder = new MediaRecorder(stream, { ...(mimeType ? { mimeType } : {}), audioBitsPerSecond: stereo ? 96_000 : 48_000 });
    this.recorder.ondataavailable = (event) => {
      if (event.data.size === 0) return;
      const blob = event.data;
      // In order: each chunk waits for the one before it to be read and queued.
      this.chain = this.chain.then(async () => {
        const bytes = new Uint8Array(await blob.arrayBuffer());
        window.__scryonRecorderProbe?.push(bytes);
        await this.queue.append(bytes);
      });
    };
    this.stopped = new Promise((resolve) => {
      this.recorder.onstop = () => resolve();
    });
    this.recorder.start(this.options.chunkMs);
    this.resumedAt = performance.now();
    // Keeps the upload alive on the server while nothing is sent (paused): an idle upload is finished as abandoned.
    this.heartbeat = setInterval(() => {
      if (this.recorder.state === "paused") void transport.head();
    }, this.options.heartbeatMs);
  }

  get state(): RecordingState {
    return this.recorder?.state ?? "inactive";
  }

  levels(): Levels {
    return this.readLevels();
  }

  elapsedSeconds(): number {
    const running = this.recorder?.state === "recording" ? performance.now() - this.resumedAt : 0;
    return (this.elapsedBefore + running) / 1000;
  }

  pause() {
    if (this.recorder.state !== "recording") return;
    this.recorder.pause();
    this.elapsedBefore += performance.now() - this.resumedAt;
  }

  resume() {
    if (this.recorder.state !== "paused") return;
    this.recorder.resume();
    this.resumedAt = performance.now();
  }

  /** Stops the recorder, sends the rest, declares the length: resolves with the call id. */
  async stop(): Promise<string> {
    if (this.recorder.state !== "inactive") {
      if (this.recorder.state === "recording") this.elapsedBefore += performance.now() - this.resumedAt;
      this.recorder.stop();
    }
    await this.stopped;
    await this.chain;
    this.release();
    const callId = await this.queue.finish();
    clearSession();
    await clearChunks(this.session.url);
    return callId;
  }

  /** Releases the devices (the upload is left as it is). */
  release() {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    for (const stream of [this.options.mic, this.options.meeting]) for (const track of stream?.getTracks() ?? []) track.stop();
    void this.context?.close().catch(() => undefined);
  }
}

/** Sends what a reload found of an unfinished recording and finishes it: resolves with the call id. */
export async function finishStoredRecording(session: RecordingSession, onQueue: (state: QueueState) => void): Promise<string> {
  const transport = tusTransport(session.url);
  for (let attempt = 1; ; attempt++) {
    const head = await transport.head();
    if (head.kind === "fatal") {
      clearSession();
      await clearChunks(session.url);
      throw new Error(head.message);
    }
    if (head.kind === "ok") {
      if (head.finishedCallId) {
        clearSession();
        await clearChunks(session.url);
        return head.finishedCallId;
      }
      const store = await indexedDbChunkStore(session.url);
      const queue = store
        ? await ChunkQueue.restore({ transport, store, startOffset: head.offset, onChange: onQueue })
        : new ChunkQueue({ transport, startOffset: head.offset, onChange: onQueue });
      const callId = await queue.finish();
      clearSession();
      await clearChunks(session.url);
      return callId;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * 2 ** attempt)));
  }
}

/** Drops an unfinished recording: the upload (and its call) is cancelled on the server, the chunks here go. */
export async function discardStoredRecording(session: RecordingSession): Promise<void> {
  await fetch(session.url, { method: "DELETE", headers: { "Tus-Resumable": "1.0.0" } }).catch(() => undefined);
  clearSession();
  await clearChunks(session.url);
}
