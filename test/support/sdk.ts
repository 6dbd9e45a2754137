import * as assert from "uvu/assert";

/** Runs an SDK call that must fail, and returns what the SDK made of the error. */
export const sdkError = async (
  call: Promise<unknown>,
): Promise<{ name: string; message: string; status: number | undefined; fault: string | undefined }> => {
  try {
    await call;
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number }; $fault?: string };
    return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode, fault: err.$fault };
  }
  assert.unreachable("the call succeeded");
  throw new Error("unreachable");
};
