// A secret as it stood at a moment (a time or a log sequence), and two moments side by side; a version's value
// only when the user asks to reveal it (GetSecretValue: authorized and audited as any other read).

import { ledger, sm } from "./api.js";
import { failure, h } from "./dom.js";

export const renderStatePicker = async (name, body) => {
  const form = h(
    "form",
    { class: "filters", id: "state-form" },
    h(
      "label",
      {},
      "At (time or log sequence) ",
      h("input", { name: "at", required: true, placeholder: "2026-12-03T00:00:00Z or 12" }),
    ),
    h("label", {}, "Compare with (optional) ", h("input", { name: "compare", placeholder: "time or sequence" })),
    h("button", { type: "submit" }, "Show"),
  );
  const result = h("div", { id: "state-result" });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const points = [String(data.get("at")).trim(), String(data.get("compare")).trim()].filter(Boolean);
    showStates(name, points, result).catch((error) => result.replaceChildren(failure(error)));
  });
  body.replaceChildren(form, result);
};

const showStates = async (name, points, result) => {
  const answers = await Promise.all(points.map((at) => ledger("GetStateAt", { At: at, SecretId: name })));
  const views = answers.map((a) => a.secrets?.[0]);
  const columns = answers.map((answer, i) => stateColumn(points[i], answer, views[i], views[1 - i]));
  result.replaceChildren(h("div", { class: points.length > 1 ? "compare" : "single" }, columns));
};

/** A secret as it stood at `point`; `other`: the moment it is compared with (its differences are marked). */
const stateColumn = (point, answer, view, other) => {
  if (view === undefined)
    return h(
      "div",
      { class: "state", "data-at": point },
      h("h3", {}, `At ${point}`),
      h("p", {}, "The secret did not exist then."),
    );
  const labelsOf = (v) => new Map((v?.versions ?? []).map((x) => [x.versionId, x.stages.join(",")]));
  const theirs = labelsOf(other);
  const changed = (field) => other !== undefined && JSON.stringify(view[field]) !== JSON.stringify(other?.[field]);
  const row = (field, label, text) =>
    h(
      "tr",
      { class: changed(field) ? "changed" : undefined },
      h("th", { scope: "row" }, label),
      h("td", {}, text ?? "—"),
    );
  return h(
    "div",
    { class: "state", "data-at": point },
    h("h3", {}, `At ${point}`),
    h(
      "p",
      { class: "hint" },
      answer.lastRecord === undefined ? "" : `log sequence ${answer.lastRecord.seq}, ${answer.lastRecord.time}`,
    ),
    h(
      "table",
      {},
      h(
        "tbody",
        {},
        row("arn", "ARN", view.arn),
        row("description", "Description", view.description),
        row("kmsKeyId", "KMS key", view.kmsKeyId ?? "default"),
        row("tags", "Tags", (view.tags ?? []).map((t) => `${t.Key}=${t.Value}`).join(", ")),
        row("resourcePolicy", "Resource policy", view.resourcePolicy),
        row("deletionDate", "Deletion date", view.deletionDate),
        row("rotation", "Rotation", view.rotation === undefined ? undefined : JSON.stringify(view.rotation)),
      ),
    ),
    h(
      "table",
      { class: "versions" },
      h(
        "thead",
        {},
        h("tr", {}, h("th", {}, "Version"), h("th", {}, "Created"), h("th", {}, "Labels"), h("th", {}, "Value")),
      ),
      h(
        "tbody",
        {},
        view.versions.map((v) =>
          h(
            "tr",
            {
              "data-version": v.versionId,
              class: other !== undefined && theirs.get(v.versionId) !== v.stages.join(",") ? "changed" : undefined,
            },
            h("td", { class: "mono" }, v.versionId),
            h("td", {}, v.createdDate),
            h("td", { class: "stages" }, v.stages.join(", ") || "deprecated"),
            h("td", {}, revealButton(view.arn, v.versionId)),
          ),
        ),
      ),
    ),
  );
};

/** Reveals one version's value as it is now: GetSecretValue, authorized and audited as any other. */
const revealButton = (arn, versionId) => {
  const output = h("output", { class: "value" });
  const button = h("button", { type: "button", class: "reveal", "data-reveal": versionId }, "Reveal");
  button.addEventListener("click", async () => {
    if (output.textContent !== "") {
      output.textContent = "";
      button.textContent = "Reveal";
      return;
    }
    try {
      const value = await sm("GetSecretValue", { SecretId: arn, VersionId: versionId });
      output.textContent = value.SecretString ?? `(binary, base64) ${value.SecretBinary}`;
      button.textContent = "Hide";
    } catch (error) {
      output.textContent = `${error.name}: ${error.message}`;
      output.classList.add("error");
    }
  });
  return h("span", {}, button, " ", output);
};
