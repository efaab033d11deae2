// RunView: the live state diagram of one fsmnb run (pairs with fsmnb/widgets/run_view.py).
// The SVG comes from Graphviz once; lit state, visit counts, failures and running effects are
// applied here to the nodes by their ids (`state-NAME`), so updates never re-render the layout.

const SVG_NS = "http://www.w3.org/2000/svg";

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

// The geometry of a node's shape: the outer ellipse, or the bounding box of a polygon.
function shapeBox(g) {
  const ellipses = g.querySelectorAll("ellipse");
  if (ellipses.length) {
    const e = ellipses[ellipses.length - 1];
    const [cx, cy, rx, ry] = ["cx", "cy", "rx", "ry"].map((a) => Number(e.getAttribute(a)));
    return { x: cx - rx, y: cy - ry, width: 2 * rx, height: 2 * ry };
  }
  try {
    return g.getBBox();
  } catch {
    return null;
  }
}

function svgText(g, cls, x, y, text, anchor = "middle") {
  let node = g.querySelector(`text.${cls}`);
  if (!text) {
    node?.remove();
    return;
  }
  if (!node) {
    node = document.createElementNS(SVG_NS, "text");
    node.setAttribute("class", cls);
    g.append(node);
  }
  node.setAttribute("x", x);
  node.setAttribute("y", y);
  node.setAttribute("text-anchor", anchor);
  node.textContent = text;
}

function drawDiagram(model, box) {
  const svg = model.get("svg");
  if (!svg) {
    box.textContent = "(no diagram: Graphviz's `dot` is not installed)";
    return new Map();
  }
  box.innerHTML = svg.slice(svg.indexOf("<svg"));
  const nodes = new Map();
  for (const g of box.querySelectorAll("g.node")) {
    const id = g.getAttribute("id") || "";
    if (id.startsWith("state-")) nodes.set(id.slice(6), g);
  }
  return nodes;
}

// The step shown: the slider's (`step`, with its `snapshot`), or the live run's when null.
function shown(model) {
  const snap = model.get("snapshot") || {};
  const past = model.get("step") != null && snap.state != null;
  return past ? { past, step: snap.step, state: snap.state, snap } : { past, step: model.get("steps"), state: model.get("state") };
}

function restyle(model, nodes) {
  const at = shown(model);
  const current = at.state;
  const status = at.past ? "" : model.get("status");
  const visits = model.get("visits") || {};
  const failed = new Set(model.get("failed") || []);
  const active = model.get("active") || {};
  for (const [name, g] of nodes) {
    const n = visits[name] || 0;
    const running = active[name] || [];
    g.classList.toggle("current", name === current);
    g.classList.toggle("finished", name === current && status === "done");
    g.classList.toggle("visited", n > 0);
    g.classList.toggle("failed", failed.has(name));
    g.classList.toggle("active", running.length > 0);
    const b = shapeBox(g);
    if (!b) continue;
    svgText(g, "fsmnb-visits", b.x + b.width, b.y + 2, n > 1 ? `×${n}` : "", "start");
    const listed = running.slice(0, 2).join(", ") + (running.length > 2 ? ` +${running.length - 2}` : "");
    svgText(g, "fsmnb-effects", b.x + b.width / 2, b.y + b.height + 11, listed);
  }
}

function drawButtons(model, bar) {
  const events = model.get("allowed_events") || [];
  const status = model.get("status");
  bar.replaceChildren();
  const live = status === "waiting" || status === "running";
  for (const event of events) {
    bar.append(
      h("button", {
        class: "fsmnb-event",
        "data-event": event,
        title: `run.send("${event}")`,
        onclick: () => model.send({ type: "send", event }),
      }, event),
    );
  }
  if (live) {
    bar.append(h("button", { class: "fsmnb-cancel", onclick: () => model.send({ type: "cancel" }) }, "cancel"));
  }
  if (status === "waiting" && events.length) bar.prepend(h("span", { class: "fsmnb-hint" }, "send an event:"));
}

function drawTimeline(model, list) {
  const rows = model.get("timeline") || [];
  const stick = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
  list.replaceChildren(
    ...rows.map((r) =>
      h("li", { class: `fsmnb-row fsmnb-${r.kind}` },
        h("span", { class: "fsmnb-t" }, `${Number(r.t).toFixed(3)}s`),
        h("span", { class: "fsmnb-s" }, r.state || ""),
        h("span", { class: "fsmnb-x" }, r.text)),
    ),
  );
  if (stick) list.scrollTop = list.scrollHeight;
}

function drawData(model, pre) {
  const at = shown(model);
  if (at.past && !at.snap.has_data) {
    pre.textContent = `(step ${at.step}: data not kept; a run started with a store keeps every step's data)`;
    return;
  }
  pre.textContent = JSON.stringify((at.past ? at.snap.data : model.get("data")) || {}, null, 2);
}

// The step slider, "live" and "fork from here". The slider sets the `step` trait (at most once
// per animation frame while dragging); Python answers with `snapshot`.
function travel(model) {
  const slider = h("input", { type: "range", class: "fsmnb-slider", min: "0", step: "1", "aria-label": "step" });
  const label = h("span", { class: "fsmnb-at" });
  const live = h("button", { class: "fsmnb-live", title: "follow the run again" }, "live");
  const fork = h("button", { class: "fsmnb-fork", title: "run.fork(step): a new run from this step" }, "fork from here");
  const forks = h("ul", { class: "fsmnb-forks" });
  let pending = null;
  const push = () => {
    const value = pending;
    pending = null;
    model.set("step", value);
    model.save_changes();
  };
  slider.addEventListener("input", () => {
    const value = Number(slider.value);
    label.textContent = `step ${value} / ${model.get("steps")}`;
    if (pending === null) requestAnimationFrame(push);
    pending = value;
  });
  live.addEventListener("click", () => {
    model.set("step", null);
    model.save_changes();
  });
  fork.addEventListener("click", () => {
    const at = model.get("step");
    model.send({ type: "fork", step: at == null ? model.get("steps") : at });
  });
  const draw = () => {
    const steps = model.get("steps");
    const at = shown(model);
    slider.max = String(steps);
    if (pending === null) slider.value = String(model.get("step") ?? steps);
    label.textContent = at.past ? `step ${at.step} / ${steps} · ${at.state}` : `step ${steps} / ${steps} · live`;
    live.disabled = !at.past;
    const made = model.get("forks") || [];
    forks.replaceChildren(...made.map((f) =>
      h("li", { class: "fsmnb-forked", "data-run": f.run_id },
        `forked from step ${f.step} → run ${f.run_id} (in ${f.state}; %fsm show ${f.run_id})`)));
  };
  const bar = h("div", { class: "fsmnb-travel" }, slider, label, live, fork);
  return { nodes: [bar, forks], draw };
}

function render({ model, el }) {
  const badge = h("span", { class: "fsmnb-badge" });
  const title = h("span", { class: "fsmnb-title" });
  const steps = h("span", { class: "fsmnb-steps" });
  const diagram = h("div", { class: "fsmnb-diagram" });
  const buttons = h("div", { class: "fsmnb-buttons" });
  const error = h("div", { class: "fsmnb-error" });
  const timeline = h("ol", { class: "fsmnb-timeline" });
  const data = h("pre", { class: "fsmnb-data" });
  const slider = travel(model);
  const dataPane = h("details", {}, h("summary", {}, "data"), data);
  const root = h("div", { class: "fsmnb-run" },
    h("div", { class: "fsmnb-head" }, title, badge, steps),
    diagram, ...slider.nodes, buttons, error,
    h("div", { class: "fsmnb-panes" },
      h("details", { open: "" }, h("summary", {}, "timeline"), timeline),
      dataPane));
  el.append(root);

  let nodes = drawDiagram(model, diagram);
  const head = () => {
    const status = model.get("status");
    title.textContent = `${model.get("workflow")} · ${model.get("run_id")}`;
    badge.textContent = status;
    badge.className = `fsmnb-badge fsmnb-${status}`;
    steps.textContent = `${model.get("steps")} steps · ${model.get("state")}`;
    root.dataset.workflow = model.get("workflow");
    root.dataset.state = model.get("state");
    root.dataset.status = status;
    const at = shown(model);
    root.dataset.step = at.past ? String(at.step) : "live";
    root.classList.toggle("fsmnb-past", at.past);
    if (at.past) dataPane.open = true; // moving the slider is asking to see the data
    error.textContent = model.get("error") || "";
  };
  const all = () => {
    head();
    restyle(model, nodes);
    drawButtons(model, buttons);
    drawTimeline(model, timeline);
    drawData(model, data);
    slider.draw();
  };
  const onSvg = () => {
    nodes = drawDiagram(model, diagram);
    restyle(model, nodes);
  };
  // One flush from Python changes several traits at once; redraw once per animation frame.
  let queued = false;
  const schedule = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      all();
    });
  };
  const watched = ["state", "status", "visits", "failed", "active", "allowed_events", "timeline", "data", "steps", "step", "snapshot", "forks", "error"];
  for (const name of watched) model.on(`change:${name}`, schedule);
  model.on("change:svg", onSvg);
  all();
  return () => {
    for (const name of watched) model.off(`change:${name}`, schedule);
    model.off("change:svg", onSvg);
  };
}

export default { render };
