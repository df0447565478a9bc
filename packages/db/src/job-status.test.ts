import { describe, expect, it } from "vitest";
import {
  ACTIVE_JOB_STATUSES,
  canTransition,
  isTerminal,
  JOB_STATUS_TRANSITIONS,
  JOB_STATUSES,
  OPEN_JOB_STATUSES,
  statusesThatMayBecome,
  TERMINAL_JOB_STATUSES,
} from "./job-status.ts";

describe("job statuses", () => {
  it("end in SUCCEEDED, FAILED or CANCELLED, and nothing leaves an ended job", () => {
    expect(TERMINAL_JOB_STATUSES).toEqual(["SUCCEEDED", "FAILED", "CANCELLED"]);
    expect(OPEN_JOB_STATUSES).toEqual(["QUEUED", "PENDING", "RUNNING"]);
    for (const ended of TERMINAL_JOB_STATUSES) {
      for (const to of JOB_STATUSES) expect(canTransition(ended, to)).toBe(false);
    }
  });

  it("only move forwards: no status is reachable again once left", () => {
    for (const from of JOB_STATUSES) {
      expect(canTransition(from, from)).toBe(false);
      for (const to of JOB_STATUSES) {
        if (canTransition(from, to)) expect(canTransition(to, from)).toBe(false);
      }
    }
    expect(canTransition("RUNNING", "PENDING")).toBe(false);
    expect(canTransition("PENDING", "QUEUED")).toBe(false);
    expect(canTransition("PENDING", "SUCCEEDED")).toBe(true);
  });

  it("can be cancelled until they end; a queued job only starts or is cancelled (or can never fit)", () => {
    for (const status of OPEN_JOB_STATUSES) expect(canTransition(status, "CANCELLED")).toBe(true);
    expect(JOB_STATUS_TRANSITIONS.QUEUED).toEqual(["PENDING", "FAILED", "CANCELLED"]);
  });

  it("count against the concurrent-job limit only while given to Kubernetes and open", () => {
    for (const status of ACTIVE_JOB_STATUSES) expect(isTerminal(status)).toBe(false);
    expect(ACTIVE_JOB_STATUSES).toEqual(["PENDING", "RUNNING"]);
  });

  it("let a write apply from earlier statuses, and to an open status again, never to an ended job", () => {
    expect(statusesThatMayBecome("PENDING")).toEqual(["QUEUED", "PENDING"]);
    expect(statusesThatMayBecome("RUNNING")).toEqual(["PENDING", "RUNNING"]);
    expect(statusesThatMayBecome("SUCCEEDED")).toEqual(["PENDING", "RUNNING"]);
    expect(statusesThatMayBecome("FAILED")).toEqual(["QUEUED", "PENDING", "RUNNING"]);
    expect(statusesThatMayBecome("CANCELLED")).toEqual(["QUEUED", "PENDING", "RUNNING"]);
  });
});
