// The audit trail: per secret and with filters (principal, operation, outcome, time), refusals marked; and the
// integrity checks: the audit chain's verification with its head to keep, and the projection's.

import { ledger } from "./api.js";
import { $, failure, h } from "./dom.js";

export const renderSecretAudit = async (name, body) => {
  body.replaceChildren(h("p", { class: "hint" }, "Reading the audit trail…"));
  const answer = await ledger("GetAuditRecords", { SecretId: name, MaxResults: 200 });
  body.replaceChildren(auditTable(answer.Records));
};

// ---- audit, integrity ---------------------------------------------------------------------------------------

const auditTable = (records) =>
  records.length === 0
    ? h("p", { class: "hint" }, "No record.")
    : h(
        "table",
        { class: "audit" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["#", "Time", "Outcome", "Operation", "Principal", "Secret", "From"].map((c) =>
              h("th", { scope: "col" }, c),
            ),
          ),
        ),
        h(
          "tbody",
          {},
          records.map((r) =>
            h(
              "tr",
              { class: r.outcome === "Success" ? undefined : "refused", "data-outcome": r.outcome },
              h("td", {}, String(r.n)),
              h("td", {}, r.time),
              h("td", {}, r.outcome),
              h("td", {}, r.operation),
              h("td", { class: "mono" }, r.principal ?? `(unknown key ${r.accessKeyId ?? ""})`),
              h("td", { class: "mono" }, r.secretArns.join(", ")),
              h("td", {}, r.sourceIp),
            ),
          ),
        ),
      );

export const searchAudit = async (event, before) => {
  event?.preventDefault();
  const data = new FormData($("audit-filters"));
  const input = { MaxResults: 200 };
  for (const [key, value] of data.entries()) {
    const text = String(value).trim();
    if (text === "") continue;
    input[key] = key === "Since" || key === "Until" ? new Date(`${text}Z`).toISOString() : text;
  }
  if (before !== undefined) input.Before = before;
  const results = $("audit-results");
  try {
    const answer = await ledger("GetAuditRecords", input);
    const more =
      answer.NextBefore === undefined
        ? ""
        : h("button", { type: "button", onclick: () => searchAudit(undefined, answer.NextBefore) }, "Older records");
    results.replaceChildren(auditTable(answer.Records), more);
  } catch (error) {
    results.replaceChildren(failure(error));
  }
};

export const verifyAudit = async () => {
  const out = $("audit-verdict");
  out.replaceChildren(h("p", { class: "hint" }, "Verifying…"));
  try {
    const v = await ledger("VerifyAudit", {});
    out.replaceChildren(
      h(
        "p",
        { class: v.Intact ? "ok" : "error" },
        v.Intact
          ? `Intact: ${v.Records} record(s) in ${v.Messages} message(s).`
          : `BROKEN at message ${v.Broken.seq}: ${v.Broken.problem}`,
      ),
      h("p", {}, "Head to keep elsewhere: ", h("code", { class: "head" }, v.Head)),
    );
  } catch (error) {
    out.replaceChildren(failure(error));
  }
};

export const verifyProjection = async () => {
  const out = $("projection-verdict");
  out.replaceChildren(h("p", { class: "hint" }, "Folding the log anew…"));
  try {
    const v = await ledger("VerifyProjection", {});
    out.replaceChildren(
      h(
        "p",
        { class: v.agree ? "ok" : "error" },
        v.agree ? `Agrees with the log up to sequence ${v.seq} (${v.events} events).` : "DIFFERS from the log:",
      ),
      v.agree
        ? ""
        : h(
            "ul",
            {},
            v.differences.map((d) => h("li", {}, d)),
          ),
    );
  } catch (error) {
    out.replaceChildren(failure(error));
  }
};
