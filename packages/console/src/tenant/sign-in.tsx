import { useState } from "preact/hooks";
import { type ApiProblem, asProblem } from "../shared/api-call.ts";
import { ErrorMessage } from "../shared/components.tsx";
import { signIn } from "./session.ts";

export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [apiKey, setApiKey] = useState("");
  const [problem, setProblem] = useState<ApiProblem>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(undefined);
    try {
      await signIn(apiKey.trim());
      onSignedIn();
    } catch (error) {
      setProblem(asProblem(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="content" class="sign-in">
      <h1>sumo-k8 console</h1>
      <p>Sign in with your tenant's API key. It is kept in this browser tab only.</p>
      <form onSubmit={submit} noValidate>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          placeholder="sumo_…"
          value={apiKey}
          onInput={(event) => setApiKey(event.currentTarget.value)}
        />
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <ErrorMessage problem={problem} title="Could not sign in" />
    </main>
  );
}
