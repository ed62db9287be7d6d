import type { Metadata } from "next";
import { Uploader } from "@/components/upload/Uploader";
import { requirePageUser } from "@/lib/auth/session";
import { loadEnv } from "@/lib/env";

export const metadata: Metadata = { title: "Upload" };

export default async function UploadPage() {
  await requirePageUser("/upload");
  const { maxUploadBytes, storage } = loadEnv();

  return (
    <div className="mx-auto max-w-3xl">
      <h1 className="text-2xl font-semibold tracking-tight">Upload recordings</h1>
      <p className="mt-1 text-sm text-slate-600">
        Add call recordings. Scryon stores each one, finds who spoke when, transcribes it and pulls out the action items.
      </p>
      <div className="mt-6">
        {/* Vercel Blob: the browser uploads straight to Blob (function bodies are capped); otherwise tus to the app. */}
        <Uploader maxUploadBytes={maxUploadBytes} uploadMode={storage.driver === "vercel-blob" ? "blob" : "tus"} />
      </div>
    </div>
  );
}
