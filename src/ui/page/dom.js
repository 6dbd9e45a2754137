// The page's DOM helpers: elements built from data, never from HTML text.

/** An element with attributes (on… are listeners) and children (strings become text, never HTML). */
export const h = (tag, attributes = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) if (child !== undefined && child !== null) node.append(child);
  return node;
};
export const $ = (id) => document.getElementById(id);
export const iso = (millis) => new Date(millis).toISOString().replace(".000Z", "Z");

export const failure = (error) => h("p", { class: "error", role: "alert" }, `${error.name}: ${error.message}`);
