// SigV4 for the page's calls, with the browser's WebCrypto: the same signature the AWS CLI makes, so the service
// authorizes and audits the page's calls exactly as the CLI's. The secret key never leaves this tab's memory.

const encoder = new TextEncoder();
const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
const sha256 = async (text) => hex(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
const hmac = async (key, text) => {
  const imported = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", imported, encoder.encode(text)));
};

/** The headers of a signed AWS JSON 1.1 call `target` with `body`, for `credentials` in `region`. */
export const signedHeaders = async (target, body, credentials, region, now = new Date()) => {
  const amzDate = now.toISOString().replace(/[-:]|\.\d{3}/g, "");
  const day = amzDate.slice(0, 8);
  const headers = {
    "content-type": "application/x-amz-json-1.1",
    host: location.host,
    "x-amz-date": amzDate,
    "x-amz-target": target,
  };
  const names = Object.keys(headers).sort();
  const canonical = [
    "POST",
    "/",
    "",
    names.map((n) => `${n}:${headers[n]}\n`).join(""),
    names.join(";"),
    await sha256(body),
  ].join("\n");
  const scope = `${day}/${region}/secretsmanager/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, await sha256(canonical)].join("\n");
  let key = await hmac(encoder.encode(`AWS4${credentials.secretAccessKey}`), day);
  for (const part of [region, "secretsmanager", "aws4_request"]) key = await hmac(key, part);
  const signature = hex(await hmac(key, toSign));
  // The browser sends Host itself; the others go as signed.
  const { host: _host, ...sent } = headers;
  return {
    ...sent,
    authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`,
  };
};
