import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalStorage, isStorageError, type ObjectStorage } from "@/lib/storage";

describe("local storage putFile (a file moved into storage)", () => {
  let root: string;
  let storage: ObjectStorage;
  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "scryon-putfile-"));
    storage = createLocalStorage(path.join(root, "blob"));
  });
  afterAll(async () => fs.rm(root, { recursive: true, force: true }));

  const source = async (name: string, bytes: Buffer) => {
    const file = path.join(root, name);
    await fs.writeFile(file, bytes);
    return file;
  };

  it("renames the file into place: same inode, same bytes, content type kept, source gone", async () => {
    const bytes = Buffer.from("RIFF....WAVE some bytes");
    const file = await source("a.part", bytes);
    const inode = (await fs.stat(file)).ino;
    const stored = await storage.putFile!("users/u/calls/c/audio/original.wav", file, { contentType: "audio/wav" });
    expect(stored).toMatchObject({ key: "users/u/calls/c/audio/original.wav", size: bytes.byteLength, contentType: "audio/wav" });
    await expect(fs.stat(file)).rejects.toThrow();
    expect((await fs.stat(path.join(root, "blob", "users/u/calls/c/audio/original.wav"))).ino).toBe(inode);
    const got = (await storage.get("users/u/calls/c/audio/original.wav"))!;
    expect(got.contentType).toBe("audio/wav");
    expect(Buffer.from(await new Response(got.body).arrayBuffer()).equals(bytes)).toBe(true);
    // Only the object and its sidecar: no temp file left in the folder.
    expect((await fs.readdir(path.join(root, "blob", "users/u/calls/c/audio"))).sort()).toEqual(["original.wav", "original.wav~meta.json"]);
  });

  it("replaces an existing object whole", async () => {
    await storage.put("users/u/calls/d/x.bin", "old", { contentType: "text/plain" });
    const stored = await storage.putFile!("users/u/calls/d/x.bin", await source("b.part", Buffer.from("newer bytes")), { contentType: "application/octet-stream" });
    expect(stored.size).toBe(11);
    expect(await new Response((await storage.get("users/u/calls/d/x.bin"))!.body).text()).toBe("newer bytes");
  });

  it("a key that is a folder fails with INVALID_KEY and leaves the source where it was", async () => {
    await storage.put("users/u/calls/e/inner/y.bin", "y", { contentType: "text/plain" });
    const file = await source("c.part", Buffer.from("kept"));
    const error = await storage.putFile!("users/u/calls/e/inner", file, { contentType: "text/plain" }).catch((caught: unknown) => caught);
    expect(isStorageError(error, "INVALID_KEY")).toBe(true);
    expect(await fs.readFile(file, "utf8")).toBe("kept");
    expect((await fs.readdir(path.join(root, "blob", "users/u/calls/e"))).filter((name) => name.includes("~"))).toEqual([]);
  });

  it("refuses an invalid key before touching the source", async () => {
    const file = await source("d.part", Buffer.from("kept"));
    await expect(storage.putFile!("../escape", file, { contentType: "text/plain" })).rejects.toSatisfy((error) => isStorageError(error, "INVALID_KEY"));
    expect(await fs.readFile(file, "utf8")).toBe("kept");
  });
});
