// Designer: draw an fsmnb workflow (pairs with fsmnb/widgets/designer.py).
// The drawing is the `doc` trait; this view never changes it directly: it sends edits
// ({type: "edit", op, args}) and Python answers with the new `doc` and its `problems`.
// Selection, pan and zoom belong to each view; everything else is shared by all views.

const SVG_NS = "http://www.w3.org/2000/svg";
const W = 130; // node width
const H = 50; // node height

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "value") node.value = value;
    else if (key === "checked") node.checked = true;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
  return node;
}

function s(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

// The kind of effect each `$defs` entry of the schema describes, and back.
function kinds(schema) {
  const byKind = {};
  for (const [name, def] of Object.entries(schema.$defs || {})) {
    const kind = def.properties?.kind?.const ?? def.properties?.kind?.enum?.[0];
    if (kind) byKind[kind] = name;
  }
  return byKind;
}

function isEffectRef(prop) {
  return typeof prop?.$ref === "string" && prop.$ref.endsWith("/Effect");
}

const LONG_TEXT = new Set(["prompt", "system", "message", "task", "query", "text"]);

// A form for one effect, generated from its schema. `onChange(effect)` gets the whole new effect.
function effectForm(model, effect, onChange, path = "effect") {
  const schema = model.get("schema") || {};
  const byKind = kinds(schema);
  const def = schema.$defs?.[byKind[effect.kind]];
  const box = h("div", { class: "fsmnb-effect", "data-path": path, "data-kind": effect.kind });
  if (!def) {
    box.append(h("div", { class: "fsmnb-hint" }, `unknown effect kind ${effect.kind}`));
    return box;
  }
  const change = (key, value) => {
    const next = { ...effect };
    if (value === undefined) delete next[key];
    else next[key] = value;
    onChange(next);
  };
  const required = new Set(def.required || []);
  for (const [key, prop0] of Object.entries(def.properties || {})) {
    if (key === "kind") continue;
    let prop = prop0;
    const options = prop.anyOf || [];
    const nullable = options.some((o) => o.type === "null");
    if (options.length) prop = options.find((o) => o.type !== "null") || prop;
    const label = h("label", { class: "fsmnb-field", title: prop0.description || "" },
      h("span", {}, key + (required.has(key) ? " *" : "")));
    const value = effect[key];
    const id = `${path}.${key}`;
    if (isEffectRef(prop)) {
      const child = value || { kind: "log", message: "a step" };
      box.append(label, kindPicker(model, child.kind, (kind) => change(key, starterOf(model, kind)), id),
        effectForm(model, child, (v) => change(key, v), id));
      continue;
    }
    if (prop.type === "array" && isEffectRef(prop.items)) {
      const list = value || [];
      const items = list.map((child, i) =>
        h("div", { class: "fsmnb-item" },
          kindPicker(model, child.kind, (kind) => change(key, list.map((c, j) => (j === i ? starterOf(model, kind) : c))), `${id}[${i}]`),
          h("button", { class: "fsmnb-small", title: "remove", onclick: () => change(key, list.filter((_, j) => j !== i)) }, "✕"),
          effectForm(model, child, (v) => change(key, list.map((c, j) => (j === i ? v : c))), `${id}[${i}]`)));
      box.append(label, ...items,
        h("button", { class: "fsmnb-small", "data-add": id, onclick: () => change(key, [...list, { kind: "log", message: "a step" }]) }, `+ ${key.replace(/s$/, "")}`));
      continue;
    }
    let input;
    if (prop.enum) {
      input = h("select", { "data-field": id },
        nullable || !required.has(key) ? h("option", { value: "" }, "—") : null,
        ...prop.enum.map((v) => h("option", { value: v, selected: v === value ? "" : undefined }, String(v))));
      input.value = value ?? "";
      input.addEventListener("change", () => change(key, input.value === "" ? undefined : input.value));
    } else if (prop.type === "boolean") {
      input = h("input", { type: "checkbox", "data-field": id, checked: value === true });
      input.addEventListener("change", () => change(key, input.checked));
    } else if (prop.type === "number" || prop.type === "integer") {
      input = h("input", { type: "number", "data-field": id, step: prop.type === "integer" ? "1" : "any", value: value ?? "" });
      input.addEventListener("change", () => change(key, input.value === "" ? undefined : Number(input.value)));
    } else if (prop.type === "string") {
      input = LONG_TEXT.has(key)
        ? h("textarea", { rows: "2", "data-field": id })
        : h("input", { type: "text", "data-field": id });
      input.value = value ?? "";
      input.addEventListener("change", () => change(key, input.value));
    } else {
      // Objects, lists of values, anything else: JSON text, checked by Python like everything else.
      input = h("textarea", { rows: "2", class: "fsmnb-json", "data-field": id });
      input.value = value === undefined ? "" : JSON.stringify(value);
      input.addEventListener("change", () => {
        if (input.value.trim() === "") return change(key, undefined);
        try {
          change(key, JSON.parse(input.value));
        } catch (err) {
          input.classList.add("fsmnb-invalid");
          input.title = `not JSON: ${err.message}`;
        }
      });
    }
    label.append(input);
    box.append(label);
  }
  return box;
}

function starterOf(model, kind) {
  for (const group of model.get("library")?.groups || []) {
    for (const item of group.kinds) if (item.kind === kind) return JSON.parse(JSON.stringify(item.starter));
  }
  return { kind };
}

function kindPicker(model, current, onPick, id) {
  const select = h("select", { class: "fsmnb-kind", "data-kind-picker": id });
  for (const group of model.get("library")?.groups || []) {
    select.append(h("optgroup", { label: group.name },
      ...group.kinds.map((k) => h("option", { value: k.kind, selected: k.kind === current ? "" : undefined }, k.kind))));
  }
  select.value = current;
  select.addEventListener("change", () => onPick(select.value));
  return select;
}

// Where the segment from the center of a box towards (tx, ty) leaves the box.
function border(x, y, tx, ty) {
  const dx = tx - x;
  const dy = ty - y;
  if (!dx && !dy) return [x, y];
  const scale = Math.min(Math.abs(W / 2 / (dx || 1e-9)), Math.abs(H / 2 / (dy || 1e-9)));
  return [x + dx * Math.min(scale, 1), y + dy * Math.min(scale, 1)];
}

function render({ model, el }) {
  const view = { tx: 0, ty: 0, k: 1, selected: null, wantInsert: false };
  const send = (msg) => model.send(msg);
  const edit = (op, args) => send({ type: "edit", op, args });

  // -- skeleton ----------------------------------------------------------------------------------
  const title = h("input", { class: "fsmnb-name", title: "the workflow's name", "aria-label": "workflow name" });
  title.addEventListener("change", () => edit("rename_workflow", { name: title.value }));
  const button = (label, cls, onclick, tip) => h("button", { class: cls, title: tip, onclick }, label);
  const undo = button("↶ undo", "fsmnb-undo", () => send({ type: "undo" }), "undo (Ctrl+Z)");
  const redo = button("↷ redo", "fsmnb-redo", () => send({ type: "redo" }), "redo (Ctrl+Shift+Z)");
  const layout = button("⇶ layout", "fsmnb-layout", () => { view.fitNext = true; send({ type: "layout" }); }, "place states as Graphviz would (L)");
  const fitButton = button("⤢ fit", "fsmnb-fit", () => fit(true), "show the whole drawing (0)");
  const exportCell = button("⤓ cell", "fsmnb-export-cell", () => { view.wantInsert = true; send({ type: "export", format: "cell" }); }, "insert a %%workflow cell below");
  const exportAs = h("select", { class: "fsmnb-export-as", "aria-label": "export as" },
    h("option", { value: "" }, "export as…"), ...["module", "json", "yaml"].map((f) => h("option", { value: f }, f)));
  exportAs.addEventListener("change", () => {
    if (exportAs.value) send({ type: "export", format: exportAs.value });
    exportAs.value = "";
  });
  const runData = h("input", { class: "fsmnb-run-data", value: "{}", title: "the run's data, as JSON", "aria-label": "run data" });
  const runButton = button("▶ run", "fsmnb-run", () => {
    let data;
    try {
      data = JSON.parse(runData.value || "{}");
    } catch (err) {
      errorBox.textContent = `The run's data is not JSON: ${err.message}`;
      return;
    }
    send({ type: "run", data });
  }, "run the drawing (on the demo model unless FSMNB_MODEL says otherwise)");
  const cont = button("⏵ continue", "fsmnb-continue", () => send({ type: "continue" }), "resume a paused run");
  const step = button("⤼ step", "fsmnb-step", () => send({ type: "step" }), "go into the next state and pause");
  const cancel = button("■ cancel", "fsmnb-cancel", () => send({ type: "cancel" }), "cancel the run");
  const badge = h("span", { class: "fsmnb-badge" });
  const toolbar = h("div", { class: "fsmnb-toolbar" }, title, undo, redo, layout, fitButton, exportCell, exportAs,
    h("span", { class: "fsmnb-sep" }), runData, runButton, cont, step, cancel, badge);

  const libraryBox = h("div", { class: "fsmnb-library" });
  const svg = s("svg", { class: "fsmnb-canvas", tabindex: "0" });
  const defs = s("defs");
  defs.innerHTML = '<marker id="fsmnb-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z"/></marker>';
  const stage = s("g", { class: "fsmnb-stage" });
  const edgesLayer = s("g", { class: "fsmnb-edges" });
  const nodesLayer = s("g", { class: "fsmnb-nodes" });
  const ghost = s("path", { class: "fsmnb-ghost", d: "" });
  stage.append(edgesLayer, nodesLayer, ghost);
  svg.append(defs, stage);
  const panel = h("div", { class: "fsmnb-panel" });
  const problemsBox = h("ol", { class: "fsmnb-problems" });
  const notesBox = h("ul", { class: "fsmnb-notes" });
  const errorBox = h("div", { class: "fsmnb-error" });
  const exportBox = h("div", { class: "fsmnb-exported" });
  const timeline = h("ol", { class: "fsmnb-timeline" });
  const dataBox = h("pre", { class: "fsmnb-data" });
  const eventsBox = h("div", { class: "fsmnb-events" });
  const runBox = h("div", { class: "fsmnb-runbox" }, eventsBox,
    h("details", { open: "" }, h("summary", {}, "run timeline"), timeline),
    h("details", {}, h("summary", {}, "run data"), dataBox));
  const root = h("div", { class: "fsmnb-designer", tabindex: "-1", "data-lm-suppress-shortcuts": "true" },
    toolbar,
    h("div", { class: "fsmnb-body" }, libraryBox, h("div", { class: "fsmnb-canvas-box" }, svg), panel),
    errorBox, notesBox, problemsBox, exportBox, runBox);
  el.append(root);

  const doc = () => model.get("doc") || { machine: { states: [], transitions: [] }, actions: {}, layout: {} };
  const pos = (name) => doc().layout?.[name] || [80, 80];
  const toCanvas = (evt) => {
    const r = svg.getBoundingClientRect();
    return [(evt.clientX - r.left - view.tx) / view.k, (evt.clientY - r.top - view.ty) / view.k];
  };
  const applyView = () => stage.setAttribute("transform", `translate(${view.tx},${view.ty}) scale(${view.k})`);
  // Zoom and pan so every state shows; without `force`, only when some state is out of view.
  const fit = (force) => {
    const r = svg.getBoundingClientRect();
    const points = Object.values(doc().layout || {});
    if (!r.width || !points.length) return;
    const xs = points.map((p) => p[0]);
    const ys = points.map((p) => p[1]);
    const [x0, x1] = [Math.min(...xs) - W / 2 - 34, Math.max(...xs) + W / 2 + 14];
    const [y0, y1] = [Math.min(...ys) - H / 2 - 24, Math.max(...ys) + H / 2 + 24];
    const seen = (x, y) => x * view.k + view.tx >= 0 && y * view.k + view.ty >= 0;
    const inside = seen(x0, y0) && x1 * view.k + view.tx <= r.width && y1 * view.k + view.ty <= r.height;
    if (!force && inside) return;
    view.k = Math.max(0.25, Math.min(1, r.width / (x1 - x0), r.height / (y1 - y0)));
    view.tx = (r.width - (x1 - x0) * view.k) / 2 - x0 * view.k;
    view.ty = (r.height - (y1 - y0) * view.k) / 2 - y0 * view.k;
    applyView();
  };
  const select = (what) => {
    view.selected = what;
    drawAll();
  };

  // -- library -----------------------------------------------------------------------------------
  const freeSpot = () => {
    const r = svg.getBoundingClientRect();
    const n = doc().machine.states.length;
    return [(r.width / 2 - view.tx) / view.k - 100 + (n % 4) * 40, (r.height / 2 - view.ty) / view.k - 60 + (n % 3) * 30];
  };
  const drawLibrary = () => {
    const lib = model.get("library") || {};
    const addWith = (args) => {
      const [x, y] = freeSpot();
      edit("add_state", { x, y, ...args });
    };
    libraryBox.replaceChildren(
      h("div", { class: "fsmnb-lib-title" }, "states"),
      h("button", { class: "fsmnb-lib fsmnb-add-state", onclick: () => addWith({}), title: "a state that waits for an event (N; or double-click the canvas)" }, "○ state"),
      h("button", { class: "fsmnb-lib fsmnb-add-final", onclick: () => addWith({ final: true }) }, "◎ final state"),
      ...(lib.groups || []).map((group) =>
        h("details", { class: "fsmnb-lib-group", open: group.name === "AI" ? "" : undefined },
          h("summary", {}, group.name),
          ...group.kinds.map((k) => h("button", {
            class: "fsmnb-lib", "data-effect": k.kind, title: `a state that runs ${k.kind}`,
            onclick: () => addWith({ action: { kind: "effect", effect: k.starter } }),
          }, k.kind)))),
      h("details", { class: "fsmnb-lib-group", open: "" }, h("summary", {}, "AI templates"),
        ...(lib.templates || []).map((t) => h("button", {
          class: "fsmnb-lib", "data-template": t.name, title: t.description,
          onclick: () => {
            const [x, y] = freeSpot();
            send({ type: "template", name: t.name, x, y });
          },
        }, t.name))),
    );
  };

  // -- canvas ------------------------------------------------------------------------------------
  const pinned = () => {
    const states = {};
    const edges = {};
    for (const p of model.get("problems") || []) {
      for (const name of p.states) (states[name] ||= []).push(p);
      for (const i of p.edges) (edges[i] ||= []).push(p);
    }
    return { states, edges };
  };

  const actionLabel = (name) => {
    const action = doc().actions?.[name];
    if (!action) return "waits for an event";
    if (action.kind === "code") return `runs ${action.fn}`;
    return action.effect?.kind || "effect";
  };

  const drawNodes = (bad) => {
    const d = doc();
    const run = model.get("run") || {};
    const visits = run.visits || {};
    const active = run.active || {};
    const breakpoints = new Set(model.get("breakpoints") || []);
    nodesLayer.replaceChildren();
    for (const st of d.machine.states) {
      const name = st.name;
      const [x, y] = pos(name);
      const g = s("g", { class: "fsmnb-node", "data-state": name, transform: `translate(${x - W / 2},${y - H / 2})` });
      const classes = {
        "fsmnb-initial": d.machine.initial === name, "fsmnb-final": !!st.final,
        "fsmnb-selected": view.selected?.state === name, "fsmnb-bad": !!bad.states[name],
        "fsmnb-current": run.state === name && !!run.id, "fsmnb-paused": run.paused === name,
        "fsmnb-visited": (visits[name] || 0) > 0, "fsmnb-active": (active[name] || []).length > 0,
        "fsmnb-breakpoint": breakpoints.has(name),
      };
      for (const [cls, on] of Object.entries(classes)) if (on) g.classList.add(cls);
      g.append(s("rect", { class: "fsmnb-box", width: W, height: H, rx: 12 }));
      if (st.final) g.append(s("rect", { class: "fsmnb-inner", x: 4, y: 4, width: W - 8, height: H - 8, rx: 9 }));
      if (d.machine.initial === name) g.append(s("path", { class: "fsmnb-start", d: `M -26 ${H / 2} L -4 ${H / 2}`, "marker-end": "url(#fsmnb-arrow)" }));
      const label = s("text", { class: "fsmnb-label", x: W / 2, y: 21, "text-anchor": "middle" });
      label.textContent = name;
      const sub = s("text", { class: "fsmnb-sub", x: W / 2, y: 38, "text-anchor": "middle" });
      sub.textContent = (active[name] || []).length ? `▶ ${active[name].join(", ")}` : actionLabel(name);
      g.append(label, sub);
      if (visits[name] > 1) {
        const count = s("text", { class: "fsmnb-visits", x: W - 6, y: 12, "text-anchor": "end" });
        count.textContent = `×${visits[name]}`;
        g.append(count);
      }
      const dot = s("circle", { class: "fsmnb-bp", cx: 10, cy: 10, r: 5 });
      dot.append(s("title"));
      dot.firstChild.textContent = "breakpoint: the run pauses on entering this state";
      dot.addEventListener("pointerdown", (evt) => {
        evt.stopPropagation();
        send({ type: "breakpoint", state: name, on: !breakpoints.has(name) });
      });
      g.append(dot);
      if (bad.states[name]) {
        const mark = s("text", { class: "fsmnb-mark", x: W - 8, y: H - 8, "text-anchor": "end" });
        mark.textContent = "⚠";
        const tip = s("title");
        tip.textContent = bad.states[name].map((p) => p.message).join("\n");
        mark.append(tip);
        g.append(mark);
      }
      const port = s("circle", { class: "fsmnb-port", cx: W, cy: H / 2, r: 7 });
      port.append(s("title"));
      port.firstChild.textContent = "drag to another state to draw a transition";
      g.append(port);
      port.addEventListener("pointerdown", (evt) => connect(evt, name));
      g.addEventListener("pointerdown", (evt) => moveNode(evt, name, g));
      g.addEventListener("dblclick", (evt) => evt.stopPropagation());
      nodesLayer.append(g);
    }
  };

  const drawEdges = (bad) => {
    const d = doc();
    edgesLayer.replaceChildren();
    const pairs = {};
    d.machine.transitions.forEach((t, i) => {
      const key = [t.source, t.target].sort().join("\u0000");
      (pairs[key] ||= []).push(i);
    });
    d.machine.transitions.forEach((t, i) => {
      const [x1, y1] = pos(t.source);
      const [x2, y2] = pos(t.target);
      const key = [t.source, t.target].sort().join("\u0000");
      const group = pairs[key];
      const nth = group.indexOf(i);
      let path;
      let lx;
      let ly;
      if (t.source === t.target) {
        const bend = 30 + nth * 18;
        path = `M ${x1 - 20} ${y1 - H / 2} C ${x1 - 40} ${y1 - H / 2 - bend * 2}, ${x1 + 40} ${y1 - H / 2 - bend * 2}, ${x1 + 20} ${y1 - H / 2}`;
        lx = x1;
        ly = y1 - H / 2 - bend * 1.5 - 4;
      } else {
        const offset = (nth - (group.length - 1) / 2) * 34 * (t.source < t.target ? 1 : -1);
        const mx = (x1 + x2) / 2;
        const my = (y1 + y2) / 2;
        const len = Math.hypot(x2 - x1, y2 - y1) || 1;
        const cx = mx - ((y2 - y1) / len) * offset;
        const cy = my + ((x2 - x1) / len) * offset;
        const [sx, sy] = border(x1, y1, cx, cy);
        const [ex, ey] = border(x2, y2, cx, cy);
        path = `M ${sx} ${sy} Q ${cx} ${cy} ${ex} ${ey}`;
        lx = (sx + 2 * cx + ex) / 4;
        ly = (sy + 2 * cy + ey) / 4 - 4;
      }
      const g = s("g", { class: "fsmnb-edge", "data-index": String(i), "data-event": t.event, "data-source": t.source, "data-target": t.target });
      if (view.selected?.edge === i) g.classList.add("fsmnb-selected");
      if (bad.edges[i]) g.classList.add("fsmnb-bad");
      g.append(s("path", { class: "fsmnb-hit", d: path }), s("path", { class: "fsmnb-line", d: path, "marker-end": "url(#fsmnb-arrow)" }));
      const label = s("text", { class: "fsmnb-edge-label", x: lx, y: ly, "text-anchor": "middle" });
      label.textContent = t.guard ? `${t.event} [${t.guard}]` : t.event;
      if (bad.edges[i]) {
        const tip = s("title");
        tip.textContent = bad.edges[i].map((p) => p.message).join("\n");
        g.append(tip);
      }
      g.append(label);
      g.addEventListener("pointerdown", (evt) => {
        evt.stopPropagation();
        select({ edge: i });
      });
      edgesLayer.append(g);
    });
  };

  // Drag a node to move it (sent once, on release); a click without a move selects it.
  const moveNode = (evt, name, g) => {
    if (evt.button !== 0) return;
    evt.stopPropagation();
    const [sx, sy] = toCanvas(evt);
    const [x0, y0] = pos(name);
    let moved = false;
    let at = [x0, y0];
    const onMove = (e) => {
      const [cx, cy] = toCanvas(e);
      if (!moved && Math.hypot(cx - sx, cy - sy) < 3) return;
      moved = true;
      at = [x0 + cx - sx, y0 + cy - sy];
      g.setAttribute("transform", `translate(${at[0] - W / 2},${at[1] - H / 2})`);
    };
    const onUp = () => {
      window.removeEventListener("pointermove", onMove);
      window.removeEventListener("pointerup", onUp);
      if (moved) edit("move_state", { name, x: Math.round(at[0]), y: Math.round(at[1]) });
      else select({ state: name });
    };
    window.addEventListener("pointermove", onMove);
    window.addEventListener("pointerup", onUp);
  };

  // Drag from a node's port to another node to draw a transition.
  const connect = (evt, source) => {
    evt.stopPropagation();
    evt.preventDefault();
    const [x1, y1] = pos(source);
    const onMove = (e) => {
      const [cx, cy] = toCanvas(e);
      ghost.setAttribute("d", `M ${x1 + W / 2} ${y1} L ${cx} ${cy}`);
    };
    const onUp = (e) => {
      window.removeEventListener("pointermove", onMove);
      window.removeEventListener("pointerup", onUp);
      ghost.setAttribute("d", "");
      const target = document.elementFromPoint(e.clientX, e.clientY)?.closest?.(".fsmnb-node");
      if (target && nodesLayer.contains(target)) edit("add_transition", { source, target: target.dataset.state });
    };
    window.addEventListener("pointermove", onMove);
    window.addEventListener("pointerup", onUp);
  };

  // Pan by dragging the background; zoom with the wheel around the pointer.
  svg.addEventListener("pointerdown", (evt) => {
    if (evt.button !== 0) return;
    svg.focus();
    const start = [evt.clientX, evt.clientY, view.tx, view.ty];
    let moved = false;
    const onMove = (e) => {
      moved = moved || Math.hypot(e.clientX - start[0], e.clientY - start[1]) > 3;
      view.tx = start[2] + e.clientX - start[0];
      view.ty = start[3] + e.clientY - start[1];
      applyView();
    };
    const onUp = () => {
      window.removeEventListener("pointermove", onMove);
      window.removeEventListener("pointerup", onUp);
      if (!moved && view.selected) select(null);
    };
    window.addEventListener("pointermove", onMove);
    window.addEventListener("pointerup", onUp);
  });
  svg.addEventListener("wheel", (evt) => {
    evt.preventDefault();
    const r = svg.getBoundingClientRect();
    const px = evt.clientX - r.left;
    const py = evt.clientY - r.top;
    const k = Math.min(3, Math.max(0.25, view.k * Math.exp(-evt.deltaY / 500)));
    view.tx = px - ((px - view.tx) * k) / view.k;
    view.ty = py - ((py - view.ty) * k) / view.k;
    view.k = k;
    applyView();
  }, { passive: false });
  svg.addEventListener("dblclick", (evt) => {
    const [x, y] = toCanvas(evt);
    edit("add_state", { x: Math.round(x), y: Math.round(y) });
  });

  // -- keyboard ----------------------------------------------------------------------------------
  root.addEventListener("keydown", (evt) => {
    const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(evt.target.tagName);
    const mod = evt.ctrlKey || evt.metaKey;
    const sel = view.selected;
    let handled = true;
    if (mod && evt.key.toLowerCase() === "z" && !typing) send({ type: evt.shiftKey ? "redo" : "undo" });
    else if (mod && evt.key.toLowerCase() === "y" && !typing) send({ type: "redo" });
    else if (typing || mod || evt.altKey) handled = false;
    else if ((evt.key === "Delete" || evt.key === "Backspace") && sel?.state) edit("delete_state", { name: sel.state });
    else if ((evt.key === "Delete" || evt.key === "Backspace") && sel?.edge !== undefined && sel?.edge !== null) {
      edit("delete_transition", { index: sel.edge });
      view.selected = null;
    } else if (evt.key === "n") {
      const [x, y] = freeSpot();
      edit("add_state", { x, y });
    } else if (evt.key === "l") {
      view.fitNext = true;
      send({ type: "layout" });
    } else if (evt.key === "0") fit(true);
    else if (evt.key === "i" && sel?.state) edit("set_initial", { name: sel.state });
    else if (evt.key === "f" && sel?.state) {
      const st = doc().machine.states.find((x) => x.name === sel.state);
      edit("set_final", { name: sel.state, final: !st?.final });
    } else if (evt.key === "b" && sel?.state) {
      send({ type: "breakpoint", state: sel.state, on: !(model.get("breakpoints") || []).includes(sel.state) });
    } else if (evt.key === "Escape") select(null);
    else handled = false;
    if (handled) {
      evt.preventDefault();
      evt.stopPropagation();
    }
  });

  // -- property panel ----------------------------------------------------------------------------
  const field = (label, input) => h("label", { class: "fsmnb-field" }, h("span", {}, label), input);
  const textInput = (value, onChange, attrs = {}) => {
    const input = h("input", { type: "text", ...attrs });
    input.value = value ?? "";
    input.addEventListener("change", () => onChange(input.value));
    return input;
  };
  const callableSelect = (value, onChange, attrs = {}, empty = "—") => {
    const select = h("select", attrs, h("option", { value: "" }, empty),
      ...(model.get("callables") || []).map((n) => h("option", { value: n }, n)));
    select.value = value ?? "";
    select.addEventListener("change", () => onChange(select.value));
    return select;
  };

  const statePanel = (name) => {
    const d = doc();
    const st = d.machine.states.find((x) => x.name === name);
    if (!st) return [h("p", { class: "fsmnb-hint" }, "nothing selected")];
    const action = d.actions?.[name] || null;
    const events = [...new Set(d.machine.transitions.filter((t) => t.source === name).map((t) => t.event))];
    const setAction = (next) => edit("set_action", { name, action: next });
    const choice = h("select", { class: "fsmnb-action-kind", "data-field": "action" },
      h("option", { value: "none" }, "waits for an event"),
      h("option", { value: "code" }, "runs a registered callable"),
      ...(model.get("library")?.groups || []).map((g) => h("optgroup", { label: `effect: ${g.name}` },
        ...g.kinds.map((k) => h("option", { value: `effect:${k.kind}` }, k.kind)))));
    choice.value = !action ? "none" : action.kind === "code" ? "code" : `effect:${action.effect?.kind}`;
    choice.addEventListener("change", () => {
      const v = choice.value;
      if (v === "none") setAction(null);
      else if (v === "code") setAction({ kind: "code", fn: (model.get("callables") || [])[0] || "choose" });
      else setAction({ kind: "effect", effect: starterOf(model, v.slice(7)), ...(events[0] ? { then: events[0] } : {}) });
    });
    const parts = [
      h("h4", {}, "state"),
      field("name", textInput(name, (v) => edit("rename_state", { old: name, new: v }), { "data-field": "name" })),
      field("description", textInput(st.description, (v) => edit("set_description", { name, description: v }), { "data-field": "description" })),
      h("div", { class: "fsmnb-row" },
        h("button", { class: "fsmnb-make-initial", disabled: d.machine.initial === name ? "" : undefined, onclick: () => edit("set_initial", { name }) }, d.machine.initial === name ? "initial ✓" : "make initial"),
        h("label", {}, h("input", { type: "checkbox", class: "fsmnb-final-box", checked: !!st.final, onchange: (e) => edit("set_final", { name, final: e.target.checked }) }), " final"),
        h("label", {}, h("input", { type: "checkbox", class: "fsmnb-bp-box", checked: (model.get("breakpoints") || []).includes(name), onchange: (e) => send({ type: "breakpoint", state: name, on: e.target.checked }) }), " breakpoint")),
      field("action", choice),
    ];
    if (action?.kind === "code") {
      parts.push(field("callable", callableSelect(action.fn, (v) => setAction({ kind: "code", fn: v || "choose" }), { "data-field": "fn" })));
    } else if (action?.kind === "effect") {
      const base = { ...action };
      parts.push(effectForm(model, action.effect || { kind: "log" }, (effect) => setAction({ ...base, effect })));
      const then = h("select", { "data-field": "then" }, h("option", { value: "" }, "— (emit inside, or wait)"), ...events.map((e) => h("option", { value: e }, e)));
      then.value = action.then ?? "";
      then.addEventListener("change", () => {
        const next = { ...base };
        if (then.value) next.then = then.value;
        else delete next.then;
        setAction(next);
      });
      parts.push(
        field("save result as", textInput(action.save_as, (v) => setAction({ ...base, save_as: v }), { "data-field": "save_as", placeholder: "data key" })),
        field("then leave by", then),
        h("label", { class: "fsmnb-row" }, h("input", { type: "checkbox", "data-field": "route", checked: !!action.route, onchange: (e) => setAction({ ...base, route: e.target.checked }) }), " the result names the event"),
      );
    }
    parts.push(h("button", { class: "fsmnb-delete", onclick: () => { edit("delete_state", { name }); view.selected = null; } }, "delete state"));
    return parts;
  };

  const edgePanel = (i) => {
    const d = doc();
    const t = d.machine.transitions[i];
    if (!t) return [h("p", { class: "fsmnb-hint" }, "nothing selected")];
    const target = h("select", { "data-field": "target" }, ...d.machine.states.map((st) => h("option", { value: st.name }, st.name)));
    target.value = t.target;
    target.addEventListener("change", () => edit("update_transition", { index: i, target: target.value }));
    return [
      h("h4", {}, `${t.source} → ${t.target}`),
      field("event", textInput(t.event, (v) => edit("update_transition", { index: i, event: v }), { "data-field": "event" })),
      field("guard", callableSelect(t.guard, (v) => edit("update_transition", { index: i, guard: v }), { "data-field": "guard" }, "— (always)")),
      field("target", target),
      h("button", { class: "fsmnb-delete", onclick: () => { edit("delete_transition", { index: i }); view.selected = null; } }, "delete transition"),
    ];
  };

  const drawPanel = (bad) => {
    const sel = view.selected;
    const focused = panel.contains(document.activeElement) ? document.activeElement.dataset?.field : null;
    let parts;
    let mine = [];
    if (sel?.state && doc().machine.states.some((x) => x.name === sel.state)) {
      parts = statePanel(sel.state);
      mine = bad.states[sel.state] || [];
    } else if (sel?.edge !== undefined && sel?.edge !== null && doc().machine.transitions[sel.edge]) {
      parts = edgePanel(sel.edge);
      mine = bad.edges[sel.edge] || [];
    } else {
      const d = doc();
      parts = [h("h4", {}, d.machine.name),
        h("p", { class: "fsmnb-hint" }, `${d.machine.states.length} states, ${d.machine.transitions.length} transitions. Double-click the canvas (or N) to add a state, drag from a state's right handle to another to connect them, click a state to edit it.`)];
    }
    if (mine.length) parts.push(h("ul", { class: "fsmnb-own-problems" }, ...mine.map((p) => h("li", {}, p.message))));
    panel.replaceChildren(...parts);
    if (focused) panel.querySelector(`[data-field="${CSS.escape(focused)}"]`)?.focus();
  };

  // -- lists, run, export ------------------------------------------------------------------------
  const drawProblems = () => {
    const found = model.get("problems") || [];
    problemsBox.replaceChildren(...found.map((p) =>
      h("li", {
        class: "fsmnb-problem", "data-states": p.states.join(" "), "data-edges": p.edges.join(" "),
        onclick: () => select(p.states.length ? { state: p.states[0] } : p.edges.length ? { edge: p.edges[0] } : null),
      }, h("span", { class: "fsmnb-msg" }, p.message))));
    root.dataset.problems = String(found.length);
    const notes = model.get("notes") || [];
    notesBox.replaceChildren(...notes.map((n) => h("li", { class: "fsmnb-note" }, n)));
  };

  const drawRun = () => {
    const run = model.get("run") || {};
    const status = run.status || "";
    badge.textContent = run.id ? (run.paused ? `paused in ${run.paused}` : `${status} · ${run.state}`) : "";
    badge.className = `fsmnb-badge fsmnb-${status}`;
    root.dataset.runStatus = status;
    root.dataset.runState = run.state || "";
    root.dataset.paused = run.paused || "";
    cont.disabled = !run.paused;
    step.disabled = !run.paused;
    cancel.disabled = !run.id || ["done", "failed", "cancelled"].includes(status);
    eventsBox.replaceChildren(
      ...(run.allowed_events || []).map((e) => h("button", { class: "fsmnb-event", "data-event": e, onclick: () => send({ type: "send", event: e }) }, e)),
      ...(run.error ? [h("div", { class: "fsmnb-run-error" }, run.error)] : []));
    const rows = model.get("timeline") || [];
    timeline.replaceChildren(...rows.map((r) => h("li", { class: `fsmnb-row fsmnb-${r.kind}` },
      h("span", { class: "fsmnb-t" }, `${Number(r.t).toFixed(3)}s`), h("span", { class: "fsmnb-s" }, r.state || ""), h("span", { class: "fsmnb-x" }, r.text))));
    timeline.scrollTop = timeline.scrollHeight;
    dataBox.textContent = run.id ? JSON.stringify(run.data || {}, null, 2) : "";
    runBox.hidden = !run.id;
  };

  const insertCell = async (text) => {
    const app = window.jupyterapp;
    const panelWidget = app?.shell?.currentWidget;
    const notebook = panelWidget?.content;
    if (!notebook?.widgets) return false;
    const index = notebook.widgets.findIndex((cell) => cell.node.contains(el));
    if (index >= 0) notebook.activeCellIndex = index;
    await app.commands.execute("notebook:insert-cell-below");
    notebook.activeCell.model.sharedModel.setSource(text);
    return true;
  };

  const drawExported = async () => {
    const out = model.get("exported") || {};
    if (!out.text) {
      exportBox.replaceChildren();
      return;
    }
    const want = view.wantInsert && out.format === "cell";
    view.wantInsert = false;
    const inserted = want ? await insertCell(out.text).catch(() => false) : false;
    const pre = h("pre", { class: "fsmnb-code" }, out.text);
    const copy = h("button", { class: "fsmnb-copy", onclick: () => navigator.clipboard?.writeText(out.text) }, "copy");
    const note = inserted ? "inserted in a new cell below" : want ? "copy it into a cell (or run `designer.export()` in a cell: it inserts the cell below)" : `${out.format}`;
    exportBox.replaceChildren(h("details", { open: inserted ? undefined : "" }, h("summary", {}, `exported ${out.format}: ${note}`), copy, pre));
    root.dataset.exported = inserted ? "inserted" : out.format;
  };

  function drawAll() {
    const bad = pinned();
    if (view.fitNext) {
      view.fitNext = false;
      requestAnimationFrame(() => fit(true));
    }
    title.value = doc().machine.name;
    undo.disabled = !model.get("can_undo");
    redo.disabled = !model.get("can_redo");
    drawEdges(bad);
    drawNodes(bad);
    drawPanel(bad);
    drawProblems();
    drawRun();
    errorBox.textContent = model.get("error") || "";
    root.dataset.states = doc().machine.states.map((x) => x.name).join(" ");
    root.dataset.selected = view.selected?.state ?? (view.selected?.edge ?? "");
  }

  let queued = false;
  const schedule = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      drawAll();
    });
  };
  const watched = ["doc", "problems", "notes", "callables", "can_undo", "can_redo", "error", "run", "timeline", "breakpoints"];
  for (const name of watched) model.on(`change:${name}`, schedule);
  const onLibrary = () => drawLibrary();
  const onExported = () => drawExported();
  model.on("change:library", onLibrary);
  model.on("change:exported", onExported);
  drawLibrary();
  applyView();
  drawAll();
  // The first picture shows the whole drawing, once the canvas has a size.
  let tries = 0;
  const firstFit = () => {
    if (svg.getBoundingClientRect().width) fit(false);
    else if (tries++ < 100) requestAnimationFrame(firstFit);
  };
  requestAnimationFrame(firstFit);
  return () => {
    for (const name of watched) model.off(`change:${name}`, schedule);
    model.off("change:library", onLibrary);
    model.off("change:exported", onExported);
  };
}

export default { render };
