import type * as t from "io-ts";

// The io-ts problem reporter the config loader and the private-file reader share.

/** What is wrong with a value that did not decode, in one line: where, and what it must be. */
export const describeProblem = (e: t.ValidationError): string => {
  const where = e.context
    .map((c) => c.key)
    .filter(Boolean)
    .join(".");
  return `${where || "(top)"} must be a ${e.context[e.context.length - 1]?.type.name ?? "valid value"}`;
};
