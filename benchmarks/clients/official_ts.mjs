// Client runner for the official TypeScript SDK (Client + StdioClientTransport /
// StreamableHTTPClientTransport). Same tasks and RESULT line as benchmarks/_runner.py.
// Copied next to its node_modules by the harness:  node official_ts.mjs SPEC_JSON
import { readFileSync, readdirSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const spec = JSON.parse(process.argv[2]);
const now = () => Number(process.hrtime.bigint()) / 1e9;
const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));

function rssKiB(pid) {
  try {
    const m = readFileSync(`/proc/${pid}/status`, "ascii").match(/VmRSS:\s+(\d+)/);
    return m ? Number(m[1]) : 0;
  } catch { return 0; }
}
function children(pid) {
  const out = [];
  let tids = [];
  try { tids = readdirSync(`/proc/${pid}/task`); } catch { return out; }
  for (const tid of tids) {
    try {
      for (const p of readFileSync(`/proc/${pid}/task/${tid}/children`, "ascii").split(/\s+/)) {
        if (p) out.push(Number(p));
      }
    } catch { /* gone */ }
  }
  return out;
}
function descendantsRss() {
  const todo = children(process.pid);
  let total = 0;
  while (todo.length) { const p = todo.pop(); total += rssKiB(p); todo.push(...children(p)); }
  return total;
}
function payload(n) { return "0123456789abcdef".repeat(Math.ceil(n / 16) + 1).slice(0, n); }
function pct(sorted, q) {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
}

async function open() {
  const client = new Client({ name: "bench", version: "1.0.0" });
  let transport;
  if (spec.transport === "stdio") {
    transport = new StdioClientTransport({ command: spec.server_cmd[0], args: spec.server_cmd.slice(1), stderr: "inherit" });
  } else {
    transport = new StreamableHTTPClientTransport(new URL(spec.url));
  }
  await client.connect(transport);
  return client;
}
async function echo(client, text) {
  const r = await client.callTool({ name: "echo", arguments: { text } });
  return r.content[0].text;
}

async function main() {
  if (spec.task === "throughput") {
    const text = payload(spec.payload_bytes);
    const client = await open();
    if ((await echo(client, text)) !== text) throw new Error("echo mismatch");
    const state = { recording: false, stop: false };
    const lat = [];
    const worker = async () => {
      while (!state.stop) {
        const t0 = now();
        await echo(client, text);
        if (state.recording) lat.push(now() - t0);
      }
    };
    const workers = Array.from({ length: spec.concurrency }, worker);
    await sleep(spec.warmup_seconds);
    lat.length = 0; state.recording = true;
    const start = now();
    await sleep(spec.duration_seconds);
    state.recording = false;
    const elapsed = now() - start;
    state.stop = true;
    await Promise.all(workers);
    await client.close();
    lat.sort((a, b) => a - b);
    return { calls: lat.length, elapsed, rate: lat.length / elapsed, p50_ms: pct(lat, 0.5) * 1e3, p99_ms: pct(lat, 0.99) * 1e3 };
  }
  if (spec.task === "cold") {
    const times = [];
    for (let i = 0; i < (spec.count ?? 5) + 1; i++) {
      const t0 = now();
      const client = await open();
      await client.listTools();
      times.push(now() - t0);
      await client.close();
    }
    const rest = times.slice(1).sort((a, b) => a - b);
    return { cold_ms: rest[Math.floor(rest.length / 2)] * 1e3 };
  }
  if (spec.task === "rss") {
    const client = await open();
    const text = payload(16);
    for (let i = 0; i < 1000; i++) await echo(client, text);
    await sleep(0.3);
    const rss = descendantsRss();
    await client.close();
    return { rss_kib: rss };
  }
  if (spec.task === "sessions") {
    const count = spec.sessions ?? 100;
    const clients = [await open()];
    await clients[0].listTools();
    await sleep(0.3);
    const rss1 = rssKiB(spec.server_pid);
    for (let i = 1; i < count; i++) { const c = await open(); await c.listTools(); clients.push(c); }
    await sleep(0.3);
    const rssn = rssKiB(spec.server_pid);
    for (const c of clients) await c.close();
    return { rss1_kib: rss1, rssn_kib: rssn, sessions: count, per_session_kib: (rssn - rss1) / (count - 1) };
  }
  throw new Error(`unknown task ${spec.task}`);
}

const result = await main();
process.stdout.write("\nRESULT " + JSON.stringify(result) + "\n");
process.exit(0);
