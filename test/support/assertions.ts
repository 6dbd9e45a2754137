/** True when `promise` rejects: for refusals whose error shape is the library's business. */
export const refused = async (promise: Promise<unknown>): Promise<boolean> => {
  try {
    await promise;
    return false;
  } catch {
    return true;
  }
};
