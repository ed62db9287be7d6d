/** A labelled progress bar (determinate with `percent`, busy without). */
export function ProgressBar({ label, percent, text, testId }: { label: string; percent: number | null; text?: string; testId?: string }) {
  return (
    <div data-testid={testId}>
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent ?? undefined}
        aria-valuetext={text}
        className="h-2 w-full overflow-hidden rounded-full bg-slate-200"
      >
        <div
          className={`h-full rounded-full bg-brand-600 transition-[width] duration-200 ${percent === null ? "w-1/3 motion-safe:animate-pulse" : ""}`}
          style={percent === null ? undefined : { width: `${percent}%` }}
        />
      </div>
      {text ? <p className="mt-1 text-xs tabular-nums text-slate-600">{text}</p> : null}
    </div>
  );
}

/** The live microphone level: a bar on a dB scale, red while the signal clips. */
export function LevelMeter({ level, clipping }: { level: number; clipping: boolean }) {
  const percent = Math.round(level * 100);
  return (
    <div>
      <div
        role="meter"
        aria-label="Microphone level"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={clipping ? "Too loud" : `${percent} %`}
        className="h-3 w-full overflow-hidden rounded-full bg-slate-200"
        data-testid="level-meter"
        data-level={percent}
      >
        <div className={`h-full rounded-full transition-[width] duration-100 ${clipping ? "bg-red-600" : level > 0.8 ? "bg-amber-500" : "bg-emerald-500"}`} style={{ width: `${percent}%` }} />
      </div>
      {clipping ? <p className="mt-1 text-xs font-medium text-red-700">Too loud — move back a little.</p> : null}
    </div>
  );
}
