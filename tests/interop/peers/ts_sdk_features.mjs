// Drive tests/interop/peers/mcplite_server.py with the TypeScript SDK's client: pagination,
// roots/list and roots/list_changed, sampling and elicitation, and cancellation.
//
//   node ts_sdk_features.mjs [--no-cancel] stdio <server command ...>
//   node ts_sdk_features.mjs [--no-cancel] <URL>
//
// NODE_PATH must name the node_modules holding @modelcontextprotocol/sdk. Prints one JSON
// object: what each step returned or the error it raised.
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.env.NODE_PATH, "noop.js"));
const sdk = (p) => import(require.resolve(`@modelcontextprotocol/sdk/${p}`));
const { Client } = await sdk("client/index.js");
const { StdioClientTransport } = await sdk("client/stdio.js");
const { StreamableHTTPClientTransport } = await sdk("client/streamableHttp.js");
const types = await sdk("types.js");

const argv = process.argv.slice(2);
const cancel = argv[0] !== "--no-cancel";
const [target, ...command] = cancel ? argv : argv.slice(1);
const transport = target === "stdio"
  ? new StdioClientTransport({ command: command[0], args: command.slice(1), stderr: "ignore" })
  : new StreamableHTTPClientTransport(new URL(target));

const client = new Client(
  { name: "ts-sdk-features", version: "1.0.0" },
  { capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } } },
);
let roots = [{ uri: "file:///first", name: "first" }];
client.setRequestHandler(types.CreateMessageRequestSchema, async (request) => ({
  role: "assistant",
  content: { type: "text", text: `pong to ${request.params.messages[0].content.text}` },
  model: "ts-model",
}));
client.setRequestHandler(types.ElicitRequestSchema, async () => ({
  action: "accept", content: { name: "Ada" },
}));
client.setRequestHandler(types.ListRootsRequestSchema, async () => ({ roots }));

const text = (r) => r.content.map((b) => (b.type === "text" ? b.text : b.type)).join("");
const attempt = async (fn) => {
  try {
    return await fn();
  } catch (e) {
    return { raised: String(e) };
  }
};
const call = (name, args = {}) => client.callTool({ name, arguments: args });
const counts = async () => JSON.parse(text(await call("counts")));
const until = async (check) => {
  const deadline = Date.now() + 5000;
  for (;;) {
    const got = await counts();
    if (check(got) || Date.now() > deadline) return got;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

const report = {};
await client.connect(transport);
report.protocol_version = transport.protocolVersion ?? null;

// Pagination: page size 2 on the server, so the tools arrive over several pages.
const pages = [];
let cursor;
do {
  const page = await client.listTools(cursor === undefined ? {} : { cursor });
  pages.push(page.tools.map((t) => t.name));
  cursor = page.nextCursor;
} while (cursor !== undefined);
report.tool_pages = pages;
report.bad_cursor = await attempt(() => client.listTools({ cursor: "not-a-cursor" }));

report.roots = await attempt(async () => text(await call("roots")));
roots = [{ uri: "file:///second", name: "second" }];
await client.sendRootsListChanged();
report.roots_list_changed = (await until((c) => c.roots_list_changed >= 1)).roots_list_changed;
report.roots_after = await attempt(async () => text(await call("roots")));
report.ask = await attempt(async () => {
  const r = await call("ask");
  return { is_error: Boolean(r.isError), text: text(r) };
});

// Cancellation: abort once the handler has reported progress (so it is running).
if (cancel) {
  const controller = new AbortController();
  report.hang = await attempt(() =>
    client.callTool({ name: "hang", arguments: {} }, undefined, {
      signal: controller.signal,
      onprogress: () => controller.abort("user cancelled"),
    }),
  );
  report.cancelled = (await until((c) => c.cancelled >= 1)).cancelled;
}
report.after_cancel = text(await call("page_0"));
await client.close();
console.log(JSON.stringify(report));
