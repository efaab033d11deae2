// Consensus: answers, similarity heatmap and mean score per round (pairs with fsmnb/widgets/consensus.py).

function h(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

// White (0) to blue (1).
function heat(x) {
  const v = Math.max(0, Math.min(1, Number(x)));
  const mix = (a, b) => Math.round(a + (b - a) * v);
  return `rgb(${mix(255, 9)}, ${mix(255, 105)}, ${mix(255, 218)})`;
}

function drawRound(r) {
  const box = h("section", `fsmnb-round ${r.reached ? "fsmnb-reached" : "fsmnb-open"}`);
  const pct = Math.max(0, Math.min(100, r.mean * 100));
  const head = h("div", "fsmnb-round-head");
  head.append(h("b", "", `round ${r.round}`));
  if (r.phase) head.append(h("span", "fsmnb-phase", r.phase));
  head.append(h("span", "fsmnb-score", `mean ${r.mean.toFixed(3)} / threshold ${r.threshold.toFixed(2)}`));
  head.append(h("span", "fsmnb-verdict", r.reached ? "consensus" : "no consensus"));
  const bar = h("div", "fsmnb-bar");
  const fill = h("div", "fsmnb-fill");
  fill.style.width = `${pct}%`;
  const mark = h("div", "fsmnb-mark");
  mark.style.left = `${Math.max(0, Math.min(100, r.threshold * 100))}%`;
  bar.append(fill, mark);
  const table = h("table", "fsmnb-heatmap");
  const top = h("tr");
  top.append(h("th"));
  for (const a of r.agents) top.append(h("th", "", a));
  table.append(top);
  r.matrix.forEach((row, i) => {
    const tr = h("tr");
    tr.append(h("th", "", r.agents[i]));
    for (const x of row) {
      const td = h("td", "", Number(x).toFixed(2));
      td.style.background = heat(x);
      td.style.color = x > 0.6 ? "white" : "#1f2328"; // on the cell's own colour, in any theme
      tr.append(td);
    }
    table.append(tr);
  });
  const answers = h("ul", "fsmnb-answers");
  r.answers.forEach((text, i) => {
    const li = h("li");
    li.append(h("b", "", `${r.agents[i]}: `), document.createTextNode(text));
    answers.append(li);
  });
  const body = h("div", "fsmnb-round-body");
  body.append(table, answers);
  box.append(head, bar, body);
  return box;
}

function render({ model, el }) {
  const root = h("div", "fsmnb-consensus");
  const title = h("div", "fsmnb-consensus-title");
  const list = h("div", "fsmnb-rounds");
  root.append(title, list);
  el.append(root);
  const draw = () => {
    const rounds = model.get("rounds") || [];
    title.textContent = model.get("title") || "consensus";
    list.replaceChildren(...rounds.map(drawRound));
    if (!rounds.length) list.append(h("div", "fsmnb-empty", "no rounds yet"));
    root.dataset.rounds = String(rounds.length);
  };
  model.on("change:rounds", draw);
  model.on("change:title", draw);
  draw();
  return () => {
    model.off("change:rounds", draw);
    model.off("change:title", draw);
  };
}

export default { render };
