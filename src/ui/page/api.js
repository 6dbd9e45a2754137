// The page's calls: each one signed (SigV4) with the signed-in access key, as the AWS CLI signs.

import { signedHeaders } from "./sigv4.js";

/** Who the page calls as, and for which region: set at sign-in, kept in this tab's memory only. */
export const session = { credentials: undefined, region: "us-east-1" };

/** A signed call; answers its JSON, or throws an Error named after the AWS error type. */
export const call = async (target, input = {}) => {
  const body = JSON.stringify(input);
  const headers = await signedHeaders(target, body, session.credentials, session.region);
  const response = await fetch("/", { method: "POST", headers, body });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(json.Message ?? json.message ?? `HTTP ${response.status}`);
    error.name = String(json.__type ?? "Error")
      .split("#")
      .pop();
    throw error;
  }
  return json;
};
export const sm = (operation, input) => call(`secretsmanager.${operation}`, input);
export const ledger = (operation, input) => call(`secretledger.${operation}`, input);
