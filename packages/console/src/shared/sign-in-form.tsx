// A console's sign-in screen: one secret, checked with the API before it is kept; a refusal is
// shown as the API said it.
import { useState } from "preact/hooks";
import { type ApiProblem, asProblem } from "./api-call.ts";
import { ErrorMessage } from "./components.tsx";

export function SignInForm(props: {
  title: string;
  intro: string;
  /** The secret's label, e.g. "API key". */
  label: string;
  placeholder?: string;
  /** Checks the secret with the API and keeps it; throws the API's refusal. */
  signIn: (secret: string) => Promise<void>;
  onSignedIn: () => void;
}) {
  const [secret, setSecret] = useState("");
  const [problem, setProblem] = useState<ApiProblem>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(undefined);
    try {
      await props.signIn(secret.trim());
      props.onSignedIn();
    } catch (error) {
      setProblem(asProblem(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="content" class="sign-in">
      <h1>{props.title}</h1>
      <p>{props.intro}</p>
      <form onSubmit={submit} noValidate>
        <label for="sign-in-secret">{props.label}</label>
        <input
          id="sign-in-secret"
          name="secret"
          type="password"
          autocomplete="off"
          spellcheck={false}
          placeholder={props.placeholder}
          value={secret}
          onInput={(event) => setSecret(event.currentTarget.value)}
        />
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <ErrorMessage problem={problem} title="Could not sign in" />
    </main>
  );
}
