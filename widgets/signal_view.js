// SignalView: a supervision tree and the signal flow (pairs with fsmnb/widgets/signal_view.py).

function h(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

function drawNode(node) {
  const item = h("li", `fsmnb-node fsmnb-${node.status || "unknown"}`);
  const head = h("div", "fsmnb-node-head");
  head.append(h("span", "fsmnb-dot"));
  head.append(h("b", "", node.name));
  head.append(h("span", "fsmnb-kind", node.kind || ""));
  if (node.strategy) head.append(h("span", "fsmnb-strategy", `${node.strategy} · ${node.limit}`));
  head.append(h("span", "fsmnb-status", node.status || ""));
  const facts = [];
  if (node.restarts) facts.push(`restarts ${node.restarts}`);
  if (node.mailbox !== undefined) facts.push(`mailbox ${node.mailbox}`);
  if (node.processed !== undefined) facts.push(`processed ${node.processed}`);
  if (node.emitted !== undefined) facts.push(`emitted ${node.emitted}`);
  if (node.errors) facts.push(`errors ${node.errors}`);
  if (facts.length) head.append(h("span", "fsmnb-facts", facts.join(" · ")));
  item.append(head);
  if (node.last_error) item.append(h("div", "fsmnb-error", node.last_error));
  if (node.children && node.children.length) {
    const list = h("ul", "fsmnb-children");
    for (const child of node.children) list.append(drawNode(child));
    item.append(list);
  }
  return item;
}

function drawRoutes(routes, totals) {
  const box = h("div", "fsmnb-flow");
  if (totals && totals.published !== undefined) {
    box.append(h("div", "fsmnb-totals",
      `${totals.published} published · ${totals.delivered} delivered · ` +
      `${totals.dead_lettered} dead-lettered · ${totals.in_flight} in flight · ${totals.rate}/s`));
  }
  const table = h("table", "fsmnb-routes");
  const head = h("tr");
  for (const c of ["pattern", "target", "kind", "priority", "delivered", "failed", "rate/s"]) head.append(h("th", "", c));
  table.append(head);
  for (const r of routes) {
    const tr = h("tr", r.failed ? "fsmnb-has-failures" : "");
    for (const v of [r.pattern, r.target, r.kind, r.priority, r.delivered, r.failed, r.rate]) tr.append(h("td", "", String(v)));
    table.append(tr);
  }
  box.append(table);
  return box;
}

function render({ model, el }) {
  const root = h("div", "fsmnb-signal-view");
  const title = h("div", "fsmnb-sv-title");
  const panes = h("div", "fsmnb-panes");
  const treePane = h("div", "fsmnb-pane");
  const flowPane = h("div", "fsmnb-pane");
  panes.append(treePane, flowPane);
  root.append(title, panes);
  el.append(root);
  const draw = () => {
    title.textContent = model.get("title") || "signals and supervision";
    const tree = model.get("tree") || {};
    treePane.replaceChildren(h("div", "fsmnb-pane-title", "supervision tree"));
    if (tree.name) {
      const list = h("ul", "fsmnb-tree");
      list.append(drawNode(tree));
      treePane.append(list);
    } else treePane.append(h("div", "fsmnb-empty", "no supervisor"));
    const events = model.get("events") || [];
    if (events.length) {
      const log = h("ol", "fsmnb-events");
      for (const e of events.slice().reverse()) log.append(h("li", `fsmnb-ev-${e.event}`, `${e.event} ${e.child} ${e.detail}`));
      treePane.append(log);
    }
    flowPane.replaceChildren(h("div", "fsmnb-pane-title", "signal flow"));
    flowPane.append(drawRoutes(model.get("routes") || [], model.get("totals") || {}));
    const dead = model.get("dead_letters") || [];
    if (dead.length) {
      flowPane.append(h("div", "fsmnb-pane-title", "dead letters"));
      const list = h("ul", "fsmnb-dead");
      for (const d of dead.slice().reverse()) {
        const li = h("li");
        li.append(h("b", "", d.type), document.createTextNode(` — ${d.reason}`));
        list.append(li);
      }
      flowPane.append(list);
    }
    root.dataset.routes = String((model.get("routes") || []).length);
  };
  const names = ["tree", "routes", "totals", "dead_letters", "events", "title"];
  for (const n of names) model.on(`change:${n}`, draw);
  draw();
  return () => { for (const n of names) model.off(`change:${n}`, draw); };
}

export default { render };
