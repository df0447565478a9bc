import { toFormData } from "@sumo/api-client";
import { useState } from "preact/hooks";
import { type ApiProblem, asProblem, call } from "../../shared/api-call.ts";
import {
  ErrorMessage,
  Loading,
  PageHeader,
  Pager,
  ProgressBar,
  Time,
} from "../../shared/components.tsx";
import { DataTable } from "../../shared/data-table.tsx";
import { formatBytes } from "../../shared/format.ts";
import { uploadFetch } from "../../shared/upload-fetch.ts";
import { usePolled } from "../../shared/use-polled.ts";
import { paths } from "../paths.ts";
import { useSession } from "../session.ts";

type Scenario = { scenario_id: string; name: string; format: "tar.gz" | "zip" } & Record<
  string,
  unknown
>;

export default function Scenarios() {
  const { client } = useSession();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors.at(-1);
  const list = usePolled(
    (signal) =>
      call(
        client.GET("/v1/scenarios", {
          params: { query: { limit: 50, ...(cursor && { cursor }) } },
          signal,
        }),
      ),
    () => null,
    [client, cursor],
  );
  const [problem, setProblem] = useState<ApiProblem>();
  const [confirming, setConfirming] = useState<string>();
  const [notice, setNotice] = useState<string>();

  const act = async (action: () => Promise<void>) => {
    setProblem(undefined);
    setNotice(undefined);
    try {
      await action();
    } catch (error) {
      setProblem(asProblem(error));
    }
  };
  const download = (scenario: Scenario) =>
    act(async () => {
      const blob = await call(
        client.GET("/v1/scenarios/{scenario_id}/bundle", {
          params: { path: { scenario_id: scenario.scenario_id } },
          parseAs: "blob",
        }),
      );
      const url = URL.createObjectURL(blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = `${scenario.name}.${scenario.format}`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    });
  const remove = (scenario: Scenario) =>
    act(async () => {
      await call(
        client.DELETE("/v1/scenarios/{scenario_id}", {
          params: { path: { scenario_id: scenario.scenario_id } },
        }),
      );
      setConfirming(undefined);
      setNotice(`Deleted ${scenario.name}.`);
      list.reload();
    });

  return (
    <>
      <PageHeader title="Scenarios" />
      <UploadForm
        onUploaded={(name) => {
          setNotice(`Uploaded ${name}.`);
          setCursors([undefined]);
          list.reload();
        }}
      />
      <h2>Your scenarios</h2>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <ErrorMessage problem={problem ?? list.error} />
      {!list.data ? (
        <Loading what="scenarios" />
      ) : (
        <DataTable
          caption={<>Newest first</>}
          columns={[
            { label: "Name" },
            { label: "Configuration" },
            { label: "Size", numeric: true },
            { label: "Files", numeric: true },
            { label: "Uploaded" },
            { label: "Actions", hiddenLabel: true },
          ]}
          rows={list.data.scenarios}
          rowKey={(scenario) => scenario.scenario_id}
          row={(scenario) => (
            <>
              <td>{scenario.name}</td>
              <td>
                <code>{scenario.config}</code>
              </td>
              <td class="number">
                {formatBytes(scenario.size_bytes)} {scenario.format}
              </td>
              <td class="number">{scenario.file_count}</td>
              <td>
                <Time iso={scenario.created_at} />
              </td>
              <td class="actions">
                <a
                  class="button secondary"
                  href={`${paths.submit}?scenario=${encodeURIComponent(scenario.name)}`}
                >
                  Run
                </a>
                <button type="button" class="secondary" onClick={() => download(scenario)}>
                  Download<span class="visually-hidden"> {scenario.name}</span>
                </button>
                {confirming === scenario.scenario_id ? (
                  <>
                    <button type="button" class="danger" onClick={() => remove(scenario)}>
                      Delete {scenario.name} for good
                    </button>
                    <button
                      type="button"
                      class="secondary"
                      onClick={() => setConfirming(undefined)}
                    >
                      Keep it
                    </button>
                  </>
                ) : (
                  <button
                    type="button"
                    class="secondary"
                    onClick={() => setConfirming(scenario.scenario_id)}
                  >
                    Delete<span class="visually-hidden"> {scenario.name}</span>
                  </button>
                )}
              </td>
            </>
          )}
          empty="No scenarios yet."
        />
      )}
      <Pager
        of="scenarios"
        cursors={cursors}
        setCursors={setCursors}
        nextCursor={list.data?.next_cursor}
      />
    </>
  );
}

function UploadForm({ onUploaded }: { onUploaded: (name: string) => void }) {
  const { client } = useSession();
  const [name, setName] = useState("");
  const [config, setConfig] = useState("");
  const [file, setFile] = useState<File>();
  const [sent, setSent] = useState<number | null>(null);
  const [problem, setProblem] = useState<ApiProblem>();
  const submit = async (event: Event) => {
    event.preventDefault();
    setProblem(undefined);
    setSent(0);
    try {
      const scenario = await call(
        client.POST("/v1/scenarios", {
          body: { name, bundle: file ?? new Blob([]), ...(config && { config }) },
          bodySerializer: toFormData,
          fetch: uploadFetch((sentBytes, total) => setSent(total > 0 ? sentBytes / total : 0)),
        }),
      );
      (event.target as HTMLFormElement).reset();
      setName("");
      setConfig("");
      setFile(undefined);
      onUploaded(scenario.name);
    } catch (error) {
      setProblem(asProblem(error));
    } finally {
      setSent(null);
    }
  };
  return (
    <form class="card" onSubmit={submit} noValidate aria-labelledby="upload-heading">
      <h2 id="upload-heading">Upload a scenario</h2>
      <p class="hint">
        A .tar.gz or .zip with a .sumocfg and every file it names (at most 960 KiB).
      </p>
      <div class="form-grid">
        <div class="field">
          <label for="scenario-name">Name</label>
          <input
            id="scenario-name"
            name="name"
            value={name}
            onInput={(event) => setName(event.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="scenario-bundle">Bundle</label>
          <input
            id="scenario-bundle"
            name="bundle"
            type="file"
            accept=".tar.gz,.tgz,.zip,application/gzip,application/zip"
            onChange={(event) => setFile(event.currentTarget.files?.[0])}
          />
        </div>
        <div class="field">
          <label for="scenario-config">Configuration (optional)</label>
          <input
            id="scenario-config"
            name="config"
            aria-describedby="scenario-config-hint"
            value={config}
            onInput={(event) => setConfig(event.currentTarget.value)}
          />
          <span class="hint" id="scenario-config-hint">
            which .sumocfg, when the bundle has several
          </span>
        </div>
      </div>
      {sent !== null && <ProgressBar label="Upload" fraction={sent} />}
      <ErrorMessage problem={problem} title="The upload was refused" />
      <p>
        <button type="submit" disabled={sent !== null}>
          {sent !== null ? "Uploading…" : "Upload"}
        </button>
      </p>
    </form>
  );
}
