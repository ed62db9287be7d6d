import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { FirebaseSignIn } from "@/components/auth/FirebaseSignIn";
import { Logo } from "@/components/shell/Logo";
import { localDevSignInEnabled } from "@/lib/auth/local-dev";
import { safeCallbackPath } from "@/lib/auth/redirects";
import { getCurrentUser } from "@/lib/auth/session";
import { loadEnv } from "@/lib/env";
import { signInAsLocalDev } from "./actions";

export const metadata: Metadata = { title: "Sign in" };

const ERROR_MESSAGES: Record<string, string> = {
  CredentialsSignin: "That sign-in did not work. Try again.",
  invalid_token: "Your sign-in could not be verified. Try again.",
  local_dev_disabled: "The local developer sign-in is turned off on this server.",
};

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const callbackUrl = safeCallbackPath(params.callbackUrl);
  if (await getCurrentUser()) redirect(callbackUrl);

  const env = loadEnv();
  const localDev = localDevSignInEnabled(env);
  const errorKey = typeof params.code === "string" ? params.code : typeof params.error === "string" ? params.error : null;
  const errorMessage = errorKey ? (ERROR_MESSAGES[errorKey] ?? ERROR_MESSAGES.CredentialsSignin) : null;
  const firebase = env.firebase
    ? { apiKey: env.firebase.apiKey, authDomain: env.firebase.authDomain, projectId: env.firebase.projectId, emulatorHost: env.firebase.emulatorHost ?? null }
    : null;

  return (
    <main className="flex min-h-screen items-center justify-center px-4 py-12">
      <div className="w-full max-w-sm">
        <div className="mb-8 flex justify-center">
          <Logo />
        </div>
        <section className="rounded-2xl border border-slate-200 bg-white p-8 shadow-sm" aria-labelledby="sign-in-heading">
          <h1 id="sign-in-heading" className="text-xl font-semibold">
            Sign in to Scryon
          </h1>
          <p className="mt-1 text-sm text-slate-600">Your calls, transcripts and action items, on your own server.</p>

          {params.signedOut ? (
            <p role="status" className="mt-4 rounded-lg bg-slate-100 px-3 py-2 text-sm text-slate-700">
              {params.signedOut === "everywhere" ? "You are signed out on every browser and device." : "You are signed out."}
            </p>
          ) : null}
          {errorMessage ? (
            <p role="alert" className="mt-4 rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">
              {errorMessage}
            </p>
          ) : null}

          <div className="mt-6 space-y-4">
            {firebase ? <FirebaseSignIn config={firebase} callbackUrl={callbackUrl} /> : null}
            {firebase && localDev ? (
              <div className="flex items-center gap-3 text-xs text-slate-500" aria-hidden="true">
                <span className="h-px flex-1 bg-slate-200" />
                or
                <span className="h-px flex-1 bg-slate-200" />
              </div>
            ) : null}
            {localDev ? (
              <form action={signInAsLocalDev}>
                <input type="hidden" name="callbackUrl" value={callbackUrl} />
                <button
                  type="submit"
                  className="w-full rounded-lg bg-brand-600 px-4 py-2.5 text-sm font-medium text-white hover:bg-brand-700"
                >
                  Continue as local developer
                </button>
                <p className="mt-2 text-xs text-slate-500">
                  {firebase
                    ? "For development: signs in as the shared local user."
                    : "No identity provider is configured. Everyone who can reach this server signs in as the same local user."}
                </p>
              </form>
            ) : null}
            {!firebase && !localDev ? (
              <p role="alert" className="rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900">
                No sign-in method is configured. Set FIREBASE_PROJECT_ID and FIREBASE_API_KEY, or allow the local developer sign-in.
              </p>
            ) : null}
          </div>
        </section>
      </div>
    </main>
  );
}
