// A new API key, which the admin API answers once and never again: shown with a copy button
// and a warning that it cannot be shown later.
import type { AdminSchemas } from "@sumo/api-client";
import { useState } from "preact/hooks";

export function OneTimeKey({
  apiKey,
  tenantName,
}: {
  apiKey: AdminSchemas["NewApiKey"];
  tenantName: string;
}) {
  const [copied, setCopied] = useState<"yes" | "failed">();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(apiKey.api_key);
      setCopied("yes");
    } catch {
      // No clipboard (an insecure origin, or permission refused): the key stays on the page.
      setCopied("failed");
    }
  };
  return (
    <div class="notice" role="status">
      <p>
        <strong>{tenantName}'s new API key</strong>, shown this once: copy it now and hand it to the
        tenant. Only its hash is kept.
      </p>
      <div class="one-time-secret">
        <label for={`key-${apiKey.key_id}`}>New API key</label>
        <input
          id={`key-${apiKey.key_id}`}
          class="secret"
          readOnly
          value={apiKey.api_key}
          onFocus={(event) => event.currentTarget.select()}
        />
        <button type="button" onClick={copy}>
          Copy the key
        </button>
        {copied === "yes" && <span>Copied.</span>}
        {copied === "failed" && <span>The browser refused; select the key and copy it.</span>}
      </div>
    </div>
  );
}
