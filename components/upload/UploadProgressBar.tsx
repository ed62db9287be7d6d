import { formatBytes, formatDuration, formatSpeed } from "./format";
import type { UploadProgress } from "./resumable-upload";
import type { Phase } from "./upload-state";

/** An accessible progress bar with the numbers a person waiting on a big file wants. */
export function UploadProgressBar({ fileName, phase, progress }: { fileName: string; phase: Phase; progress: UploadProgress }) {
  const percent = progress.total > 0 ? Math.min(100, Math.floor((progress.sent / progress.total) * 100)) : 0;
  const bytes = `${formatBytes(progress.sent)} of ${formatBytes(progress.total)}`;
  const moving = phase === "uploading" && progress.sent < progress.total;
  const details: string[] = [`${percent} %`, bytes];
  if (moving && progress.bytesPerSecond !== null && progress.bytesPerSecond > 0) {
    details.push(formatSpeed(progress.bytesPerSecond));
    if (progress.secondsLeft !== null) details.push(`about ${formatDuration(progress.secondsLeft)} left`);
  }

  const barColour =
    phase === "done"
      ? "bg-emerald-600"
      : phase === "retrying" || phase === "paused"
        ? "bg-amber-500"
        : phase === "processing"
          ? "bg-brand-600 motion-safe:animate-pulse"
          : "bg-brand-600";

  return (
    <div>
      <div
        role="progressbar"
        aria-label={`Upload of ${fileName}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={`${percent} % (${bytes})`}
        className="h-2 w-full overflow-hidden rounded-full bg-slate-200"
      >
        <div className={`h-full rounded-full transition-[width] duration-200 ${barColour}`} style={{ width: `${percent}%` }} />
      </div>
      <p className="mt-1.5 text-xs tabular-nums text-slate-600">
        {details.join(" · ")}
      </p>
    </div>
  );
}
