/** Display helpers for the upload page. Pure: no DOM, no React. */

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "–";
  if (bytes >= 1024 ** 3) return `${trim(bytes / 1024 ** 3)} GB`;
  if (bytes >= 1024 ** 2) return `${trim(bytes / 1024 ** 2)} MB`;
  if (bytes >= 1024) return `${trim(bytes / 1024)} KB`;
  return `${Math.round(bytes)} bytes`;
}

function trim(value: number): string {
  return String(+value.toFixed(value >= 100 ? 0 : 1));
}

export function formatSpeed(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** 7 → "7 s", 125 → "2 min 5 s", 4000 → "1 h 7 min". */
export function formatDuration(totalSeconds: number): string {
  const seconds = Math.max(0, Math.ceil(totalSeconds));
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) {
    const minutes = Math.floor(seconds / 60);
    const rest = seconds % 60;
    return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
  }
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return minutes ? `${hours} h ${minutes} min` : `${hours} h`;
}

/** A timestamp as the value of an `<input type="datetime-local">`, in the browser's time zone. */
export function toDatetimeLocal(timestamp: number): string {
  const date = new Date(timestamp);
  if (Number.isNaN(date.getTime())) return "";
  const pad = (value: number) => String(value).padStart(2, "0");
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

/**
 * Upload speed, smoothed: an exponential moving average over samples at least `minIntervalMs` apart, so
 * the number does not jump with every progress event. A drop in the byte count (a retry that restarts
 * from the server's offset) resets the baseline without resetting the average.
 */
export class SpeedMeter {
  private lastBytes: number | null = null;
  private lastTime = 0;
  private average: number | null = null;

  constructor(
    private readonly smoothing = 0.3,
    private readonly minIntervalMs = 500,
  ) {}

  /** Feeds a progress sample; returns the smoothed bytes per second, or null until there is one. */
  sample(bytes: number, now: number): number | null {
    if (this.lastBytes === null || bytes < this.lastBytes) {
      this.lastBytes = bytes;
      this.lastTime = now;
      return this.average;
    }
    const elapsed = now - this.lastTime;
    if (elapsed < this.minIntervalMs) return this.average;
    const instant = ((bytes - this.lastBytes) * 1000) / elapsed;
    this.average = this.average === null ? instant : this.smoothing * instant + (1 - this.smoothing) * this.average;
    this.lastBytes = bytes;
    this.lastTime = now;
    return this.average;
  }

  /** Forget the baseline (after a pause), keeping the average as a first guess. */
  pause(): void {
    this.lastBytes = null;
  }
}
