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

// Whether a kernel still stands behind this view. anywidget hands `render` a narrow proxy of
// the ipywidgets model; Backbone's `set(null)` returns the model itself, whose `comm` is gone
// after a kernel restart and absent for a view restored from the notebook's saved widget state.
function backbone(model) {
  try {
    const real = model.set(null);
    return real && typeof real.get === "function" ? real : null;
  } catch {
    return null;
  }
}

function kernelGone(model) {
  const real = backbone(model);
  if (!real) return false; // a host we cannot ask: assume the kernel is there
  if (!real.comm || real.comm_live === false) return true;
  const comm = real.comm.jsServicesComm || real.comm;
  if (comm.isDisposed) return true;
  const kernel = real.widget_manager && real.widget_manager.kernel;
  return Boolean(kernel && (kernel.isDisposed || kernel.status === "dead"));
}

function elapsed(since) {
  if (!since) return "";
  const s = Math.max(0, Date.now() / 1000 - since);
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.floor(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

function drawDiagram(model, box) {
  const svg = model.get("svg");
  if (!svg) {
    box.textContent = "(no diagram: Graphviz's `dot` is not installed)";
    return new Map();
  }
  box.innerHTML = svg.slice(svg.indexOf("<svg"));
  const root = box.querySelector("svg");
  if (root) {
    // Graphviz paints a white page: drop it so that the theme's background shows through,
    // and grow the viewBox so that labels drawn under the lowest nodes stay inside.
    root.querySelector("g.graph > polygon")?.setAttribute("fill", "transparent");
    const vb = (root.getAttribute("viewBox") || "").split(/[ ,]+/).map(Number);
    if (vb.length === 4 && vb.every(Number.isFinite)) {
      const pad = 16;
      root.setAttribute("viewBox", `${vb[0] - pad} ${vb[1]} ${vb[2] + 2 * pad} ${vb[3] + pad}`);
      const h = parseFloat(root.getAttribute("height") || "");
      const w = parseFloat(root.getAttribute("width") || "");
      if (Number.isFinite(h)) root.setAttribute("height", `${h + pad}pt`);
      if (Number.isFinite(w)) root.setAttribute("width", `${w + 2 * pad}pt`);
    }
  }
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
  const since = at.past ? {} : model.get("active_since") || {};
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
    let listed = running.slice(0, 2).join(", ") + (running.length > 2 ? ` +${running.length - 2}` : "");
    if (listed && since[name]) listed += ` · ${elapsed(since[name])}`;
    svgText(g, "fsmnb-effects", b.x + b.width / 2, b.y + b.height + 11, listed);
  }
}

// `ui.sending`: the event sent and not yet answered (buttons stay disabled until the kernel's
// "sent" message); `ui.gone`: no kernel behind the view (every control disabled).
function drawButtons(model, bar, ui) {
  const events = model.get("allowed_events") || [];
  const status = model.get("status");
  const state = model.get("state");
  const busy = status === "running" ? (model.get("active") || {})[state] || [] : [];
  bar.replaceChildren();
  const live = status === "waiting" || status === "running";
  const off = ui.gone || ui.sending !== null;
  for (const event of events) {
    const interrupts = busy.length > 0;
    bar.append(
      h("button", {
        class: `fsmnb-event${interrupts ? " fsmnb-interrupts" : ""}`,
        "data-event": event,
        title: interrupts
          ? `run.send("${event}") now interrupts ${state}: it cancels ${busy.join(", ")} (their compensations run) and skips the rest of the state's work`
          : `run.send("${event}")`,
        onclick: () => ui.send({ type: "send", event }),
      }, interrupts ? `${event} (interrupts)` : event),
    );
  }
  if (live) {
    bar.append(h("button", { class: "fsmnb-cancel", onclick: () => ui.send({ type: "cancel" }) }, "cancel"));
  }
  for (const button of bar.querySelectorAll("button")) button.disabled = off;
  if (ui.sending !== null) {
    bar.prepend(h("span", { class: "fsmnb-hint fsmnb-sending" }, `sending ${ui.sending}…`));
  } else if (busy.length && events.length) {
    bar.prepend(h("span", { class: "fsmnb-hint fsmnb-busy" }, `${state} is busy (${busy.join(", ")}): an event now interrupts it`));
  } else if (status === "waiting" && events.length) {
    bar.prepend(h("span", { class: "fsmnb-hint" }, "send an event:"));
  }
}

// The timeline's kind filter: which rows each choice keeps.
const KINDS = {
  all: () => true,
  transitions: (k) => k === "transition" || k.startsWith("run_"),
  effects: (k) => k.startsWith("effect_"),
  logs: (k) => k === "log",
  failures: (k) => k === "effect_failed" || k === "effect_retry" || k === "effect_cancelled" || k === "run_finished",
};

function drawTimeline(model, list, kind = "all") {
  const keep = KINDS[kind] || KINDS.all;
  const rows = (model.get("timeline") || []).filter((r) => keep(r.kind));
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
  const draw = (gone) => {
    const steps = model.get("steps");
    const at = shown(model);
    slider.disabled = fork.disabled = gone;
    slider.max = String(steps);
    if (pending === null) slider.value = String(model.get("step") ?? steps);
    label.textContent = at.past ? `step ${at.step} / ${steps} · ${at.state}` : `step ${steps} / ${steps} · live`;
    live.disabled = gone || !at.past;
    const made = model.get("forks") || [];
    // The fork's id is a button: a click copies `%fsm show ID` for the next cell.
    forks.replaceChildren(...made.map((f) => {
      const show = `%fsm show ${f.run_id}`;
      const copy = h("button", { class: "fsmnb-fork-id", title: `copy "${show}"` }, f.run_id);
      copy.addEventListener("click", () => {
        navigator.clipboard?.writeText(show).then(
          () => { copy.textContent = `${f.run_id} ✓ copied`; },
          () => { copy.textContent = show; });
      });
      return h("li", { class: "fsmnb-forked", "data-run": f.run_id },
        `forked from step ${f.step} → run `, copy, ` (in ${f.state}; ${show})`);
    }));
  };
  const bar = h("div", { class: "fsmnb-travel" }, slider, label, live, fork);
  return { nodes: [bar, forks], draw };
}

function render({ model, el }) {
  const badge = h("span", { class: "fsmnb-badge" });
  const title = h("span", { class: "fsmnb-title" });
  const steps = h("span", { class: "fsmnb-steps" });
  const clock = h("span", { class: "fsmnb-clock" });
  const gone = h("div", { class: "fsmnb-gone", hidden: "" },
    "No kernel behind this view (restarted, shut down, or a reopened notebook): it shows the run as it was last seen. Run the cell again to drive it.");
  const diagram = h("div", { class: "fsmnb-diagram" });
  const buttons = h("div", { class: "fsmnb-buttons" });
  const error = h("div", { class: "fsmnb-error" });
  const timeline = h("ol", { class: "fsmnb-timeline" });
  const filter = h("select", { class: "fsmnb-filter", "aria-label": "show rows of kind" },
    ...Object.keys(KINDS).map((k) => h("option", { value: k }, k)));
  const data = h("pre", { class: "fsmnb-data" });
  const slider = travel(model);
  const dataPane = h("details", {}, h("summary", {}, "data"), data);
  const root = h("div", { class: "fsmnb-run" },
    h("div", { class: "fsmnb-head" }, title, badge, steps, clock),
    gone, diagram, ...slider.nodes, buttons, error,
    h("div", { class: "fsmnb-panes" },
      h("details", { open: "" }, h("summary", {}, "timeline ", filter), timeline),
      dataPane));
  el.append(root);

  const ui = {
    sending: null,
    gone: false,
    send(message) {
      if (ui.gone || ui.sending !== null) return;
      try {
        model.send(message);
      } catch {
        ui.gone = true; // "Cannot send": the comm died with its kernel
        all();
        return;
      }
      if (message.type === "send") {
        ui.sending = message.event;
        drawButtons(model, buttons, ui);
      }
    },
  };
  const onCustom = (message) => {
    if (message && message.type === "sent") {
      ui.sending = null;
      schedule();
    }
  };
  model.on("msg:custom", onCustom);

  filter.addEventListener("change", () => drawTimeline(model, timeline, filter.value));
  filter.addEventListener("click", (e) => e.stopPropagation()); // not a click on the summary
  let nodes = drawDiagram(model, diagram);
  const tick = () => {
    const status = model.get("status");
    const running = status === "running" || status === "waiting";
    const at = model.get("entered_at");
    clock.textContent = running && at && !ui.gone ? `in ${model.get("state")} for ${elapsed(at)}` : "";
    if (running && Object.keys(model.get("active") || {}).length) restyle(model, nodes);
  };
  const head = () => {
    const status = model.get("status");
    const n = model.get("steps");
    title.textContent = `${model.get("workflow")} · ${model.get("run_id")}`;
    badge.textContent = status;
    badge.className = `fsmnb-badge fsmnb-${status}`;
    steps.textContent = `${n} ${n === 1 ? "step" : "steps"} · ${model.get("state")}`;
    root.dataset.workflow = model.get("workflow");
    root.dataset.state = model.get("state");
    root.dataset.status = status;
    root.dataset.kernel = ui.gone ? "gone" : "live";
    gone.hidden = !ui.gone;
    root.classList.toggle("fsmnb-dead", ui.gone);
    const at = shown(model);
    root.dataset.step = at.past ? String(at.step) : "live";
    root.classList.toggle("fsmnb-past", at.past);
    if (at.past) dataPane.open = true; // moving the slider is asking to see the data
    error.textContent = model.get("error") || "";
    tick();
  };
  const all = () => {
    head();
    restyle(model, nodes);
    drawButtons(model, buttons, ui);
    drawTimeline(model, timeline, filter.value);
    drawData(model, data);
    slider.draw(ui.gone);
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
  // Once a second: the clocks move, and a kernel that went away is noticed.
  const timer = setInterval(() => {
    const now = kernelGone(model);
    if (now !== ui.gone) {
      ui.gone = now;
      if (now) ui.sending = null;
      all();
    } else {
      tick();
    }
  }, 1000);
  const watched = ["state", "status", "visits", "failed", "active", "active_since", "entered_at", "allowed_events", "timeline", "data", "steps", "step", "snapshot", "forks", "error"];
  for (const name of watched) model.on(`change:${name}`, schedule);
  model.on("change:svg", onSvg);
  ui.gone = kernelGone(model);
  all();
  return () => {
    clearInterval(timer);
    for (const name of watched) model.off(`change:${name}`, schedule);
    model.off("change:svg", onSvg);
    model.off("msg:custom", onCustom);
  };
}

export default { render };
