// Engine.IO over HTTP long-polling only (transports: ["polling"], upgrade: false):
// handshake fields (protocol.md A2), text/binary echo and ordering (A3, B1).
import { defineEchoTests } from "./echo-cases.mjs";

defineEchoTests("polling", ["websocket"]);
