// The page for history and audit. Every call is a signed Secrets Manager or secretledger operation of this
// service, as the signed-in key's principal; the page holds a value only after the user asks to reveal one.

import { ledger, session, sm } from "./api.js";
import { renderSecretAudit, searchAudit, verifyAudit, verifyProjection } from "./audit-view.js";
import { $, failure, h, iso } from "./dom.js";
import { renderStatePicker } from "./state-view.js";
import { timelineModel, timelineSvg } from "./timeline.js";

const state = { secrets: [], selected: undefined };

// ---- signing in -------------------------------------------------------------------------------------------

const signIn = async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  session.credentials = {
    accessKeyId: String(form.get("accessKeyId")).trim(),
    secretAccessKey: String(form.get("secretAccessKey")),
  };
  $("sign-in-error").textContent = "";
  try {
    await loadSecrets();
  } catch (error) {
    // A principal that may not list secrets still signs in: it opens a secret by its name.
    if (error.name !== "AccessDeniedException") {
      session.credentials = undefined;
      $("sign-in-error").textContent = `${error.name}: ${error.message}`;
      return;
    }
    state.listRefused = `${error.name}: ${error.message}`;
    renderSecretList();
  }
  event.target.reset();
  $("sign-in").hidden = true;
  $("app").hidden = false;
  $("sign-out").hidden = false;
  $("who").textContent = `signed in as ${session.credentials.accessKeyId}`;
  showView("secrets");
  $("search").focus();
};

const signOut = () => {
  session.credentials = undefined;
  state.secrets = [];
  state.selected = undefined;
  location.hash = "";
  location.reload();
};

// ---- secrets and their search -----------------------------------------------------------------------------

const loadSecrets = async () => {
  const secrets = [];
  let token;
  do {
    const page = await sm("ListSecrets", {
      MaxResults: 100,
      IncludePlannedDeletion: true,
      SortOrder: "asc",
      ...(token === undefined ? {} : { NextToken: token }),
    });
    secrets.push(...(page.SecretList ?? []));
    token = page.NextToken;
  } while (token !== undefined && secrets.length < 5000);
  state.secrets = secrets;
  renderSecretList();
};

const matchesSearch = (secret, words) => {
  const text = [secret.Name, secret.Description ?? "", ...(secret.Tags ?? []).flatMap((t) => [t.Key, t.Value])]
    .join(" ")
    .toLowerCase();
  return words.every((w) => text.includes(w));
};

const renderSecretList = () => {
  const words = $("search").value.toLowerCase().split(/\s+/).filter(Boolean);
  const list = $("secret-list");
  list.replaceChildren(
    ...state.secrets
      .filter((s) => matchesSearch(s, words))
      .map((s) =>
        h(
          "li",
          {},
          h(
            "button",
            {
              type: "button",
              class: "secret-item",
              "data-secret": s.Name,
              "aria-current": state.selected === s.Name ? "true" : undefined,
              onclick: () => openSecret(s.Name),
            },
            h("span", { class: "name" }, s.Name),
            s.DeletedDate === undefined ? "" : h("span", { class: "badge deleted" }, "scheduled for deletion"),
            s.RotationEnabled === true ? h("span", { class: "badge rotation" }, "rotates") : "",
          ),
        ),
      ),
  );
  const typed = $("search").value.trim();
  if (typed !== "" && !state.secrets.some((s) => s.Name === typed))
    list.append(
      h(
        "li",
        {},
        h(
          "button",
          { type: "button", class: "secret-item", onclick: () => openSecret(typed) },
          `Open the history of “${typed}”`,
        ),
      ),
    );
  if (list.children.length === 0)
    list.append(h("li", { class: "hint" }, state.listRefused ?? "No secret matches: type a name to open its history."));
};

// ---- one secret: timeline, state at a moment, audit -------------------------------------------------------

const openSecret = (name, tab = "timeline") => {
  state.selected = name;
  location.hash = `secret=${encodeURIComponent(name)}&tab=${tab}`;
  renderSecretList();
  const pane = $("secret-pane");
  const secret = state.secrets.find((s) => s.Name === name);
  const tabs = ["timeline", "state", "audit"];
  const body = h("div", { id: "secret-body" });
  const tabButtons = tabs.map((t) =>
    h(
      "button",
      {
        type: "button",
        role: "tab",
        "data-tab": t,
        "aria-selected": t === tab ? "true" : "false",
        onclick: () => openSecret(name, t),
      },
      { timeline: "Timeline", state: "State at a moment", audit: "Audit" }[t],
    ),
  );
  pane.replaceChildren(
    h("h2", {}, name),
    h("p", { class: "arn" }, secret?.ARN ?? ""),
    secret?.Description === undefined ? "" : h("p", {}, secret.Description),
    h("div", { role: "tablist", class: "tabs" }, tabButtons),
    body,
  );
  const render = { timeline: renderTimeline, state: renderStatePicker, audit: renderSecretAudit }[tab];
  render(name, body).catch((error) => body.replaceChildren(failure(error)));
};

const renderTimeline = async (name, body, chosen) => {
  body.replaceChildren(h("p", { class: "hint" }, "Reading the log…"));
  const { Entries: entries } = await ledger("GetSecretHistory", { SecretId: name });
  const generations = [...new Set(entries.map((e) => e.generation))];
  const generation = chosen ?? generations.at(-1);
  const mine = entries.filter((e) => e.generation === generation);
  const model = timelineModel(mine);
  // A name deleted and created again has generations, each with its own ARN: one timeline each.
  const picker =
    generations.length < 2
      ? ""
      : h(
          "label",
          {},
          `This name was created ${generations.length} times; showing `,
          h(
            "select",
            {
              onchange: (event) =>
                renderTimeline(name, body, Number(event.target.value)).catch((e) => body.replaceChildren(failure(e))),
            },
            generations.map((g) =>
              h(
                "option",
                { value: g, selected: g === generation },
                `generation ${g}: ${entries.find((e) => e.generation === g)?.arn ?? ""}`,
              ),
            ),
          ),
        );
  body.replaceChildren(
    picker,
    h(
      "div",
      { class: "legend", "aria-hidden": "true" },
      ...["AWSCURRENT", "AWSPREVIOUS", "AWSPENDING", "custom label", "rotation"].map((l) =>
        h(
          "span",
          {
            class: `key ${l === "custom label" ? "custom" : l === "rotation" ? "rotation" : l.slice(3).toLowerCase()}`,
          },
          l,
        ),
      ),
    ),
    h(
      "div",
      { class: "timeline-scroll", tabindex: "0", "aria-label": "Timeline picture; the same events are listed below" },
      timelineSvg(model),
    ),
    h("h3", {}, "Events"),
    h(
      "ol",
      { class: "events" },
      mine.map((e) =>
        h(
          "li",
          { "data-seq": e.seq, "data-event": e.event },
          h("time", { datetime: iso(e.at) }, iso(e.at)),
          " ",
          h("span", { class: "seq" }, `#${e.seq}`),
          " ",
          h("span", { class: "principal" }, e.principal ?? "the service"),
          " ",
          h("span", { class: "what" }, e.what),
        ),
      ),
    ),
  );
};

// ---- views ----------------------------------------------------------------------------------------------------

const showView = (view) => {
  for (const name of ["secrets", "audit", "integrity"]) $(`view-${name}`).hidden = name !== view;
  for (const button of document.querySelectorAll("nav [data-view]"))
    button.setAttribute("aria-current", button.dataset.view === view ? "page" : "false");
};

const start = async () => {
  const config = await fetch("/ui/config.json").then((r) => r.json());
  session.region = config.region;
  $("sign-in-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", signOut);
  $("search").addEventListener("input", renderSecretList);
  $("audit-filters").addEventListener("submit", (e) => searchAudit(e));
  $("verify-audit").addEventListener("click", verifyAudit);
  $("verify-projection").addEventListener("click", verifyProjection);
  for (const button of document.querySelectorAll("nav [data-view]"))
    button.addEventListener("click", () => showView(button.dataset.view));
  $("access-key-id").focus();
};

start();
