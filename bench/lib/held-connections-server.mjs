/**
 * The floor for idle sessions (bench only): a bare node:http server that answers every request
 * with an SSE response it holds open, as a Streamable HTTP server holds a session's GET stream.
 * Prints `{"port": n}` on stdout once listening; serves until SIGTERM.
 */
import { createServer } from 'node:http';

// The open socket keeps each response; nothing else needs to.
const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
});
server.listen({ port: 0, host: '127.0.0.1', backlog: 2048 }, () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
