// Engine.IO over WebSocket only, no polling request at all (transports: ["websocket"]):
// handshake as the first frame with upgrades [] (protocol.md A2), one packet per frame,
// binary as binary frames (A4), ordering.
import { defineEchoTests } from "./echo-cases.mjs";

defineEchoTests("websocket", []);
