/** Awaits a call that is expected to fail and returns its error; throws if it succeeded. */
export async function errorOf(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail, but it succeeded");
}
