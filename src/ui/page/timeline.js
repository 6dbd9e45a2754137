// A secret's timeline as a picture: one lane per version, from its creation to its pruning or deletion; the
// staging labels as bars along the lane of the version that held them, for as long as it held them; rotations
// as shaded spans. The x axis is the log: one column per record, in order, its time in the column's tooltip.

const SVG = "http://www.w3.org/2000/svg";
const LABEL_ROWS = { AWSCURRENT: 0, AWSPREVIOUS: 1, AWSPENDING: 2 };
const COLUMN = 64;
const LANE = 52;
const LEFT = 104;
const TOP = 50;
const SHORT = { AWSCURRENT: "CURRENT", AWSPREVIOUS: "PREVIOUS", AWSPENDING: "PENDING" };

const labelClass = (name) =>
  name === "AWSCURRENT"
    ? "current"
    : name === "AWSPREVIOUS"
      ? "previous"
      : name === "AWSPENDING"
        ? "pending"
        : "custom";

/** The timeline's facts, folded from the history entries of one generation of a secret. */
export const timelineModel = (entries) => {
  const seqs = [...new Set(entries.map((e) => e.seq))];
  const column = new Map(seqs.map((seq, i) => [seq, i]));
  const columns = seqs.map((seq) => ({ seq, entries: entries.filter((e) => e.seq === seq) }));
  const versions = new Map();
  const segments = [];
  const open = new Map();
  const rotations = [];
  const reads = [];
  let rotation;
  const close = (label, at) => {
    const segment = open.get(label);
    if (segment !== undefined) segment.to = at;
    open.delete(label);
  };
  const endRotation = (at, outcome) => {
    if (rotation === undefined) return;
    rotation.to = at;
    rotation.outcome = outcome;
    rotation = undefined;
  };
  for (const e of entries) {
    const at = column.get(e.seq);
    // How a rotation ended, as the history says it (on a failure only once the service gave up).
    if (e.rotationEnd !== undefined) endRotation(at, e.rotationEnd);
    const id = e.versionIds[0];
    switch (e.event) {
      case "VersionCreated":
        versions.set(id, { id, created: at, seq: e.seq });
        break;
      case "LabelMoved": {
        close(e.label.name, at);
        if (e.label.to !== undefined) {
          const segment = { label: e.label.name, version: e.label.to, from: at, fromSeq: e.seq };
          segments.push(segment);
          open.set(e.label.name, segment);
        }
        break;
      }
      case "VersionsPruned":
      case "SecretDeleted":
        for (const v of e.versionIds) {
          const version = versions.get(v);
          if (version !== undefined && version.end === undefined) {
            version.end = at;
            version.fate = e.event === "VersionsPruned" ? "pruned" : "deleted";
          }
        }
        if (e.event === "SecretDeleted") for (const label of [...open.keys()]) close(label, at);
        break;
      case "RotationStarted":
        if (rotation === undefined) {
          rotation = { version: id, from: at, outcome: "running" };
          rotations.push(rotation);
        }
        break;
      case "SecretAccessed":
        reads.push({ version: id, at, what: e.what });
        break;
      default:
        break;
    }
  }
  return { columns, versions: [...versions.values()], segments, rotations, reads };
};

const el = (name, attributes = {}, ...children) => {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  for (const child of children) node.append(child);
  return node;
};
const title = (text) => el("title", {}, text);

/** The time under a column: when it differs (to the minute) from the one last shown; the day when that changes. */
const columnTimes = (columns) => {
  let shown = "";
  return columns.map((c) => {
    const stamp = new Date(c.entries[0].at).toISOString();
    if (stamp.slice(0, 16) === shown.slice(0, 16)) return undefined;
    const text =
      stamp.slice(0, 10) === shown.slice(0, 10) ? stamp.slice(11, 16) : `${stamp.slice(5, 10)} ${stamp.slice(11, 16)}`;
    shown = stamp;
    return { text, stamp };
  });
};

/** The timeline drawn as SVG, with a title (tooltip) on every mark. */
export const timelineSvg = (model) => {
  const width = LEFT + Math.max(model.columns.length, 1) * COLUMN + 12;
  const height = TOP + Math.max(model.versions.length, 1) * LANE + 8;
  const x = (at) => LEFT + at * COLUMN + COLUMN / 2;
  const end = model.columns.length;
  const lane = new Map(model.versions.map((v, i) => [v.id, TOP + i * LANE]));
  const svg = el("svg", {
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: "img",
    class: "timeline",
    "aria-label": `Timeline: ${model.versions.length} version(s), ${model.segments.length} label move(s)`,
  });
  for (const r of model.rotations)
    svg.append(
      el(
        "rect",
        {
          class: `rotation rotation-${r.outcome}`,
          x: x(r.from) - COLUMN / 2,
          y: TOP - 8,
          width: ((r.to ?? end) - r.from) * COLUMN + (r.to === undefined ? 0 : COLUMN),
          height: height - TOP + 4,
          "data-rotation": r.outcome,
        },
        title(`rotation of ${r.version}: ${r.outcome}`),
      ),
    );
  const times = columnTimes(model.columns);
  model.columns.forEach((c, i) => {
    const what = c.entries
      .map((e) => `${new Date(e.at).toISOString()}  ${e.principal ?? "the service"}  ${e.command}: ${e.what}`)
      .join("\n");
    const time = times[i];
    svg.append(
      el("line", { class: "column", x1: x(i), x2: x(i), y1: 32, y2: height - 4 }),
      el(
        "text",
        { class: "seq", x: x(i), y: 12, "text-anchor": "middle" },
        `#${c.seq}`,
        title(`log sequence ${c.seq}\n${what}`),
      ),
    );
    if (time !== undefined)
      svg.append(el("text", { class: "time", x: x(i), y: 26, "text-anchor": "middle" }, time.text, title(time.stamp)));
  });
  for (const v of model.versions) drawVersion(svg, v, lane.get(v.id), x, end);
  for (const s of model.segments) {
    const y = lane.get(s.version);
    if (y === undefined) continue;
    const row = LABEL_ROWS[s.label] ?? 3;
    const width = Math.max(((s.to ?? end) - s.from) * COLUMN - (s.to === undefined ? COLUMN / 2 : 0), 4);
    if (width >= 44)
      svg.append(
        el(
          "text",
          { class: `label-name ${labelClass(s.label)}`, x: x(s.from) + 2, y: y + 19 + row * 8 },
          SHORT[s.label] ?? s.label,
        ),
      );
    svg.append(
      el(
        "rect",
        {
          class: `label ${labelClass(s.label)}`,
          x: x(s.from),
          y: y + 21 + row * 8,
          width,
          height: 5,
          "data-label": s.label,
          "data-version": s.version,
          "data-from-seq": s.fromSeq,
        },
        title(`${s.label} on ${s.version}`),
      ),
    );
  }
  for (const r of model.reads) {
    const y = lane.get(r.version);
    if (y !== undefined)
      svg.append(el("circle", { class: "read", cx: x(r.at), cy: y + 8, r: 3, "data-read": r.version }, title(r.what)));
  }
  return svg;
};

/** A version's lane: from its creation to its pruning or deletion (✕), or on to now. */
const drawVersion = (svg, v, y, x, end) => {
  const fate = v.fate === undefined ? "" : ` ${v.fate}`;
  svg.append(
    el("text", { class: "version-name", x: 4, y: y + 12 }, v.id.slice(0, 10), title(v.id)),
    el("line", {
      class: `lane${fate}`,
      x1: x(v.created),
      x2: v.end === undefined ? LEFT + end * COLUMN : x(v.end),
      y1: y + 8,
      y2: y + 8,
      "data-version": v.id,
      "data-created-seq": v.seq,
      ...(v.fate === undefined ? {} : { "data-fate": v.fate }),
    }),
    el("circle", { class: "created", cx: x(v.created), cy: y + 8, r: 4 }, title(`${v.id} created`)),
  );
  if (v.end !== undefined)
    svg.append(
      el(
        "text",
        { class: `fate${fate}`, x: x(v.end), y: y + 12, "text-anchor": "middle" },
        "✕",
        title(`${v.id}${fate}`),
      ),
    );
};
