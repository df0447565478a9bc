// The consoles' lists as tables: a caption, a header row, one row per item, and a line saying
// there is nothing when there is nothing.
import type { ComponentChildren } from "preact";

export interface Column {
  label: ComponentChildren;
  /** Right-aligned, as figures are. */
  numeric?: boolean;
  /** Read out but not shown (a column of buttons, say). */
  hiddenLabel?: boolean;
}

export function DataTable<T>(props: {
  caption: ComponentChildren;
  columns: readonly Column[];
  rows: readonly T[];
  rowKey: (row: T) => string;
  /** The row's cells. */
  row: (row: T) => ComponentChildren;
  /** What the table says when there are no rows. */
  empty: string;
  class?: string;
}) {
  return (
    <div class="table-scroll">
      <table class={props.class}>
        <caption class="muted small">{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((column, index) => (
              <th scope="col" key={index} class={column.numeric ? "number" : undefined}>
                {column.hiddenLabel ? (
                  <span class="visually-hidden">{column.label}</span>
                ) : (
                  column.label
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr key={props.rowKey(row)}>{props.row(row)}</tr>
          ))}
          {props.rows.length === 0 && (
            <tr>
              <td colSpan={props.columns.length} class="muted">
                {props.empty}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
