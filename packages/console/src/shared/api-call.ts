// Every request of the consoles goes through the typed clients (@sumo/api-client); `call` turns
// their answers into data or an ApiProblem (shared with the CLI) that the pages show as the API
// said it.
import { ApiProblem } from "@sumo/api-client";

export { ApiProblem, type ClientResult, call, problemOf } from "@sumo/api-client";

/** Any thrown value as an ApiProblem, for showing it. */
export function asProblem(error: unknown): ApiProblem {
  if (error instanceof ApiProblem) return error;
  return new ApiProblem({
    code: "console_error",
    message: error instanceof Error ? error.message : String(error),
  });
}
