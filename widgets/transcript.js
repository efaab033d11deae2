// Transcript: agent and model messages as a chat (pairs with fsmnb/widgets/transcript.py).

function h(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

function meta(m) {
  const parts = [];
  if (m.model) parts.push(m.model);
  if (m.tokens !== null && m.tokens !== undefined) parts.push(`${m.tokens} tokens`);
  if (m.cost !== null && m.cost !== undefined) parts.push(`$${Number(m.cost).toFixed(4)}`);
  return parts.join(" · ");
}

function bubble(m) {
  const item = h("li", `fsmnb-msg fsmnb-role-${m.role}`);
  item.dataset.id = m.id;
  const head = h("div", "fsmnb-msg-head");
  head.append(h("b", "fsmnb-who", m.agent ? `${m.agent} (${m.role})` : m.role));
  head.append(h("span", "fsmnb-meta", meta(m)));
  const body = h("div", "fsmnb-msg-body", m.content);
  if (m.streaming) body.append(h("span", "fsmnb-caret", "▍"));
  item.append(head, body);
  return item;
}

function speaker(m) {
  return m.agent || m.role;
}

function render({ model, el }) {
  const root = h("div", "fsmnb-transcript");
  const title = h("div", "fsmnb-transcript-title");
  // Show one speaker's messages (an agent, or a role such as `user`), or all of them.
  const filter = h("select", "fsmnb-filter");
  filter.setAttribute("aria-label", "show the messages of");
  const list = h("ol", "fsmnb-chat");
  const empty = h("div", "fsmnb-empty", "no messages yet");
  const bar = h("div", "fsmnb-transcript-bar");
  bar.append(title, filter);
  root.append(bar, list, empty);
  el.append(root);
  let queued = false;
  const draw = () => {
    queued = false;
    const all = model.get("messages") || [];
    const speakers = [...new Set(all.map(speaker))];
    const chosen = filter.value || "all";
    filter.replaceChildren(...["all", ...speakers].map((name) => {
      const option = h("option", "", name);
      option.value = name;
      return option;
    }));
    filter.value = speakers.includes(chosen) ? chosen : "all";
    filter.hidden = speakers.length < 2;
    const messages = filter.value === "all" ? all : all.filter((m) => speaker(m) === filter.value);
    title.textContent = model.get("title") || "";
    title.hidden = !model.get("title");
    empty.hidden = messages.length > 0;
    const stick = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
    // Keep the nodes of unchanged messages: only the streaming ones change per flush.
    const old = new Map([...list.children].map((c) => [c.dataset.id, c]));
    const next = messages.map((m) => {
      const key = JSON.stringify(m);
      const node = old.get(m.id);
      if (node && node.dataset.key === key) return node;
      const fresh = bubble(m);
      fresh.dataset.key = key;
      return fresh;
    });
    list.replaceChildren(...next);
    root.dataset.count = String(all.length);
    if (stick) list.scrollTop = list.scrollHeight;
  };
  const schedule = () => {
    if (!queued) {
      queued = true;
      requestAnimationFrame(draw);
    }
  };
  filter.addEventListener("change", draw);
  model.on("change:messages", schedule);
  model.on("change:title", schedule);
  draw();
  return () => {
    model.off("change:messages", schedule);
    model.off("change:title", schedule);
  };
}

export default { render };
