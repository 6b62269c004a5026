// Echo server on the official TypeScript SDK (McpServer; express for HTTP, stateful sessions).
// Copied next to its node_modules by the harness and run there:
//   node official_ts_echo.mjs stdio
//   node official_ts_echo.mjs http PORT json|sse
import { randomUUID } from "node:crypto";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";

function makeServer() {
  const server = new McpServer({ name: "bench", version: "1.0.0" });
  server.registerTool("echo", { inputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: "text", text }] }));
  return server;
}

const [mode, port, flavour] = process.argv.slice(2);
if (mode === "stdio") {
  await makeServer().connect(new StdioServerTransport());
} else {
  const { default: express } = await import("express");
  const app = express();
  app.use(express.json({ limit: "4mb" }));
  const transports = {};
  app.post("/mcp", async (req, res) => {
    const sid = req.headers["mcp-session-id"];
    let transport = sid ? transports[sid] : undefined;
    if (!transport) {
      if (sid || !isInitializeRequest(req.body)) {
        res.status(sid ? 404 : 400).json({ jsonrpc: "2.0", error: { code: -32000, message: "bad session" }, id: null });
        return;
      }
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: flavour === "json",
        onsessioninitialized: (id) => { transports[id] = transport; },
      });
      transport.onclose = () => { if (transport.sessionId) delete transports[transport.sessionId]; };
      await makeServer().connect(transport);
    }
    await transport.handleRequest(req, res, req.body);
  });
  const other = async (req, res) => {
    const transport = transports[req.headers["mcp-session-id"]];
    if (!transport) { res.status(404).end(); return; }
    await transport.handleRequest(req, res);
  };
  app.get("/mcp", other);
  app.delete("/mcp", other);
  app.listen(Number(port), "127.0.0.1");
}
