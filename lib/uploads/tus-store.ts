import "server-only";
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import type http from "node:http";
import path from "node:path";
import type stream from "node:stream";
import { FileStore } from "@tus/file-store";
import { SNIFF_BYTES, sniffAudio } from "@/lib/audio/sniff";
import { notAudio, SPOOL_BUFFER_BYTES } from "@/lib/calls/ingest";
import type { AppError } from "@/lib/http/errors";

/** What @tus/file-store answers when a write fails (its `ERRORS.FILE_WRITE_ERROR`). */
const FILE_WRITE_ERROR = { status_code: 500, body: "Something went wrong receiving the file\n" };

/**
 * @tus/file-store with a leaner write: the body goes straight to the file through one write stream with a
 * 1 MiB buffer (the stock store adds a counting Transform and writes with the 16 KiB default), and the first
 * PATCH of an upload has its head sniffed while it streams: a file that is not audio is refused with its
 * first chunk instead of after the whole upload. The refusal is not thrown (@tus/server answers any error of
 * a write as an aborted request): the rest of the chunk is read and dropped, nothing more is written, and
 * `takeRefusal` hands the reason to the request, which discards the upload. Everything else (offsets from
 * the file's size, the metadata file) is the stock store's.
 */
export class SniffingFileStore extends FileStore {
  private readonly refusals = new Map<string, AppError>();

  /** The reason the last write of `fileId` refused its bytes, once. */
  takeRefusal(fileId: string): AppError | null {
    const refusal = this.refusals.get(fileId) ?? null;
    this.refusals.delete(fileId);
    return refusal;
  }

  override async write(readable: http.IncomingMessage | stream.Readable, fileId: string, offset: number): Promise<number> {
    const out = createWriteStream(path.join(this.directory, fileId), { flags: "r+", start: offset, highWaterMark: SPOOL_BUFFER_BYTES });
    // Recorded rather than thrown: an open or write failure must end this write, not the process.
    let failed: unknown = null;
    out.on("error", (error) => (failed ??= error));
    let bytes = 0;
    let head: Buffer | null = offset === 0 ? Buffer.alloc(0) : null;
    let refused = false;
    try {
      for await (const chunk of readable as AsyncIterable<Buffer>) {
        if (refused) continue;
        if (head) {
          head = Buffer.concat([head, chunk]);
          if (head.byteLength >= SNIFF_BYTES) {
            const audio = sniffAudio(head.subarray(0, SNIFF_BYTES));
            head = null;
            if (!audio) {
              refused = true;
              this.refusals.set(fileId, notAudio());
              continue;
            }
          }
        }
        bytes += chunk.byteLength;
        if (failed) throw failed;
        if (!out.write(chunk)) await once(out, "drain");
      }
      if (failed) throw failed;
      out.end();
      await once(out, "finish");
    } catch {
      if (!out.closed) {
        await new Promise<void>((resolve) => {
          out.once("close", resolve);
          out.destroy();
        });
      }
      throw FILE_WRITE_ERROR;
    }
    // A head shorter than SNIFF_BYTES (a tiny first chunk, or a tiny file) is sniffed by finishUpload.
    return offset + bytes;
  }
}
