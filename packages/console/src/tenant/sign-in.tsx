import { SignInForm } from "../shared/sign-in-form.tsx";
import { signIn } from "./session.ts";

export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  return (
    <SignInForm
      title="sumo-k8 console"
      intro="Sign in with your tenant's API key. It is kept in this browser tab only."
      label="API key"
      placeholder="sumo_…"
      signIn={signIn}
      onSignedIn={onSignedIn}
    />
  );
}
