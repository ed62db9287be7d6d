"use client";

import { useEffect, useId, useRef, useState } from "react";
import { FormError } from "@/components/ui/alerts";
import { formatDuration } from "@/components/calls/format";
import { uploadSample, type SampleUpload } from "./api";
import { MAX_RECORDING_SECONDS, MAX_SAMPLE_BYTES, MIN_SPEECH_SECONDS } from "./limits";
import { sampleIssueMessage, uploadErrorMessage } from "./messages";
import { LevelMeter, ProgressBar } from "./ProgressBar";
import { analyzeSamples, blocksSending, sampleIssues, type SampleIssue } from "./sample-checks";
import type { VoiceProfileState } from "./types";
import { useRecorder } from "./use-recorder";

/** What to read aloud: everyday call language at a normal pace, about 30 seconds. */
export const SCRIPT = [
  "Hello, this is my voice sample for Scryon. I am reading at my normal pace, the way I talk on calls.",
  "On Monday I will send the proposal to the team, and on Friday we can go through the numbers together.",
  "Please call me back when the contract is ready, and let me know if anything about the price changes.",
  "Thanks for your time today. I will follow up by email this afternoon, and we can talk again next week.",
];

/**
 * The speech the timer asks for: the server's minimum plus a margin, because the browser's level-based count
 * of speech runs a little ahead of the server's voice-activity detection.
 */
export const TARGET_SPEECH_SECONDS = MIN_SPEECH_SECONDS + 3;

interface Sample {
  blob: Blob;
  url: string;
  fileName: string;
  source: "recording" | "file";
  seconds: number | null;
  speechSeconds: number | null;
  /** Null when the browser could not decode a file to check it (the server still does). */
  issues: SampleIssue[] | null;
  autoStopped: boolean;
}

const buttonPrimary =
  "rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-brand-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600 disabled:cursor-not-allowed disabled:opacity-60";
const buttonSecondary =
  "rounded-lg border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-700 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600 disabled:opacity-60";

/** Decodes a file in the browser and runs the level checks on its first channel; null when it cannot. */
async function checkFile(file: File): Promise<{ seconds: number; speechSeconds: number; issues: SampleIssue[] } | null> {
  let context: AudioContext | null = null;
  try {
    context = new AudioContext();
    const audio = await context.decodeAudioData(await file.arrayBuffer());
    const stats = analyzeSamples(audio.getChannelData(0), audio.sampleRate);
    return { seconds: audio.duration, speechSeconds: stats.speechSeconds, issues: sampleIssues(stats) };
  } catch {
    return null;
  } finally {
    void context?.close().catch(() => undefined);
  }
}

/**
 * Recording (or choosing a file), playing it back, checking it and sending it. Shown only after consent:
 * the microphone is asked for when the user presses "Start recording".
 */
export function SampleStep({ replacing, onSent, onCancel }: { replacing: boolean; onSent: (state: VoiceProfileState) => void; onCancel: (() => void) | null }) {
  const id = useId();
  const recorder = useRecorder({ maxSeconds: MAX_RECORDING_SECONDS });
  const [file, setFile] = useState<Sample | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [sendError, setSendError] = useState<string | null>(null);
  const [progress, setProgress] = useState<{ sent: number; total: number } | null>(null);
  const upload = useRef<SampleUpload | null>(null);
  const previewRef = useRef<HTMLHeadingElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  const { state } = recorder;
  const recorded: Sample | null =
    state.kind === "recorded"
      ? {
          blob: state.blob,
          url: state.url,
          fileName: `voice-sample.${state.blob.type.includes("ogg") ? "ogg" : state.blob.type.includes("mp4") ? "m4a" : "webm"}`,
          source: "recording",
          seconds: state.seconds,
          speechSeconds: state.stats.speechSeconds,
          issues: sampleIssues(state.stats),
          autoStopped: state.autoStopped,
        }
      : null;
  const sample = recorded ?? file;

  // The review of a sample takes focus when it appears.
  const sampleUrl = sample?.url ?? null;
  useEffect(() => {
    if (sampleUrl) previewRef.current?.focus();
  }, [sampleUrl]);

  useEffect(() => () => upload.current?.cancel(), []);
  useEffect(
    () => () => {
      if (file) URL.revokeObjectURL(file.url);
    },
    [file],
  );

  function discard() {
    recorder.reset();
    setFile(null);
    setFileError(null);
    setSendError(null);
    if (fileInput.current) fileInput.current.value = "";
  }

  async function chooseFile(chosen: File | undefined) {
    discard();
    if (!chosen) return;
    if (chosen.size > MAX_SAMPLE_BYTES) {
      setFileError(`That file is ${Math.ceil(chosen.size / (1024 * 1024))} MB; a voice sample can be at most ${Math.round(MAX_SAMPLE_BYTES / (1024 * 1024))} MB. A minute of speech is plenty.`);
      return;
    }
    const checked = await checkFile(chosen);
    setFile({ blob: chosen, url: URL.createObjectURL(chosen), fileName: chosen.name, source: "file", seconds: checked?.seconds ?? null, speechSeconds: checked?.speechSeconds ?? null, issues: checked?.issues ?? null, autoStopped: false });
  }

  async function send() {
    if (!sample) return;
    setSendError(null);
    setProgress({ sent: 0, total: sample.blob.size });
    const started = uploadSample(sample.blob, sample.fileName, (sent, total) => setProgress({ sent, total }));
    upload.current = started;
    try {
      const next = await started.done;
      upload.current = null;
      onSent(next);
    } catch (error) {
      upload.current = null;
      setProgress(null);
      setSendError(uploadErrorMessage(error));
    }
  }

  const sending = progress !== null;
  const blocking = sample?.issues?.find(blocksSending) ?? null;
  const recording = state.kind === "recording";
  const elapsed = recording ? state.elapsed : 0;
  const speech = recording ? state.speechSeconds : 0;

  return (
    <div className="space-y-6">
      {!sample ? (
        <>
          <div>
            <h3 className="text-sm font-semibold text-slate-900">Read this aloud</h3>
            <div className="mt-2 space-y-2 rounded-xl border border-slate-200 bg-slate-50 p-4 text-base leading-relaxed text-slate-800" data-testid="voice-script">
              {SCRIPT.map((line) => (
                <p key={line}>{line}</p>
              ))}
            </div>
            <p className="mt-2 text-sm text-slate-600">
              Somewhere quiet, alone, at your usual distance from the microphone. At least {MIN_SPEECH_SECONDS} seconds of speech (aim for {TARGET_SPEECH_SECONDS}); recording stops by itself after{" "}
              {formatDuration(MAX_RECORDING_SECONDS)}.
            </p>
          </div>

          <div className="rounded-xl border border-slate-200 p-4">
            {recording ? (
              <div className="space-y-3">
                <LevelMeter level={state.level} clipping={state.clipping} />
                <div className="flex flex-wrap items-center justify-between gap-3 text-sm tabular-nums">
                  <span data-testid="recording-timer" aria-label={`Recorded ${Math.floor(elapsed)} seconds of at most ${MAX_RECORDING_SECONDS}`}>
                    <span className="inline-block h-2.5 w-2.5 rounded-full bg-red-600 motion-safe:animate-pulse" aria-hidden="true" /> {formatDuration(elapsed)} / {formatDuration(MAX_RECORDING_SECONDS)}
                  </span>
                  <span data-testid="speech-seconds" data-enough={speech >= TARGET_SPEECH_SECONDS ? "true" : "false"} className={speech >= TARGET_SPEECH_SECONDS ? "font-medium text-emerald-700" : "text-slate-600"}>
                    {speech >= TARGET_SPEECH_SECONDS ? "Enough speech — stop when you have finished the script" : `Speech: ${Math.floor(speech)} of ${TARGET_SPEECH_SECONDS} seconds`}
                  </span>
                </div>
                <ProgressBar label="Speech recorded" percent={Math.min(100, Math.floor((speech / TARGET_SPEECH_SECONDS) * 100))} />
                <button type="button" onClick={recorder.stop} className={buttonPrimary}>
                  Stop recording
                </button>
              </div>
            ) : (
              <div className="space-y-3">
                <button type="button" onClick={() => void recorder.start()} disabled={state.kind === "requesting"} className={buttonPrimary}>
                  {state.kind === "requesting" ? "Waiting for the microphone…" : "Start recording"}
                </button>
                <p className="text-xs text-slate-500">Your browser will ask to use the microphone. Nothing is sent until you choose “Send sample”.</p>
                <FormError message={state.kind === "error" ? state.message : null} />
              </div>
            )}
          </div>

          {!recording ? (
            <div>
              <label htmlFor={`${id}-file`} className="text-sm font-medium text-slate-700">
                Or upload an audio file instead
              </label>
              <p className="text-xs text-slate-500" id={`${id}-file-hint`}>
                A recording of only you speaking, {MIN_SPEECH_SECONDS} seconds to a few minutes, at most {Math.round(MAX_SAMPLE_BYTES / (1024 * 1024))} MB.
              </p>
              <input
                ref={fileInput}
                id={`${id}-file`}
                type="file"
                accept="audio/*,.wav,.mp3,.m4a,.webm,.ogg,.opus,.flac"
                aria-describedby={`${id}-file-hint`}
                onChange={(event) => void chooseFile(event.target.files?.[0])}
                className="mt-2 block w-full text-sm text-slate-700 file:mr-3 file:rounded-lg file:border-0 file:bg-slate-100 file:px-3 file:py-2 file:text-sm file:font-medium file:text-slate-800 hover:file:bg-slate-200"
              />
              <FormError message={fileError} className="mt-2" />
            </div>
          ) : null}
        </>
      ) : (
        <div className="space-y-4" data-testid="sample-review">
          <h3 ref={previewRef} tabIndex={-1} className="text-sm font-semibold text-slate-900 focus:outline-none">
            {sample.source === "recording" ? "Listen to your recording" : `Listen to ${sample.fileName}`}
          </h3>
          {sample.autoStopped ? <p className="text-sm text-slate-600">Recording stopped at the {formatDuration(MAX_RECORDING_SECONDS)} limit.</p> : null}
          <audio controls src={sample.url} className="w-full" data-testid="sample-playback" />
          <p className="text-sm text-slate-600" data-testid="sample-length">
            {sample.seconds !== null
              ? `${formatDuration(sample.seconds)} long${sample.speechSeconds !== null ? ` · about ${Math.floor(sample.speechSeconds)} seconds of speech` : ""}`
              : "The browser could not check this file; the server will."}
          </p>
          {sample.issues?.map((issue) => (
            <p
              key={issue.kind}
              role="alert"
              data-testid="sample-issue"
              data-issue={issue.kind}
              className={`rounded-lg px-3 py-2 text-sm ${blocksSending(issue) ? "bg-red-50 text-red-800" : "bg-amber-50 text-amber-900"}`}
            >
              {sampleIssueMessage(issue)}
            </p>
          ))}
          {sending ? (
            <ProgressBar
              label="Sending the voice sample"
              percent={progress.total > 0 && progress.sent > 0 ? Math.floor((progress.sent / progress.total) * 100) : null}
              text={progress.sent >= progress.total ? "Sent; starting enrollment…" : progress.sent === 0 ? "Sending…" : `${Math.floor((progress.sent / Math.max(1, progress.total)) * 100)} % sent`}
              testId="sample-upload-progress"
            />
          ) : null}
          <FormError message={sendError} />
          <div className="flex flex-wrap gap-3">
            <button type="button" onClick={() => void send()} disabled={sending || blocking !== null} className={buttonPrimary}>
              {sending ? "Sending…" : "Send sample"}
            </button>
            <button type="button" onClick={discard} disabled={sending} className={buttonSecondary}>
              {sample.source === "recording" ? "Record again" : "Choose another"}
            </button>
          </div>
        </div>
      )}

      {onCancel && !sending && !recording ? (
        <p>
          <button type="button" onClick={onCancel} className="text-sm font-medium text-slate-600 underline hover:text-slate-900">
            Keep my current voice profile
          </button>
        </p>
      ) : null}
      {replacing ? <p className="text-xs text-slate-500">Sending a new sample replaces your current voice profile once it has been made.</p> : null}
    </div>
  );
}
