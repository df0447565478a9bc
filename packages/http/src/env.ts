import { z } from "zod";

/** How an HTTP service stops (spread into its env schema); see serveUntilSignal. */
export const shutdownEnv = {
  SHUTDOWN_GRACE_SECONDS: z.coerce
    .number()
    .min(0)
    .default(10)
    .meta({ description: "Seconds SIGTERM waits for requests in flight before closing." }),
};
