import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { cleanupAudio, makeAudio, type TestAudioFormat } from "../../tests/helpers/make-audio";

/**
 * Real recordings (ffmpeg sine tones, see tests/helpers/make-audio.ts) and non-audio files under the
 * names a spec wants, in one temp directory per spec. `cleanup()` in afterAll.
 */
export class RecordingFiles {
  private constructor(readonly dir: string) {}

  static async create(): Promise<RecordingFiles> {
    return new RecordingFiles(await mkdtemp(path.join(os.tmpdir(), "scryon-e2e-upload-")));
  }

  /** A real recording of `format` named `name` (e.g. "Pricing call.wav"); returns its path. */
  async recording(name: string, format: TestAudioFormat, durationSeconds = 3): Promise<string> {
    const target = path.join(this.dir, path.basename(name));
    await copyFile(await makeAudio(format, { durationSeconds }), target);
    return target;
  }

  /** A file with the given text content, whatever its name says (e.g. "notes.mp3"); returns its path. */
  async textFile(name: string, content: string): Promise<string> {
    const target = path.join(this.dir, path.basename(name));
    await writeFile(target, content);
    return target;
  }

  async cleanup(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
    await cleanupAudio();
  }
}
