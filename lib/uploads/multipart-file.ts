import "server-only";
import type { Readable } from "node:stream";
import busboy from "busboy";
import { AppError } from "@/lib/http/errors";

/** A busboy parser for this Content-Type; a multipart type without a (valid) boundary is the caller's 400. */
export function multipartParser(contentType: string, limits: busboy.Limits): busboy.Busboy {
  try {
    return busboy({ headers: { "content-type": contentType }, limits });
  } catch {
    // busboy throws before reading anything when the boundary is missing or malformed.
    throw new AppError("VALIDATION_FAILED", "The multipart/form-data Content-Type needs a boundary parameter.");
  }
}

export interface FilePartRead<T> {
  /** What `receive` made of the one file part, or null when the body had none. */
  job: Promise<T> | null;
  /** The body broke off or was malformed; `job` (if any) may hold a partial result to clean up. */
  failed: boolean;
}

/**
 * Pipes a multipart body through the parser and hands its first file part named `fileField` to `receive`
 * (other file parts are drained); text fields go to `onField` as they come. When `receive` rejects (too
 * large, not audio), the rest of the body is not read: the caller answers at once.
 */
export async function readFilePart<T>(options: {
  body: Readable;
  parser: busboy.Busboy;
  fileField: string;
  receive: (stream: Readable, info: busboy.FileInfo) => Promise<T>;
  onField?: (name: string, value: string) => void;
}): Promise<FilePartRead<T>> {
  const { body, parser } = options;
  let job: Promise<T> | null = null;
  try {
    await new Promise<void>((resolve, reject) => {
      if (options.onField) parser.on("field", options.onField);
      parser.on("file", (name, stream, info) => {
        // A body cut short errors the part's stream ("Unexpected end of form"), possibly before `receive`
        // listens (it may still be awaiting the database): without a listener that is an uncaught exception
        // in the server. The parser reports the same failure, which the caller answers.
        stream.on("error", () => {});
        if (name !== options.fileField || job) return void stream.resume();
        job = options.receive(stream, info);
        job.catch(() => {
          body.unpipe(parser);
          stream.resume();
          resolve();
        });
      });
      parser.on("close", resolve);
      parser.on("error", reject);
      // A client that disconnects mid-upload errors the body; the file stream (and what receives it) fail with it.
      body.on("error", (error) => parser.destroy(error));
      body.pipe(parser);
    });
  } catch {
    return { job, failed: true };
  }
  return { job, failed: false };
}
