import { Transform } from "node:stream";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { DEFAULT_STDIN_MAX_BYTES } from "../launch/stdin-input.js";
import { errorEnvelope, okEnvelope, type Envelope } from "../protocol/envelope.js";
import { AgentExecError, asAgentExecError } from "../protocol/errors.js";
import { AGENT_EXEC_VERSION } from "../version.js";
import * as tools from "./tools.js";

// `agent-exec mcp`: the job verbs as MCP tools over stdio. Only cli.ts's `mcp` action imports this
// module, so no other verb loads the SDK. stdout carries JSON-RPC only: commands never print
// (log.ts writes to stderr), and the jobs are detached supervisors, so closing the transport ends
// this process and nothing else.
//
// The SDK's low-level Server rather than McpServer: McpServer turns malformed arguments into an
// isError result, while 0.2.31 (and the MCP spec's intent) answers them with a JSON-RPC
// InvalidParams error, before anything runs.

interface Tool<S extends z.ZodType> {
  description: string;
  input: S;
  /** The envelope's `type`, as the CLI prints it. */
  type: string;
  call: (args: z.infer<S>, ctx: tools.ToolContext) => Promise<object>;
}

const tool = <S extends z.ZodType>(t: Tool<S>): Tool<z.ZodType> => t as unknown as Tool<z.ZodType>;

const TOOLS: Record<string, Tool<z.ZodType>> = {
  run: tool({ type: "run", input: tools.runInput, call: tools.runTool, description: "Start a managed job (a detached supervisor runs it) and watch it for up to `until` seconds" }),
  status: tool({ type: "status", input: tools.jobInput, call: tools.statusTool, description: "Get a managed job's state, exit code and times" }),
  tail: tool({ type: "tail", input: tools.tailInput, call: tools.tailTool, description: "Read bounded tails of a managed job's stdout and stderr" }),
  wait: tool({ type: "wait", input: tools.waitInput, call: tools.waitTool, description: "Wait for a managed job for at most `until` seconds; the job keeps running after" }),
  kill: tool({ type: "kill", input: tools.jobInput, call: tools.killTool, description: "Explicitly terminate a managed job's whole process tree with TERM" }),
  list: tool({ type: "list", input: tools.listInput, call: tools.listTool, description: "List managed jobs, newest first, from the server's directory unless `all` or `cwd`" }),
};

// Every result is an object envelope; its shape per type is in `agent-exec schema`.
const OUTPUT_SCHEMA = { type: "object" } as const;

function inputSchema(schema: z.ZodType) {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io: "input" });
  return json as { type: "object" } & Record<string, unknown>;
}

function result(envelope: Envelope, isError: boolean): CallToolResult {
  // The text block is for hosts that show only content; structuredContent is the same object.
  return { content: [{ type: "text", text: JSON.stringify(envelope) }], structuredContent: envelope, ...(isError ? { isError } : {}) };
}

export interface McpServerOptions {
  root?: string;
  budget: tools.UntilBudget;
}

export function createServer(options: McpServerOptions): Server {
  const server = new Server({ name: "agent-exec", version: AGENT_EXEC_VERSION }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: Object.entries(TOOLS).map(([name, t]) => ({ name, description: t.description, inputSchema: inputSchema(t.input), outputSchema: OUTPUT_SCHEMA })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const t = Object.hasOwn(TOOLS, request.params.name) ? TOOLS[request.params.name] : undefined;
    if (!t) throw new McpError(ErrorCode.InvalidParams, `unknown tool ${JSON.stringify(request.params.name)}`);
    const parsed = t.input.safeParse(request.params.arguments ?? {});
    if (!parsed.success) throw new McpError(ErrorCode.InvalidParams, `invalid arguments for ${request.params.name}: ${z.prettifyError(parsed.error)}`);
    try {
      const data = await t.call(parsed.data, { root: options.root, budget: options.budget, signal: extra.signal });
      return result(okEnvelope(t.type, data), false);
    } catch (error) {
      let coded = asAgentExecError(error);
      // A conflict between arguments is the CLI's usage error; here it is an argument like any other.
      if (coded.code === "usage_error") coded = new AgentExecError("invalid_argument", coded.message, { details: coded.details });
      // The CLI's error envelope, plus 0.2.31's top-level isError/message for clients written to them.
      return result({ ...errorEnvelope(coded), isError: true, message: coded.message }, true);
    }
  });
  return server;
}

/** Serves until the client closes stdin; resolves then. */
export async function serveStdio(options: McpServerOptions): Promise<void> {
  const server = createServer(options);
  // Room for the largest inline stdin a run accepts, plus JSON escaping of a plain-text one.
  const maxBufferSize = 2 * DEFAULT_STDIN_MAX_BYTES + 1024 * 1024;
  const input = process.stdin.pipe(wholeLines(maxBufferSize));
  const transport = new StdioServerTransport(input, process.stdout, { maxBufferSize });
  const closed = new Promise<void>((resolve) => (server.onclose = resolve));
  input.once("end", () => void server.close());
  await server.connect(transport);
  await closed;
}

/**
 * Re-chunks the input into whole lines (one message each). The SDK's read buffer concatenates
 * every chunk onto what it holds and searches all of it for a newline, which is quadratic in a
 * message's size: a 64 MiB inline stdin took 125 s to be read; whole lines take one copy each.
 */
function wholeLines(maxBytes: number): Transform {
  let pending: Buffer[] = [];
  let size = 0;
  const take = (): Buffer => {
    const line = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
    pending = [];
    size = 0;
    return line;
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      let start = 0;
      for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
        pending.push(chunk.subarray(start, nl + 1));
        this.push(take());
        start = nl + 1;
      }
      if (start < chunk.length) {
        pending.push(chunk.subarray(start));
        size += chunk.length - start;
      }
      if (size > maxBytes) this.push(take()); // the transport refuses a message this large
      done();
    },
    flush(done) {
      if (size > 0) this.push(take());
      done();
    },
  });
}
