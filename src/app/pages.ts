import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ProbeAnswer } from "../api/server.js";
import { projectRoot } from "../store/nats-server.js";

// The web page for history and audit (/ui/): static files, served as they are (no build step), with a policy
// that lets the page load nothing but its own files and talk to nothing but this service. Everything it shows
// comes from signed calls the page makes with the access key the user signs in with.

const PAGE_DIR = join(projectRoot(), "src", "ui", "page");

const SECURITY_HEADERS = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
};

const FILES: ReadonlyArray<readonly [string, string, string]> = [
  ["/ui/", "index.html", "text/html; charset=utf-8"],
  ["/ui/index.html", "index.html", "text/html; charset=utf-8"],
  ["/ui/app.js", "app.js", "text/javascript; charset=utf-8"],
  ["/ui/sigv4.js", "sigv4.js", "text/javascript; charset=utf-8"],
  ["/ui/api.js", "api.js", "text/javascript; charset=utf-8"],
  ["/ui/dom.js", "dom.js", "text/javascript; charset=utf-8"],
  ["/ui/state-view.js", "state-view.js", "text/javascript; charset=utf-8"],
  ["/ui/audit-view.js", "audit-view.js", "text/javascript; charset=utf-8"],
  ["/ui/timeline.js", "timeline.js", "text/javascript; charset=utf-8"],
  ["/ui/app.css", "app.css", "text/css; charset=utf-8"],
];

/** The page's files by path, read once; and /ui/config.json: the region and account the page signs for. */
export const pageFiles = (home: { readonly region: string; readonly account: string }) => {
  const answers: Record<string, () => Promise<ProbeAnswer>> = {};
  for (const [path, file, contentType] of FILES) {
    const body = readFileSync(join(PAGE_DIR, file), "utf8");
    answers[path] = () => Promise.resolve({ status: 200, contentType, body, headers: SECURITY_HEADERS });
  }
  const config = JSON.stringify({ region: home.region, account: home.account });
  answers["/ui/config.json"] = () =>
    Promise.resolve({ status: 200, contentType: "application/json", body: config, headers: SECURITY_HEADERS });
  answers["/ui"] = () =>
    Promise.resolve({ status: 301, contentType: "text/plain", body: "", headers: { Location: "/ui/" } });
  return answers;
};
