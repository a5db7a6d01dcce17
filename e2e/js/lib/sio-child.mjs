// Runs js/socketio/child-client.mjs: a socket.io-client in a process of its own that a
// suite can SIGKILL or SIGSTOP (see that file).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("../socketio/child-client.mjs", import.meta.url));

/**
 * Starts a child client; resolves with { child, id, kill() } once it printed "ready <id>".
 * kill() resumes (if stopped) and kills it; it is safe to call twice.
 */
export function startChild({ nsp = "/reasons", auth = {}, ms = 15000 } = {}) {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, NSP: nsp, AUTH: JSON.stringify(auth) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const kill = () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      child.kill("SIGCONT");
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  };
  return new Promise((resolve, reject) => {
    let buf = "";
    const timer = setTimeout(() => { kill(); reject(new Error(`child client not ready within ${ms} ms`)); }, ms);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      buf += chunk;
      const m = /^ready (\S+)$/m.exec(buf);
      if (m) { clearTimeout(timer); resolve({ child, id: m[1], kill }); }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`child client exited (${code ?? signal}) before it was ready`));
    });
  });
}
