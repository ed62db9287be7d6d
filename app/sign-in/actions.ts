"use server";

import { AuthError } from "next-auth";
import { redirect } from "next/navigation";
import { auth, signIn, signOut } from "@/auth";
import { getDb } from "@/db";
import { bumpSessionVersion } from "@/db/queries/users";
import { safeCallbackPath } from "@/lib/auth/redirects";

export async function signInAsLocalDev(formData: FormData): Promise<void> {
  const callbackUrl = safeCallbackPath(formData.get("callbackUrl"));
  try {
    await signIn("local-dev", { redirectTo: callbackUrl });
  } catch (error) {
    // signIn answers success with a redirect (thrown); only Auth.js errors are failures.
    if (error instanceof AuthError) {
      redirect(`/sign-in?error=local_dev_disabled&callbackUrl=${encodeURIComponent(callbackUrl)}`);
    }
    throw error;
  }
}

export async function signOutAction(): Promise<void> {
  await signOut({ redirectTo: "/sign-in?signedOut=1" });
}

/** Ends every session of this user (other browsers and devices too), then this one. */
export async function signOutEverywhereAction(): Promise<void> {
  const userId = (await auth())?.user?.id;
  if (userId) await bumpSessionVersion(await getDb(), userId);
  await signOut({ redirectTo: "/sign-in?signedOut=everywhere" });
}
