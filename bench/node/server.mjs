// The Node.js reference server for the side-by-side benchmarks: the same
// echo and broadcast contract as examples/testserver. package.json adds
// bufferutil, the native add-on Socket.IO's performance guide recommends.
import { createServer } from "node:http";
import { Server } from "socket.io";

const addr = process.argv[process.argv.indexOf("-addr") + 1] || "127.0.0.1:3000";
const [host, port] = addr.split(":");
const httpServer = createServer();
const io = new Server(httpServer);
io.on("connection", (socket) => {
  socket.on("echo", (...args) => args.pop()(...args));
  socket.on("broadcast", (...args) => {
    const ack = typeof args.at(-1) === "function" ? args.pop() : null;
    io.emit("broadcast", ...args);
    ack?.();
  });
});
httpServer.listen(Number(port), host, () => {
  console.log(`listening on http://${host}:${httpServer.address().port}`);
});
process.on("SIGTERM", () => io.close(() => process.exit(0)));
process.on("SIGINT", () => io.close(() => process.exit(0)));
