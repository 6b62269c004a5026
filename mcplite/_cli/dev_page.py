# ruff: noqa: E501 - an embedded HTML/JS asset, wrapped for reading, not for a line limit
"""The inspector page of ``mcplite dev``: one HTML document with inline CSS and JS.

Kept as a Python string so the package ships no data files and stays vendorable.  No
framework, no build step, no CDN: it works offline.  It talks to ``_cli/dev.py`` with
``fetch('/api/<op>')`` and listens to ``/events`` (SSE).
"""

from typing import Final

__all__ = ["PAGE"]

PAGE: Final = r"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mcplite dev</title>
<style>
:root { --bg:#f7f7f8; --panel:#fff; --line:#ddd; --ink:#1d1d1f; --dim:#6b6b70; --acc:#2f5bd3;
        --err:#c0392b; --ok:#1e8449; --mono: ui-monospace, SFMono-Regular, Menlo, monospace; }
* { box-sizing: border-box; }
body { margin:0; font: 14px/1.45 system-ui, sans-serif; color:var(--ink); background:var(--bg); }
header { display:flex; gap:12px; align-items:center; padding:8px 14px; background:#20232a;
         color:#eee; flex-wrap:wrap; }
header h1 { font-size:15px; margin:0 8px 0 0; }
header .meta { color:#bbb; font-size:13px; }
.dot { width:10px; height:10px; border-radius:50%; display:inline-block; background:#888; }
.dot.on { background:#2ecc71; } .dot.off { background:#e74c3c; }
header select, header button { font-size:13px; }
nav { display:flex; gap:2px; padding:0 14px; background:#e9e9ec; border-bottom:1px solid var(--line); }
nav button { border:0; background:none; padding:8px 12px; cursor:pointer; font-size:14px; }
nav button.active { border-bottom:2px solid var(--acc); font-weight:600; }
main { padding:14px; }
.cols { display:grid; grid-template-columns: minmax(220px, 300px) 1fr; gap:14px; }
.list { background:var(--panel); border:1px solid var(--line); border-radius:6px; max-height:75vh;
        overflow:auto; }
.list .item { padding:7px 10px; border-bottom:1px solid #eee; cursor:pointer; }
.list .item:hover { background:#f0f3ff; } .list .item.sel { background:#e3e9ff; }
.list .item small { display:block; color:var(--dim); white-space:nowrap; overflow:hidden;
                    text-overflow:ellipsis; }
.list h3 { margin:0; padding:6px 10px; font-size:12px; text-transform:uppercase; color:var(--dim);
           background:#fafafa; border-bottom:1px solid #eee; }
.panel { background:var(--panel); border:1px solid var(--line); border-radius:6px; padding:12px 14px; }
.panel h2 { margin:0 0 4px; font-size:17px; }
.desc { color:var(--dim); margin:0 0 10px; white-space:pre-wrap; }
label.field { display:block; margin:8px 0; }
label.field > span { display:block; font-weight:600; font-size:13px; }
label.field > span .req { color:var(--err); }
label.field > span em { font-weight:normal; color:var(--dim); font-style:normal; }
input[type=text], input[type=number], textarea, select { font: 13px var(--mono); padding:4px 6px;
        border:1px solid #bbb; border-radius:4px; width:100%; max-width:560px; }
textarea { min-height:70px; }
fieldset { border:1px solid #ddd; border-radius:4px; margin:6px 0; padding:4px 10px 8px; }
fieldset legend { font-weight:600; font-size:13px; }
button { cursor:pointer; padding:4px 10px; border-radius:4px; border:1px solid #999; background:#fff; }
button.primary { background:var(--acc); color:#fff; border-color:var(--acc); }
button.danger { color:var(--err); border-color:var(--err); }
.row { display:flex; gap:8px; align-items:center; flex-wrap:wrap; margin-top:10px; }
pre { font: 12px/1.4 var(--mono); background:#f4f4f6; padding:8px; border-radius:4px;
      overflow:auto; max-height:50vh; white-space:pre-wrap; word-break:break-all; margin:4px 0; }
.result { margin-top:12px; }
.result.error { border-left:4px solid var(--err); padding-left:8px; }
.badge { display:inline-block; font-size:11px; padding:1px 6px; border-radius:8px; background:#eee;
         color:#333; margin-left:4px; }
.badge.err { background:#fde2df; color:var(--err); } .badge.ok { background:#daf5e3; color:var(--ok); }
progress { width:300px; }
.block { border:1px solid #e4e4e8; border-radius:4px; padding:6px 8px; margin:6px 0; }
.block > .kind { font-size:11px; color:var(--dim); text-transform:uppercase; }
.block img { max-width:100%; max-height:360px; }
details.tree { font: 12px var(--mono); margin-left:12px; }
details.tree > summary { cursor:pointer; }
.tree .k { color:#7b2fa0; } .tree .s { color:#a24e00; } .tree .n { color:#1750a7; }
table.wire { width:100%; border-collapse:collapse; font: 12px var(--mono); background:#fff; }
table.wire td { border-bottom:1px solid #eee; padding:3px 6px; vertical-align:top; }
table.wire tr.in td:first-child { color:var(--ok); } table.wire tr.out td:first-child { color:var(--acc); }
table.wire tr { cursor:pointer; }
.dim { color:var(--dim); }
#dialog { position:fixed; inset:0; background:rgba(0,0,0,.35); display:none; align-items:center;
          justify-content:center; z-index:10; }
#dialog .box { background:#fff; border-radius:8px; padding:16px 18px; width:min(640px, 94vw);
               max-height:90vh; overflow:auto; box-shadow:0 10px 40px rgba(0,0,0,.3); }
#banner { display:none; padding:8px 14px; background:#fde2df; color:#7a1d12; }
#banner pre { background:#fff3f1; }
.logline { font: 12px var(--mono); border-bottom:1px solid #eee; padding:2px 4px; white-space:pre-wrap; }
.lvl-error, .lvl-critical, .lvl-alert, .lvl-emergency { color:var(--err); }
.lvl-warning { color:#a46500; } .lvl-debug { color:var(--dim); }
.hidden { display:none !important; }
</style></head>
<body>
<header>
  <h1>mcplite dev</h1><span id="status" class="dot" title="connection"></span>
  <span id="server" class="meta">connecting…</span>
  <span style="flex:1"></span>
  <label class="meta">protocol <select id="version"></select></label>
  <button id="reconnect">Reconnect</button>
  <button id="restart" title="stop the server process and start it again (after editing it)">Restart server</button>
</header>
<div id="banner"><b id="banner-title">Not connected.</b> <button id="retry">Retry</button>
  <pre id="banner-stderr"></pre></div>
<nav id="tabs">
  <button data-tab="tools" class="active">Tools</button><button data-tab="resources">Resources</button>
  <button data-tab="prompts">Prompts</button><button data-tab="roots">Roots</button>
  <button data-tab="server">Server</button><button data-tab="logs">Logs <span id="logcount" class="badge">0</span></button>
  <button data-tab="wire">Wire <span id="wirecount" class="badge">0</span></button>
</nav>
<main>
  <section id="tab-tools" class="cols"><div class="list" id="tools"></div><div class="panel" id="tool"><p class="dim">Pick a tool.</p></div></section>
  <section id="tab-resources" class="cols hidden"><div class="list" id="resources"></div><div class="panel" id="resource"><p class="dim">Pick a resource or a template.</p></div></section>
  <section id="tab-prompts" class="cols hidden"><div class="list" id="prompts"></div><div class="panel" id="prompt"><p class="dim">Pick a prompt.</p></div></section>
  <section id="tab-roots" class="hidden"><div class="panel"><h2>Roots</h2>
    <p class="desc">The directories and files this client offers the server (roots/list).</p>
    <div id="roots"></div><div class="row"><button id="addroot">Add root</button>
    <button class="primary" id="saveroots">Save and notify</button><span id="rootsmsg" class="dim"></span></div></div></section>
  <section id="tab-server" class="hidden"><div class="panel" id="serverinfo"></div></section>
  <section id="tab-logs" class="hidden"><div class="panel"><div class="row" style="margin:0 0 8px">
    <button id="clearlogs">Clear</button></div><div id="logs"></div></div></section>
  <section id="tab-wire" class="hidden"><div class="panel"><div class="row" style="margin:0 0 8px">
    <input type="text" id="wirefilter" placeholder="filter: method, id or text" style="max-width:320px">
    <button id="clearwire">Clear</button><button id="copywire">Copy all</button></div>
    <table class="wire" id="wire"></table></div></section>
</main>
<div id="dialog"><div class="box" id="dialogbox"></div></div>
<script>
"use strict";
const MAX_RENDER = 100000;  // characters of a text shown before "show all" (keeps the tab responsive)
const MAX_WIRE_ROWS = 2000;
const $ = (id) => document.getElementById(id);
const el = (tag, attrs, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const kid of kids) if (kid != null) e.append(kid);
  return e;
};
let state = {}, catalogue = {tools: [], resources: [], templates: [], prompts: []};
let dialogs = [], wireRows = [], logCount = 0, calls = 0;
const progressBars = {}, subscribed = new Set();

async function api(op, args) {
  const r = await fetch("/api/" + op, {method: "POST", headers: {"content-type": "application/json"},
                                       body: JSON.stringify(args || {})});
  const text = await r.text();
  try { const body = JSON.parse(text); if (body.error || r.ok) return body; } catch (e) {}
  return {error: {message: `HTTP ${r.status}: ${text}`}};
}

// ---------------------------------------------------------------- tabs
for (const b of document.querySelectorAll("#tabs button")) b.onclick = () => showTab(b.dataset.tab);
function showTab(name) {
  for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("active", b.dataset.tab === name);
  for (const s of document.querySelectorAll("main > section")) s.classList.toggle("hidden", s.id !== "tab-" + name);
}

// ---------------------------------------------------------------- state and connection
function applyState(s) {
  // A snapshot older than the state shown (an /api/state answer read after the /events
  // state of a later connect) would turn a connected page back to "connecting…".
  if (state.revision !== undefined && s.revision < state.revision) return;
  state = s;
  $("status").className = "dot " + (s.connected ? "on" : "off");
  if (s.connected) {
    const info = s.serverInfo || {};
    $("server").textContent = `${info.title || info.name || "server"} ${info.version || ""} · ${s.protocolVersion}` +
      (s.stateless ? " (stateless)" : "");
  } else $("server").textContent = s.error ? "not connected" : "connecting…";
  $("banner").style.display = s.connected || !s.error ? "none" : "block";
  $("banner-title").textContent = "Could not connect: " + (s.error || "");
  $("banner-stderr").textContent = s.stderr || "(the server wrote nothing to stderr)";
  $("restart").disabled = !s.restartable;
  const sel = $("version");
  if (!sel.options.length) {
    sel.append(el("option", {value: "", text: "auto"}));
    for (const v of s.supportedVersions || []) sel.append(el("option", {value: v, text: v}));
  }
  sel.value = s.requestedVersion || "";
  renderServer(); renderRoots(s.roots || []);
  for (const d of s.dialogs || []) if (!dialogs.find((x) => x.id === d.id)) dialogs.push(d);
  showDialog();
  if (s.connected) refresh();
}
async function reconnect() {
  $("server").textContent = "connecting…";
  const r = await api("connect", {protocolVersion: $("version").value || null});
  if (r.result) applyState(r.result); else alert(r.error.message);
}
$("reconnect").onclick = reconnect; $("restart").onclick = reconnect; $("retry").onclick = reconnect;
$("version").onchange = reconnect;

async function refresh() {
  const r = await api("list");
  if (!r.result) return;
  catalogue = r.result; renderTools(); renderResources(); renderPrompts();
}

// ---------------------------------------------------------------- schema forms
// A form for a JSON Schema: returns {node, get()}.  Unknown shapes fall back to a JSON box.
function form(schema, name, required) {
  schema = schema || {};
  const title = el("span", {}, schema.title || name || "");
  if (required) title.append(el("span", {class: "req", text: " *"}));
  if (schema.description) title.append(el("em", {text: " — " + schema.description}));
  let type = schema.type;
  if (Array.isArray(type)) type = type.find((x) => x !== "null");
  const alts = schema.oneOf || schema.anyOf;
  const enumValues = schema.enum || (alts && alts.every((o) => "const" in o) ? alts.map((o) => o.const) : null);
  if (type === "object" || (schema.properties && !type)) {
    const box = el("fieldset", {}, el("legend", {}, title));
    const parts = [];
    const req = new Set(schema.required || []);
    for (const [key, sub] of Object.entries(schema.properties || {})) {
      const f = form(sub, key, req.has(key)); parts.push([key, f, req.has(key)]); box.append(f.node);
    }
    if (!parts.length) {
      if (schema.additionalProperties || schema.patternProperties) return jsonBox(schema, title, required);
      return {node: el("p", {class: "dim", text: name === "arguments" ? "(no arguments)" : ""}), get: () => ({})};
    }
    return {node: box, get() {
      const out = {};
      for (const [key, f, isReq] of parts) { const v = f.get(); if (v !== undefined || isReq) { if (v !== undefined) out[key] = v; } }
      return out;
    }};
  }
  if (enumValues && enumValues.length) {
    const sel = el("select", {"data-field": name || ""});
    if (!required) sel.append(el("option", {value: "", text: "—"}));
    const labels = schema.enumNames || (alts || []).map((o) => o.title);
    enumValues.forEach((v, i) => sel.append(el("option", {value: JSON.stringify(v), text: labels[i] || String(v)})));
    if ("default" in schema) sel.value = JSON.stringify(schema.default);
    return {node: el("label", {class: "field"}, title, sel), get: () => sel.value === "" ? undefined : JSON.parse(sel.value)};
  }
  if (type === "boolean") {
    const box = el("input", {type: "checkbox", "data-field": name || ""});
    box.checked = !!schema.default;
    return {node: el("label", {class: "field"}, title, box), get: () => box.checked};
  }
  if (type === "number" || type === "integer") {
    const input = el("input", {type: "number", step: type === "integer" ? "1" : "any", "data-field": name || ""});
    if ("default" in schema) input.value = schema.default;
    if ("minimum" in schema) input.min = schema.minimum; if ("maximum" in schema) input.max = schema.maximum;
    return {node: el("label", {class: "field"}, title, input),
            get: () => input.value === "" ? undefined : Number(input.value)};
  }
  if (type === "string") {
    const long = (schema.maxLength || 0) > 200 || schema.format === "textarea";
    const input = el(long ? "textarea" : "input", {type: "text", "data-field": name || ""});
    if ("default" in schema) input.value = schema.default;
    if (schema.format) input.placeholder = schema.format;
    return {node: el("label", {class: "field"}, title, input),
            get: () => input.value === "" && !required ? undefined : input.value};
  }
  if (type === "array" && schema.items && typeof schema.items === "object") {
    const box = el("fieldset", {}, el("legend", {}, title)), items = [];
    const list = el("div");
    const add = (value) => {
      const f = form(schema.items, "", true), row = el("div", {class: "row"}, f.node);
      const entry = {f, row};
      row.append(el("button", {text: "remove", onclick: (e) => { e.preventDefault(); row.remove(); items.splice(items.indexOf(entry), 1); }}));
      items.push(entry); list.append(row);
    };
    box.append(list, el("button", {text: "+ item", onclick: (e) => { e.preventDefault(); add(); }}));
    return {node: box, get: () => items.length || required ? items.map((x) => x.f.get()) : undefined};
  }
  return jsonBox(schema, title, required);
}
function jsonBox(schema, title, required) {
  const area = el("textarea", {placeholder: "JSON"});
  if ("default" in schema) area.value = JSON.stringify(schema.default);
  return {node: el("label", {class: "field"}, title, area), get() {
    if (area.value.trim() === "") return required ? null : undefined;
    try { return JSON.parse(area.value); } catch (e) { return area.value; }
  }};
}

// ---------------------------------------------------------------- rendering results
function tree(value, key) {
  const label = key === undefined ? "" : key + ": ";
  if (value === null || typeof value !== "object") {
    const cls = typeof value === "string" ? "s" : "n";
    return el("div", {class: "tree"}, el("span", {class: "k", text: label}), el("span", {class: cls, text: JSON.stringify(value)}));
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  const d = el("details", {class: "tree", open: ""}, el("summary", {},
    el("span", {class: "k", text: label}), Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`));
  for (const [k, v] of entries) d.append(tree(v, k));
  return d;
}
function bigText(text) {
  const pre = el("pre");
  if (text.length <= MAX_RENDER) { pre.textContent = text; return pre; }
  pre.textContent = text.slice(0, MAX_RENDER);
  const more = el("button", {text: `show all (${text.length.toLocaleString()} characters)`,
                             onclick: () => { pre.textContent = text; more.remove(); }});
  return el("div", {}, pre, el("div", {class: "dim", text: "truncated"}), more);
}
function media(kind, mime, data) {
  if (data.length > 20 * MAX_RENDER) return el("div", {class: "dim", text: `${kind} ${mime}, ${data.length} base64 characters`});
  return kind === "image" ? el("img", {src: `data:${mime};base64,${data}`, alt: "image result"})
                          : el("audio", {controls: "", src: `data:${mime};base64,${data}`});
}
function contentBlock(b) {
  const box = el("div", {class: "block"}, el("div", {class: "kind", text: b.type + (b.mimeType ? " · " + b.mimeType : "")}));
  if (b.type === "text") box.append(bigText(b.text));
  else if (b.type === "image" || b.type === "audio") box.append(media(b.type, b.mimeType, b.data));
  else if (b.type === "resource_link") box.append(el("a", {href: "#", text: b.name + " — " + b.uri,
      onclick: (e) => { e.preventDefault(); showTab("resources"); readResource(b.uri); }}));
  else if (b.type === "resource") box.append(resourceContents(b.resource));
  else box.append(bigText(JSON.stringify(b, null, 2)));
  return box;
}
function resourceContents(c) {
  const box = el("div", {}, el("div", {class: "dim", text: c.uri + (c.mimeType ? " · " + c.mimeType : "")}));
  if ("text" in c) {
    if ((c.mimeType || "").includes("json")) { try { box.append(tree(JSON.parse(c.text))); return box; } catch (e) {} }
    box.append(bigText(c.text));
  } else if ((c.mimeType || "").startsWith("image/")) box.append(media("image", c.mimeType, c.blob));
  else if ((c.mimeType || "").startsWith("audio/")) box.append(media("audio", c.mimeType, c.blob));
  else box.append(el("div", {class: "dim", text: `binary, ${c.blob.length} base64 characters`}));
  return box;
}
function showOutcome(target, r, tool) {
  target.replaceChildren();
  if (r.cancelled) { target.append(el("div", {class: "result error", text: "cancelled"})); return; }
  if (r.error) {
    const e = r.error;
    target.append(el("div", {class: "result error"}, el("b", {text: "Error" + (e.code !== undefined ? ` ${e.code}` : "") + ": "}),
      e.message || "", e.data !== undefined && e.data !== null ? tree(e.data, "data") : null));
    return;
  }
  const res = r.result;
  const box = el("div", {class: "result" + (res.isError ? " error" : "")});
  if (res.isError) box.append(el("span", {class: "badge err", text: "isError: the tool reported an error"}));
  for (const b of res.content || res.messages || []) {
    if (b.role) box.append(el("div", {class: "kind dim", text: b.role}), contentBlock(b.content));
    else box.append(contentBlock(b));
  }
  for (const c of res.contents || []) box.append(el("div", {class: "block"}, resourceContents(c)));
  if (res.structuredContent !== undefined) {
    const checked = tool && tool.outputSchema ? el("span", {class: "badge ok", text: "matches outputSchema"}) : null;
    box.append(el("div", {class: "block"}, el("div", {class: "kind"}, "structuredContent", checked), tree(res.structuredContent)));
  }
  box.append(el("details", {}, el("summary", {class: "dim", text: "raw result"}), bigText(JSON.stringify(res, null, 2))));
  target.append(box);
}

// ---------------------------------------------------------------- tools
let currentTool = null;
function renderTools() {
  const list = $("tools"); list.replaceChildren(el("h3", {text: `tools (${catalogue.tools.length})`}));
  for (const tool of catalogue.tools) {
    const item = el("div", {class: "item" + (currentTool === tool.name ? " sel" : ""), "data-tool": tool.name,
      onclick: () => { currentTool = tool.name; renderTools(); showTool(tool); }},
      el("b", {text: tool.title || tool.annotations?.title || tool.name}), el("small", {text: tool.description || ""}));
    list.append(item);
  }
}
function showTool(tool) {
  const p = $("tool"), f = form(tool.inputSchema || {type: "object"}, "arguments", false);
  const out = el("div"), bar = el("progress", {class: "hidden"}), note = el("span", {class: "dim"});
  const call = el("button", {class: "primary", text: "Call", id: "call"}), cancel = el("button", {class: "danger hidden", text: "Cancel", id: "cancel"});
  p.replaceChildren(el("h2", {text: tool.name}), el("p", {class: "desc", text: tool.description || ""}), f.node,
                    el("div", {class: "row"}, call, cancel, bar, note), out);
  call.onclick = async () => {
    const callId = "c" + (++calls);
    progressBars[callId] = {bar, note};
    bar.classList.remove("hidden"); bar.removeAttribute("value"); cancel.classList.remove("hidden"); call.disabled = true;
    out.replaceChildren(el("div", {class: "dim", text: "running…"}));
    cancel.onclick = () => api("cancel", {callId});
    const started = performance.now();
    const r = await api("call", {callId, name: tool.name, arguments: f.get()});
    delete progressBars[callId];
    bar.classList.add("hidden"); cancel.classList.add("hidden"); call.disabled = false;
    note.textContent = `${Math.round(performance.now() - started)} ms`;
    showOutcome(out, r, tool);
  };
}

// ---------------------------------------------------------------- resources
function renderResources() {
  const list = $("resources");
  list.replaceChildren(el("h3", {text: `resources (${catalogue.resources.length})`}));
  for (const r of catalogue.resources) list.append(el("div", {class: "item", "data-uri": r.uri, onclick: () => readResource(r.uri, r)},
    el("b", {text: r.title || r.name}), el("small", {text: r.uri})));
  list.append(el("h3", {text: `templates (${catalogue.templates.length})`}));
  for (const tpl of catalogue.templates) list.append(el("div", {class: "item", onclick: () => showTemplate(tpl)},
    el("b", {text: tpl.title || tpl.name}), el("small", {text: tpl.uriTemplate})));
}
function templateVars(uriTemplate) {
  const names = [];
  for (const m of uriTemplate.matchAll(/\{([^}]+)\}/g))
    for (const v of m[1].replace(/^[+#./;?&]/, "").split(",")) names.push(v.replace(/[*]$|:\d+$/, ""));
  return names;
}
function expand(uriTemplate, values) {
  return uriTemplate.replace(/\{([+#./;?&]?)([^}]+)\}/g, (_, op, spec) => {
    const vals = spec.split(",").map((v) => v.replace(/[*]$|:\d+$/, "")).map((n) => [n, values[n] ?? ""]);
    const enc = (s) => op === "+" || op === "#" ? encodeURI(s) : encodeURIComponent(s);
    if (op === "?" || op === "&") return op + vals.map(([n, v]) => `${n}=${enc(v)}`).join("&");
    const sep = {"": ",", "+": ",", "#": ",", ".": ".", "/": "/", ";": ";"}[op];
    return (op === "+" ? "" : op) + vals.map(([, v]) => enc(v)).join(sep);
  });
}
function showTemplate(tpl) {
  const p = $("resource"), inputs = {};
  p.replaceChildren(el("h2", {text: tpl.name}), el("p", {class: "desc", text: (tpl.description || "") + "\n" + tpl.uriTemplate}));
  for (const name of templateVars(tpl.uriTemplate)) {
    const input = el("input", {type: "text", "data-var": name, list: "dl-" + name}), dl = el("datalist", {id: "dl-" + name});
    input.oninput = debounce(async () => {
      const context = Object.fromEntries(Object.entries(inputs).map(([k, i]) => [k, i.value]));
      const r = await api("complete", {ref: {type: "ref/resource", uri: tpl.uriTemplate}, argument: name, value: input.value, context});
      if (r.result) dl.replaceChildren(...r.result.values.map((v) => el("option", {value: v})));
    });
    inputs[name] = input; p.append(el("label", {class: "field"}, el("span", {text: name}), input, dl));
  }
  const out = el("div");
  p.append(el("div", {class: "row"}, el("button", {class: "primary", text: "Read", onclick: async () => {
    const uri = expand(tpl.uriTemplate, Object.fromEntries(Object.entries(inputs).map(([k, i]) => [k, i.value])));
    showOutcome(out, await api("read", {uri}));
  }})), out);
}
async function readResource(uri, meta) {
  const p = $("resource"), out = el("div", {id: "resource-out"});
  const canSub = !!(state.capabilities?.resources?.subscribe);
  const sub = el("button", {text: subscribed.has(uri) ? "Unsubscribe" : "Subscribe", class: canSub ? "" : "hidden"});
  sub.onclick = async () => {
    const op = subscribed.has(uri) ? "unsubscribe" : "subscribe", r = await api(op, {uri});
    if (r.error) { alert(r.error.message); return; }
    if (op === "subscribe") subscribed.add(uri); else subscribed.delete(uri);
    sub.textContent = subscribed.has(uri) ? "Unsubscribe" : "Subscribe";
  };
  p.replaceChildren(el("h2", {text: meta?.name || uri}), el("p", {class: "desc", text: uri}),
    el("div", {class: "row"}, el("button", {text: "Reload", onclick: () => readResource(uri, meta)}), sub,
    el("span", {class: "dim", id: "updated"})), out);
  p.dataset.uri = uri;
  showOutcome(out, await api("read", {uri}));
}

// ---------------------------------------------------------------- prompts
function renderPrompts() {
  const list = $("prompts"); list.replaceChildren(el("h3", {text: `prompts (${catalogue.prompts.length})`}));
  for (const pr of catalogue.prompts) list.append(el("div", {class: "item", onclick: () => showPrompt(pr)},
    el("b", {text: pr.title || pr.name}), el("small", {text: pr.description || ""})));
}
function showPrompt(pr) {
  const p = $("prompt"), inputs = {}, out = el("div");
  p.replaceChildren(el("h2", {text: pr.name}), el("p", {class: "desc", text: pr.description || ""}));
  for (const a of pr.arguments || []) {
    const input = el("input", {type: "text", "data-arg": a.name, list: "pl-" + a.name}), dl = el("datalist", {id: "pl-" + a.name});
    if (state.capabilities?.completions) input.oninput = debounce(async () => {
      const context = Object.fromEntries(Object.entries(inputs).map(([k, i]) => [k, i.value]));
      const r = await api("complete", {ref: {type: "ref/prompt", name: pr.name}, argument: a.name, value: input.value, context});
      if (r.result) dl.replaceChildren(...r.result.values.map((v) => el("option", {value: v})));
    });
    inputs[a.name] = input;
    p.append(el("label", {class: "field"}, el("span", {}, a.name, a.required ? el("span", {class: "req", text: " *"}) : null,
      a.description ? el("em", {text: " — " + a.description}) : null), input, dl));
  }
  p.append(el("div", {class: "row"}, el("button", {class: "primary", text: "Get prompt", onclick: async () => {
    const args = Object.fromEntries(Object.entries(inputs).filter(([, i]) => i.value !== "").map(([k, i]) => [k, i.value]));
    showOutcome(out, await api("prompt", {name: pr.name, arguments: args}));
  }})), out);
}
function debounce(fn) { let h; return () => { clearTimeout(h); h = setTimeout(fn, 200); }; }

// ---------------------------------------------------------------- roots
function renderRoots(roots) {
  const box = $("roots"); box.replaceChildren();
  for (const r of roots) addRoot(r);
}
function addRoot(r) {
  const uri = el("input", {type: "text", placeholder: "file:///path", value: r?.uri || ""});
  const name = el("input", {type: "text", placeholder: "name (optional)", value: r?.name || ""});
  const row = el("div", {class: "row root"}, uri, name, el("button", {text: "remove", onclick: () => row.remove()}));
  $("roots").append(row);
}
$("addroot").onclick = () => addRoot();
$("saveroots").onclick = async () => {
  const roots = [...document.querySelectorAll("#roots .root")].map((row) => {
    const [u, n] = row.querySelectorAll("input"); return n.value ? {uri: u.value, name: n.value} : {uri: u.value};
  }).filter((r) => r.uri);
  const r = await api("roots", {roots});
  $("rootsmsg").textContent = r.error ? r.error.message : `saved ${roots.length} root(s)`;
};

// ---------------------------------------------------------------- server info
function renderServer() {
  const p = $("serverinfo");
  p.replaceChildren(el("h2", {text: "Server"}));
  if (!state.connected) { p.append(el("p", {class: "dim", text: state.error || "not connected"})); return; }
  p.append(tree(state.serverInfo, "serverInfo"), tree(state.protocolVersion, "protocolVersion"),
           tree(state.capabilities, "capabilities"));
  if (state.instructions) p.append(el("h3", {text: "Instructions"}), bigText(state.instructions));
  p.append(el("h3", {text: "Target"}), el("pre", {text: JSON.stringify(state.target)}));
  if (state.stderr) p.append(el("h3", {text: "stderr"}), bigText(state.stderr));
}

// ---------------------------------------------------------------- dialogs (sampling, elicitation)
function showDialog() {
  const d = dialogs[0], host = $("dialog"), box = $("dialogbox");
  if (!d) { host.style.display = "none"; return; }
  host.style.display = "flex";
  const send = async (answer) => { dialogs.shift(); showDialog(); await api("answer", {id: d.id, answer}); };
  const p = d.params || {};
  if (d.kind === "elicitation" && p.mode === "url") {
    box.replaceChildren(el("h2", {text: "The server asks you to open a link"}), el("p", {text: p.message || ""}),
      el("p", {}, el("a", {href: p.url, target: "_blank", rel: "noopener noreferrer", text: p.url})),
      el("div", {class: "row"}, el("button", {class: "primary", text: "I opened it", onclick: () => send({action: "accept"})}),
        el("button", {text: "Decline", onclick: () => send({action: "decline"})}),
        el("button", {text: "Cancel", onclick: () => send({action: "cancel"})})));
  } else if (d.kind === "elicitation") {
    const f = form(p.requestedSchema || {type: "object"}, "", false);
    box.replaceChildren(el("h2", {text: "The server asks for input"}), el("p", {class: "desc", text: p.message || ""}), f.node,
      el("div", {class: "row"}, el("button", {class: "primary", id: "elicit-accept", text: "Submit", onclick: () => send({action: "accept", content: f.get()})}),
        el("button", {text: "Decline", onclick: () => send({action: "decline"})}),
        el("button", {text: "Cancel", onclick: () => send({action: "cancel"})})));
  } else {
    const text = el("textarea", {id: "sample-text", placeholder: "the reply the model would give"});
    const msgs = el("div");
    if (p.systemPrompt) msgs.append(el("div", {class: "block"}, el("div", {class: "kind", text: "system"}), bigText(p.systemPrompt)));
    for (const m of p.messages || []) for (const c of [].concat(m.content))
      msgs.append(el("div", {class: "kind dim", text: m.role}), contentBlock(c));
    box.replaceChildren(el("h2", {text: "The server asks for a model reply (sampling)"}), msgs,
      el("label", {class: "field"}, el("span", {text: "Reply as the model"}), text),
      el("div", {class: "row"}, el("button", {class: "primary", text: "Send reply", onclick: () => send({action: "accept", text: text.value})}),
        el("button", {text: "Reject", onclick: () => send({action: "reject"})})));
  }
}

// ---------------------------------------------------------------- logs and wire
function log(text, level) {
  const logs = $("logs");
  logs.append(el("div", {class: "logline lvl-" + (level || "info"), text}));
  while (logs.childElementCount > MAX_WIRE_ROWS) logs.firstChild.remove();
  $("logcount").textContent = ++logCount;
}
$("clearlogs").onclick = () => { $("logs").replaceChildren(); logCount = 0; $("logcount").textContent = 0; };
function wire(ev) {
  let msg = null, summary;
  if (!ev.truncated) { try { msg = JSON.parse(ev.text); } catch (e) {} }
  if (msg && typeof msg === "object") {
    summary = msg.method ? msg.method : ("error" in msg ? "error " + (msg.error?.code ?? "") : "result");
    if ("id" in msg) summary += "  #" + msg.id;
  } else summary = ev.truncated ? "(truncated) " + ev.text.slice(0, 80) : "(not JSON) " + ev.text.slice(0, 80);
  const time = new Date(ev.t * 1000).toLocaleTimeString();
  const row = el("tr", {class: ev.dir}, el("td", {text: ev.dir === "out" ? "→" : "←"}), el("td", {text: time}),
                 el("td", {text: summary}), el("td", {class: "dim", text: ev.size + " B"}));
  row.dataset.text = ev.text;
  row.onclick = () => {
    const next = row.nextSibling;
    if (next && next.classList.contains("detail")) { next.remove(); return; }
    const pretty = msg ? JSON.stringify(msg, null, 2) : ev.text;
    row.after(el("tr", {class: "detail"}, el("td", {colspan: "4"}, bigText(pretty),
      el("button", {text: "copy", onclick: () => navigator.clipboard?.writeText(ev.text)}))));
  };
  applyFilter(row);
  $("wire").append(row); wireRows.push(row);
  while (wireRows.length > MAX_WIRE_ROWS) wireRows.shift().remove();
  $("wirecount").textContent = wireRows.length;
}
function applyFilter(row) {
  const q = $("wirefilter").value.toLowerCase();
  row.classList.toggle("hidden", !!q && !row.dataset.text.toLowerCase().includes(q));
}
$("wirefilter").oninput = () => wireRows.forEach(applyFilter);
$("clearwire").onclick = () => { $("wire").replaceChildren(); wireRows = []; $("wirecount").textContent = 0; };
$("copywire").onclick = () => navigator.clipboard?.writeText(wireRows.map((r) => r.dataset.text).join("\n"));

// ---------------------------------------------------------------- events
// A stream refused or cut (the dev server restarted, or a cookie the browser had not stored
// yet when the page first asked) is opened again: EventSource gives up on a non-200 answer.
// The server replays its history on every stream, so the wire table starts over.
let source = null, listenTries = 0;
function listen() {
  source = new EventSource("/events");
  source.onopen = () => { listenTries = 0; };
  source.onmessage = onEvent;
  source.onerror = () => {
    if (source.readyState !== EventSource.CLOSED || listenTries >= 30) return;
    listenTries += 1;
    setTimeout(() => { $("wire").replaceChildren(); wireRows = []; listen(); }, 1000);
  };
}
function onEvent(m) {
  const ev = JSON.parse(m.data);
  if (ev.type === "wire") wire(ev);
  else if (ev.type === "state") applyState(ev.state);
  else if (ev.type === "stderr") { log(ev.text.replace(/\n$/, ""), "debug"); if (!state.connected) $("banner-stderr").textContent += ev.text; }
  else if (ev.type === "progress") {
    const pb = progressBars[ev.call];
    if (pb) { if (ev.total) { pb.bar.max = ev.total; pb.bar.value = ev.progress; } pb.note.textContent = (ev.message || "") + ` ${ev.progress}${ev.total ? "/" + ev.total : ""}`; }
  } else if (ev.type === "dialog") { if (!dialogs.find((x) => x.id === ev.dialog.id)) dialogs.push(ev.dialog); showDialog(); }
  else if (ev.type === "dialog-closed") { dialogs = dialogs.filter((x) => x.id !== ev.id); showDialog(); }
  else if (ev.type === "notification") notified(ev.method, ev.params || {});
}
function notified(method, params) {
  if (method === "notifications/message") {
    const data = typeof params.data === "string" ? params.data : JSON.stringify(params.data);
    log(`[${params.level}]${params.logger ? " " + params.logger : ""} ${data}`, params.level);
  } else if (method.endsWith("/list_changed")) refresh();
  else if (method === "notifications/resources/updated") {
    const p = $("resource");
    if (p.dataset.uri === params.uri)
      readResource(params.uri).then(() => { $("updated").textContent = "updated " + new Date().toLocaleTimeString(); });
    log("resource updated: " + params.uri);
  }
}
let stateTries = 0;
function loadState() {
  api("state").then((r) => {
    if (r.result) applyState(r.result);
    else if (++stateTries < 30) setTimeout(loadState, 1000);
  }, () => { if (++stateTries < 30) setTimeout(loadState, 1000); });
}
listen();
loadState();
</script></body></html>
"""
