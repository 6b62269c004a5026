// Drive an MCP server with the TypeScript SDK's client, for interop tests.
//
//   node ts_sdk_client.mjs stdio <server command ...>
//   node ts_sdk_client.mjs <URL>
//
// NODE_PATH must name the node_modules holding @modelcontextprotocol/sdk (tests/interop/_peers.py
// installs it). Prints one JSON object: what each step returned or the error it raised.
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.env.NODE_PATH, "noop.js"));
const sdk = (p) => import(require.resolve(`@modelcontextprotocol/sdk/${p}`));
const { Client } = await sdk("client/index.js");
const { StdioClientTransport } = await sdk("client/stdio.js");
const { StreamableHTTPClientTransport } = await sdk("client/streamableHttp.js");
const types = await sdk("types.js");

const [target, ...command] = process.argv.slice(2);
const transport = target === "stdio"
  ? new StdioClientTransport({ command: command[0], args: command.slice(1), stderr: "ignore" })
  : new StreamableHTTPClientTransport(new URL(target));

const client = new Client(
  { name: "ts-sdk-interop", version: "1.0.0" },
  { capabilities: { sampling: {}, elicitation: {}, roots: {} } },
);
const logs = [];
client.setRequestHandler(types.CreateMessageRequestSchema, async () => ({
  role: "assistant", content: { type: "text", text: "pong" }, model: "ts-model",
}));
client.setRequestHandler(types.ElicitRequestSchema, async () => ({
  action: "accept", content: { username: "ada" },
}));
client.setRequestHandler(types.ListRootsRequestSchema, async () => ({
  roots: [{ uri: "file:///interop", name: "interop" }],
}));
client.setNotificationHandler(types.LoggingMessageNotificationSchema, (n) => {
  logs.push(String(n.params.data));
});

const text = (r) => r.content.map((b) => (b.type === "text" ? b.text : b.type));
const report = {};
await client.connect(transport);
report.protocol_version = transport.protocolVersion ?? null;
report.server = client.getServerVersion()?.name ?? null;
report.tools = (await client.listTools()).tools.map((t) => t.name).sort();
await client.setLoggingLevel("debug");
for (const [name, args] of [
  ["test_simple_text", {}],
  ["test_image_content", {}],
  ["test_error_handling", {}],
  ["test_tool_with_logging", {}],
  ["test_sampling", { prompt: "ping" }],
  ["test_elicitation", { message: "who?" }],
]) {
  try {
    const r = await client.callTool({ name, arguments: args });
    report[name] = { is_error: Boolean(r.isError), content: text(r) };
  } catch (e) {
    report[name] = { raised: String(e) };
  }
}
const progress = [];
await client.callTool({ name: "test_tool_with_progress", arguments: {} }, undefined, {
  onprogress: (p) => progress.push(p.progress),
});
report.progress = progress;
report.logs = logs;
report.resources = (await client.listResources()).resources.map((r) => r.uri).sort();
report.read = (await client.readResource({ uri: "test://static-text" })).contents.map((c) => c.text);
report.template = (await client.readResource({ uri: "test://template/7/data" })).contents.map((c) => c.text);
report.prompts = (await client.listPrompts()).prompts.map((p) => p.name).sort();
report.prompt = (await client.getPrompt({
  name: "test_prompt_with_arguments", arguments: { arg1: "a", arg2: "b" },
})).messages.map((m) => m.content.text);
await client.close();
console.log(JSON.stringify(report));
