// The pieces every console page is made of: errors as the API said them, gauges, progress
// bars, status badges, times.
import type { ComponentChildren } from "preact";
import type { ApiProblem } from "./api-call.ts";
import { formatNumber, formatPercent, formatTime } from "./format.ts";

/** An API error as a readable message: what went wrong, its code, and the fields it names. */
export function ErrorMessage({
  problem,
  title,
}: {
  problem: ApiProblem | undefined;
  title?: string;
}) {
  if (!problem) return null;
  return (
    <div class="error" role="alert">
      <p>
        <strong>{title ?? "The API refused this"}:</strong> {problem.message}{" "}
        <code class="error-code">{problem.code}</code>
        {problem.status !== undefined && <span class="muted"> (HTTP {problem.status})</span>}
      </p>
      {problem.details.length > 0 && (
        <ul>
          {problem.details.map((detail) => (
            <li key={detail.field}>
              <code>{detail.field}</code>: {detail.message}
            </li>
          ))}
        </ul>
      )}
      {problem.retryAfterSeconds !== undefined && (
        <p>Try again in {problem.retryAfterSeconds} s.</p>
      )}
      {problem.requestId && <p class="muted small">Request id {problem.requestId}</p>}
    </div>
  );
}

/** How full something is: an arc with the value and its limit, read out as a meter. */
export function Gauge(props: { label: string; value: number; max: number; unit: string }) {
  const fraction = props.max > 0 ? Math.min(1, Math.max(0, props.value / props.max)) : 0;
  const level = fraction >= 0.9 ? "high" : fraction >= 0.7 ? "mid" : "low";
  // A 240° arc: from 150° to 390°, radius 40 around (50, 50).
  const angle = (degrees: number) => {
    const radians = (degrees * Math.PI) / 180;
    return `${50 + 40 * Math.cos(radians)} ${50 + 40 * Math.sin(radians)}`;
  };
  const end = 150 + 240 * fraction;
  const text = `${formatNumber(props.value)} of ${formatNumber(props.max)} ${props.unit}`;
  return (
    <figure class={`gauge gauge-${level}`}>
      <meter
        class="visually-hidden"
        min={0}
        max={props.max}
        value={props.value}
        aria-label={`${props.label}: ${text}`}
      />
      <svg viewBox="0 0 100 86" aria-hidden="true">
        <path class="gauge-track" d={`M ${angle(150)} A 40 40 0 1 1 ${angle(390)}`} />
        {fraction > 0 && (
          <path
            class="gauge-value"
            d={`M ${angle(150)} A 40 40 0 ${end - 150 > 180 ? 1 : 0} 1 ${angle(end)}`}
          />
        )}
        <text x="50" y="54" text-anchor="middle" class="gauge-percent">
          {formatPercent(fraction)}
        </text>
      </svg>
      <figcaption>
        <strong>{props.label}</strong>
        <span>{text}</span>
      </figcaption>
    </figure>
  );
}

/** A progress bar with its percentage written beside it; without a fraction, indeterminate. */
export function ProgressBar(props: { label: string; fraction: number | null; detail?: string }) {
  return (
    <div class="progress">
      <progress
        aria-label={props.label}
        max={1}
        {...(props.fraction !== null && { value: props.fraction })}
      />
      <span class="progress-text">
        {props.fraction !== null ? formatPercent(props.fraction) : "running"}
        {props.detail && <span class="muted"> · {props.detail}</span>}
      </span>
    </div>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`status status-${status.toLowerCase()}`}>{status}</span>;
}

export function Time({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span class="muted">–</span>;
  return <time dateTime={iso}>{formatTime(iso)}</time>;
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" role="status">
      Loading {what}…
    </p>
  );
}

/** A page's heading with what it offers on the right. */
export function PageHeader(props: { title: ComponentChildren; children?: ComponentChildren }) {
  return (
    <div class="page-header">
      <h1>{props.title}</h1>
      {props.children && <div class="actions">{props.children}</div>}
    </div>
  );
}

/** When a refreshing page last heard from the API, and its problem if the last try failed. */
export function Freshness(props: { updatedAt: Date | undefined; error: ApiProblem | undefined }) {
  return (
    <div class="freshness">
      {props.updatedAt && (
        <span class="muted small">Updated {props.updatedAt.toLocaleTimeString()}</span>
      )}
      <ErrorMessage problem={props.error} title="Could not refresh" />
    </div>
  );
}

/**
 * Newer / Older buttons over a cursor-paged list: `cursors` holds the cursor of every page up to
 * the one shown (undefined for the first), `nextCursor` the list's next page, if any.
 */
export function Pager(props: {
  of: string;
  cursors: (string | undefined)[];
  setCursors: (cursors: (string | undefined)[]) => void;
  nextCursor: string | null | undefined;
}) {
  const { cursors, setCursors, nextCursor } = props;
  return (
    <nav class="pager" aria-label={`Pages of ${props.of}`}>
      <button
        type="button"
        class="secondary"
        disabled={cursors.length <= 1}
        onClick={() => setCursors(cursors.slice(0, -1))}
      >
        Newer
      </button>
      <span class="muted">Page {cursors.length}</span>
      <button
        type="button"
        class="secondary"
        disabled={!nextCursor}
        onClick={() => nextCursor && setCursors([...cursors, nextCursor])}
      >
        Older
      </button>
    </nav>
  );
}

/** How much of something is taken, as a bar with its numbers beside it, read out as a meter. */
export function UsageBar(props: { label: string; value: number; max: number; unit: string }) {
  const fraction = props.max > 0 ? Math.min(1, Math.max(0, props.value / props.max)) : 0;
  const level = fraction >= 0.9 ? "high" : fraction >= 0.7 ? "mid" : "low";
  const text = `${formatNumber(props.value)} of ${formatNumber(props.max)} ${props.unit}`;
  return (
    <div class={`usage-bar usage-${level}`}>
      <meter
        class="visually-hidden"
        min={0}
        max={props.max}
        value={props.value}
        aria-label={`${props.label}: ${text}`}
      />
      <div class="usage-track" aria-hidden="true">
        <span class="usage-fill" style={{ width: `${fraction * 100}%` }} />
      </div>
      <span class="usage-text small">{text}</span>
    </div>
  );
}
