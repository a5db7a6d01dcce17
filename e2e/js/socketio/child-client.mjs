// A socket.io-client in a process of its own, for suites that kill or freeze a client:
// it connects to NSP (default /reasons) with AUTH (JSON), in the TRANSPORT mode, prints
// "ready <socket id>" once connected (and upgraded), then stays connected.
import { connect } from "../lib/sio-util.mjs";

const socket = await connect(process.env.NSP || "/reasons", { auth: JSON.parse(process.env.AUTH || "{}") });
console.log(`ready ${socket.id}`);
socket.on("disconnect", (reason) => console.log(`disconnect ${reason}`));
