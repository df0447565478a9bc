// A live progress bar on a terminal (cli-progress, on stderr); elsewhere, a plain line on
// stderr each time the status changes, so that logs of scripts read as a story, without
// escape codes.
import { SingleBar } from "cli-progress";
import type { Output } from "./output.ts";

export interface ProgressState {
  /** What is happening, e.g. the job's status; a change is noted off a terminal. */
  status: string;
  /** Done so far, 0 to 1; undefined while unknown. */
  fraction: number | undefined;
  /** Figures shown after the bar (simulated time, vehicles, members). */
  detail: string;
}

export class LiveProgress {
  readonly #output: Output;
  readonly #label: string;
  readonly #bar: SingleBar | undefined;
  #started = false;
  #lastStatus: string | undefined;

  constructor(output: Output, label: string) {
    this.#output = output;
    this.#label = label;
    this.#bar = output.interactive
      ? new SingleBar({
          stream: output.barStream as NodeJS.WritableStream,
          format: `${label} {status} |{bar}| {percentage}% {detail}`,
          barCompleteChar: "█",
          barIncompleteChar: "░",
          hideCursor: true,
          fps: 5,
        })
      : undefined;
  }

  show(state: ProgressState): void {
    const percent = Math.round((state.fraction ?? 0) * 100);
    const payload = { status: state.status.padEnd(9), detail: state.detail };
    if (this.#bar) {
      if (this.#started) this.#bar.update(percent, payload);
      else this.#bar.start(100, percent, payload);
      this.#started = true;
    } else if (state.status !== this.#lastStatus) {
      this.#output.note(`${this.#label} ${state.status}${state.detail ? ` ${state.detail}` : ""}`);
    }
    this.#lastStatus = state.status;
  }

  /** Leaves the bar as it last was, on its own line. */
  stop(): void {
    if (this.#bar && this.#started) this.#bar.stop();
    this.#started = false;
  }
}
